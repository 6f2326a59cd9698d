import type { ComponentStatus } from "../db/schema";

export interface DampingState {
  monitoredStatus: ComponentStatus;
  monitoredSince: number | null;
  pendingStatus: ComponentStatus | null;
  pendingCount: number;
  pendingSince: number | null;
}

/**
 * Flap damping: the monitored status moves only once `confirmations` consecutive results agree on a new
 * one, and the move is dated to the first of them. A result that agrees with the current status, or a
 * different candidate, starts the count over.
 */
export function applyResult(
  state: DampingState,
  outcome: ComponentStatus,
  at: number,
  confirmations: number,
): { state: DampingState; moved: { from: ComponentStatus; to: ComponentStatus; since: number } | null } {
  const cleared = { pendingStatus: null, pendingCount: 0, pendingSince: null };
  if (outcome === state.monitoredStatus) return { state: { ...state, ...cleared }, moved: null };
  const count = state.pendingStatus === outcome ? state.pendingCount + 1 : 1;
  const since = state.pendingStatus === outcome && state.pendingSince !== null ? state.pendingSince : at;
  if (count >= Math.max(1, confirmations)) {
    return {
      state: { monitoredStatus: outcome, monitoredSince: since, ...cleared },
      moved: { from: state.monitoredStatus, to: outcome, since },
    };
  }
  return { state: { ...state, pendingStatus: outcome, pendingCount: count, pendingSince: since }, moved: null };
}
