import { and, count, desc, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder, groupPageOrder } from "./components";
import type { Statement } from "../batch";
import { guard } from "./guards";
import { componentGroups, components, deliveries, subscribers, type Channel } from "../schema";

// Reads only the console makes: how each component is checked, delivery health by channel, and lookups.

export const consoleComponents = (db: Database) => db.select().from(components).orderBy(...componentPageOrder);

export const consoleGroups = (db: Database) => db.select().from(componentGroups).orderBy(...groupPageOrder);

export const deliveryCountsByChannel = (db: Database) =>
  db.select({ channel: deliveries.channel, status: deliveries.status, count: count() }).from(deliveries).groupBy(deliveries.channel, deliveries.status);

/**
 * Deliveries that did not go out: failed (including dead letters), ambiguous SMS, and those still pending
 * after a failed attempt (being retried), newest first.
 */
export const undeliveredDeliveries = (db: Database, limit: number) =>
  db
    .select()
    .from(deliveries)
    .where(or(inArray(deliveries.status, ["failed", "ambiguous"]), and(eq(deliveries.status, "pending"), gt(deliveries.attempts, 0))))
    .orderBy(desc(deliveries.updatedAt))
    .limit(limit);

export const findDelivery = (db: Database, id: string) => db.select().from(deliveries).where(eq(deliveries.id, id)).get();

const RETRYABLE = ["failed", "ambiguous"] as const;

export const mayRetryDelivery = (status: string) => (RETRYABLE as readonly string[]).includes(status);

/** Holds while the delivery is still failed or ambiguous (another retry has not sent it again meanwhile). */
export const deliveryAwaitsRetry = (db: Database, id: string): Statement =>
  guard(db, sql`exists (select 1 from ${deliveries} where ${deliveries.id} = ${id} and ${deliveries.status} in ('failed', 'ambiguous'))`, `delivery ${id}`);

/** Sends a failed delivery again: back to pending (only from failed or ambiguous, so a race cannot resend one twice). */
export const requeueDelivery = (db: Database, id: string, now: number): Statement =>
  db
    .update(deliveries)
    // Under the key of the batch it was tried in, if any: Resend refuses the key if that batch went out.
    .set({ status: "pending", leaseUntil: null, updatedAt: now })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, RETRYABLE)));

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
