import type { Database } from "../db/client";
import type { ComponentStatus, ShownStatus } from "../db/schema";
import { loadLatencyRows, type LatencyRow } from "../db/queries/latency";
import { loadSnapshotRows, type SnapshotRows } from "../db/queries/snapshot";
import { pageName, type Bindings } from "../env";
import { awaitsFirstCheck, isMonitored, overallStatus, shownStatus, worstStatus } from "../status";
import { addDays, lastDays, pageTimeZone, startOfDay } from "../uptime/days";
import { sumTotals, uptimePercent, weightedDowntimeSeconds } from "../uptime/formula";
import { unansweredWithin } from "../text/checks";
import { componentLatency, latencyGrids, latencySince } from "./latency";
import {
  SNAPSHOT_HISTORY_DAYS,
  UPTIME_DAYS,
  type PageInfo,
  type Snapshot,
  type SnapshotComponent,
  type SnapshotIncident,
  type SnapshotMaintenance,
  type UptimeDay,
} from "./types";

const DAY_MS = 86_400_000;
/** How much of a day may go unaccounted for in a day still counted as spent under maintenance. */
const WHOLE_DAY_SLACK_MS = 5 * 60_000;
const OPEN_INCIDENT = new Set(["investigating", "identified", "monitoring"]);

export function pageInfo(env: Bindings): PageInfo {
  return {
    name: pageName(env),
    url: (env.PAGE_URL || "http://localhost:8787").replace(/\/+$/, ""),
    logo_url: env.PAGE_LOGO_URL || null,
    description: env.PAGE_DESCRIPTION || null,
    time_zone: pageTimeZone(env),
  };
}

export const isOpenIncident = (status: string) => OPEN_INCIDENT.has(status);

/**
 * A window written with its start already past started that moment: its followers were told it is in
 * progress, never that it was scheduled, and the feeds and v2 say the same.
 */
export const startedWhenWritten = (m: Pick<SnapshotMaintenance, "started_at" | "created_at">) => m.started_at !== null && m.started_at <= m.created_at;

/** Uptime over a run of days, from their seconds (exact for any window, not only 30/60/90). */
export function uptimeOfDays(days: UptimeDay[]): number | null {
  return uptimePercent(
    sumTotals(days.map((d) => ({ observedSeconds: d.observed_seconds, partialSeconds: d.partial_seconds, majorSeconds: d.major_seconds }))),
  );
}

export async function buildSnapshot(db: Database, env: Bindings, now = Date.now()): Promise<Snapshot> {
  const page = pageInfo(env);
  const days = lastDays(now, UPTIME_DAYS, page.time_zone);
  const grids = latencyGrids(now, page.time_zone);
  const [rows, latencyRows] = await Promise.all([
    loadSnapshotRows(db, {
      historySince: now - SNAPSHOT_HISTORY_DAYS * DAY_MS,
      firstDay: days[0]!,
    }),
    loadLatencyRows(db, latencySince(grids)),
  ]);
  return assembleSnapshot(rows, page, days, now, latencyRows);
}

type IncidentRow = SnapshotRows["incidentRows"][number];
type UpdateRow = Omit<SnapshotRows["updateRows"][number], "incidentId">;
type MaintenanceRow = SnapshotRows["maintenanceRows"][number];

/** An incident row in the snapshot's shape, without its components and updates (added by the caller). */
export function incidentFromRow(i: IncidentRow): SnapshotIncident {
  return {
    id: i.id,
    title: i.title,
    description: i.description,
    status: i.status,
    severity: i.severity,
    started_at: i.startedAt,
    resolved_at: i.resolvedAt,
    root_cause: i.rootCause,
    resolution: i.resolution,
    // A drafted postmortem stays private until it is published.
    postmortem: i.postmortemPublishedAt ? i.postmortem : null,
    postmortem_published_at: i.postmortemPublishedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    automatic: i.automatic,
    taken_over_at: i.takenOverAt,
    components: [],
    updates: [],
    status_changes: [],
  };
}

export function updateFromRow(u: UpdateRow): SnapshotIncident["updates"][number] {
  return {
    id: u.id,
    status: u.status,
    message: u.message,
    estimated_resolution: u.estimatedResolution,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    ...(!u.notified && { notified: false as const }),
    ...(u.etaWithdrawn && { eta_withdrawn: true as const }),
  };
}

