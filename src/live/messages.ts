import type { Snapshot, SnapshotIncident, SnapshotIncidentUpdate, SnapshotMaintenance, UptimeDay } from "../snapshot/types";
import { isOpenIncident, uptimeOfDays } from "../snapshot/build";
import { latencyGrids, latencyPoints, type LatencyPoint } from "../snapshot/latency";
import { currentEta, seedIncidentStatus, upcomingMaintenance } from "../snapshot/format";
import { renderMarkdown } from "../text/markdown";
import { checkedLine, regionsLine, type CheckedLine } from "../text/checks";
import { dayLevel } from "../page/format";

/** What a card on the page shows of an incident; its description, postmortem and history stay on its own page. */
export function incidentSummary(incident: SnapshotIncident) {
  return {
    id: incident.id,
    title: incident.title,
    status: seedIncidentStatus(incident),
    severity: incident.severity,
    started_at: incident.started_at,
    resolved_at: incident.resolved_at,
    postmortem_published_at: incident.postmortem_published_at,
    updated_at: incident.updated_at,
    /** The newest estimate any update gave (an update without one does not withdraw it). */
    eta: currentEta(incident),
    components: incident.components,
    automatic: incident.automatic ?? false,
  };
}

export type IncidentSummary = ReturnType<typeof incidentSummary>;

/**
 * An update as the page draws it: the text as written, and beside it the HTML the server renders from it
 * (the sanitized Markdown subset), so a card added live reads as it will after a reload.
 */
export const liveUpdate = (update: SnapshotIncidentUpdate) => ({ ...update, message_html: renderMarkdown(update.message) });

export type LiveUpdate = ReturnType<typeof liveUpdate>;

/**
 * A maintenance window as the page draws it: its description as written, and as the server renders it
 * (without the statuses kept for Statuspage's updates, which the page does not draw).
 */
export const liveMaintenance = ({ statuses: _, ...maintenance }: SnapshotMaintenance) => ({
  ...maintenance,
  description_html: maintenance.description ? renderMarkdown(maintenance.description) : null,
});

export type LiveMaintenance = ReturnType<typeof liveMaintenance>;

/** What a browser needs to draw the page's live parts; small enough to send on every connect. */
export function liveView(snapshot: Snapshot) {
  return {
    version: snapshot.version,
    generated_at: snapshot.generated_at,
    overall_status: snapshot.overall_status,
    components: snapshot.components.map((c) => ({
      id: c.id,
      name: c.name,
      group_id: c.group_id,
      status: c.status,
      monitored: c.monitored,
      awaiting_first_check: c.awaiting_first_check === true,
    })),
    active_incidents: snapshot.incidents.filter((i) => isOpenIncident(i.status)).map((i) => ({ ...incidentSummary(i), updates: i.updates.map(liveUpdate) })),
    // In the page's order: a page drawn from this on connect lists them as a load of it does.
    maintenances: upcomingMaintenance(snapshot).map(liveMaintenance),
  };
}

export type LiveView = ReturnType<typeof liveView>;

/**
 * Incident messages carry the card's summary and only the updates that are new or edited since the previous
 * snapshot, not the whole incident: a replay of many of them stays small.
 */
export type LiveChange =
  | { type: "component.status"; data: { id: string; name: string; status: string; previous: string; overall_status: string } }
  | {
      type: "components.changed";
      /** `changed`: the components added, or whose name, description, group or monitoring changed (their own pages draw them again). */
      data: { components: LiveView["components"]; removed: string[]; changed: string[]; groups: { id: string; name: string }[]; overall_status: string };
    }
  | {
      type: "incident.created" | "incident.updated" | "incident.resolved";
      data: { incident: IncidentSummary; updates: LiveUpdate[]; overall_status: string };
    }
  | { type: "incident.deleted"; data: { id: string; overall_status: string } }
  | {
      type: "maintenance.scheduled" | "maintenance.updated" | "maintenance.started" | "maintenance.completed" | "maintenance.cancelled";
      data: { maintenance: LiveMaintenance; overall_status: string };
    }
  | { type: "maintenance.deleted"; data: { id: string; overall_status: string } }
  | { type: "components.latency"; data: { components: LatencyUpdate[]; overall_status: string } }
  /** `ids`: the components whose 90-day bar or uptime figures read otherwise (their pages draw them again). */
  | { type: "components.days"; data: { ids: string[]; overall_status: string } };

/**
 * The last two quarter hours and days of one component's response times, as its page's charts draw them:
 * a result taken just before a bucket edge lands in the one before the newest.
 */
