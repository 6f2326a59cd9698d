import type { Database } from "../db/client";
import { recordDevOutbox, type NewDevOutboxMessage } from "../db/queries/dev-outbox";
import { runBatch, type Statement } from "../db/batch";
import { claimDeliveries, eventsByIds, expireSmsLeases, forgetBatchKey, heldLeaseUntil, markEmailBatch, batchMembersQuery, releaseDeliveries, updateDelivery, type DeliveryRow } from "../db/queries/notifications";
import { activateEchoedEndpoint, endSubscription, recordEndpointFailure, subscribersByIds, updateSubscriber, type SubscriberRow } from "../db/queries/subscriptions";
import type { Bindings } from "../env";
import { isLocalDev } from "./channels";
import { deliveryTemplate, type MessageTemplate } from "./compose";
import { hex } from "../crypto";
import { tokenSigner, type TokenSigner } from "./crypto";
import { sendEmails, type OutgoingEmail } from "./email";
import { subscriptionLink } from "./links";
import { isConfirmation } from "./messages";
import type { SendOutcome } from "./outcome";
import { sendSms } from "./sms";
import { fillSlots, type Slot } from "./slots";
import { sendWebhook } from "./webhook";
import { readSnapshot } from "../snapshot/store";
import { buildSnapshot } from "../snapshot/build";
import type { Snapshot } from "../snapshot/types";

/** How long a sender owns a claimed delivery; longer than any provider call (each times out in 10 s). */
export const LEASE_MS = 60_000;
/** A webhook endpoint is disabled after this many failed attempts in a row, failing for at least this long. */
export const WEBHOOK_DISABLE_AFTER = { attempts: 10, forMs: 24 * 3600_000 };

/**
 * Sends the given deliveries, each at most once: a delivery is claimed (pending -> sending, with a lease)
 * in one atomic UPDATE before any provider call, and settled after it. Returns how long to wait before the
 * queue message should come back (some failed in a retryable way, or another sender still holds them), or
 * null when every delivery in it is settled.
 */
