import type { Database } from "../db/client";
import { runBatch } from "../db/batch";
import { findEvent, insertDeliveries, markEventDispatched, pendingDeliveries, type NewDelivery } from "../db/queries/notifications";
import { subscribersForEvent } from "../db/queries/subscriptions";
import type { Channel } from "../db/schema";
import type { Bindings } from "../env";
import { tokenSigner } from "./crypto";
import { pageName, pageUrl, subscriptionLink } from "./links";
import type { NotifyEventType, NotifyMessage } from "./messages";
import { renderEvent, webhookBody } from "./render";

/** Deliveries per queue message: a Resend batch takes up to 100 emails; SMS and webhooks go one call each. */
const CHUNK: Record<Channel, number> = { email: 100, sms: 25, webhook: 10 };
/** Statements per D1 batch when writing many deliveries. */
const STATEMENTS_PER_BATCH = 50;
/** Messages per sendBatch call (the queue takes at most 100 messages and 256 KB per call). */
const MESSAGES_PER_SEND = 40;

/** Hands deliveries to the queue in per-channel chunks. */
export async function enqueueDeliveries(env: Bindings, list: { id: string; channel: Channel }[]) {
  const messages: { body: NotifyMessage }[] = [];
  for (const channel of Object.keys(CHUNK) as Channel[]) {
    const ids = list.filter((d) => d.channel === channel).map((d) => d.id);
    for (let i = 0; i < ids.length; i += CHUNK[channel]) messages.push({ body: { kind: "deliveries", deliveryIds: ids.slice(i, i + CHUNK[channel]) } });
  }
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND) await env.NOTIFY_QUEUE.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
}

/**
 * Turns one outbox event into one delivery per subscriber it reaches, each rendered in full (the admin sees
 * exactly what was sent), then queues them and marks the event dispatched. Running it again for the same
 * event adds no delivery (unique (event, subscriber)) and re-queues only what is still pending.
 */
export async function fanOutEvent(env: Bindings, db: Database, eventId: string, now: number) {
  const event = await findEvent(db, eventId);
  if (!event || event.dispatchedAt !== null) return;
  const type = event.type as NotifyEventType;
  const recipients = await subscribersForEvent(db, event);
  if (recipients.length) {
    const signer = await tokenSigner(env);
    const base = { pageName: pageName(env), pageUrl: pageUrl(env) };
    const rows: NewDelivery[] = [];
    for (const s of recipients) {
      const token = await signer.manageToken(s.id);
      const row = { id: crypto.randomUUID(), eventId: event.id, subscriberId: s.id, channel: s.channel, recipient: s.address, createdAt: now, updatedAt: now };
      if (s.channel === "webhook") {
        rows.push({ ...row, subject: type, bodyText: webhookBody(type, event.payload, event.createdAt), bodyHtml: null });
        continue;
      }
      const message = renderEvent(type, event.payload, { ...base, unsubscribeUrl: subscriptionLink(env, "unsubscribe", token), manageUrl: subscriptionLink(env, "manage", token) });
      rows.push(s.channel === "email" ? { ...row, subject: message.subject, bodyText: message.text, bodyHtml: message.html } : { ...row, subject: message.subject, bodyText: message.sms, bodyHtml: null });
    }
    const statements = insertDeliveries(db, rows);
    for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) await runBatch(db, statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
  await enqueueDeliveries(env, await pendingDeliveries(db, event.id));
  await markEventDispatched(db, event.id, now);
}
