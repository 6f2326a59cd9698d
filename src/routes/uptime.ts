import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { dataFreshness } from "../snapshot/format";
import { iso } from "../time";
import { sendJsonFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { uptimeOfDays } from "../snapshot/build";
import { uptimeQuery } from "../schemas";
import { uuidParam, validate } from "../validation";
import { UPTIME_FORMULA } from "./status";

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
    uptime: uptimeOfDays(component.days.slice(-days)),
    uptime_formula: UPTIME_FORMULA,
    days: component.days.slice(-days).map((d) => ({
      date: d.date,
      uptime: d.uptime,
      worst_status: d.worst_status,
      downtime_seconds: d.downtime_seconds,
      observed_seconds: d.observed_seconds,
      partial_seconds: d.partial_seconds,
      major_seconds: d.major_seconds,
      maintenance_seconds: d.maintenance_seconds,
      incident_ids: d.incident_ids,
      reported_status: d.reported_status,
      has_data: d.has_data,
    })),
    last_updated: iso(snapshot.generated_at),
    data: dataFreshness(snapshot),
  }), { cache: days === 30 || days === 60 || days === 90 });
});
