import type { Database } from "./db/client";
import { runBatch, type Statement } from "./db/batch";
import type { Bindings } from "./env";
import { enqueueEvents } from "./notify/outbox";
import { refreshSnapshot } from "./snapshot/store";

/**
 * The one way a change that the public sees is made: its statements (with their outbox events) commit in
 * one atomic batch, then the snapshot is rebuilt and broadcast and the events go to the queue.
 */
export async function commitChange(env: Bindings, db: Database, statements: Statement[], eventIds: string[]) {
  const results = await runBatch(db, statements);
  await afterCommit(env, db, eventIds);
  return results;
}

export async function afterCommit(env: Bindings, db: Database, eventIds: string[]) {
  await Promise.all([
    enqueueEvents(env, eventIds),
    // The change is committed; if publishing fails the next cron run publishes it.
    refreshSnapshot(env, db).catch((err) => console.error("snapshot refresh failed after a write", err)),
  ]);
}