/** A maintenance row in the snapshot's shape, without its components (added by the caller). */
export function maintenanceFromRow(m: MaintenanceRow): SnapshotMaintenance {
  return {
    id: m.id,
    title: m.title,
    description: m.description,
    status: m.status,
    scheduled_start: m.scheduledStart,
    scheduled_end: m.scheduledEnd,
    started_at: m.startedAt,
    completed_at: m.completedAt,
    cancelled_at: m.cancelledAt,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    revision: m.revision,
    ...(!m.notify && { notify: false as const }),
    components: [],
  };
}

/** A check's time as readers see it: how fast it answered, or, when it got no answer, the timeout it waited. */
function checkTime(latencyMs: number | null, error: string | null): { latency_ms: number | null; no_answer_within_ms?: number } {
  const within = unansweredWithin(error);
  return within === null ? { latency_ms: latencyMs } : { latency_ms: null, no_answer_within_ms: within };
}

function lastCheckTime(latencyMs: number | null, error: string | null): Pick<SnapshotComponent, "last_latency_ms" | "no_answer_within_ms"> {
  const { latency_ms, ...rest } = checkTime(latencyMs, error);
  return { last_latency_ms: latency_ms, ...rest };
}

/**
 * A resolved incident's components are what it set while it was open (its page says so), each at the worst
 * status it gave it: an automatic incident's links follow its checks back to operational, and a manual one's
 * show the last update's. One an update took off it (its link gone) is put back from the incident's own
 * status moves. In page order. An open incident lists what it affects now.
 */
export function asSetWhileOpen(incidents: SnapshotIncident[], componentRows: { id: string; name: string }[]) {
  const order = new Map(componentRows.map((c, i) => [c.id, { at: i, name: c.name }]));
  for (const incident of incidents) {
    if (isOpenIncident(incident.status) || !incident.status_changes?.length) continue;
    const given = new Map<string, ComponentStatus[]>();
    for (const change of incident.status_changes) {
      if (change.to === "under_maintenance") continue;
      given.set(change.component_id, [...(given.get(change.component_id) ?? []), change.to]);
    }
    for (const c of incident.components) c.status = worstStatus([c.status, ...(given.get(c.id) ?? [])], "operational");
    const listed = new Set(incident.components.map((c) => c.id));
    let added = false;
    for (const [id, statuses] of given) {
      const worst = worstStatus(statuses, "operational");
      if (listed.has(id) || !order.has(id) || worst === "operational") continue;
      incident.components.push({ id, name: order.get(id)!.name, status: worst, released: true });
      added = true;
    }
    if (added) incident.components.sort((a, b) => (order.get(a.id)?.at ?? Infinity) - (order.get(b.id)?.at ?? Infinity));
  }
}

/** One change of what an incident set for a component: a status, or null when it was taken off. */
export type LinkChange = { componentId: string; status: ComponentStatus | null; at: number };

/**
 * What an incident reported for each component it was about, for each of the bar's days (undefined on a day
 * it does not cover for that component): the worst status it set for the component that day. Each change it
 * recorded (`history`, oldest first) holds until the next, so a later update never recolours an earlier
 * day; what it set as it opened holds from its start (which may be backdated), and a component named later
 * counts from then, one taken off until then. An incident with no recorded changes (resolved before they
 * were kept) is read from its links, for every day it spans. One pass over the days and the changes.
 */
export function reportedByDay(incident: SnapshotIncident, history: LinkChange[], days: { start: number; end: number }[], now: number): Map<string, (ComponentStatus | undefined)[]> {
  const until = incident.resolved_at ?? now;
  const byComponent = new Map<string, (ComponentStatus | undefined)[]>();
  if (history.length === 0) {
    for (const link of incident.components) byComponent.set(link.id, days.map(({ start, end }) => (incident.started_at < end && until >= start ? link.status : undefined)));
    return byComponent;
  }
  const opened = incident.updates.at(-1)?.created_at ?? incident.started_at;
  const changesOf = new Map<string, LinkChange[]>();
  for (const change of history) {
    const list = changesOf.get(change.componentId);
    if (list) list.push(change);
    else changesOf.set(change.componentId, [change]);
  }
  for (const [id, changes] of changesOf) {
    // Set as the incident opened: from its start.
    const times = changes.map((c, i) => (i === 0 && c.at <= opened ? Math.min(c.at, incident.started_at) : c.at));
    const statuses: (ComponentStatus | undefined)[] = [];
    let next = 0;
    for (const { start, end } of days) {
      while (next < changes.length && times[next]! < start) next++;
      const said: ComponentStatus[] = [];
      if (next > 0 && changes[next - 1]!.status !== null) said.push(changes[next - 1]!.status!);
      for (let j = next; j < changes.length && times[j]! < end; j++) if (changes[j]!.status !== null) said.push(changes[j]!.status!);
      const covered = said.length > 0 && incident.started_at < end && until >= start;
      statuses.push(covered ? worstStatus(said, "operational") : undefined);
    }
    byComponent.set(id, statuses);
  }
  return byComponent;
}