export interface LatencyUpdate {
  id: string;
  uptime_24h: number | null;
  uptime_7d: number | null;
  uptime: Snapshot["components"][number]["uptime"];
  points: { "24h": LatencyPoint[]; "90d": LatencyPoint[] };
  /** What each region saw in this check, as the page words it (null: a monitor checked from one place). */
  regions: string | null;
  /** What the checks say, around the time of this one, as the page words it (null: nothing checks it yet). */
  checked: CheckedLine | null;
}

/** A change as sent on the socket: every message has a type and a sequence number that only grows. */
export type LiveMessage = LiveChange & { seq: number; version: number; at: number };

/** Every change between two snapshots that a browser should show, in a stable order. */
export function diffSnapshots(prev: Snapshot | null, next: Snapshot): LiveChange[] {
  if (!prev) return [];
  const changes: LiveChange[] = [];
  const overall_status = next.overall_status;

  const prevComponents = new Map(prev.components.map((c) => [c.id, c]));
  const drawnAlike = (p: Snapshot["components"][number] | undefined, c: Snapshot["components"][number]) =>
    p !== undefined &&
    p.name === c.name &&
    (p.description ?? null) === (c.description ?? null) &&
    p.group_id === c.group_id &&
    p.monitored === c.monitored &&
    // The page tags a monitor that has not reported yet; its first result drops the tag.
    (p.awaiting_first_check === true) === (c.awaiting_first_check === true);
  const changed = next.components.filter((c) => !drawnAlike(prevComponents.get(c.id), c)).map((c) => c.id);
  const sameSet = prev.components.length === next.components.length && changed.length === 0 && next.components.every((c, i) => prev.components[i]?.id === c.id);
  // A group renamed or moved changes the list as a page draws it too.
  const [before, after] = [prev.groups ?? [], next.groups ?? []];
  const sameGroups = before.length === after.length && after.every((g, i) => before[i]?.id === g.id && before[i]?.name === g.name);
  if (!sameSet || !sameGroups) {
    const kept = new Set(next.components.map((c) => c.id));
    const removed = prev.components.filter((c) => !kept.has(c.id)).map((c) => c.id);
    const groups = after.map((g) => ({ id: g.id, name: g.name }));
    changes.push({ type: "components.changed", data: { components: liveView(next).components, removed, changed, groups, overall_status } });
  }
  for (const c of next.components) {
    const p = prevComponents.get(c.id);
    if (p && p.status !== c.status) {
      changes.push({
        type: "component.status",
        data: { id: c.id, name: c.name, status: c.status, previous: p.status, overall_status },
      });
    }
  }

  const prevIncidents = new Map(prev.incidents.map((i) => [i.id, i]));
  const nextIncidentIds = new Set(next.incidents.map((i) => i.id));
  for (const incident of [...next.incidents].reverse()) {
    const p = prevIncidents.get(incident.id);
    const summary = incidentSummary(incident);
    if (!p) {
      changes.push({ type: "incident.created", data: { incident: summary, updates: incident.updates.map(liveUpdate), overall_status } });
      continue;
    }
    const before = new Map(p.updates.map((u) => [u.id, u.updated_at]));
    // Open again (the checks reopened it): pages draw its card anew, from the whole timeline, as on a reload.
    const reopened = !isOpenIncident(p.status) && isOpenIncident(incident.status);
    const updates = incident.updates.filter((u) => reopened || before.get(u.id) !== u.updated_at).map(liveUpdate);
    if (isOpenIncident(p.status) && !isOpenIncident(incident.status)) {
      changes.push({ type: "incident.resolved", data: { incident: summary, updates, overall_status } });
    } else if (
      // The whole summary, not only updated_at: the checks' plan moves an automatic incident's components
      // (as they recover, or fail worse) without touching the incident's own row.
      JSON.stringify(incidentSummary(p)) !== JSON.stringify(summary) ||
      updates.length ||
      p.updates.length !== incident.updates.length
    ) {
      changes.push({ type: "incident.updated", data: { incident: summary, updates, overall_status } });
    }
  }
  // Deleted by an admin (or aged out of the snapshot's year): open pages drop the card.
  for (const p of prev.incidents) {
    if (!nextIncidentIds.has(p.id)) changes.push({ type: "incident.deleted", data: { id: p.id, overall_status } });
  }

  const prevMaintenances = new Map(prev.maintenances.map((m) => [m.id, m]));
  for (const maintenance of next.maintenances) {
    const p = prevMaintenances.get(maintenance.id);
    let type: Extract<LiveChange, { data: { maintenance: LiveMaintenance } }>["type"] | null = null;
    // A window scheduled with a start already past is in progress from its first snapshot: it is news as
    // one that started, as its followers and the feeds hear of it, not as one planned.
    if (!p) type = maintenance.status === "in_progress" ? "maintenance.started" : "maintenance.scheduled";
    else if (p.status !== maintenance.status) {
      type =
        maintenance.status === "in_progress"
          ? "maintenance.started"
          : maintenance.status === "completed"
            ? "maintenance.completed"
            : maintenance.status === "cancelled"
              ? "maintenance.cancelled"
              : "maintenance.updated";
    } else if (p.updated_at !== maintenance.updated_at) type = "maintenance.updated";
    if (type) changes.push({ type, data: { maintenance: liveMaintenance(maintenance), overall_status } } as LiveChange);
  }
  const nextMaintenanceIds = new Set(next.maintenances.map((m) => m.id));
  for (const p of prev.maintenances) {
    if (!nextMaintenanceIds.has(p.id)) changes.push({ type: "maintenance.deleted", data: { id: p.id, overall_status } });
  }
  const days = daysChanges(prev, next);
  if (days.length) changes.push({ type: "components.days", data: { ids: days, overall_status } });
  const latency = latencyChanges(prev, next);
  if (latency.length) changes.push({ type: "components.latency", data: { components: latency, overall_status } });
  return changes;
}

