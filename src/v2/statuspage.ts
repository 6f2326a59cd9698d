import type { ShownStatus } from "../db/schema";
import { isOpenIncident, startedWhenWritten } from "../snapshot/build";
import { isoMillis } from "../time";
import type { Snapshot, SnapshotComponent, SnapshotGroup, SnapshotIncident, SnapshotMaintenance } from "../snapshot/types";
import { worstStatus } from "../status";
import { dayOf } from "../uptime/days";
import { fnv1a } from "../http/hash";
import { componentsByUpdate } from "../snapshot/update-components";

// Atlassian Statuspage's public v2 shapes, as pure functions of the snapshot. Every field is present
// (null when Beacon has no such thing); enumerations are mapped at this edge only.

export type V2ComponentStatus = "operational" | "degraded_performance" | "partial_outage" | "major_outage" | "under_maintenance";
export type V2Indicator = "none" | "minor" | "major" | "critical" | "maintenance";

export const v2ComponentStatus = (status: ShownStatus): V2ComponentStatus => (status === "degraded" ? "degraded_performance" : status);

/** Statuspage's recent lists hold at most this many. */
const LIST_LIMIT = 50;

/** A stable page id derived from the page's URL (Beacon runs one page per deployment). */
export const pageId = (snapshot: Snapshot) => fnv1a(snapshot.page.url).padStart(7, "0") + fnv1a(`${snapshot.page.url}#page`).padStart(7, "0");

export function v2Page(snapshot: Snapshot) {
  return {
    id: pageId(snapshot),
    name: snapshot.page.name,
    url: snapshot.page.url,
    time_zone: snapshot.page.time_zone,
    updated_at: isoMillis(snapshot.generated_at),
  };
}

export type V2Component = ReturnType<typeof componentRow> | ReturnType<typeof groupRow>;

function componentRow(snapshot: Snapshot, c: SnapshotComponent, position: number) {
  return {
    id: c.id,
    name: c.name,
    status: v2ComponentStatus(c.status),
    created_at: isoMillis(c.created_at),
    updated_at: isoMillis(c.updated_at),
    position,
    description: c.description,
    showcase: true,
    start_date: dayOf(c.created_at, snapshot.page.time_zone),
    group_id: c.group_id,
    page_id: pageId(snapshot),
    group: false,
    only_show_if_degraded: false,
  };
}

function groupRow(snapshot: Snapshot, g: SnapshotGroup, children: SnapshotComponent[], position: number) {
  return {
    id: g.id,
    name: g.name,
    status: v2ComponentStatus(worstStatus(children.map((c) => c.status), "operational")),
    created_at: isoMillis(g.created_at),
    updated_at: isoMillis(g.updated_at),
    position,
    description: g.description,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: pageId(snapshot),
    group: true,
    only_show_if_degraded: false,
    components: children.map((c) => c.id),
  };
}

/**
 * Every component and group as Statuspage lists them: a group row (with its children's ids) where its
 * first component appears in page order, followed by its children. Positions count from 1 among siblings.
 */
export function v2Components(snapshot: Snapshot): V2Component[] {
  const groups = new Map(snapshot.groups.map((g) => [g.id, g]));
  const rows: V2Component[] = [];
  const emitted = new Set<string>();
  let topLevel = 0;
  for (const c of snapshot.components) {
    const group = c.group_id ? groups.get(c.group_id) : undefined;
    if (!group) {
      rows.push(componentRow(snapshot, c, ++topLevel));
      continue;
    }
    if (emitted.has(group.id)) continue;
    emitted.add(group.id);
    const children = snapshot.components.filter((x) => x.group_id === group.id);
    rows.push(groupRow(snapshot, group, children, ++topLevel));
    children.forEach((child, i) => rows.push(componentRow(snapshot, child, i + 1)));
  }
  for (const g of snapshot.groups) if (!emitted.has(g.id)) rows.push(groupRow(snapshot, g, [], ++topLevel));
  return rows;
}

const INDICATORS: Record<ShownStatus, V2Indicator> = {
  operational: "none",
  under_maintenance: "maintenance",
  degraded: "minor",
  partial_outage: "major",
  major_outage: "critical",
};

