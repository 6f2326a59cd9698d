import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { insertAudit } from "../db/queries/audit";
import type { AuditEntityType } from "../db/schema";
import { iso } from "../time";
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

/**
 * The keys of times in a record, in either spelling records are kept in: snapshots' snake_case
 * (`started_at`, `scheduled_end`, `estimated_resolution`) and table rows' camelCase (`createdAt`,
 * `monitoredSince`). Durations (`timeout_ms`, `open_after_seconds`) are not times.
 */
const TIME_KEY = /(?:_at|At|_since|Since)$|^(?:at|scheduled_start|scheduled_end|scheduledStart|scheduledEnd|estimated_resolution|estimatedResolution)$/;

/**
 * A before or after record as answered: records keep the epoch milliseconds they were written with, and
 * are answered with their times as every answer gives them, ISO 8601 UTC to the second.
 */
export function recordWithIsoTimes(value: unknown, key?: string): unknown {
  if (typeof value === "number" && key !== undefined && TIME_KEY.test(key)) return iso(value);
  if (Array.isArray(value)) return value.map((item) => recordWithIsoTimes(item));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recordWithIsoTimes(v, k)]));
  return value;
}
