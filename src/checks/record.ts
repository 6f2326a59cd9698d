import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { insertCheckResults, maintenanceWindows, previousResults, updateCheckStates, upsertRollups, type CheckState, type CheckTargetRow } from "../db/queries/checks";
import { loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import { MAX_RESULT_SPAN_MS, rollupDeltas } from "../uptime/rollup";
import { applyResult } from "./damping";
import type { CheckResult } from "./probe";

/**
 * Everything a run writes, for one db.batch: the raw results, their rollups, each component's new check
 * state (after flap damping), the status changes that causes with their outbox events, and the run's end.
 */
export async function recordStatements(
  db: Database,
  opts: { targets: CheckTargetRow[]; results: Map<string, CheckResult>; at: number; now: number; timeZone: string },
): Promise<{ statements: Statement[]; eventIds: string[] }> {
  const { targets, results, at, now, timeZone } = opts;
  const [before, previous] = await Promise.all([loadStatusState(db), previousResults(db, at)]);
  // Maintenance over every span this run closes, from the oldest previous result on.
  const since = Math.min(at - MAX_RESULT_SPAN_MS, ...[...previous.values()].map((p) => p.at));
  const windows = await maintenanceWindows(db, since, at);
  const inMaintenance = new Set(before.maintenanceLinks.map((l) => l.componentId));
  const statements: Statement[] = [];
  const eventIds: string[] = [];
  const resultRows = [];
  const rollupRows: Parameters<typeof upsertRollups>[1] = [];
  const checkStates: CheckState[] = [];
  let state: StatusState = before;

  for (const target of targets) {
    const result = results.get(target.id);
    if (!result) continue;
    const maintenance = inMaintenance.has(target.id);
    resultRows.push({ componentId: target.id, checkedAt: at, outcome: result.outcome, latencyMs: result.latencyMs, error: result.error, inMaintenance: maintenance });
    for (const delta of rollupDeltas(previous.get(target.id) ?? null, { at, outcome: result.outcome, inMaintenance: maintenance }, timeZone, windows.get(target.id))) {
      rollupRows.push({ componentId: target.id, ...delta });
    }

    const observed = result.outcome !== "not_monitored";
    const damped = observed ? applyResult(target, result.outcome as Exclude<typeof result.outcome, "not_monitored">, at, target.confirmations) : null;
    const next = damped?.state ?? { monitoredStatus: target.monitoredStatus, monitoredSince: target.monitoredSince, pendingStatus: null, pendingCount: 0, pendingSince: null };
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
    };
    const changes = statusChangeStatements(db, state, after, { source: "monitor", at: damped?.moved?.since ?? at, now });
    statements.push(...changes.statements);
    eventIds.push(...changes.eventIds);
    state = after;
  }
  return {
    statements: [...insertCheckResults(db, resultRows), ...upsertRollups(db, rollupRows), ...updateCheckStates(db, checkStates), ...statements],
    eventIds,
  };
}