/** Components whose newest quarter hour or day of response times moved (a check result arrived). */
function latencyChanges(prev: Snapshot, next: Snapshot): LatencyUpdate[] {
  // Snapshots stored before response times were kept have none: nothing to announce.
  if (!next.components.some((c) => c.latency)) return [];
  const prevComponents = new Map(prev.components.map((c) => [c.id, c]));
  const grids = latencyGrids(next.generated_at, next.page.time_zone);
  const updates: LatencyUpdate[] = [];
  for (const c of next.components) {
    const p = prevComponents.get(c.id);
    const latest = (x: typeof c | undefined) => JSON.stringify([x?.latency?.["24h"].at(-1), x?.latency?.["90d"].at(-1), x?.uptime_24h, x?.regions, x?.last_checked_at]);
    if (!c.latency || latest(p) === latest(c)) continue;
    updates.push({
      id: c.id,
      uptime_24h: c.uptime_24h ?? null,
      uptime_7d: uptimeOfDays(c.days.slice(-7)),
      uptime: c.uptime,
      points: {
        "24h": latencyPoints(c, "24h", grids["24h"].slice(-2), next.page.time_zone),
        "90d": latencyPoints(c, "90d", grids["90d"].slice(-2), next.page.time_zone),
      },
      regions: c.monitored && c.regions?.length ? regionsLine(c.regions) : null,
      checked: c.monitored && !c.awaiting_first_check ? checkedLine(c) : null,
    });
  }
  return updates;
}

/**
 * Components whose bar a reader sees change (a day's colour, a day getting its first data, or the incidents a
 * day names: a check result, an incident's report, start or title, maintenance), for open pages to draw them
 * again. Not the figures inside the words: a check that moves a day's uptime by 0.01%, or a window's minutes,
 * would have every open page fetch itself each minute for hours after an outage, for a tooltip's decimal.
 * Those are drawn with the next change a reader sees, or a reload. Past midnight every bar moves by a day,
 * which the pages see for themselves (data-day-ends), as they see a component added (components.changed).
 */
function daysChanges(prev: Snapshot, next: Snapshot): string[] {
  const prevComponents = new Map(prev.components.map((c) => [c.id, c]));
  const [before, after] = [new Map(prev.incidents.map((i) => [i.id, i])), new Map(next.incidents.map((i) => [i.id, i]))];
  const seen = (a: UptimeDay, b: UptimeDay) =>
    a.has_data === b.has_data &&
    dayLevel(a, a.reported_status) === dayLevel(b, b.reported_status) &&
    a.incident_ids.length === b.incident_ids.length &&
    a.incident_ids.every((id, n) => id === b.incident_ids[n] && before.get(id)?.title === after.get(id)?.title);
  const ids: string[] = [];
  for (const c of next.components) {
    const p = prevComponents.get(c.id);
    if (!p || p.days.length !== c.days.length || p.days.at(-1)?.date !== c.days.at(-1)?.date) continue;
    if (c.days.some((day, k) => !seen(p.days[k]!, day))) ids.push(c.id);
  }
  return ids;
}