/** Pure: rows in, snapshot out (tests and benchmarks call it directly). */
export function assembleSnapshot(rows: SnapshotRows, page: PageInfo, days: string[], now: number, latencyRows: LatencyRow[] = []): Snapshot {
  const incidents = rows.incidentRows.map(incidentFromRow);
  const incidentById = new Map(incidents.map((i) => [i.id, i]));
  for (const link of rows.linkRows) {
    incidentById.get(link.incidentId)?.components.push({ id: link.componentId, name: link.name, status: link.status, ...(link.addedAt !== null && { added_at: link.addedAt }) });
  }
  for (const change of rows.incidentChangeRows) {
    if (!change.incidentId) continue;
    incidentById.get(change.incidentId)?.status_changes!.push({ component_id: change.componentId, from: change.fromStatus, to: change.toStatus, at: change.at });
  }
  for (const u of rows.updateRows) incidentById.get(u.incidentId)?.updates.push(updateFromRow(u));
  asSetWhileOpen(incidents, rows.componentRows);

  const maintenances = rows.maintenanceRows.map(maintenanceFromRow);
  const maintenanceById = new Map(maintenances.map((m) => [m.id, m]));
  for (const link of rows.maintenanceLinkRows) {
    const m = maintenanceById.get(link.maintenanceId);
    if (!m) continue;
    m.components.push({ id: link.componentId, name: link.name });
    (m.statuses ??= {})[link.componentId] = [link.written, link.beforeStart, link.afterStart, link.beforeEnd, link.afterEnd];
  }

  const incidentStatusesByComponent = new Map<string, SnapshotIncident["components"][number]["status"][]>();
  for (const incident of incidents) {
    if (!isOpenIncident(incident.status)) continue;
    for (const c of incident.components) {
      const list = incidentStatusesByComponent.get(c.id) ?? [];
      list.push(c.status);
      incidentStatusesByComponent.set(c.id, list);
    }
  }
  const inMaintenance = new Set<string>();
  for (const m of maintenances) if (m.status === "in_progress") for (const c of m.components) inMaintenance.add(c.id);

  const rollupsByComponent = new Map<string, Map<string, SnapshotRows["rollupRows"][number]>>();
  for (const r of rows.rollupRows) {
    const byDay = rollupsByComponent.get(r.componentId) ?? new Map();
    byDay.set(r.day, r);
    rollupsByComponent.set(r.componentId, byDay);
  }

  const regionsByComponent = new Map<string, NonNullable<SnapshotComponent["regions"]>>();
  for (const r of rows.regionRows ?? []) {
    regionsByComponent.set(r.componentId, [...(regionsByComponent.get(r.componentId) ?? []), { region: r.region, outcome: r.outcome, ...checkTime(r.latencyMs, r.error) }]);
  }
  const latencyByComponent = new Map<string, LatencyRow[]>();
  for (const r of latencyRows) {
    const list = latencyByComponent.get(r.componentId) ?? [];
    list.push(r);
    latencyByComponent.set(r.componentId, list);
  }
  const grids = latencyGrids(now, page.time_zone);

  const dayBounds = days.map((day) => ({ day, start: startOfDay(day, page.time_zone), end: startOfDay(addDays(day, 1), page.time_zone) }));
  // What each incident within the bar's days reported for each component, day by day, in incident order.
  const reportsByComponent = new Map<string, { id: string; statuses: (ComponentStatus | undefined)[] }[]>();
  const [barStart, barEnd] = [dayBounds[0]?.start ?? now, dayBounds.at(-1)?.end ?? now];
  const historyOf = new Map<string, LinkChange[]>();
  for (const row of rows.linkHistoryRows ?? []) {
    const list = historyOf.get(row.incidentId);
    if (list) list.push(row);
    else historyOf.set(row.incidentId, [row]);
  }
  for (const incident of incidents) {
    if (incident.started_at >= barEnd || (incident.resolved_at ?? now) < barStart) continue;
    for (const [componentId, statuses] of reportedByDay(incident, historyOf.get(incident.id) ?? [], dayBounds, now)) {
      const list = reportsByComponent.get(componentId);
      if (list) list.push({ id: incident.id, statuses });
      else reportsByComponent.set(componentId, [{ id: incident.id, statuses }]);
    }
  }

  const components: SnapshotComponent[] = rows.componentRows.map((c) => {
    const byDay = rollupsByComponent.get(c.id);
    const reports = reportsByComponent.get(c.id) ?? [];
    const series: UptimeDay[] = dayBounds.map(({ day, start, end }, k) => {
      const r = byDay?.get(day);
      const dayReports = reports.filter((report) => report.statuses[k] !== undefined);
      const incidentIds = dayReports.map((report) => report.id);
      const reported = worstStatus(
        dayReports.map((report) => report.statuses[k]!),
        "operational",
      );
      if (!r || r.observedSeconds <= 0) {
        // Nothing observed: no data, or a day spent under maintenance (up to now, today), which is drawn as
        // such. A few minutes short of it still is: the first check after midnight may come late.
        const maintenanceSeconds = r?.maintenanceSeconds ?? 0;
        const allDay = maintenanceSeconds > 0 && maintenanceSeconds * 1000 >= Math.min(end, now) - start - WHOLE_DAY_SLACK_MS;
        return {
          date: day,
          uptime: null,
          worst_status: allDay ? "under_maintenance" : null,
          downtime_seconds: 0,
          observed_seconds: 0,
          partial_seconds: 0,
          major_seconds: 0,
          maintenance_seconds: maintenanceSeconds,
          incident_ids: incidentIds,
          reported_status: reported,
          has_data: false,
        };
      }
      return {
        date: day,
        uptime: uptimePercent(r),
        worst_status: r.worstStatus,
        downtime_seconds: Math.round(weightedDowntimeSeconds(r)),
        observed_seconds: r.observedSeconds,
        partial_seconds: r.partialSeconds,
        major_seconds: r.majorSeconds,
        maintenance_seconds: r.maintenanceSeconds,
        incident_ids: incidentIds,
        reported_status: reported,
        has_data: true,
      };
    });
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      position: c.position,
      group_id: c.groupId,
      check_kind: c.checkKind,
      status: shownStatus({
        monitoredStatus: c.monitoredStatus,
        monitored: c.monitored,
        incidentStatuses: incidentStatusesByComponent.get(c.id) ?? [],
        inMaintenance: inMaintenance.has(c.id),
      }),
      monitored_status: c.monitoredStatus,
      monitored: isMonitored(c),
      awaiting_first_check: awaitsFirstCheck(c),
      last_checked_at: c.lastCheckedAt,
      ...lastCheckTime(c.lastLatencyMs, c.lastError),
      status_since: c.lastStatusChangeAt ?? c.createdAt,
      created_at: c.createdAt,
      // Statuspage clients read updated_at as "when its status last changed": an edit or a status move.
      updated_at: Math.max(c.updatedAt, c.lastStatusChangeAt ?? 0),
      uptime: { "30_days": uptimeOfDays(series.slice(-30)), "60_days": uptimeOfDays(series.slice(-60)), "90_days": uptimeOfDays(series) },
      days: series,
      ...componentLatency(latencyByComponent.get(c.id) ?? [], grids),
      ...(regionsByComponent.has(c.id) ? { regions: regionsByComponent.get(c.id) } : {}),
    };
  });

  const groups = rows.groupRows.map((g) => ({
    id: g.id,
    name: g.name,
    description: g.description,
    position: g.position,
    collapsed: g.collapsed,
    component_ids: components.filter((c) => c.group_id === g.id).map((c) => c.id),
    created_at: g.createdAt,
    // A group's status is its components': it moves when one of theirs does.
    updated_at: Math.max(g.updatedAt, ...rows.componentRows.filter((c) => c.groupId === g.id).map((c) => c.lastStatusChangeAt ?? 0)),
  }));

  return {
    version: now,
    generated_at: now,
    page,
    overall_status: overallStatus({
      componentStatuses: components.map((c) => c.status),
      openIncidentSeverities: incidents.filter((i) => isOpenIncident(i.status)).map((i) => i.severity),
      maintenanceInProgress: maintenances.some((m) => m.status === "in_progress"),
    }),
    groups,
    components,
    incidents,
    maintenances,
    older_incident_prefixes: (rows.olderIncidentRows ?? []).map((r) => r.prefix.toLowerCase()).sort(),
  };
}
