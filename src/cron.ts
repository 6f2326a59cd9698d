import { createDb, type Database } from "./db/client";
import { afterCommit } from "./changes";
import { runBatch } from "./db/batch";
import type { Bindings } from "./env";
import { pruneOldResults, startCheckRound } from "./checks/runner";
import { pruneAudit } from "./db/queries/audit";
import { isGuardFailure, isStatusConflict } from "./db/queries/guards";
import { IDEMPOTENCY_TTL_MS, pruneIdempotencyKeys } from "./db/queries/idempotency";
import { moveMaintenanceOnTime } from "./domain/maintenance";
import { sweepOutbox } from "./notify/sweep";

/**
 * Everything the minute cron does, as a plain function the tests call directly: run every check (results
 * dated to the scheduled time), move maintenance windows on time, re-enqueue outbox events the queue never
 * received, and publish a fresh snapshot (uptime and "last checked" move every minute even when no status
 * does). A scheduled time delivered twice does nothing the second time.
 */
export async function runScheduled(env: Bindings, scheduledTime: number, _ctx?: ExecutionContext) {
  const db = createDb(env.DB.withSession("first-primary"));
  const now = Math.max(scheduledTime, Date.now());
  const round = await startCheckRound(env, db, scheduledTime);
  if (round.claim === "duplicate") return;
  // The checks are in flight while maintenance moves, so their results are recorded against the windows as
  // they now are. Each step that fails is logged and left to the next run; the rest still happens.
  const maintenanceEventIds = await moveMaintenance(db, now).catch((err) => logged("maintenance transitions failed", err));
  const checkEventIds = await round.record(now).catch((err) => logged("recording the checks failed", err));
  if (round.claim === "claimed") {
    await pruneOldResults(env, db, scheduledTime).catch((err) => logged("pruning check results failed", err));
    await pruneAdminHistory(db, now).catch((err) => logged("pruning the audit log and idempotency keys failed", err));
  }
  await sweepOutbox(env, db, now);
  await afterCommit(env, db, [...maintenanceEventIds, ...checkEventIds]);
}

async function moveMaintenance(db: Database, now: number): Promise<string[]> {
  const due = await moveMaintenanceOnTime(db, now);
  try {
    await runBatch(db, due.statements);
  } catch (err) {
    // An admin edited or cancelled a due window, or moved a status, while this run read it: nothing moved;
    // the next run looks again.
    if (isGuardFailure(err) || isStatusConflict(err)) return [];
    throw err;
  }
  return due.eventIds;
}

/** The audit log is kept a year; stored Idempotency-Key answers a day. */
export const AUDIT_RETENTION_MS = 365 * 86_400_000;

export async function pruneAdminHistory(db: Database, now: number) {
  await pruneAudit(db, now - AUDIT_RETENTION_MS, 1000);
  await pruneIdempotencyKeys(db, now - IDEMPOTENCY_TTL_MS);
}

function logged(what: string, err: unknown): string[] {
  console.error(what, err);
  return [];
}
