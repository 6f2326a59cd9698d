import { and, count, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import { chunkRows, type Statement } from "../batch";
import { subscriberComponents, subscribers, type Channel } from "../schema";

export type SubscriberRow = typeof subscribers.$inferSelect;

/** A JSON array bound as ONE parameter, so a list of any length stays under D1's 100 bound parameters. */
export const jsonList = (values: string[]) => sql`(select value from json_each(${JSON.stringify(values)}))`;

export async function findSubscriber(db: Database, channel: Channel, address: string) {
  return db.query.subscribers.findFirst({ where: and(eq(subscribers.channel, channel), eq(subscribers.address, address)) });
}

export async function findSubscriberById(db: Database, id: string) {
  return db.query.subscribers.findFirst({ where: eq(subscribers.id, id) });
}

export const insertSubscriber = (db: Database, row: typeof subscribers.$inferInsert) => db.insert(subscribers).values(row);

export const updateSubscriber = (db: Database, id: string, patch: Partial<typeof subscribers.$inferInsert>) =>
  db.update(subscribers).set(patch).where(eq(subscribers.id, id));

/** Replaces the components a subscriber follows; an empty list means every component. */
export function setSubscriberComponents(db: Database, subscriberId: string, componentIds: string[]): Statement[] {
  return [
    db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriberId)),
    ...chunkRows(
      componentIds.map((componentId) => ({ subscriberId, componentId })),
      2,
    ).map((rows) => db.insert(subscriberComponents).values(rows)),
  ];
}

export async function subscriberComponentIds(db: Database, subscriberId: string): Promise<string[]> {
  const rows = await db.select({ id: subscriberComponents.componentId }).from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriberId));
  return rows.map((r) => r.id);
}

/**
 * Active subscribers an event reaches: confirmed before it happened, following one of its components (or
 * all; an event about no component reaches everyone), and for component status changes only those who
 * asked for them.
 */
export async function subscribersForEvent(db: Database, event: { type: string; componentIds: string[]; createdAt: number }) {
  const follows =
    event.componentIds.length === 0
      ? sql`1`
      : sql`(${subscribers.allComponents} = 1 or exists (select 1 from ${subscriberComponents} where ${subscriberComponents.subscriberId} = ${subscribers.id} and ${subscriberComponents.componentId} in ${jsonList(event.componentIds)}))`;
  return db
    .select({ id: subscribers.id, channel: subscribers.channel, address: subscribers.address })
    .from(subscribers)
    .where(
      and(
        eq(subscribers.status, "active"),
        sql`${subscribers.confirmedAt} <= ${event.createdAt}`,
        follows,
        event.type === "component.status" ? eq(subscribers.componentChanges, true) : undefined,
      ),
    );
}

export async function subscribersByIds(db: Database, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(subscribers).where(sql`${subscribers.id} in ${jsonList(ids)}`);
}

export async function subscriberCounts(db: Database) {
  return db
    .select({ channel: subscribers.channel, status: subscribers.status, count: count() })
    .from(subscribers)
    .groupBy(subscribers.channel, subscribers.status);
}

export async function listSubscribers(db: Database, limit: number) {
  return db.select().from(subscribers).orderBy(desc(subscribers.createdAt)).limit(limit);
}

export const deleteSubscriber = (db: Database, id: string) => db.delete(subscribers).where(eq(subscribers.id, id));

/** A failed webhook attempt; the endpoint is disabled once `disableAt` attempts in a row have failed. */
export const recordEndpointFailure = (db: Database, id: string, disableAt: number, now: number) =>
  db
    .update(subscribers)
    .set({
      consecutiveFailures: sql`${subscribers.consecutiveFailures} + 1`,
      status: sql`case when ${subscribers.consecutiveFailures} + 1 >= ${disableAt} and ${subscribers.status} = 'active' then 'disabled' else ${subscribers.status} end`,
      updatedAt: now,
    })
    .where(eq(subscribers.id, id));
