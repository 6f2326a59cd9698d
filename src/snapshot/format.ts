import { isOpenIncident } from "./build";
import { reportedAge } from "./respond";
import type { Snapshot, SnapshotComponent, SnapshotIncident, SnapshotMaintenance } from "./types";
import { iso } from "../time";
import { fnv1a } from "../http/hash";

// The public JSON shapes of the seed API, made from the snapshot. Times are ISO 8601 (UTC).

export function publicComponent(c: SnapshotComponent) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    position: c.position,
    group_id: c.group_id,
    monitored: c.monitored,
    // A time, as the seed's: the last check that observed it, or, for a component none has observed, when its
    // status was last set (last_observed says which).
    last_checked: iso(c.last_checked_at ?? c.status_since ?? c.created_at),
    last_observed: iso(c.last_checked_at),
    latency_ms: c.last_latency_ms,
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

/**
 * The ETA that stands: the newest one given, unless a later update withdrew it. An update that gives none
 * and withdraws none leaves the earlier one standing.
 */
export function currentEta(i: Pick<SnapshotIncident, "updates">): number | null {
  for (const u of i.updates) {
    if (u.eta_withdrawn) return null;
    if (u.estimated_resolution !== null) return u.estimated_resolution;
  }
  return null;
}

/** Who moves an incident now: Beacon's checks until a person takes an automatic incident over. */
export const managedBy = (i: Pick<SnapshotIncident, "automatic" | "taken_over_at">): "automation" | "admin" =>
  i.automatic && !i.taken_over_at ? "automation" : "admin";

/**
 * An incident's status in the seed's words: they end "resolved", and a published postmortem is said by
 * postmortem_published_at (v2 says "postmortem", as Statuspage does).
 */
export const seedIncidentStatus = (i: Pick<SnapshotIncident, "status">) => (i.status === "postmortem" ? "resolved" : i.status);

/** What a resolved incident's record says before anyone has written up its cause (Beacon's checks resolve theirs). */
export const NOT_WRITTEN_UP = "Not written up yet.";

/**
 * A resolved incident's root cause and resolution, always text as the seed gives them: what a person wrote,
 * or, for one the checks resolved, its resolving update as the resolution and NOT_WRITTEN_UP as the cause.
 */
function writeUp(i: SnapshotIncident) {
  if (isOpenIncident(i.status)) return { root_cause: i.root_cause, resolution: i.resolution };
  const resolving = i.updates.find((u) => u.status === "resolved")?.message;
  return { root_cause: i.root_cause ?? NOT_WRITTEN_UP, resolution: i.resolution ?? (resolving || NOT_WRITTEN_UP) };
}

export function publicIncident(i: SnapshotIncident) {
  return {
    id: i.id,
    title: i.title,
    description: i.description,
    status: seedIncidentStatus(i),
    severity: i.severity,
    started_at: iso(i.started_at),
    resolved_at: iso(i.resolved_at),
    ...writeUp(i),
    postmortem: i.postmortem,
    postmortem_published_at: iso(i.postmortem_published_at),
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    automatic: i.automatic ?? false,
    taken_over_at: iso(i.taken_over_at),
    managed_by: managedBy(i),
    affected_components: i.components.map((c) => ({ id: c.id, name: c.name, status: c.status })),
    estimated_resolution: iso(isOpenIncident(i.status) ? currentEta(i) : null),
    updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      message: u.message,
      estimated_resolution: iso(u.estimated_resolution),
      eta_withdrawn: u.eta_withdrawn ?? false,
      created_at: iso(u.created_at),
      updated_at: iso(u.updated_at),
    })),
  };
}

export function publicMaintenance(m: SnapshotMaintenance) {
  return {
    id: m.id,
    title: m.title,
    description: m.description,
    status: m.status,
    scheduled_start: iso(m.scheduled_start),
    scheduled_end: iso(m.scheduled_end),
    started_at: iso(m.started_at),
    completed_at: iso(m.completed_at),
    cancelled_at: iso(m.cancelled_at),
    // The seed's shape: component names. Their ids are in `components`.
    affected_components: m.components.map((c) => c.name),
    components: m.components.map((c) => ({ id: c.id, name: c.name })),
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
  };
}

/** How fresh the data is; `stale` is true when the snapshot could not be rebuilt for a while (e.g. D1 down). */
export function dataFreshness(snapshot: Snapshot) {
  const { age_seconds, stale } = reportedAge(snapshot);
  return { generated_at: iso(snapshot.generated_at), age_seconds, stale };
}

const RECENT_MS = 7 * 86_400_000;

/** Open incidents, and those resolved within the last 7 days. */
export function recentIncidents(snapshot: Snapshot, now = Date.now()) {
  return snapshot.incidents.filter((i) => isOpenIncident(i.status) || (i.resolved_at ?? now) >= now - RECENT_MS);
}

/** Windows in progress and to come, soonest first by when each started or is planned to: one started early is under way now. */
export const upcomingMaintenance = (snapshot: Snapshot) =>
  snapshot.maintenances
    .filter((m) => m.status === "scheduled" || m.status === "in_progress")
    .sort((a, b) => (a.started_at ?? a.scheduled_start) - (b.started_at ?? b.scheduled_start));

/**
 * The version the postmortem editor is drawn from: the postmortem itself, and whether the incident is resolved.
 * A title fixed or an update edited meanwhile leaves the editor valid; another postmortem published does not.
 */
export function postmortemFormVersion(i: Pick<SnapshotIncident, "status" | "postmortem">): number {
  return parseInt(fnv1a(JSON.stringify([i.postmortem, isOpenIncident(i.status)])), 36);
}

/**
 * The version an incident's edit form is drawn from: a fingerprint of what that form edits (title,
 * description, severity, and once resolved its root cause and resolution). An update another responder
 * posts meanwhile moves the incident's updated_at but none of these, and leaves the form valid; so does its
 * start moved through the API, which the form has no field for and does not send.
 */
export function incidentFormVersion(i: Pick<SnapshotIncident, "title" | "description" | "severity" | "status" | "root_cause" | "resolution">): number {
  return parseInt(fnv1a(JSON.stringify([i.title, i.description, i.severity, isOpenIncident(i.status), i.root_cause, i.resolution])), 36);
}

/** Whether subscribers were told of an incident: by its opening or any update since (none, when opened quietly). */
export const toldSubscribers = (i: Pick<SnapshotIncident, "updates">) => i.updates.some((u) => u.notified !== false);
