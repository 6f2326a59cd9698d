import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";

export type Statement = BatchItem<"sqlite">;

/** Runs statements atomically in one D1 batch (D1 has no interactive transactions). */
export async function runBatch(db: Database, statements: Statement[]) {
  if (statements.length === 0) return [];
  return db.batch(statements as [Statement, ...Statement[]]);
}

/** A list of strings as one bound value, for `x IN ${jsonList(values)}` however long the list is. */
export const jsonList = (values: string[]) => sql`(select value from json_each(${JSON.stringify(values)}))`;

/** Splits rows so one multi-row INSERT stays under D1's 100 bound parameters. */
export function chunkRows<T extends object>(rows: T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(99 / Math.max(1, columnsPerRow)));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/**
 * Splits rows (arrays of column values) into JSON texts of at most `maxBytes`, each to be bound as the one
 * parameter of an `INSERT ... SELECT ... FROM json_each(?)`: hundreds of rows per statement instead of the
 * handful that 100 bound parameters allow.
 */
export function jsonRowChunks(rows: unknown[][], maxBytes = 48_000): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (parts.length && size + text.length + 1 > maxBytes) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      size = 0;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}
