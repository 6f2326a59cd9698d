import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { auditLog, type AuditEntityType } from "../schema";

export type AuditRow = typeof auditLog.$inferSelect;

export const insertAudit = (db: Database, row: AuditRow): Statement => db.insert(auditLog).values(row);

/** Newest first; `after` is the last row of the previous page. */
export async function listAudit(db: Database, filter: { limit: number; after?: { at: number; id: string }; entityType?: AuditEntityType; entityId?: string }) {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        filter.after ? or(lt(auditLog.at, filter.after.at), and(eq(auditLog.at, filter.after.at), lt(auditLog.id, filter.after.id))) : undefined,
        filter.entityType ? eq(auditLog.entityType, filter.entityType) : undefined,
        filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
      ),
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(filter.limit);
}

export async function findAuditEntry(db: Database, id: string) {
  return db.select().from(auditLog).where(eq(auditLog.id, id)).get();
}

/** Deletes at most `limit` entries older than `before`, oldest first, so one cron run's delete stays small. */
export async function pruneAudit(db: Database, before: number, limit: number) {
  const oldest = db.select({ id: auditLog.id }).from(auditLog).where(lt(auditLog.at, before)).orderBy(auditLog.at).limit(limit);
  await db.delete(auditLog).where(inArray(auditLog.id, oldest));
}
