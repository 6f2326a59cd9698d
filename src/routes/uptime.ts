import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { dataFreshness, iso } from "../snapshot/format";
import { sendJsonFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import type { SnapshotComponent } from "../snapshot/types";
import { uptimeQuery } from "../schemas";
import { uptimePercent } from "../uptime/formula";
import { uuidParam, validate } from "../validation";
import { UPTIME_FORMULA } from "./status";

function windowUptime(component: SnapshotComponent, days: number): number | null {
  const exact = { 30: component.uptime["30_days"], 60: component.uptime["60_days"], 90: component.uptime["90_days"] }[days];
  if (exact !== undefined) return exact;
  const series = component.days.slice(-days);
  const percent = uptimePercent({
    observedSeconds: series.reduce((sum, d) => sum + d.observed_seconds, 0),
    majorSeconds: series.reduce((sum, d) => sum + d.downtime_seconds, 0),
    partialSeconds: 0,
  });
  // Days carry their weighted downtime rounded to seconds: a few seconds of partial outage can round to 0,
  // and a window with any downtime must never read 100.
  return percent === 100 && series.some((d) => d.uptime !== null && d.uptime < 100) ? 99.99 : percent;
}

/** The daily series the uptime bar is drawn from, served from the snapshot (oldest day first). */
export const uptime = new Hono<AppEnv>().get("/components/:id/uptime", validate("param", uuidParam), validate("query", uptimeQuery), async (c) => {
  const { id } = c.req.valid("param");
  const { days } = c.req.valid("query");
  const snapshot = await publicSnapshot(c);
  const component = snapshot.components.find((x) => x.id === id);
  if (!component) throw notFound("Component");
  return sendJsonFromSnapshot(c, snapshot, `uptime:${id}:${days}`, () => ({
    component_id: component.id,
    name: component.name,
    monitored: component.monitored,
    period_days: days,
    time_zone: snapshot.page.time_zone,
    uptime: windowUptime(component, days),
    uptime_formula: UPTIME_FORMULA,
    days: component.days.slice(-days).map((d) => ({
      date: d.date,
      uptime: d.uptime,
      worst_status: d.worst_status,
      downtime_seconds: d.downtime_seconds,
      observed_seconds: d.observed_seconds,
      maintenance_seconds: d.maintenance_seconds,
      incident_ids: d.incident_ids,
      has_data: d.has_data,
    })),
    last_updated: iso(snapshot.generated_at),
    data: dataFreshness(snapshot),
  }));
});
