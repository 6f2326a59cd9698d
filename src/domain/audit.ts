import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { insertAudit, type AuditRow } from "../db/queries/audit";
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
  return insertAudit(db, auditRow(actor, entry, now));
}

/** The row auditStatement inserts, for writes that insert it under a guard of their own. */
export function auditRow(actor: Actor, entry: AuditEntry, now: number): AuditRow {
  return {
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
  };
}

/**
 * The keys of times in a record, in either spelling records are kept in: snapshots' snake_case
 * (`started_at`, `scheduled_end`, `estimated_resolution`) and table rows' camelCase (`createdAt`,
 * `monitoredSince`). Durations (`timeout_ms`, `open_after_seconds`) are not times.
 */
const TIME_KEY = /(?:_at|At|_since|Since)$|^(?:at|scheduled_start|scheduled_end|scheduledStart|scheduledEnd|estimated_resolution|estimatedResolution)$/;

/** A table row's camelCase key in the snake_case every answer uses (`groupId` is `group_id`). */
const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * A before or after record as answered: records keep the epoch milliseconds and the key spelling they were
 * written with (a table row's camelCase, or a snapshot's snake_case), and are answered as every answer is:
 * snake_case keys, times in ISO 8601 UTC to the second.
 */
export function recordWithIsoTimes(value: unknown, key?: string): unknown {
  if (typeof value === "number" && key !== undefined && TIME_KEY.test(key)) return iso(value);
  if (Array.isArray(value)) return value.map((item) => recordWithIsoTimes(item));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), recordWithIsoTimes(v, k)]));
  return value;
}

/** What people call the thing an entry is about (a component's name, an incident's title), from its records. */
export function auditedName(before: unknown, after: unknown): string | null {
  for (const record of [after, before]) {
    if (typeof record !== "object" || record === null) continue;
    const { name, title } = record as { name?: unknown; title?: unknown };
    if (typeof name === "string" && name) return name;
    if (typeof title === "string" && title) return title;
  }
  return null;
}
