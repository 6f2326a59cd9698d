import { Hono } from "hono";
import { loadIncidentView } from "../snapshot/incident-view";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { dataFreshness, publicComponent, publicIncident, publicMaintenance, recentIncidents, upcomingMaintenance, iso } from "../snapshot/format";
import { sendJsonFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { incidentListQuery } from "../schemas";
import { uuidParam, validate } from "../validation";

const DAY_MS = 86_400_000;

export const UPTIME_FORMULA =
  "uptime = 1 - (major_outage seconds + 0.3 x partial_outage seconds) / observed seconds, over calendar days in the page's time zone; degraded counts as up; time under maintenance or without check data is left out; floored to 2 decimals";

/** The seed's public API, served from the snapshot: no D1 query on the hot path. */
export const publicStatus = new Hono<AppEnv>()
  .get("/", async (c) => {
    const snapshot = await publicSnapshot(c);
    return sendJsonFromSnapshot(c, snapshot, "status", () => ({
      overall_status: snapshot.overall_status,
      components: snapshot.components.map(publicComponent),
      groups: snapshot.groups.map((g) => ({ id: g.id, name: g.name, description: g.description, position: g.position, components: g.component_ids })),
      recent_incidents: recentIncidents(snapshot).map(publicIncident),
      scheduled_maintenance: upcomingMaintenance(snapshot).map(publicMaintenance),
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    }));
  })
  .get("/components/:id", validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const snapshot = await publicSnapshot(c);
    const component = snapshot.components.find((x) => x.id === id);
    if (!component) throw notFound("Component");
    return sendJsonFromSnapshot(c, snapshot, `component:${id}`, () => ({
      ...publicComponent(component),
      uptime: component.uptime,
      uptime_formula: UPTIME_FORMULA,
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    }));
  })
  .get("/incidents", validate("query", incidentListQuery), async (c) => {
    const { days } = c.req.valid("query");
    const snapshot = await publicSnapshot(c);
    return sendJsonFromSnapshot(c, snapshot, `incidents:${days}`, () => {
      const since = snapshot.generated_at - days * DAY_MS;
      const incidents = snapshot.incidents.filter((i) => i.started_at >= since);
      return { incidents: incidents.map(publicIncident), period_days: days, total: incidents.length, last_updated: iso(snapshot.generated_at), data: dataFreshness(snapshot) };
    });
  })
  .get("/incidents/:id", validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const snapshot = await publicSnapshot(c);
    const incident = snapshot.incidents.find((i) => i.id === id);
    if (incident) return sendJsonFromSnapshot(c, snapshot, `incident:${id}`, () => publicIncident(incident));
    // Older than the snapshot's year of history: a rare read that goes to D1.
    const view = await loadIncidentView(c.var.db, id);
    if (!view) throw notFound("Incident");
    return c.json(publicIncident(view));
  })
  .get("/maintenance", async (c) => {
    const snapshot = await publicSnapshot(c);
    return sendJsonFromSnapshot(c, snapshot, "maintenance", () => ({
      maintenance: upcomingMaintenance(snapshot).map(publicMaintenance),
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    }));
  });
