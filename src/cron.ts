import { createDb, type Database } from "./db/client";
import { afterCommit } from "./changes";
import { runBatch } from "./db/batch";
import type { Bindings } from "./env";
import { pruneOldResults, startCheckRound } from "./checks/runner";
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
  if (round.claim === "claimed") await pruneOldResults(env, db, scheduledTime).catch((err) => logged("pruning check results failed", err));
  await sweepOutbox(env, db, now);
  await afterCommit(env, db, [...maintenanceEventIds, ...checkEventIds]);
}

async function moveMaintenance(db: Database, now: number): Promise<string[]> {
  const due = await moveMaintenanceOnTime(db, now);
  await runBatch(db, due.statements);
  return due.eventIds;
}

function logged(what: string, err: unknown): string[] {
  console.error(what, err);
  return [];
}
