import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { runBatch, type Statement } from "../db/batch";
import { insertDeliveries } from "../db/queries/notifications";
import { findSubscriber, findSubscriberById, insertSubscriber, setSubscriberComponents, updateSubscriber, type SubscriberRow } from "../db/queries/subscriptions";
import { subscribers, type Channel } from "../db/schema";
import type { Bindings } from "../env";
import { base64url, constantTimeEqual, newWebhookSecret, randomBytes, tokenSigner } from "./crypto";
import { pageName, pageUrl, subscriptionLink } from "./links";
import { CONFIRMATION_PREFIX } from "./messages";
import { confirmationEmail, confirmationSms } from "./render";

export const CONFIRM_TTL_MS = 48 * 3600_000;
/** Confirmation messages one address can receive per UTC day, however often someone signs it up. */
export const CONFIRMATIONS_PER_DAY = 3;
/** Wrong SMS codes after which the code stops working. */
export const MAX_CODE_ATTEMPTS = 5;

export interface SubscriptionRequest {
  channel: Channel;
  address: string;
  componentIds: string[];
  componentChanges: boolean;
}

const sixDigits = () => String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0");

/**
 * Records a sign-up and writes its confirmation message (email link, SMS code or webhook ping) as a delivery,
 * in one batch. Says nothing about whether the address existed: an active subscriber is left alone, and an
 * address over its daily confirmation cap gets nothing. Returns the deliveries to queue.
 */
export async function requestSubscription(env: Bindings, db: Database, req: SubscriptionRequest, now: number): Promise<{ id: string; channel: Channel }[]> {
  const existing = await findSubscriber(db, req.channel, req.address);
  if (existing?.status === "active") return [];
  const today = new Date(now).toISOString().slice(0, 10);
  const sentToday = existing?.confirmSentDay === today ? existing.confirmSentCount : 0;
  if (sentToday >= CONFIRMATIONS_PER_DAY) return [];

  const signer = await tokenSigner(env);
  const id = existing?.id ?? crypto.randomUUID();
  const secret = req.channel === "sms" ? sixDigits() : base64url(randomBytes(32));
  // A pending endpoint keeps its secret, so a ping still in flight is signed with the secret it carries.
  const webhookSecret = req.channel !== "webhook" ? null : existing?.status === "pending" && existing.webhookSecret ? existing.webhookSecret : newWebhookSecret();
  const fields = {
    status: "pending" as const,
    allComponents: req.componentIds.length === 0,
    componentChanges: req.componentChanges,
    // A webhook confirms by answering the signed ping, so it has no token to hash.
    confirmTokenHash: req.channel === "webhook" ? null : await signer.hashConfirmation(id, secret),
    confirmExpiresAt: now + CONFIRM_TTL_MS,
    confirmAttempts: 0,
    confirmSentCount: sentToday + 1,
    confirmSentDay: today,
    webhookSecret,
    consecutiveFailures: 0,
    updatedAt: now,
  };
  const statements: Statement[] = [
    existing ? updateSubscriber(db, id, fields) : insertSubscriber(db, { id, channel: req.channel, address: req.address, createdAt: now, ...fields }),
    ...setSubscriberComponents(db, id, req.componentIds),
  ];

  const delivery = { id: crypto.randomUUID(), eventId: `${CONFIRMATION_PREFIX}${crypto.randomUUID()}`, subscriberId: id, channel: req.channel, recipient: req.address, createdAt: now, updatedAt: now };
  if (req.channel === "email") {
    const message = confirmationEmail(pageName(env), subscriptionLink(env, "confirm", `${id}.${secret}`));
    statements.push(...insertDeliveries(db, [{ ...delivery, subject: message.subject, bodyText: message.text, bodyHtml: message.html }]));
  } else if (req.channel === "sms") {
    statements.push(...insertDeliveries(db, [{ ...delivery, subject: "Confirmation code", bodyText: confirmationSms(pageName(env), secret), bodyHtml: null }]));
  } else {
    const ping = JSON.stringify({
      type: "subscription.ping",
      timestamp: new Date(now).toISOString(),
      data: {
        subscription_id: id,
        page: pageUrl(env),
        // The receiver learns its signing secret here, over https, from a message signed with it.
        secret: webhookSecret,
        manage_url: subscriptionLink(env, "manage", await signer.manageToken(id)),
        message: "Answer this request with any 2xx status to confirm the subscription.",
      },
    });
    statements.push(...insertDeliveries(db, [{ ...delivery, subject: "subscription.ping", bodyText: ping, bodyHtml: null }]));
  }
  await runBatch(db, statements);
  return [{ id: delivery.id, channel: req.channel }];
}

/**
 * Spends a confirmation secret: the subscriber becomes active when it matches, has not expired and was not
 * used. The UPDATE is conditional on the stored hash, so a token works once even when used twice at once.
 * A wrong secret counts as an attempt; after MAX_CODE_ATTEMPTS the secret is dropped.
 */
export async function confirmSubscription(env: Bindings, db: Database, subscriber: SubscriberRow | undefined, secret: string, now: number): Promise<SubscriberRow | null> {
  if (!subscriber?.confirmTokenHash || (subscriber.confirmExpiresAt ?? 0) < now || subscriber.confirmAttempts >= MAX_CODE_ATTEMPTS) return null;
  const signer = await tokenSigner(env);
  const hash = await signer.hashConfirmation(subscriber.id, secret);
  if (!constantTimeEqual(hash, subscriber.confirmTokenHash)) {
    const attempts = subscriber.confirmAttempts + 1;
    await updateSubscriber(db, subscriber.id, { confirmAttempts: attempts, ...(attempts >= MAX_CODE_ATTEMPTS ? { confirmTokenHash: null } : {}), updatedAt: now });
    return null;
  }
  const [confirmed] = await db
    .update(subscribers)
    .set({ status: "active", confirmedAt: now, confirmTokenHash: null, confirmExpiresAt: null, confirmAttempts: 0, unsubscribedAt: null, updatedAt: now })
    .where(and(eq(subscribers.id, subscriber.id), eq(subscribers.confirmTokenHash, hash)))
    .returning();
  return confirmed ?? null;
}

/** The subscriber an emailed `id.secret` confirmation token names, and the secret part. */
export async function subscriberForToken(db: Database, token: string) {
  const [id, secret] = token.split(".");
  if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) return { subscriber: undefined, secret: "" };
  return { subscriber: await findSubscriberById(db, id), secret };
}

export async function unsubscribe(db: Database, subscriber: SubscriberRow, now: number) {
  if (subscriber.status === "unsubscribed") return;
  await updateSubscriber(db, subscriber.id, { status: "unsubscribed", unsubscribedAt: now, confirmTokenHash: null, confirmExpiresAt: null, updatedAt: now });
}
