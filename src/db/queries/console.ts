import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import { componentGroups, components, deliveries, subscribers, type Channel } from "../schema";

// Reads only the console makes: how each component is checked, delivery health by channel, and lookups.

export const consoleComponents = (db: Database) => db.select().from(components).orderBy(asc(components.position), asc(components.name));

export const consoleGroups = (db: Database) => db.select().from(componentGroups).orderBy(asc(componentGroups.position), asc(componentGroups.name));

export const deliveryCountsByChannel = (db: Database) =>
  db.select({ channel: deliveries.channel, status: deliveries.status, count: count() }).from(deliveries).groupBy(deliveries.channel, deliveries.status);

/** Deliveries that did not go out: failed (including dead letters) and ambiguous SMS, newest first. */
export const undeliveredDeliveries = (db: Database, limit: number) =>
  db.select().from(deliveries).where(inArray(deliveries.status, ["failed", "ambiguous"])).orderBy(desc(deliveries.updatedAt)).limit(limit);

export const findDelivery = (db: Database, id: string) => db.select().from(deliveries).where(eq(deliveries.id, id)).get();

/** Sends a failed delivery again: back to pending (only from failed or ambiguous, so a race cannot resend one twice). */
export const requeueDelivery = (db: Database, id: string, now: number) =>
  db
    .update(deliveries)
    .set({ status: "pending", leaseUntil: null, updatedAt: now })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["failed", "ambiguous"])))
    .returning({ id: deliveries.id, channel: deliveries.channel });

/**
 * Subscribers whose address contains the text, case aside. instr, not LIKE: D1 refuses LIKE patterns over
 * 50 bytes, shorter than many addresses, and the text needs no escaping.
 */
export const findSubscribersByAddress = (db: Database, text: string, limit: number, channel?: Channel) =>
  db
    .select()
    .from(subscribers)
    .where(and(sql`instr(lower(${subscribers.address}), lower(${text})) > 0`, channel ? eq(subscribers.channel, channel) : undefined))
    .orderBy(desc(subscribers.createdAt))
    .limit(limit);
