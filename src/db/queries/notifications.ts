import { and, count, eq, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import { jsonList, type Statement } from "../batch";
import { deliveries, events, subscriberComponents, subscribers, type Channel, type DeliveryStatus } from "../schema";
import type { PageCursor } from "../../cursor";
import { newestFirst, olderThan } from "./paging";

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = Omit<typeof deliveries.$inferInsert, "status" | "attempts" | "lastError" | "providerId" | "leaseUntil" | "sentAt">;

export async function findEvent(db: Database, id: string) {
  return db.select().from(events).where(eq(events.id, id)).get();
}

/**
 * The events sent before `event` about the same incident (its opening and updates) or the same maintenance
 * window (its scheduling and later moves), to reach whoever heard of it.
 */
export async function earlierEventIds(db: Database, event: { id: string; type: string; payload: Record<string, unknown> }): Promise<string[]> {
  const { incident_id: incidentId, maintenance_id: maintenanceId } = event.payload;
  if (event.type.startsWith("incident.") && typeof incidentId === "string") return (await incidentEventsQuery(db, incidentId, event.id)).map((r) => r.id);
  if (event.type.startsWith("maintenance.") && typeof maintenanceId === "string") return (await maintenanceEventsQuery(db, maintenanceId, event.id)).map((r) => r.id);
  return [];
}

/** By the payload's maintenance id, as events_maintenance_idx indexes it. */
export const maintenanceEventsQuery = (db: Database, maintenanceId: string, exceptId: string) =>
  db
    .select({ id: events.id, type: events.type })
    .from(events)
    .where(and(sql`json_extract(${events.payload}, '$.maintenance_id') = ${maintenanceId}`, ne(events.id, exceptId)));

/** What subscribers were told of a window so far: the types of its events (none for a window kept quiet). */
export async function windowNoticesTold(db: Database, maintenanceId: string): Promise<Set<string>> {
  return new Set((await maintenanceEventsQuery(db, maintenanceId, "")).map((r) => r.type));
}

/** By the payload's incident id, as events_incident_idx indexes it (events are never pruned). */
export const incidentEventsQuery = (db: Database, incidentId: string, exceptId: string) =>
  db
    .select({ id: events.id, componentIds: events.componentIds })
    .from(events)
    .where(and(inArray(events.type, ["incident.created", "incident.updated"]), sql`json_extract(${events.payload}, '$.incident_id') = ${incidentId}`, ne(events.id, exceptId)));

export const markEventDispatched = (db: Database, id: string, now: number) =>
  db.update(events).set({ dispatchedAt: now }).where(and(eq(events.id, id), isNull(events.dispatchedAt)));

/** Rows per INSERT are capped by the JSON they make (D1 allows up to 2 MB in one value). */
const MAX_JSON_BYTES = 512 * 1024;

/**
 * INSERT OR IGNORE on (event_id, subscriber_id): fanning the same event out twice adds nothing (but the
 * subject, on a delivery written before its event's message was, as toLastFollowers writes them). The rows
 * travel as ONE JSON parameter read with json_each, so a statement carries hundreds of rows where bound
 * columns (100 parameters at most) would allow five.
 */
export function insertDeliveries(db: Database, rows: NewDelivery[]): Statement[] {
  const statements: Statement[] = [];
  let chunk: unknown[][] = [];
  let size = 0;
  const flush = () => {
    if (!chunk.length) return;
    statements.push(
      // Every column in table order, as drizzle's INSERT ... SELECT lists them.
      db
        .insert(deliveries)
        .select(
          sql`select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, 'pending', 0, null, null, null, value ->> 8, value ->> 9, null, null from json_each(${JSON.stringify(chunk)}) where true`,
        )
        .onConflictDoUpdate({ target: [deliveries.eventId, deliveries.subscriberId], set: { subject: sql`excluded.subject` }, setWhere: sql`${deliveries.subject} = ''` }),
    );
    chunk = [];
    size = 0;
  };
  for (const r of rows) {
    const row = [r.id, r.eventId, r.subscriberId, r.channel, r.recipient, r.subject, r.bodyText, r.bodyHtml ?? null, r.createdAt, r.updatedAt];
    const bytes = JSON.stringify(row).length;
    if (size + bytes > MAX_JSON_BYTES) flush();
    chunk.push(row);
    size += bytes;
  }
  flush();
  return statements;
}

/**
 * The deliveries of a component's removal to whoever followed it and nothing else: active subscribers who
 * chose components, and chose only this one. Put in the delete's batch before the row goes (what they
 * follow goes with it), they are the event's recipients: fan-out sends to these and to no one else, and
 * fills in their subject.
 */
export function deliveriesToLastFollowers(db: Database, eventId: string, componentId: string, now: number): Statement {
  // A version-4 UUID per row, as crypto.randomUUID() writes them (delivery ids are UUIDs everywhere).
  const uuid = sql.raw(
    `lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))`,
  );
  return db.insert(deliveries).select(
    sql`select ${uuid}, ${eventId}, id, channel, address, '', '', null, 'pending', 0, null, null, null, ${now}, ${now}, null, null
      from (select hex(randomblob(16)) as h, ${subscribers.id} as id, ${subscribers.channel} as channel, ${subscribers.address} as address
        from ${subscriberComponents} join ${subscribers} on ${subscribers.id} = ${subscriberComponents.subscriberId}
        where ${subscriberComponents.componentId} = ${componentId} and ${subscribers.status} = 'active' and ${subscribers.allComponents} = 0
          and not exists (select 1 from ${subscriberComponents} as others where others.subscriber_id = ${subscribers.id} and others.component_id != ${componentId}))`,
  );
}

/** This event's deliveries to these subscribers that are still waiting to be sent. */
export async function pendingDeliveries(db: Database, eventId: string, subscriberIds: string[]) {
  return db
    .select({ id: deliveries.id, channel: deliveries.channel })
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending"), sql`${deliveries.subscriberId} in ${jsonList(subscriberIds)}`));
}

/**
 * Takes the deliveries nobody is sending: pending ones, and ones whose sender's lease ran out (it died
 * mid-send). One UPDATE ... RETURNING, so two consumers never take the same row. SMS are never taken back
 * from an expired lease: the text may have gone out (see expireSmsLeases).
 */
export async function claimDeliveries(db: Database, ids: string[], now: number, leaseMs: number): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(deliveries)
    .set({ status: "sending", leaseUntil: now + leaseMs, attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
    .where(
      and(
        sql`${deliveries.id} in ${jsonList(ids)}`,
        or(eq(deliveries.status, "pending"), and(eq(deliveries.status, "sending"), lt(deliveries.leaseUntil, now), sql`${deliveries.channel} != 'sms'`)),
      ),
    )
    .returning();
}

export const expireSmsLeases = (db: Database, ids: string[], now: number) =>
  db
    .update(deliveries)
    .set({ status: "ambiguous", lastError: "The sender stopped before Twilio answered; not resent, as the text may have gone out.", leaseUntil: null, updatedAt: now })
    .where(and(sql`${deliveries.id} in ${jsonList(ids)}`, eq(deliveries.channel, "sms"), eq(deliveries.status, "sending"), lt(deliveries.leaseUntil, now)));

/** The latest lease another sender holds on any of these deliveries (null when none is held). */
export async function heldLeaseUntil(db: Database, ids: string[], now: number): Promise<number | null> {
  if (ids.length === 0) return null;
  const [row] = await db
    .select({ until: sql<number | null>`max(${deliveries.leaseUntil})` })
    .from(deliveries)
    .where(and(sql`${deliveries.id} in ${jsonList(ids)}`, eq(deliveries.status, "sending"), sql`${deliveries.leaseUntil} >= ${now}`));
  return row?.until ?? null;
}

/**
 * Every delivery of these email batches, settled or not (at most 100 each): filtered on the batch key alone,
 * so the lookup goes through its index rather than through every pending delivery.
 */
export const batchMembersQuery = (db: Database, batchKeys: string[]) =>
  db
    .select({ id: deliveries.id, batchKey: deliveries.batchKey, status: deliveries.status, leaseUntil: deliveries.leaseUntil })
    .from(deliveries)
    .where(sql`${deliveries.batchKey} in ${jsonList(batchKeys)}`);

/** Hands claimed deliveries back unsent (pending, the attempt not counted), for another sender to take. */
export const releaseDeliveries = (db: Database, ids: string[], now: number) =>
  db
    .update(deliveries)
    .set({ status: "pending", leaseUntil: null, attempts: sql`max(${deliveries.attempts} - 1, 0)`, updatedAt: now })
    .where(and(sql`${deliveries.id} in ${jsonList(ids)}`, eq(deliveries.status, "sending")));

/** Records the key of the email batch these deliveries are about to be sent in (see deliveries.batchKey). */
export const markEmailBatch = (db: Database, ids: string[], batchKey: string) =>
  db.update(deliveries).set({ batchKey }).where(sql`${deliveries.id} in ${jsonList(ids)}`);

/** A batch's deliveries left unsent by the request Resend accepted under its key: none is sent under it again. */
export const forgetBatchKey = (db: Database, batchKey: string) =>
  db.update(deliveries).set({ batchKey: null }).where(and(eq(deliveries.batchKey, batchKey), ne(deliveries.status, "sent")));

export const updateDelivery = (db: Database, id: string, patch: Partial<typeof deliveries.$inferInsert>) => db.update(deliveries).set(patch).where(eq(deliveries.id, id));

/** Dead letters: whatever is still pending or in flight after the queue gave up is failed, visibly. */
export const failUndelivered = (db: Database, ids: string[], now: number) =>
  db
    .update(deliveries)
    // The delivery's own count: the dead-letter queue's message starts its attempts again from 1.
    .set({ status: "failed", lastError: sql`coalesce(${deliveries.lastError} || ' / ', '') || 'gave up after ' || ${deliveries.attempts} || ' attempts'`, leaseUntil: null, updatedAt: now })
    .where(and(sql`${deliveries.id} in ${jsonList(ids)}`, inArray(deliveries.status, ["pending", "sending"])));

/** Deliveries nothing has touched for a long time (their queue message was lost); the cron re-enqueues them. */
export async function staleDeliveries(db: Database, before: number, limit: number) {
  return db
    .select({ id: deliveries.id, channel: deliveries.channel })
    .from(deliveries)
    .where(and(or(eq(deliveries.status, "pending"), and(eq(deliveries.status, "sending"), sql`${deliveries.channel} != 'sms'`)), lt(deliveries.updatedAt, before)))
    // An email batch's deliveries side by side, so the queue's chunks of them keep a batch whole when they can.
    .orderBy(deliveries.batchKey, deliveries.id)
    .limit(limit);
}

/** Newest first; `after` is the last row of the previous page (many deliveries share one created_at). */
export async function listDeliveries(db: Database, filter: { limit: number; after?: PageCursor; status?: DeliveryStatus; channel?: Channel }) {
  return db
    .select({ delivery: deliveries, event: { type: events.type, payload: events.payload, createdAt: events.createdAt } })
    .from(deliveries)
    .leftJoin(events, eq(events.id, deliveries.eventId))
    .where(
      and(
        olderThan(deliveries.createdAt, deliveries.id, filter.after),
        filter.status ? eq(deliveries.status, filter.status) : undefined,
        filter.channel ? eq(deliveries.channel, filter.channel) : undefined,
      ),
    )
    .orderBy(...newestFirst(deliveries.createdAt, deliveries.id))
    .limit(filter.limit);
}

export async function eventsByIds(db: Database, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(events).where(sql`${events.id} in ${jsonList(ids)}`);
}

export async function deliveryCounts(db: Database) {
  return db.select({ status: deliveries.status, count: count() }).from(deliveries).groupBy(deliveries.status);
}