export async function sendDeliveries(env: Bindings, db: Database, ids: string[], now: number): Promise<{ retryAfterSeconds: number | null }> {
  await expireSmsLeases(db, ids, now);
  const whole = await claimWholeBatches(db, await claimDeliveries(db, ids, now, LEASE_MS), now);
  const claimed = whole.claimed;
  const subscribers = new Map((await subscribersByIds(db, [...new Set(claimed.map((d) => d.subscriberId))])).map((s) => [s.id, s]));
  const statements: Statement[] = [];
  const devOutbox: NewDevOutboxMessage[] = [];
  let retryAfter: number | null = whole.retryAfterSeconds;

  const settle = (delivery: DeliveryRow, outcome: SendOutcome) => {
    const base = { leaseUntil: null, updatedAt: now };
    const subscriber = subscribers.get(delivery.subscriberId);
    if (outcome.status === "sent") {
      statements.push(updateDelivery(db, delivery.id, { ...base, status: "sent", providerId: outcome.providerId, sentAt: now, lastError: outcome.note ?? null }));
      // The table holds live links in plain text: it is written under `npm start` and nowhere else.
      if (outcome.devOutbox && isLocalDev(env)) {
        const { to, text, html, ...message } = outcome.devOutbox;
        devOutbox.push({ ...message, recipient: to, bodyText: text, bodyHtml: html, deliveryId: delivery.id, createdAt: now });
      }
      if (delivery.channel === "webhook" && subscriber) {
        statements.push(updateSubscriber(db, subscriber.id, { consecutiveFailures: 0, failingSince: null, updatedAt: now }));
        // A ping answered with its challenge echoed is the endpoint's proof of consent (sendWebhook checked it),
        // for a sign-up still waiting for it when the answer came: never for an endpoint its owner has since
        // left, even while the ping was on its way (hence the guard in the statement, not the status read before).
        if (isConfirmation(delivery.eventId)) statements.push(activateEchoedEndpoint(db, subscriber.id, now));
      }
      return;
    }
    if (outcome.status === "retry") {
      statements.push(updateDelivery(db, delivery.id, { ...base, status: "pending", lastError: outcome.error }));
      retryAfter = Math.max(retryAfter ?? 0, outcome.retryAfterSeconds ?? 0);
    } else {
      statements.push(updateDelivery(db, delivery.id, { ...base, status: outcome.status, lastError: outcome.error }));
    }
    if (outcome.status === "failed" && outcome.gone && subscriber) {
      // Only from the status read before sending: its owner may have left, or signed up again, meanwhile.
      statements.push(endSubscription(db, subscriber, delivery.channel === "webhook" ? "disabled" : "unsubscribed", now));
    } else if (delivery.channel === "webhook" && subscriber && outcome.status !== "ambiguous") {
      statements.push(recordEndpointFailure(db, subscriber.id, WEBHOOK_DISABLE_AFTER, now));
    }
  };

  const emails: { delivery: DeliveryRow; email: OutgoingEmail }[] = [];
  const others: { delivery: DeliveryRow; subscriber: SubscriberRow; body: string; challenge: string | null }[] = [];
  const signer = await tokenSigner(env);
  // Event deliveries store no body: their event's message is rendered once here for every delivery of the chunk.
  const eventIds = [...new Set(claimed.filter((d) => d.bodyText === "").map((d) => d.eventId))];
  const events = new Map((await eventsByIds(db, eventIds)).map((e) => [e.id, e]));
  const eventsReadAt = Date.now();
  // Webhooks also carry the page and the incident as Statuspage's webhooks do, from the snapshot as it is now;
  // without one (the hub and D1 both unreachable), they go with Beacon's keys alone rather than wait.
  const snapshot = claimed.some((d) => d.channel === "webhook" && d.bodyText === "") ? await snapshotCovering(env, db, [...events.values()], eventsReadAt) : null;
  const templates = new Map<string, MessageTemplate | null>();
  const templateOf = (d: DeliveryRow) => {
    if (d.bodyText !== "") return deliveryTemplate(env, d, null);
    const key = `${d.eventId}/${d.channel}`;
    if (!templates.has(key)) templates.set(key, deliveryTemplate(env, d, events.get(d.eventId), snapshot));
    return templates.get(key)!;
  };
  for (const delivery of claimed) {
    const subscriber = subscribers.get(delivery.subscriberId);
    // A confirmation only while the sign-up waits for one (a webhook confirmed with its pasted code stops its
    // ping's retries); anything else only while the subscriber is active.
    const stillWanted = subscriber && subscriber.status === (isConfirmation(delivery.eventId) ? "pending" : "active");
    if (!stillWanted) {
      const lastError = isConfirmation(delivery.eventId) ? "No longer waiting for a confirmation: confirmed, left or disabled meanwhile." : "The subscriber left or was disabled before it was sent.";
      statements.push(updateDelivery(db, delivery.id, { status: "skipped", lastError, leaseUntil: null, updatedAt: now }));
      continue;
    }
    // Only events after a subscriber confirmed are sent: one that was disabled (or left) and then confirmed
    // again gets none of the backlog from before, rather than whichever part of it had not been tried yet.
    if (!isConfirmation(delivery.eventId) && subscriber.confirmedAt !== null && delivery.createdAt < subscriber.confirmedAt) {
      statements.push(updateDelivery(db, delivery.id, { status: "skipped", lastError: "Made before the subscriber last confirmed; only events after that are sent.", leaseUntil: null, updatedAt: now }));
      continue;
    }
    const template = templateOf(delivery);
    if (!template) {
      settle(delivery, { status: "failed", error: "The event this delivery belongs to no longer exists." });
      continue;
    }
    const secrets = await secretsFor(env, signer, delivery, subscriber);
    const fill = (text: string) => fillSlots(text, secrets);
    if (delivery.channel !== "email") {
      others.push({ delivery, subscriber, body: fill(template.text), challenge: secrets.challenge ?? null });
      continue;
    }
    const headers: Record<string, string> = {};
    if (!isConfirmation(delivery.eventId)) {
      // RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to this URL.
      headers["List-Unsubscribe"] = `<${secrets.unsubscribe_url}>`;
      headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
    }
    emails.push({
      delivery,
      email: { to: delivery.recipient, subject: template.subject, text: fill(template.text), html: template.html === null ? null : fill(template.html), headers, idempotencyKey: `${delivery.eventId}/${delivery.subscriberId}` },
    });
  }

  const sends: Promise<void>[] = [];
  // Every email goes under a key recorded before its first call, and a retry sends it under that key again:
  // a batch's key stands for all of it (claimWholeBatches gathered what is left), and Resend either never had
  // the key (and sends what is left) or refuses it as used, which means an earlier try sent them (see
  // failureOutcome). A new lone email's key is its event and subscriber, a new batch's the digest of its ids.
  const batches = new Map<string | null, typeof emails>();
  for (const e of emails) {
    const batch = batches.get(e.delivery.batchKey);
    if (batch) batch.push(e);
    else batches.set(e.delivery.batchKey, [e]);
  }
  const fresh = batches.get(null);
  if (fresh) {
    const batchKey = fresh.length === 1 ? `${LONE_EMAIL}${fresh[0]!.email.idempotencyKey}` : `${BATCH}${await digest(fresh.map((e) => e.delivery.id).sort().join(","))}`;
    await runBatch(db, [markEmailBatch(db, fresh.map((e) => e.delivery.id), batchKey)]);
    batches.delete(null);
    batches.set(batchKey, fresh);
  }
  for (const [batchKey, batch] of batches) {
    // In the order the batch was first sent in (by delivery id), so its payload is the same on every try.
    batch.sort((a, b) => (a.delivery.id < b.delivery.id ? -1 : a.delivery.id > b.delivery.id ? 1 : 0));
    sends.push(
      (async () => {
        const lone = batchKey!.startsWith(LONE_EMAIL);
        const { outcomes, accepted } = await sendEmails(env, batch.map((e) => e.email), lone ? null : batchKey);
        batch.forEach((e, i) => settle(e.delivery, outcomes[i]!));
        // Resend keeps the batch it accepted under this key: sent again under it, any other set of its emails
        // would be refused as a repeat and recorded as sent. What it did not send of the batch (refused in it,
        // or not in it, as when an admin sends a dead-lettered batch's emails again one by one) goes under a
        // key of its own from now on. After this batch's own settlements, in the same D1 batch.
        if (accepted && !lone) statements.push(forgetBatchKey(db, batchKey!));
      })(),
    );
  }
  for (const { delivery, subscriber, body, challenge } of others) {
    sends.push(
      (async () => {
        const outcome =
          delivery.channel === "sms"
            ? await sendSms(env, delivery.recipient, body)
            : await sendWebhook(delivery.recipient, subscriber.webhookSecret, delivery.id, body, now, challenge);
        settle(delivery, outcome);
      })(),
    );
  }
  await Promise.all(sends);
  await runBatch(db, [...statements, ...recordDevOutbox(db, devOutbox)]);

  const claimedIds = new Set(claimed.map((d) => d.id));
  const heldUntil = await heldLeaseUntil(db, ids.filter((id) => !claimedIds.has(id)), now);
  if (heldUntil !== null) retryAfter = Math.max(retryAfter ?? 0, Math.ceil((heldUntil - now) / 1000) + 1);
  return { retryAfterSeconds: retryAfter };
}

