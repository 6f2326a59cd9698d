import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { latencyQuery } from "../schemas";
import { dataFreshness } from "../snapshot/format";
import { iso } from "../time";
import { latencyGrids, latencyPoints } from "../snapshot/latency";
import { sendJsonFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { LATENCY_RANGES } from "../uptime/latency";
import { uuidParam, validate } from "../validation";

export const PERCENTILES_NOTE =
  "p50 and p95 are read from a fixed histogram of every response time in the bucket (bins from 10 ms to 10 s), interpolated within the bin and kept inside the bucket's min and max; failed checks have no response time";

/** A component's response times over 24 hours (quarter hours), 7 days (hours) or 90 days (days), from the snapshot. */
export const latency = new Hono<AppEnv>().get("/components/:id/latency", validate("param", uuidParam), validate("query", latencyQuery), async (c) => {
  const { id } = c.req.valid("param");
  const { range } = c.req.valid("query");
  const snapshot = await publicSnapshot(c);
  const component = snapshot.components.find((x) => x.id === id);
  if (!component) throw notFound("Component");
  return sendJsonFromSnapshot(c, snapshot, `latency:${id}:${range}`, () => {
    const grid = latencyGrids(snapshot.generated_at, snapshot.page.time_zone)[range];
    return {
      component_id: component.id,
      name: component.name,
      range,
      bucket_seconds: LATENCY_RANGES[range].spanMs / 1000,
      time_zone: snapshot.page.time_zone,
      buckets: latencyPoints(component, range, grid, snapshot.page.time_zone).map((p) => ({
        start: iso(p.start),
        count: p.count,
        p50_ms: p.p50_ms,
        p95_ms: p.p95_ms,
        min_ms: p.min_ms,
        max_ms: p.max_ms,
        failed_checks: p.failed_checks,
        maintenance_checks: p.maintenance_checks,
      })),
      percentiles: PERCENTILES_NOTE,
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    };
  });
});
