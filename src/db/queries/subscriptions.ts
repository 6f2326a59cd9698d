import { and, count, desc, eq, gt, gte, isNotNull, lt, lte, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { jsonList, type Statement } from "../batch";
import { components, confirmationBudget, deliveries, subscriberComponents, subscribers, type Channel, type SubscriberStatus } from "../schema";
import type { PageCursor } from "../../cursor";
import { newestFirst, olderThan } from "./paging";

export type SubscriberRow = typeof subscribers.$inferSelect;

/** A JSON array bound as ONE parameter, so a list of any length stays under D1's 100 bound parameters. */

export async function findSubscriber(db: Database, channel: Channel, address: string) {
  return db.select().from(subscribers).where(and(eq(subscribers.channel, channel), eq(subscribers.address, address))).get();
}

export async function findSubscriberById(db: Database, id: string) {
  return db.select().from(subscribers).where(eq(subscribers.id, id)).get();
}

/**
 * The newest confirmation messages made for a subscriber in its manage epoch, newest first: their secrets
 * derive from these ids. Those of an epoch before (sent to whoever had the address then) are not its own.
 */
export async function confirmationDeliveryIds(db: Database, subscriberId: string, eventPrefix: string, epoch: number, limit = 10): Promise<string[]> {
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.subscriberId, subscriberId), sql`substr(${deliveries.eventId}, 1, ${eventPrefix.length}) = ${eventPrefix}`, sql`${signUpEpoch(deliveries.eventId)} = ${epoch}`))
    .orderBy(desc(deliveries.createdAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

export const insertSubscriber = (db: Database, row: typeof subscribers.$inferInsert) => db.insert(subscribers).values(row);

export const updateSubscriber = (db: Database, id: string, patch: Partial<typeof subscribers.$inferInsert>) =>
  db.update(subscribers).set(patch).where(eq(subscribers.id, id));

/** An unsubscribed subscriber made active again, only while it is still unsubscribed. */
export const reactivateSubscriber = (db: Database, id: string, now: number) =>
  db
    .update(subscribers)
    .set({ status: "active", unsubscribedAt: null, updatedAt: now })
    .where(and(eq(subscribers.id, id), eq(subscribers.status, "unsubscribed")));

/**
 * Ends a subscription, only while it is the one the caller read: with the manage epoch the caller's link or
 * message was for (an address that signed up again meanwhile is a new owner's, whom an old link or a late
 * provider answer must not end), and still in `from`: the status the caller read, or any but the one it ends in.
 */
export const endSubscription = (
  db: Database,
  subscriber: Pick<SubscriberRow, "id" | "status" | "manageEpoch">,
  to: "unsubscribed" | "disabled",
  now: number,
  from: "as read" | "any other" = "as read",
) =>
  db
    .update(subscribers)
    .set({ status: to, updatedAt: now, confirmTokenHash: null, confirmExpiresAt: null, ...(to === "unsubscribed" ? { unsubscribedAt: now } : {}) })
    .where(
      and(
        eq(subscribers.id, subscriber.id),
        eq(subscribers.manageEpoch, subscriber.manageEpoch),
        from === "as read" ? eq(subscribers.status, subscriber.status) : ne(subscribers.status, to),
      ),
    );

/**
 * Which of `componentIds` still exist, for an insert into subscriber_components: one deleted between the
 * check of a sign-up or a change of choices and its batch is left out, rather than failing the whole batch.
 */
const existingComponents = (componentIds: string[]) =>
  sql`select value from json_each(${JSON.stringify(componentIds)}) where value in (select ${components.id} from ${components})`;

/** Replaces the components a subscriber follows; an empty list means every component. */
export function setSubscriberComponents(db: Database, subscriberId: string, componentIds: string[]): Statement[] {
  return [
    db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriberId)),
    db.insert(subscriberComponents).select(sql`select ${subscriberId}, value from (${existingComponents(componentIds)})`),
  ];
}

export async function subscriberComponentIds(db: Database, subscriberId: string): Promise<string[]> {
  const rows = await db.select({ id: subscriberComponents.componentId }).from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriberId));
  return rows.map((r) => r.id);
}

/**
 * Active subscribers an event reaches: confirmed before it happened, following one of its components (or
 * all; an event about no component reaches everyone), and for component status changes only those who
 * asked for them. One page at a time, in id order after `after`, so fan-out holds a bounded number of rows.
 */
