import { createDb, type Database } from "./db/client";
import { afterCommit } from "./changes";
import { runBatch } from "./db/batch";
import type { Bindings } from "./env";
import { checkRetentionMs, pruneOldResults, startCheckRound } from "./checks/runner";
import { pruneAudit } from "./db/queries/audit";
import { isGuardFailure, isStatusConflict } from "./db/queries/guards";
import { IDEMPOTENCY_TTL_MS, pruneIdempotencyKeys } from "./db/queries/idempotency";
import { moveMaintenanceOnTime } from "./domain/maintenance";
import { isLocalDev } from "./notify/channels";
import { sweepOutbox } from "./notify/sweep";

/** The platform delivers a minute's run within moments of its time: one further ahead than this is not one. */
const MAX_AHEAD_MS = 5 * 60_000;

/**
 * Why a scheduled time cannot be a real run, or null. Results, "last checked", flap damping and the
 * automatic incidents' clocks are all dated to it, so a time far ahead would date them in the future (and
 * an incident would wait for that future to resolve); one older than the raw results are kept has lost the
 * claim that recorded it once, and the results it would close. Locally (LOCAL_DEV) rounds may be played
 * ahead at chosen times, as the README's walkthrough and the tests do; nowhere is one taken from the past.
 */
export function refusedScheduledTime(env: Bindings, scheduledTime: number, wallNow: number): string | null {
  if (scheduledTime - wallNow > MAX_AHEAD_MS && !isLocalDev(env)) return "more than 5 minutes ahead of the clock";
  if (wallNow - scheduledTime > checkRetentionMs(env)) return "older than the check results are kept";
  return null;
}

/**
 * Everything the minute cron does, as a plain function the tests call directly: run every check (results
 * dated to the scheduled time), move maintenance windows on time, re-enqueue outbox events the queue never
 * received, and publish a fresh snapshot (uptime and "last checked" move every minute even when no status
 * does). A scheduled time delivered twice does nothing the second time.
 */
export async function runScheduled(env: Bindings, scheduledTime: number, _ctx?: ExecutionContext) {
  const wallNow = Date.now();
  const refused = refusedScheduledTime(env, scheduledTime, wallNow);
  if (refused) {
    console.error(`scheduled time ${new Date(scheduledTime).toISOString()} refused: ${refused}`);
    return;
  }
  const db = createDb(env.DB.withSession("first-primary"));
  const now = Math.max(scheduledTime, wallNow);
  const round = await startCheckRound(env, db, scheduledTime);
  if (round.claim === "duplicate") return;
  // The checks are in flight while maintenance moves, so their results are recorded against the windows as
  // they now are. Each step that fails is logged and left to the next run; the rest still happens.
  const maintenanceEventIds = await moveMaintenance(db, now).catch((err) => logged("maintenance transitions failed", err));
  const checkEventIds = await round
    .record(now)
    .then((r) => r.eventIds)
    .catch((err) => logged("recording the checks failed", err));
  if (round.claim === "claimed") {
    // By the wall clock: a round played ahead locally must not delete history that is still in its retention.
    await pruneOldResults(env, db, Date.now()).catch((err) => logged("pruning check results failed", err));
    await pruneAdminHistory(db, Date.now()).catch((err) => logged("pruning the audit log and idempotency keys failed", err));
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
