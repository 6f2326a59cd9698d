import { createDb } from "./db/client";
import { afterCommit } from "./changes";
import { runBatch } from "./db/batch";
import type { Bindings } from "./env";
import { maintenanceTransitions } from "./maintenance/transitions";
import { sweepOutbox } from "./notify/sweep";
import { refreshSnapshot } from "./snapshot/store";

/**
 * Everything the minute cron does, as a plain function the tests call directly: move maintenance windows on
 * time, re-enqueue outbox events the queue never received, and publish a fresh snapshot (uptime and "last
 * checked" move every minute even when no status does).
 */
export async function runScheduled(env: Bindings, scheduledTime: number, _ctx?: ExecutionContext) {
  const db = createDb(env.DB.withSession("first-primary"));
  const now = Math.max(scheduledTime, Date.now());
  const due = await maintenanceTransitions(db, now);
  if (due.moved) await runBatch(db, due.statements);
  await sweepOutbox(env, db, now);
  if (due.moved) await afterCommit(env, db, due.eventIds);
  else await refreshSnapshot(env, db);
}