export async function subscribersForEvent(
  db: Database,
  event: { id: string; type: string; componentIds: string[]; createdAt: number },
  after: string,
  limit: number,
  /** Events whose recipients this one reaches too, whatever they follow now (an incident's earlier ones, for its resolution). */
  toldBy: string[] = [],
) {
  // Told in this subscription: a delivery made before it was confirmed went to whoever had the address before
  // (or was skipped as backlog), and told this subscriber nothing.
  const told = toldBy.length
    ? sql` or exists (select 1 from ${deliveries} where ${deliveries.eventId} in ${jsonList(toldBy)} and ${deliveries.subscriberId} = ${subscribers.id} and ${deliveries.createdAt} >= ${subscribers.confirmedAt})`
    : sql``;
  const follows =
    event.type === "component.removed"
      ? // Its recipients were chosen when it was written (deliveriesToLastFollowers): what they followed is gone.
        sql`exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${event.id} and ${deliveries.subscriberId} = ${subscribers.id})`
      : event.componentIds.length === 0
        ? sql`1`
      : sql`(${subscribers.allComponents} = 1 or exists (select 1 from ${subscriberComponents} where ${subscriberComponents.subscriberId} = ${subscribers.id} and ${subscriberComponents.componentId} in ${jsonList(event.componentIds)})${told})`;
  return db
    .select({ id: subscribers.id, channel: subscribers.channel, address: subscribers.address })
    .from(subscribers)
    .where(
      and(
        eq(subscribers.status, "active"),
        sql`${subscribers.confirmedAt} <= ${event.createdAt}`,
        follows,
        event.type === "component.status" ? eq(subscribers.componentChanges, true) : undefined,
        gt(subscribers.id, after),
      ),
    )
    .orderBy(subscribers.id)
    .limit(limit);
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

/** Newest first; `after` is the last row of the previous page (a batch of sign-ups can share one created_at). */
export function listSubscribers(db: Database, filter: { limit: number; after?: PageCursor; channel?: Channel; status?: SubscriberStatus }) {
  return db
    .select()
    .from(subscribers)
    .where(
      and(
        olderThan(subscribers.createdAt, subscribers.id, filter.after),
        filter.channel ? eq(subscribers.channel, filter.channel) : undefined,
        filter.status ? eq(subscribers.status, filter.status) : undefined,
      ),
    )
    .orderBy(...newestFirst(subscribers.createdAt, subscribers.id))
    .limit(filter.limit);
}

export const deleteSubscriber = (db: Database, id: string) => db.delete(subscribers).where(eq(subscribers.id, id));

/**
 * A failed webhook attempt. The endpoint is disabled once `rule.attempts` attempts in a row have failed over
 * at least `rule.forMs`: a receiver down for a deploy fails every retry of every event in flight, which is no
 * reason to stop telling it anything.
 */
export const recordEndpointFailure = (db: Database, id: string, rule: { attempts: number; forMs: number }, now: number) =>
  db
    .update(subscribers)
    .set({
      consecutiveFailures: sql`${subscribers.consecutiveFailures} + 1`,
      failingSince: sql`coalesce(${subscribers.failingSince}, ${now})`,
      status: sql`case when ${subscribers.consecutiveFailures} + 1 >= ${rule.attempts} and coalesce(${subscribers.failingSince}, ${now}) <= ${now - rule.forMs} and ${subscribers.status} = 'active' then 'disabled' else ${subscribers.status} end`,
      updatedAt: now,
    })
    .where(eq(subscribers.id, id));

export interface SignUp {
  id: string;
  channel: Channel;
  address: string;
  allComponents: boolean;
  componentChanges: boolean;
  confirmTokenHash: string;
  confirmExpiresAt: number;
  webhookSecret: string | null;
  /** UTC day (YYYY-MM-DD) the per-address cap counts in. */
  day: string;
}

export interface SignUpCaps {
  /** Messages one address gets per UTC day. */
  perAddress: number;
  /** Confirmation messages the channel sends per UTC day. */
  perChannel: number;
  /** The least time between two messages to one address: a sign-up sooner sends nothing. */
  resendAfterMs: number;
}

/** The subscriber row this sign-up took, as a subquery: it names nothing when the sign-up lost or was refused. */
const signedUpBy = (s: Pick<SignUp, "channel" | "address" | "confirmTokenHash">) =>
  sql`(select id from subscribers where channel = ${s.channel} and address = ${s.address} and confirm_token_hash = ${s.confirmTokenHash})`;

/**
 * The statements of one sign-up, for one batch, each conditional on the one before: the subscriber row is
 * created or reset to pending only while it is not active and under its daily cap (decided and counted in
 * the same UPSERT, so concurrent sign-ups cannot both pass, and a concurrent first sign-up updates rather
 * than failing on the unique address); its components follow; then one unit of the channel's daily budget
 * is claimed; then the confirmation delivery is written only if that claim won.
 */
export function signUpStatements(db: Database, s: SignUp, caps: SignUpCaps, delivery: { id: string; eventId: string; subject: string; bodyText: string; bodyHtml: string | null; now: number }, componentIds: string[]): Statement[] {
  const now = delivery.now;
  const ours = signedUpBy(s);
  return [
    db
      .insert(subscribers)
      .values({
        id: s.id,
        channel: s.channel,
        address: s.address,
        status: "pending",
        allComponents: s.allComponents,
        componentChanges: s.componentChanges,
        confirmTokenHash: s.confirmTokenHash,
        confirmExpiresAt: s.confirmExpiresAt,
        confirmAttempts: 0,
        confirmSentCount: 1,
        confirmSentDay: s.day,
        webhookSecret: s.webhookSecret,
        consecutiveFailures: 0,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [subscribers.channel, subscribers.address],
        set: {
          status: "pending",
          allComponents: s.allComponents,
          componentChanges: s.componentChanges,
          confirmTokenHash: s.confirmTokenHash,
          confirmExpiresAt: s.confirmExpiresAt,
          confirmAttempts: 0,
          confirmSentCount: sql`case when ${subscribers.confirmSentDay} = ${s.day} then ${subscribers.confirmSentCount} + 1 else 1 end`,
          confirmSentDay: s.day,
          // A pending endpoint keeps its secret, so a ping still in flight is signed with the secret it carries.
          webhookSecret: sql`case when ${subscribers.status} = 'pending' and ${subscribers.webhookSecret} is not null then ${subscribers.webhookSecret} else ${s.webhookSecret} end`,
          consecutiveFailures: 0,
          failingSince: null,
          // An address that had left, signed up again (perhaps by someone new): the links sent before stop working.
          manageEpoch: sql`case when ${subscribers.status} = 'pending' then ${subscribers.manageEpoch} else ${subscribers.manageEpoch} + 1 end`,
          updatedAt: now,
        },
        // Its last confirmation was sent when its link started its CONFIRM_TTL_MS (confirmExpiresAt - TTL). With
        // the channel's budget spent no message goes out, so nothing changes either: the link or code already
        // sent stays the one that works (a batch runs alone, so the budget read here is the one claimed below).
        setWhere: sql`${subscribers.status} != 'active' and (${subscribers.confirmSentDay} is not ${s.day} or ${subscribers.confirmSentCount} < ${caps.perAddress})
          and (${subscribers.confirmExpiresAt} is null or ${subscribers.confirmExpiresAt} <= ${s.confirmExpiresAt - caps.resendAfterMs})
          and coalesce((select ${confirmationBudget.sent} from ${confirmationBudget} where ${confirmationBudget.channel} = ${s.channel} and ${confirmationBudget.day} = ${s.day}), 0) < ${caps.perChannel}`,
      }),
    db.delete(subscriberComponents).where(sql`${subscriberComponents.subscriberId} = ${ours}`),
    db.insert(subscriberComponents).select(sql`select ${ours}, value from (${existingComponents(componentIds)}) where ${ours} is not null`),
    claimBudget(db, s, caps.perChannel, delivery.id, ours),
    budgetedDelivery(db, s, delivery, ours),
  ];
}

/**
 * One unit of the channel's daily budget, claimed for a message to `subscriber` (a subquery answering its id,
 * or null when this batch did not get that far): the claim records the message's id, which wins only while
 * the budget lasts.
 */
function claimBudget(db: Database, s: Pick<SignUp, "channel" | "day">, perChannel: number, deliveryId: string, subscriber: SQL) {
  return (
    db
      .insert(confirmationBudget)
      // "where" also keeps SQLite from reading ON CONFLICT as part of the SELECT.
      .select(sql`select ${s.channel}, ${s.day}, 1, ${deliveryId} where ${perChannel} > 0 and ${subscriber} is not null`)
      .onConflictDoUpdate({
        target: [confirmationBudget.channel, confirmationBudget.day],
        set: { sent: sql`${confirmationBudget.sent} + 1`, lastClaim: sql`excluded.last_claim` },
        setWhere: sql`${confirmationBudget.sent} < ${perChannel}`,
      })
  );
}

/**
 * A sign-up's message is tagged with the manage epoch it was sent in (`#2` after its event id; none in epoch
 * 0, as before epochs): what was sent to an address's previous owner is told apart from what its owner now got.
 */
const signUpEpoch = (eventId: SQL | typeof deliveries.eventId) =>
  sql`(case when instr(${eventId}, '#') = 0 then 0 else cast(substr(${eventId}, instr(${eventId}, '#') + 1) as integer) end)`;

/** The message to `subscriber`, written only if its claim on the budget (claimBudget) won. */
function budgetedDelivery(db: Database, s: Pick<SignUp, "channel" | "day">, delivery: { id: string; eventId: string; subject: string; bodyText: string; bodyHtml: string | null; now: number }, subscriber: SQL) {
  // Every column in table order, as drizzle's INSERT ... SELECT lists them.
  return db.insert(deliveries).select(
    sql`select ${delivery.id}, ${delivery.eventId} || case when manage_epoch = 0 then '' else '#' || manage_epoch end, id, channel, address, ${delivery.subject}, ${delivery.bodyText}, ${delivery.bodyHtml}, 'pending', 0, null, null, null, ${delivery.now}, ${delivery.now}, null, null
        from subscribers where id = ${subscriber}
        and exists (select 1 from confirmation_budget where channel = ${s.channel} and day = ${s.day} and last_claim = ${delivery.id})`,
  );
}

/**
 * The statements that answer a sign-up of an address already active, in the same batch as signUpStatements
 * (which leave it alone): the address gets one message with the way to its choices, under the same daily cap
 * per address and budget per channel as confirmations, and nothing else changes. Every statement runs for
 * every sign-up and matches nothing unless the address is active, so an answer or its timing says nothing
 * of who is subscribed.
 */
export function alreadySubscribedStatements(
  db: Database,
  s: Pick<SignUp, "channel" | "address" | "day">,
  caps: SignUpCaps,
  delivery: { id: string; eventId: string; subject: string; bodyText: string; bodyHtml: string | null; now: number },
): Statement[] {
  const now = delivery.now;
  // The row this batch counted the message against (updated_at is its mark: an active row's is set only here).
  const counted = sql`(select id from subscribers where channel = ${s.channel} and address = ${s.address} and status = 'active' and updated_at = ${now} and confirm_sent_day = ${s.day})`;
  return [
    db
      .update(subscribers)
      .set({
        confirmSentCount: sql`case when ${subscribers.confirmSentDay} = ${s.day} then ${subscribers.confirmSentCount} + 1 else 1 end`,
        confirmSentDay: s.day,
        updatedAt: now,
      })
      .where(
        and(
          eq(subscribers.channel, s.channel),
          eq(subscribers.address, s.address),
          eq(subscribers.status, "active"),
          sql`(${subscribers.confirmSentDay} is not ${s.day} or ${subscribers.confirmSentCount} < ${caps.perAddress})`,
          // Its updated_at is when it was last sent this (or last changed): a sign-up sooner sends nothing.
          lte(subscribers.updatedAt, now - caps.resendAfterMs),
        ),
      ),
    claimBudget(db, s, caps.perChannel, delivery.id, counted),
    budgetedDelivery(db, s, delivery, counted),
  ];
}

/**
 * Takes one of the confirmation attempts of an address's pending sign-up, atomically: answers the row as it
 * was when the attempt was taken, or nothing when no attempt is left, nothing is waiting to be confirmed, or
 * the address never signed up. One statement either way, so trying a code learns nothing from the work it
 * causes.
 */
export async function takeConfirmationAttempt(db: Database, channel: Channel, address: string, maxAttempts: number, now: number) {
  const [row] = await db
    .update(subscribers)
    .set({ confirmAttempts: sql`${subscribers.confirmAttempts} + 1`, updatedAt: now })
    .where(and(eq(subscribers.channel, channel), eq(subscribers.address, address), isNotNull(subscribers.confirmTokenHash), gte(subscribers.confirmExpiresAt, now), lt(subscribers.confirmAttempts, maxAttempts)))
    .returning();
  return row;
}

/**
 * Activates an endpoint whose ping was answered with its challenge, only while its sign-up still waits: its
 * owner may have left (or pasted the challenge) while the ping was on its way.
 */
export const activateEchoedEndpoint = (db: Database, id: string, now: number) =>
  db
    .update(subscribers)
    .set({ status: "active", confirmedAt: now, unsubscribedAt: null, confirmTokenHash: null, confirmExpiresAt: null, updatedAt: now })
    .where(and(eq(subscribers.id, id), eq(subscribers.status, "pending")));

/** Activates a subscriber whose stored hash is still the one the secret matched (it works once). */
export async function activateSubscriber(db: Database, id: string, hash: string, now: number) {
  const [row] = await db
    .update(subscribers)
    // A confirmed endpoint starts with no failures: its ping's, while it waited, are not its record.
    .set({ status: "active", confirmedAt: now, confirmTokenHash: null, confirmExpiresAt: null, confirmAttempts: 0, unsubscribedAt: null, consecutiveFailures: 0, failingSince: null, updatedAt: now })
    .where(and(eq(subscribers.id, id), eq(subscribers.confirmTokenHash, hash)))
    .returning();
  return row;
}
