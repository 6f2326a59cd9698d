import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { statusGuards, writeGuards } from "../schema";

/**
 * A statement that aborts its whole batch unless `condition` still holds when the batch runs: when it does
 * not, it inserts a row into write_guards, whose CHECK refuses every row. Put it first in the batch that
 * makes a transition, with the state the transition starts from as the condition.
 */
export function guard(db: Database, condition: SQL, reason: string): Statement {
  return db.insert(writeGuards).select(sql`select ${reason} where not (${condition})`);
}

/** Holds while the row with this id still exists (a concurrent delete got there first otherwise). */
export const stillExists = (db: Database, table: SQLiteTable, idColumn: SQLiteColumn, id: string): Statement =>
  guard(db, sql`exists (select 1 from ${table} where ${idColumn} = ${id})`, `row ${id}`);

/** Like guard, for the status claim (see statusClaims): its failure is told apart by isStatusConflict. */
export function statusGuard(db: Database, condition: SQL, reason: string): Statement {
  return db.insert(statusGuards).select(sql`select ${reason} where not (${condition})`);
}

/** True when a batch failed because another write moved components' statuses since this one read them. */
export function isStatusConflict(err: unknown): boolean {
  return errorText(err).includes("CHECK constraint failed: status_moved");
}

/** True when a batch failed because one of its guards found the state changed. */
export function isGuardFailure(err: unknown): boolean {
  return errorText(err).includes("CHECK constraint failed: state_changed");
}

/** True when a batch failed on a foreign key: something it refers to was deleted meanwhile. */
export function isForeignKeyFailure(err: unknown): boolean {
  return errorText(err).includes("FOREIGN KEY constraint failed");
}

/** The messages of an error and its causes (drizzle wraps D1's error in its own). */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.message);
  return parts.join(" / ");
}
