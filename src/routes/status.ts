import { Hono } from "hono";
import { loadIncidentView, mayBeOlderIncident } from "../snapshot/incident-view";
import { limitPerClient } from "../http/client";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { dataFreshness, publicComponent, publicIncident, publicMaintenance, recentIncidents, upcomingMaintenance } from "../snapshot/format";
import { iso } from "../time";
import { sendFromSnapshot, sendJsonFromSnapshot } from "../snapshot/respond";
import type { Snapshot, SnapshotIncident, UptimeDay } from "../snapshot/types";
import { publicSnapshot } from "../snapshot/store";
import { holdsIncident } from "../snapshot/codec";
import { incidentPage, openSince } from "../snapshot/incident-pages";
import { DEFAULT_INCIDENT_PAGE, incidentListQuery } from "../schemas";
import { uuidParam, validate } from "../validation";

const DAY_MS = 86_400_000;
/** Windows of the incident list kept rendered in memory; the others are rendered per request. */
const CANONICAL_INCIDENT_DAYS = new Set([7, 30, 90, 365]);

/**
 * Each incident of a snapshot as its public JSON text, made once per parsing of its incidents (and dropped with
 * them when the snapshot lets them go back to text).
 */
const incidentTextsByList = new WeakMap<SnapshotIncident[], string[]>();

function incidentTexts(snapshot: Snapshot): string[] {
  const incidents = snapshot.incidents;
  let texts = incidentTextsByList.get(incidents);
  if (!texts) incidentTextsByList.set(incidents, (texts = incidents.map((i) => JSON.stringify(publicIncident(i)))));
  return texts;
}

/** The seconds of days that checks observed: what an uptime figure over them rests on. */
const observedSeconds = (days: UptimeDay[]) => days.reduce((sum, d) => sum + d.observed_seconds, 0);

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
      component: publicComponent(component),
      // The seed's numbers: a window with no observed second has seen no downtime (100), and the seconds
      // each figure rests on say so (0).
      uptime: {
        "30_days": component.uptime["30_days"] ?? 100,
        "60_days": component.uptime["60_days"] ?? 100,
        "90_days": component.uptime["90_days"] ?? 100,
      },
      uptime_observed_seconds: {
        "30_days": observedSeconds(component.days.slice(-30)),
        "60_days": observedSeconds(component.days.slice(-60)),
        "90_days": observedSeconds(component.days),
      },
      uptime_formula: UPTIME_FORMULA,
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    }));
  })
  .get("/incidents", validate("query", incidentListQuery), async (c) => {
    const { days, limit, cursor } = c.req.valid("query");
    const snapshot = await publicSnapshot(c);
    const since = snapshot.generated_at - days * DAY_MS;
    if (limit === undefined && cursor === undefined) {
      return sendFromSnapshot(c, snapshot, {
        key: `incidents:${days}`,
        contentType: "application/json; charset=utf-8",
        // The same text JSON.stringify would make of { incidents, period_days, total, next_cursor, last_updated, data }.
        render: () => {
          const texts = incidentTexts(snapshot);
          const incidents = snapshot.incidents;
          const inWindow = texts.filter((_, n) => openSince(incidents[n]!, since));
          const rest = JSON.stringify({ period_days: days, total: inWindow.length, next_cursor: null, last_updated: iso(snapshot.generated_at), data: dataFreshness(snapshot) });
          return `{"incidents":[${inWindow.join(",")}],${rest.slice(1)}`;
        },
        // Any of 365 windows can be asked for; only the usual ones are kept rendered, and the others are a
        // join of texts made once per snapshot, not a rendering of every incident per request.
        cache: CANONICAL_INCIDENT_DAYS.has(days),
      });
    }
    // A page is the window (the started-in prefix and a scan of the older incidents for open ones), a binary
    // search in it and `limit` incidents to serialize: rendered per request, never kept, and
    // answered as every other snapshot read is (validators, stale marker, caching headers on 304s too).
    const pageLimit = limit ?? DEFAULT_INCIDENT_PAGE;
    return sendJsonFromSnapshot(
      c,
      snapshot,
      `incidents:${days}:${pageLimit}:${c.req.query("cursor") ?? ""}`,
      () => {
        const page = incidentPage(snapshot.incidents, { since, limit: pageLimit, cursor });
        return { incidents: page.incidents.map(publicIncident), period_days: days, total: page.total, next_cursor: page.next_cursor, last_updated: iso(snapshot.generated_at), data: dataFreshness(snapshot) };
      },
      { cache: false },
    );
  })
  .get("/incidents/:id", validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const snapshot = await publicSnapshot(c);
    // Known from the snapshot's index: the incidents themselves are read only to render the answer anew.
    if (holdsIncident(snapshot, id)) return sendJsonFromSnapshot(c, snapshot, `incident:${id}`, () => publicIncident(snapshot.incidents.find((i) => i.id === id)!));
    // Older than the snapshot's year of history: a rare read that goes to D1, only for an id the snapshot's
    // index knows, and limited per client.
    if (!mayBeOlderIncident(snapshot, id)) throw notFound("Incident");
    await limitPerClient(c, c.env.HISTORY_LIMITER, "history", "Too many reads of old incidents from this address; try again in a minute");
    const view = await loadIncidentView(c.var.db, id);
    if (!view) throw notFound("Incident");
    return c.json(publicIncident(view));
  })
  .get("/maintenance/:id", validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const snapshot = await publicSnapshot(c);
    // The windows the page shows: upcoming, in progress, and those that ended within the snapshot's year.
    const maintenance = snapshot.maintenances.find((m) => m.id === id);
    if (!maintenance) throw notFound("Maintenance window");
    return sendJsonFromSnapshot(c, snapshot, `maintenance:${id}`, () => publicMaintenance(maintenance));
  })
  .get("/maintenance", async (c) => {
    const snapshot = await publicSnapshot(c);
    return sendJsonFromSnapshot(c, snapshot, "maintenance", () => ({
      maintenance_windows: upcomingMaintenance(snapshot).map(publicMaintenance),
      last_updated: iso(snapshot.generated_at),
      data: dataFreshness(snapshot),
    }));
  });
