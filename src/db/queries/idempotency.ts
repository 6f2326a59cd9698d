import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { auditLog, idempotencyKeys } from "../schema";

/** How long a stored answer is replayed; the cron prunes older ones. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export type IdempotentAnswer = typeof idempotencyKeys.$inferSelect;

export async function findIdempotentAnswer(db: Database, userId: string, key: string, since: number): Promise<IdempotentAnswer | undefined> {
  return db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key), gt(idempotencyKeys.createdAt, since)))
    .get();
}

/**
 * Records the answer in the batch that makes the change. An expired row under the same key is replaced; a
 * live one makes the INSERT fail, and with it the batch: a concurrent request with the same key got there first.
 */
export function insertIdempotentAnswer(db: Database, row: IdempotentAnswer, liveSince: number): Statement[] {
  return [
    db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, row.userId), eq(idempotencyKeys.key, row.key), lt(idempotencyKeys.createdAt, liveSince + 1))),
    db.insert(idempotencyKeys).values(row),
  ];
}

/** Last in the batch: notes where the audit log stood once the change was written (see writtenSince). */
export function sealIdempotentAnswer(db: Database, row: Pick<IdempotentAnswer, "userId" | "key">): Statement {
  return db
    .update(idempotencyKeys)
    .set({ auditSeq: sql`(SELECT coalesce(max(rowid), 0) FROM ${auditLog})` })
    .where(and(eq(idempotencyKeys.userId, row.userId), eq(idempotencyKeys.key, row.key)));
}

export const isIdempotencyKeyTaken = (message: string) => message.includes("UNIQUE constraint failed: idempotency_keys");

export async function pruneIdempotencyKeys(db: Database, before: number) {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before));
}
