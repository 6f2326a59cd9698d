import type { Database } from "./db/client";
import { runBatch } from "./db/batch";
import type { Change } from "./domain/change";
import type { Bindings } from "./env";
import { enqueueEvents } from "./notify/outbox";
import { refreshSnapshot } from "./snapshot/store";

/**
 * The one way a change that the public sees is made: its statements (with their outbox events) commit in
 * one atomic batch, then the snapshot is rebuilt and broadcast and the events go to the queue. Answers the
 * change's result, never a read made after the commit.
 */
export async function commitChange<R>(env: Bindings, db: Database, change: Change<R>): Promise<R> {
  await runBatch(db, change.statements);
  await afterCommit(env, db, change.eventIds);
  return change.result;
}

export async function afterCommit(env: Bindings, db: Database, eventIds: string[]) {
  await Promise.all([
    enqueueEvents(env, eventIds),
    // The change is committed; if publishing fails the next cron run publishes it.
    refreshSnapshot(env, db).catch((err) => console.error("snapshot refresh failed after a write", err)),
  ]);
}
