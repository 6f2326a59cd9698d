import type { Database } from "./db/client";
import { runBatch } from "./db/batch";
import { isForeignKeyFailure, isGuardFailure, isStatusConflict } from "./db/queries/guards";
import type { Change } from "./domain/change";
import type { Bindings } from "./env";
import { conflict } from "./errors";
import { enqueueEvents } from "./notify/outbox";
import { refreshSnapshot } from "./snapshot/store";

/**
 * The one way a change that the public sees is made: its statements (with their outbox events) commit in
 * one atomic batch, then the snapshot is rebuilt and broadcast and the events go to the queue. Answers the
 * change's result, never a read made after the commit. A batch whose guard found the starting state changed
 * (a lost race) committed nothing and answers 409.
 */
export async function commitChange<R>(env: Bindings, db: Database, change: Change<R>): Promise<R> {
  // Nothing to write (a save that changes nothing): nothing to tell anyone either.
  if (change.statements.length === 0 && change.eventIds.length === 0) return change.result;
  try {
    await runBatch(db, change.statements);
  } catch (err) {
    if (isGuardFailure(err)) throw conflict(change.conflict ?? "This changed while the request was being made; reload and try again.", change.conflictDetails);
    if (isStatusConflict(err)) throw conflict("A component's status moved while this was being saved, so nothing changed; try again.");
    if (isForeignKeyFailure(err)) throw conflict("Something this refers to was deleted while the request was being made; reload and try again.");
    throw err;
  }
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
