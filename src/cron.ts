import { createDb } from "./db/client";
import { afterCommit } from "./changes";
import { runBatch } from "./db/batch";
import type { Bindings } from "./env";
import { pruneOldResults, startCheckRound } from "./checks/runner";
import { maintenanceTransitions } from "./maintenance/transitions";
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
  // The checks are in flight while maintenance moves, so results are recorded against the windows as they now are.
  const due = await maintenanceTransitions(db, now)
    .then(async (due) => (due.moved && (await runBatch(db, due.statements)), due))
    .catch((err) => {
      // The checks still get recorded; the next run retries the move.
      console.error("maintenance transitions failed", err);
      return { eventIds: [] as string[] };
    });
  const checkEventIds = await round.record(now);
  if (round.claim === "claimed") await pruneOldResults(env, db, scheduledTime);
  await sweepOutbox(env, db, now);
  await afterCommit(env, db, [...due.eventIds, ...checkEventIds]);
}
