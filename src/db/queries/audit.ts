import { and, desc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { auditLog, type AuditEntityType } from "../schema";
import { newestFirst, olderThan } from "./paging";

export type AuditRow = typeof auditLog.$inferSelect;

export const insertAudit = (db: Database, row: AuditRow): Statement => db.insert(auditLog).values(row);

/** Newest first; `after` is the last row of the previous page. */
export async function listAudit(db: Database, filter: { limit: number; after?: { at: number; id: string }; entityType?: AuditEntityType; entityId?: string }) {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        olderThan(auditLog.at, auditLog.id, filter.after),
        filter.entityType ? eq(auditLog.entityType, filter.entityType) : undefined,
        filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
      ),
    )
    .orderBy(...newestFirst(auditLog.at, auditLog.id))
    .limit(filter.limit);
}

/**
 * Of the entities these entries are about, those an entry says were deleted (its `after` is null), as
 * "type/id": a screen does not link to what no longer exists. One index search for a screen's entries.
 */
export async function deletedEntities(db: Database, rows: Pick<AuditRow, "entityType" | "entityId">[]): Promise<Set<string>> {
  const types = [...new Set(rows.map((r) => r.entityType))];
  const ids = [...new Set(rows.map((r) => r.entityId))];
  if (!ids.length) return new Set();
  const found = await db
    .selectDistinct({ type: auditLog.entityType, id: auditLog.entityId })
    .from(auditLog)
    .where(and(inArray(auditLog.entityType, types), inArray(auditLog.entityId, ids), isNull(auditLog.after)));
  return new Set(found.map((f) => `${f.type}/${f.id}`));
}

export async function findAuditEntry(db: Database, id: string) {
  return db.select().from(auditLog).where(eq(auditLog.id, id)).get();
}

/** Deletes at most `limit` entries older than `before`, oldest first, so one cron run's delete stays small. */
export async function pruneAudit(db: Database, before: number, limit: number) {
  const oldest = db.select({ id: auditLog.id }).from(auditLog).where(lt(auditLog.at, before)).orderBy(auditLog.at).limit(limit);
  await db.delete(auditLog).where(inArray(auditLog.id, oldest));
}

/**
 * Whether anything was written after a stored answer, by an admin or by Beacon (every write leaves an audit
 * entry): a row added after the one the answer noted, whatever time it is dated. An answer stored before
 * answers noted it is compared by time.
 */
export async function writtenSince(db: Database, answer: { auditSeq: number | null; createdAt: number }): Promise<boolean> {
  const later = answer.auditSeq === null ? gt(auditLog.at, answer.createdAt) : sql`${auditLog}.rowid > ${answer.auditSeq}`;
  const row = await db.select({ id: auditLog.id }).from(auditLog).where(later).limit(1).get();
  return row !== undefined;
}

/** How an admin signed their latest entry about a record: their name and email as their session gave them. */
export async function actorAsSigned(db: Database, entity: { type: AuditEntityType; id: string }, actorId: string) {
  return db
    .select({ name: auditLog.actorName, email: auditLog.actorEmail })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, entity.type), eq(auditLog.entityId, entity.id), eq(auditLog.actorKind, "admin"), eq(auditLog.actorId, actorId)))
    .orderBy(desc(auditLog.at))
    .limit(1)
    .get();
}
