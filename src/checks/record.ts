import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import {
  insertCheckResults,
  insertRegionResults,
  maintenanceWindows,
  previousResults,
  recordableTargets,
  targetsStillRecordable,
  updateCheckStates,
  upsertRollups,
  type CheckState,
  type CheckTargetRow,
} from "../db/queries/checks";
import { claimStatements, componentsMoved, loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import { followLink, loadManagedIncidents, resolvedByPeople, stillFollowed } from "../db/queries/incidents";
import {
  autoIncidentStatements,
  componentAutoConfig,
  decideAutoIncidents,
  followedLinks,
  outageSince,
  type AutoIncidentDefaults,
  type WatchedComponent,
} from "../domain/auto-incidents";
import { MAX_RESULT_SPAN_MS, rollupDeltas } from "../uptime/rollup";

import { applyResult } from "./damping";
import { latencyRollupStatements, type RecordedResult } from "./latency-rollups";
import { describeCheckResult } from "./observed";
import type { CheckResult } from "./probe";
import type { RegionResult } from "./quorum";

/** Results further apart than this are not consecutive for flap damping (see applyResult). */
const DAMPING_GAP_MS = 5 * 60_000;

/** How far back an incident Beacon resolved may still reopen (the longest reopen window allowed). */
const REOPEN_LOOKBACK_MS = 86_400_000;

/**
 * Everything a run writes, for one db.batch: the raw results, their rollups, each component's new check
 * state (after flap damping), the status changes that causes with their outbox events, what it means for
 * automatic incidents (opened, joined, updated, resolved, reopened), and the run's end.
 *
 * A component edited or deleted since the round loaded it, or with a round at or after this one already
 * recorded (a late delivery), gets nothing from it: its results were taken against a monitor that is no
 * longer there, or are older than what it already shows. The batch holds only while that is still so.
 */
export async function recordStatements(
  db: Database,
  opts: {
    targets: CheckTargetRow[];
    results: Map<string, CheckResult>;
    regions?: Map<string, RegionResult[]>;
    at: number;
    now: number;
    timeZone: string;
    autoIncidents: AutoIncidentDefaults;
  },
): Promise<{ statements: Statement[]; eventIds: string[]; recorded: string[] }> {
  const { results, regions, at, now, timeZone } = opts;
  const [before, previous, managed, recordable] = await Promise.all([
    loadStatusState(db),
    previousResults(db, at),
    loadManagedIncidents(db, at - REOPEN_LOOKBACK_MS),
    recordableTargets(db, opts.targets, at),
  ]);
  const targets = opts.targets.filter((t) => recordable.has(t.id));
  const skipped = new Set(opts.targets.filter((t) => !recordable.has(t.id)).map((t) => t.id));
  // Maintenance over every span this run closes, from the oldest previous result on.
  // Also since each failing component's first failure: a window in between, or a person's resolution of an
  // incident about it, restarts its outage clock.
  const failingSince = targets.flatMap((t) => [t.monitoredStatus !== "operational" ? t.monitoredSince : null, t.pendingSince]).filter((t): t is number => t !== null);
  const since = Math.min(at - MAX_RESULT_SPAN_MS, ...[...previous.values()].map((p) => p.at), ...failingSince);
  const [windows, resolved] = await Promise.all([maintenanceWindows(db, since, at), resolvedByPeople(db, since)]);
  const inMaintenance = new Set(before.maintenanceLinks.map((l) => l.componentId));
  // Links of open automatic incidents follow the agreed status in the same step, so a recovery is recorded
  // as the checks' own change, backdated like any other.
  const following = new Set(managed.filter((i) => i.status !== "resolved").map((i) => i.id));
  const watched: WatchedComponent[] = [];
  // Each check's move, recorded once the round's automatic incidents are known (their messages may tell it).
  const moves: { before: StatusState; after: StatusState; at: number }[] = [];
  const resultRows = [];
  const rollupRows: Parameters<typeof upsertRollups>[1] = [];
  const checkStates: CheckState[] = [];
  const regionRows: Parameters<typeof insertRegionResults>[1] = [];
  const recorded: RecordedResult[] = [];
  let state: StatusState = before;

  for (const target of targets) {
    // Kept even when the regions could not agree: that is when an admin most wants to see what each saw.
    for (const r of regions?.get(target.id) ?? []) regionRows.push({ componentId: target.id, checkedAt: at, region: r.region, outcome: r.outcome, latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs), error: r.error });
    const result = results.get(target.id);
    if (!result) continue;
    const maintenance = inMaintenance.has(target.id);
    resultRows.push({ componentId: target.id, checkedAt: at, outcome: result.outcome, latencyMs: result.latencyMs, error: result.error, inMaintenance: maintenance });
    const deltas = rollupDeltas(previous.get(target.id) ?? null, { at, outcome: result.outcome, inMaintenance: maintenance }, timeZone, windows.get(target.id));
    for (const delta of deltas) {
      rollupRows.push({ componentId: target.id, ...delta });
    }
    recorded.push({
      componentId: target.id,
      sample: { at, outcome: result.outcome, latencyMs: result.latencyMs, inMaintenance: maintenance },
      span: { start: previous.get(target.id)?.at ?? null, deltas },
    });

    const observed = result.outcome !== "not_monitored";
    // Results count as consecutive for damping across a few missed or undecided rounds, not across a longer
    // gap: failures an hour ago do not confirm one now. Passing counts only unbroken (a gap is longer than a
    // result stands for).
    const prior = previous.get(target.id);
    const gap = prior !== undefined && at - prior.at > MAX_RESULT_SPAN_MS;
    const from = prior !== undefined && at - prior.at > DAMPING_GAP_MS ? { ...target, pendingStatus: null, pendingCount: 0, pendingSince: null } : target;
    const damped = observed ? applyResult(from, result.outcome as Exclude<typeof result.outcome, "not_monitored">, at, target.confirmations) : null;
    // A check that observes nothing (its configuration gone) says nothing: what it saw before is forgotten, as
    // when a monitor is removed, so once configured again it starts as a new check and its first result is
    // confirmed like any other instead of bringing back an outage it last saw.
    const kept = damped?.state ?? { monitoredStatus: "operational" as const, monitoredSince: null, pendingStatus: null, pendingCount: 0, pendingSince: null };
    // Passing is counted only while it is seen and unbroken: after a gap, or after a failure damping has not
    // confirmed yet, "passed since" starts again at this check, so an incident does not resolve on checks
    // nobody ran, nor while every other check fails.
    // So does a check with no passing time behind it yet (a monitor added, or put back after it was removed).
    const resumed =
      result.outcome === "operational" &&
      kept.monitoredStatus === "operational" &&
      (gap || kept.monitoredSince === null || (from.pendingStatus !== null && from.pendingStatus !== "operational"));
    const next = resumed ? { ...kept, monitoredSince: at } : kept;
    checkStates.push({
      id: target.id,
      ...next,
      monitored: observed,
      // A check without configuration observed nothing: it keeps the time of the last real check (null if none).
      lastCheckedAt: observed ? at : null,
      lastLatencyMs: result.latencyMs === null ? null : Math.round(result.latencyMs),
      lastError: result.error,
    });

    const after: StatusState = {
      ...state,
      components: state.components.map((c) => (c.id === target.id ? { ...c, monitoredStatus: next.monitoredStatus, monitored: observed } : c)),
      openLinks: observed
        ? state.openLinks.map((l) => (l.componentId === target.id && following.has(l.incidentId) ? { ...l, status: next.monitoredStatus } : l))
        : state.openLinks,
    };
    moves.push({ before: state, after, at: damped?.moved?.since ?? at });
    state = after;
    watched.push({
      id: target.id,
      name: target.name,
      status: next.monitoredStatus,
      // Operational with no time behind it (only failures damping has not confirmed since the monitor was set):
      // nothing has passed yet.
      since: next.monitoredStatus === "operational" ? (next.monitoredSince ?? at) : outageSince(next.monitoredSince ?? 0, windows.get(target.id) ?? [], at, resolved.get(target.id) ?? null),
      observed,
      inMaintenance: maintenance,
      heldByPerson: false,
      config: componentAutoConfig(opts.autoIncidents, target.autoIncidents),
      checks: describeCheckResult(result),
      latestPassed: result.outcome === "operational",
    });
  }

  const observedStatus = new Map(watched.filter((c) => c.observed).map((c) => [c.id, c.status]));
  const followed = followedLinks(managed, (id) => observedStatus.get(id) ?? null);
  const follow = followed.flatMap((link) => followLink(db, link, at));
  const heldByPerson = new Set(state.openLinks.filter((l) => !following.has(l.incidentId)).map((l) => l.componentId));
  // An incident that follows a component this round does not record waits for a round that does.
  const plans = decideAutoIncidents({
    components: watched.map((c) => ({ ...c, heldByPerson: heldByPerson.has(c.id) })),
    incidents: managed,
    at,
    groupWindowMs: opts.autoIncidents.groupWindowMs,
  }).filter((plan) => plan.kind === "open" || !plan.incident.links.some((l) => skipped.has(l.componentId)));
  const automatic = autoIncidentStatements(db, plans, state, { now });
  // A follower of status changes hears of a move from the incident's update when it says the same.
  const changes = moves.map((m) => statusChangeStatements(db, m.before, m.after, { source: "monitor", at: m.at, now }, { claim: false, toldIn: automatic.toldIn }));
  // A round claims only the components whose checks moved what their status is derived from (see
  // statusClaims), once for the whole batch: a quiet check never makes an admin's concurrent write retry.
  // That includes a link that follows the checks: the moves recorded through it hold only while no person
  // has taken its incident over, as followLink's own write does (stillFollowed).
  const moved = componentsMoved(before, state);
  return {
    statements: [
      ...targetsStillRecordable(db, targets, at),
      ...stillFollowed(db, [...new Set(followed.map((l) => l.incidentId))]),
      ...claimStatements(db, before, moved),
      ...insertCheckResults(db, resultRows),
      ...insertRegionResults(db, regionRows),
      ...upsertRollups(db, rollupRows),
      ...latencyRollupStatements(db, recorded, timeZone),
      ...updateCheckStates(db, checkStates),
      ...changes.flatMap((c) => c.statements),
      ...follow,
      ...automatic.statements,
    ],
    eventIds: [...changes.flatMap((c) => c.eventIds), ...automatic.eventIds],
    // The components this batch gives a result: none when each already has a newer one (rounds played ahead).
    recorded: resultRows.map((r) => r.componentId),
  };
}