/** How much later than the sender with a batch's first delivery the others come back for it (see claimWholeBatches). */
const GIVE_WAY_SECONDS = 30;

/** The prefixes of a recorded key: a batch's (sent to the batch endpoint), or a lone email's, whose rest is its Idempotency-Key. */
const BATCH = "batch/";
const LONE_EMAIL = "email/";

/**
 * An email batch goes out whole under its key: a sender holding part of one (the sweep's chunks or another
 * message cut it) claims the rest too. Sent apart under the one key, the second part would be refused as a
 * repeat and recorded as sent without going out. Where another sender holds some of it now, our part goes
 * back to pending. Two senders that each hold part and see the other's give both back; so that one of them
 * then takes it whole, the one with the batch's first unsent delivery comes back once the lease it saw
 * is over, and the others half a minute after that. Returns the deliveries to send now and, when some were given back, how
 * long until the message should come back.
 */
async function claimWholeBatches(db: Database, claimed: DeliveryRow[], now: number): Promise<{ claimed: DeliveryRow[]; retryAfterSeconds: number | null }> {
  const keys = [...new Set(claimed.flatMap((d) => (d.batchKey?.startsWith(BATCH) ? [d.batchKey] : [])))];
  const have = new Set(claimed.map((d) => d.id));
  const unsent = (keys.length ? await batchMembersQuery(db, keys) : []).filter((d) => d.status === "pending" || d.status === "sending");
  const rest = unsent.filter((d) => !have.has(d.id));
  if (rest.length === 0) return { claimed, retryAfterSeconds: null };
  const joined = await claimDeliveries(db, rest.map((d) => d.id), now, LEASE_MS);
  const joinedIds = new Set(joined.map((d) => d.id));
  const held = rest.filter((d) => !joinedIds.has(d.id));
  const all = [...claimed, ...joined];
  if (held.length === 0) return { claimed: all, retryAfterSeconds: null };
  const heldKeys = new Set(held.map((d) => d.batchKey));
  const givenBack = all.filter((d) => heldKeys.has(d.batchKey));
  await releaseDeliveries(db, givenBack.map((d) => d.id), now);
  const ours = new Set(givenBack.map((d) => d.id));
  const firstOfEach = [...heldKeys].map((key) => unsent.filter((d) => d.batchKey === key).reduce((a, b) => (b.id < a.id ? b : a)).id);
  // A delivery claimed between our read and our claim has a lease we did not see: at most a whole one.
  const heldUntil = Math.max(...held.map((d) => d.leaseUntil ?? now + LEASE_MS));
  const retryAfterSeconds = Math.ceil((heldUntil - now) / 1000) + 1 + (firstOfEach.every((id) => ours.has(id)) ? 0 : GIVE_WAY_SECONDS);
  return { claimed: all.filter((d) => !heldKeys.has(d.batchKey)), retryAfterSeconds };
}

