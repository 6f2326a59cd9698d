import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { insertAudit } from "../db/queries/audit";
import type { AuditEntityType } from "../db/schema";
import type { Actor } from "./change";

export interface AuditEntry {
  /** `<entity>.<verb>`, e.g. `incident.resolve`. */
  action: string;
  entityType: AuditEntityType;
  entityId: string;
  before: unknown;
  after: unknown;
}

/** The audit row for one write, for the batch that makes it: who, what (before and after) and when. */
export function auditStatement(db: Database, actor: Actor, entry: AuditEntry, now: number): Statement {
  return insertAudit(db, {
    id: crypto.randomUUID(),
    at: now,
    actorKind: actor.kind,
    actorId: actor.kind === "admin" ? actor.userId : null,
    actorName: actor.kind === "admin" ? (actor.name ?? null) : null,
    actorEmail: actor.kind === "admin" ? (actor.email ?? null) : null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