/** The words Statuspage puts beside each indicator (tools match on them, so never the page's own). */
const DESCRIPTIONS: Record<ShownStatus, string> = {
  operational: "All Systems Operational",
  under_maintenance: "Service Under Maintenance",
  degraded: "Minor Service Outage",
  partial_outage: "Partial System Outage",
  major_outage: "Major Service Outage",
};

/**
 * The page's overall status in Statuspage's terms. It is the snapshot's one overall status (components and
 * open incidents' impact, maintenance below any degradation), so v2 never disagrees with the page or the API.
 * `minor` has two descriptions there: degraded components make it "Partially Degraded Service", a minor
 * incident alone "Minor Service Outage".
 */
export function v2Status(snapshot: Snapshot): { indicator: V2Indicator; description: string } {
  const status = snapshot.overall_status;
  const degradedComponent = status === "degraded" && snapshot.components.some((c) => c.status === "degraded");
  return { indicator: INDICATORS[status], description: degradedComponent ? "Partially Degraded Service" : DESCRIPTIONS[status] };
}

type AffectedComponent = { code: string; name: string; old_status: V2ComponentStatus; new_status: V2ComponentStatus };

function incidentUpdate(
  incidentId: string,
  u: { id: string; status: string; body: string; at: number; updated_at: number; notified: boolean },
  affected: AffectedComponent[] | null,
) {
  return {
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: incidentId,
    created_at: isoMillis(u.at),
    updated_at: isoMillis(u.updated_at),
    display_at: isoMillis(u.at),
    affected_components: affected,
    deliver_notifications: u.notified,
    custom_tweet: null,
    tweet_id: null,
  };
}

const rowsFor = (rows: V2Component[], ids: string[]) => ids.map((id) => rows.find((r) => r.id === id)).filter((r) => r !== undefined);

/** What each update did to the incident's components, in Statuspage's words (see componentsByUpdate). */
function affectedByUpdate(snapshot: Snapshot, i: SnapshotIncident): Map<string, AffectedComponent[]> {
  const byUpdate = componentsByUpdate(snapshot, i);
  return new Map(
    [...byUpdate].map(([id, listed]) => [id, listed.map((c) => ({ code: c.id, name: c.name, old_status: v2ComponentStatus(c.from), new_status: v2ComponentStatus(c.to) }))]),
  );
}

export function v2Incident(snapshot: Snapshot, i: SnapshotIncident, rows: V2Component[]) {
  const monitoring = [...i.updates].reverse().find((u) => u.status === "monitoring");
  const affected = affectedByUpdate(snapshot, i);
  return {
    id: i.id,
    name: i.title,
    status: i.status,
    created_at: isoMillis(i.created_at),
    updated_at: isoMillis(i.updated_at),
    monitoring_at: isoMillis(monitoring?.created_at),
    resolved_at: isoMillis(i.resolved_at),
    impact: i.severity,
    shortlink: `${snapshot.page.url}/incidents/${i.id}`,
    started_at: isoMillis(i.started_at),
    page_id: pageId(snapshot),
    incident_updates: i.updates.map((u) =>
      incidentUpdate(
        i.id,
        { id: u.id, status: u.status, body: u.message, at: u.created_at, updated_at: u.updated_at, notified: u.notified !== false },
        affected.get(u.id) ?? null,
      ),
    ),
    components: rowsFor(rows, i.components.map((c) => c.id)),
  };
}

const MAINTENANCE_TEXT = {
  in_progress: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
  completed: "The scheduled maintenance has been completed.",
} as const;

/** Where each step of a window reads its components' statuses from (WindowStatuses), and what it assumes without them. */
const WINDOW_STEPS = {
  scheduled: { at: [0, 0], assumed: ["operational", "operational"] },
  in_progress: { at: [1, 2], assumed: ["operational", "under_maintenance"] },
  completed: { at: [3, 4], assumed: ["under_maintenance", "operational"] },
} as const;