/**
 * The page's data as of these events at least: the published snapshot, or, while it is still being rebuilt
 * after them (a webhook must not describe the incident as it was before its own news), one built from D1 and
 * shared by the chunks an isolate sends side by side. Null when neither can be had (tried again next time).
 */
async function snapshotCovering(env: Bindings, db: Database, events: EventRow[], readAt: number): Promise<Snapshot | null> {
  const published = await readSnapshot(env, () => db, { revalidate: true }).catch(() => null);
  if (published && covers(published, events, readAt)) return published;
  const shared = built ? await built : null;
  if (shared && covers(shared, events, readAt)) return shared;
  const building = buildSnapshot(db, env).catch(() => null);
  built = building;
  const snapshot = await building;
  if (!snapshot && built === building) built = null;
  return snapshot;
}
let built: Promise<Snapshot | null> | null = null;

/**
 * Whether a snapshot shows these events: begun after they were read (so after they were committed), or
 * holding what each one's write set, which carries the event's own time (its incident's or window's
 * updated_at, its component's status_since).
 */
function covers(snapshot: Snapshot, events: EventRow[], readAt: number): boolean {
  if (snapshot.generated_at >= readAt) return true;
  return events.every((e) => {
    const p = e.payload as Record<string, unknown>;
    if (e.type.startsWith("incident.") && e.type !== "incident.deleted") return (snapshot.incidents.find((i) => i.id === p.incident_id)?.updated_at ?? -1) >= e.createdAt;
    if (e.type.startsWith("maintenance.") && e.type !== "maintenance.deleted") return (snapshot.maintenances.find((m) => m.id === p.maintenance_id)?.updated_at ?? -1) >= e.createdAt;
    if (e.type === "component.status") return typeof p.at === "number" && (snapshot.components.find((c) => c.id === p.component_id)?.status_since ?? -1) >= p.at;
    return true;
  });
}
type EventRow = Awaited<ReturnType<typeof eventsByIds>>[number];

/** The secrets a delivery's slots stand for, derived now: they are never stored. */
async function secretsFor(env: Bindings, signer: TokenSigner, delivery: DeliveryRow, subscriber: SubscriberRow): Promise<Partial<Record<Slot, string>>> {
  const token = await signer.manageToken(subscriber.id, subscriber.manageEpoch);
  const values: Partial<Record<Slot, string>> = { manage_url: subscriptionLink(env, "manage", token), unsubscribe_url: subscriptionLink(env, "unsubscribe", token) };
  if (!isConfirmation(delivery.eventId)) return values;
  const secret = await signer.confirmationSecret(delivery.id, delivery.channel);
  if (delivery.channel === "email") values.confirm_url = subscriptionLink(env, "confirm", `${subscriber.id}.${secret}`);
  if (delivery.channel === "sms") values.code = secret;
  if (delivery.channel === "webhook") {
    values.webhook_secret = subscriber.webhookSecret ?? "";
    values.challenge = secret;
  }
  return values;
}

async function digest(value: string) {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))).slice(0, 40);
}