export function v2Maintenance(snapshot: Snapshot, m: SnapshotMaintenance, rows: V2Component[]) {
  const present = new Map(rows.map((r) => [r.id, r.status]));
  // What each step moved, from the statuses recorded around it: a component an incident held at a worse
  // status did not go under maintenance, and its updates say so.
  const affected = (step: keyof typeof WINDOW_STEPS) =>
    m.components.map((c) => {
      const statuses = m.statuses?.[c.id];
      const [from, to] = WINDOW_STEPS[step].at.map((at, i) => {
        if (!statuses) return WINDOW_STEPS[step].assumed[i]!;
        const status = statuses[at];
        return status ? v2ComponentStatus(status) : (present.get(c.id) ?? "operational");
      });
      return { code: c.id, name: c.name, old_status: from!, new_status: to! };
    });
  const notified = m.notify !== false;
  // Beacon records a window's transitions rather than written updates: each becomes the update Statuspage would post.
  const atOnce = startedWhenWritten(m);
  const updates = [
    ...(atOnce
      ? []
      : [incidentUpdate(m.id, { id: `${m.id}-scheduled`, status: "scheduled", body: m.description || m.title, at: m.created_at, updated_at: m.created_at, notified }, affected("scheduled"))]),
    ...(m.started_at === null
      ? []
      : [incidentUpdate(m.id, { id: `${m.id}-in-progress`, status: "in_progress", body: (atOnce && m.description) || MAINTENANCE_TEXT.in_progress, at: m.started_at, updated_at: m.started_at, notified }, affected("in_progress"))]),
    ...(m.completed_at === null
      ? []
      : [incidentUpdate(m.id, { id: `${m.id}-completed`, status: "completed", body: MAINTENANCE_TEXT.completed, at: m.completed_at, updated_at: m.completed_at, notified }, affected("completed"))]),
  ].reverse();
  return {
    id: m.id,
    name: m.title,
    status: m.status,
    created_at: isoMillis(m.created_at),
    updated_at: isoMillis(m.updated_at),
    monitoring_at: null,
    resolved_at: isoMillis(m.completed_at),
    impact: "maintenance",
    shortlink: `${snapshot.page.url}/maintenance/${m.id}`,
    started_at: isoMillis(m.started_at ?? m.scheduled_start),
    page_id: pageId(snapshot),
    incident_updates: updates,
    components: rowsFor(rows, m.components.map((c) => c.id)),
    scheduled_for: isoMillis(m.scheduled_start),
    scheduled_until: isoMillis(m.scheduled_end),
  };
}

/** Statuspage has no "cancelled" maintenance status: a cancelled window leaves every v2 list, and webhooks. */
export const listedInV2 = (m: SnapshotMaintenance) => m.status !== "cancelled";
const listedMaintenances = (snapshot: Snapshot) => snapshot.maintenances.filter(listedInV2);
const upcomingOrActive = (m: SnapshotMaintenance) => m.status === "scheduled" || m.status === "in_progress";

export const unresolvedIncidents = (snapshot: Snapshot) => snapshot.incidents.filter((i) => isOpenIncident(i.status));

export function v2Lists(snapshot: Snapshot) {
  const components = v2Components(snapshot);
  const incident = (i: SnapshotIncident) => v2Incident(snapshot, i, components);
  const maintenance = (m: SnapshotMaintenance) => v2Maintenance(snapshot, m, components);
  const maintenances = listedMaintenances(snapshot);
  return {
    components,
    // Statuspage's "50 most recent", which always includes every unresolved one, however old.
    incidents: () => snapshot.incidents.filter((i, k) => k < LIST_LIMIT || isOpenIncident(i.status)).map(incident),
    unresolved: () => unresolvedIncidents(snapshot).map(incident),
    // Statuspage's "50 most recent", which always holds what upcoming.json and active.json do, however many
    // windows are planned further ahead (latest start first).
    maintenances: () =>
      [...maintenances]
        .sort((a, b) => b.scheduled_start - a.scheduled_start)
        .filter((m, k) => k < LIST_LIMIT || upcomingOrActive(m))
        .map(maintenance),
    upcoming: () => maintenances.filter((m) => m.status === "scheduled").map(maintenance),
    active: () => maintenances.filter((m) => m.status === "in_progress").map(maintenance),
    upcomingAndActive: () => maintenances.filter(upcomingOrActive).map(maintenance),
  };
}

export function v2Summary(snapshot: Snapshot) {
  const lists = v2Lists(snapshot);
  return {
    page: v2Page(snapshot),
    components: lists.components,
    incidents: lists.unresolved(),
    scheduled_maintenances: lists.upcomingAndActive(),
    status: v2Status(snapshot),
  };
}
