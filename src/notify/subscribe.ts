import type { Database } from "../db/client";
import { runBatch } from "../db/batch";
import { activateSubscriber, alreadySubscribedStatements, confirmationDeliveryIds, endSubscription, findSubscriberById, reactivateSubscriber, signUpStatements, takeConfirmationAttempt, type SubscriberRow } from "../db/queries/subscriptions";
import type { Channel } from "../db/schema";
import { pageName, type Bindings } from "../env";
import { constantTimeEqual } from "../crypto";
import { iso } from "../time";
import { newWebhookSecret, tokenParts, tokenSigner } from "./crypto";
import { pageUrl } from "./links";
import { ALREADY_SUBSCRIBED_PREFIX, CONFIRMATION_PREFIX } from "./messages";
import { alreadySubscribedEmail, alreadySubscribedSms, confirmationEmail, confirmationSms } from "./render";
import { slot } from "./slots";

export const CONFIRM_TTL_MS = 48 * 3600_000;
/** Confirmation messages one address can receive per UTC day, however often someone signs it up. */
export const CONFIRMATIONS_PER_DAY = 3;
/**
 * A sign-up of an address sent a message less than this long ago sends nothing more (a double submit, a
 * form posted twice): the link or code already sent stays the one that works.
 */
export const RESEND_AFTER_MS = 60_000;
/** Wrong SMS codes after which the code stops working. */
export const MAX_CODE_ATTEMPTS = 5;
/** Confirmation messages the whole page sends per channel per UTC day unless configured otherwise. */
export const DEFAULT_DAILY_CONFIRMATIONS: Record<Channel, number> = { email: 1000, sms: 100, webhook: 1000 };

const BUDGET_VARS = { email: "EMAIL_CONFIRMATIONS_PER_DAY", sms: "SMS_CONFIRMATIONS_PER_DAY", webhook: "WEBHOOK_CONFIRMATIONS_PER_DAY" } as const;

/** The channel's page-wide daily confirmation budget (`EMAIL_CONFIRMATIONS_PER_DAY`, ...). */
export function dailyConfirmations(env: Bindings, channel: Channel): number {
  const configured = Number(env[BUDGET_VARS[channel]]);
  return env[BUDGET_VARS[channel]] !== undefined && Number.isInteger(configured) && configured >= 0 ? configured : DEFAULT_DAILY_CONFIRMATIONS[channel];
}

export interface SubscriptionRequest {
  channel: Channel;
  address: string;
  componentIds: string[];
  componentChanges: boolean;
}

/**
 * Records a sign-up and its confirmation message (email link, SMS code or webhook ping) in one batch whose
 * statements decide everything atomically: an active subscriber keeps its subscription and gets its manage
 * link instead (email and SMS), an address over its daily cap or a channel over its daily budget gets
 * nothing. The message is stored with its secrets as slots; the secret itself is derived from the
 * delivery's id when it is sent. Returns the deliveries to queue, if any.
 */
export async function requestSubscription(env: Bindings, db: Database, req: SubscriptionRequest, now: number): Promise<{ id: string; channel: Channel }[]> {
  const signer = await tokenSigner(env);
  const deliveryId = crypto.randomUUID();
  const secret = await signer.confirmationSecret(deliveryId, req.channel);
  const message = confirmationTemplate(env, req.channel, now);
  const day = new Date(now).toISOString().slice(0, 10);
  const caps = { perAddress: CONFIRMATIONS_PER_DAY, perChannel: dailyConfirmations(env, req.channel), resendAfterMs: RESEND_AFTER_MS };
  const statements = signUpStatements(
    db,
    {
      id: crypto.randomUUID(),
      channel: req.channel,
      address: req.address,
      allComponents: req.componentIds.length === 0,
      componentChanges: req.componentChanges,
      confirmTokenHash: await signer.hashConfirmation(req.channel, req.address, secret),
      confirmExpiresAt: now + CONFIRM_TTL_MS,
      webhookSecret: req.channel === "webhook" ? newWebhookSecret() : null,
      day,
    },
    caps,
    {
      id: deliveryId,
      eventId: `${CONFIRMATION_PREFIX}${crypto.randomUUID()}`,
      ...message,
      now,
    },
    req.componentIds,
  );
  // An address already active is sent the way to its choices (a lost manage link comes back this way);
  // an endpoint has it in the ping it confirmed, and is sent nothing.
  const again = alreadySubscribedTemplate(env, req.channel);
  const againId = crypto.randomUUID();
  const againStatements = again ? alreadySubscribedStatements(db, { channel: req.channel, address: req.address, day }, caps, { id: againId, eventId: `${ALREADY_SUBSCRIBED_PREFIX}${crypto.randomUUID()}`, ...again, now }) : [];
  const results = await runBatch(db, [...statements, ...againStatements]);
  const changed = (i: number) => ((results[i] as D1Result | undefined)?.meta?.changes ?? 0) > 0;
  return [
    ...(changed(statements.length - 1) ? [{ id: deliveryId, channel: req.channel }] : []),
    ...(again && changed(results.length - 1) ? [{ id: againId, channel: req.channel }] : []),
  ];
}

/** The message an active address gets when signed up again, its manage link left as a slot; none for webhooks. */
function alreadySubscribedTemplate(env: Bindings, channel: Channel): { subject: string; bodyText: string; bodyHtml: string | null } | null {
  if (channel === "email") {
    const email = alreadySubscribedEmail(pageName(env), slot("manage_url"));
    return { subject: email.subject, bodyText: email.text, bodyHtml: email.html };
  }
  if (channel === "sms") return { subject: "Already subscribed", bodyText: alreadySubscribedSms(pageName(env), slot("manage_url")), bodyHtml: null };
  return null;
}

/** The confirmation message of a channel, its secret parts left as slots. */
function confirmationTemplate(env: Bindings, channel: Channel, now: number): { subject: string; bodyText: string; bodyHtml: string | null } {
  if (channel === "email") {
    const email = confirmationEmail(pageName(env), slot("confirm_url"));
    return { subject: email.subject, bodyText: email.text, bodyHtml: email.html };
  }
  if (channel === "sms") return { subject: "Confirmation code", bodyText: confirmationSms(pageName(env), slot("code")), bodyHtml: null };
  return { subject: "subscription.ping", bodyText: webhookPing(env, now), bodyHtml: null };
}

/** The ping a webhook endpoint must answer by echoing its challenge; the secret parts are filled at send time. */
function webhookPing(env: Bindings, now: number) {
  return JSON.stringify({
    type: "subscription.ping",
    timestamp: iso(now),
    data: {
      page: pageUrl(env),
      // The receiver learns its signing secret here, over https, from a message signed with it.
      secret: slot("webhook_secret"),
      challenge: slot("challenge"),
      manage_url: slot("manage_url"),
      message:
        'To confirm the subscription, answer this request with a 2xx status and the JSON body {"challenge": "<data.challenge>"}, or post {"webhook", "code": "<data.challenge>"} to /api/status/subscriptions/confirm/webhook.',
    },
  });
}

/**
 * Spends a confirmation secret (a link's token, an SMS code, a pasted webhook challenge) typed for an address.
 * Every try, right or wrong, first takes one of MAX_CODE_ATTEMPTS attempts in one atomic UPDATE, so
 * concurrent guesses cannot share an attempt; the subscriber becomes active only while the stored hash is
 * still the one the secret matches, so a secret also works once. An address with no sign-up awaiting a
 * secret, an active one, and one whose secret expired or took its last attempt cost the same work as a
 * wrong secret for a pending one: the hash is made first, and the attempt is one statement either way.
 */
export async function confirmAddress(env: Bindings, db: Database, channel: Channel, address: string, secret: string, now: number): Promise<SubscriberRow | null> {
  const hash = await (await tokenSigner(env)).hashConfirmation(channel, address, secret);
  const attempt = await takeConfirmationAttempt(db, channel, address, MAX_CODE_ATTEMPTS, now);
  if (!attempt?.confirmTokenHash || !constantTimeEqual(hash, attempt.confirmTokenHash)) return null;
  return (await activateSubscriber(db, attempt.id, hash, now)) ?? null;
}

/** confirmAddress for a subscriber already found (by a link's token, or an inbound text's number). */
export const confirmSubscription = (env: Bindings, db: Database, subscriber: SubscriberRow | undefined, secret: string, now: number) =>
  subscriber ? confirmAddress(env, db, subscriber.channel, subscriber.address, secret, now) : Promise.resolve(null);

/**
 * Whether a confirmation secret is one Beacon sent this subscriber, even after it was used: an active
 * subscriber who opens their link again is told so, and only someone holding a real link learns it.
 */
export async function sentConfirmationSecret(env: Bindings, db: Database, subscriber: Pick<SubscriberRow, "id" | "channel" | "manageEpoch">, secret: string): Promise<boolean> {
  const signer = await tokenSigner(env);
  // Only those sent in its manage epoch: a link kept by whoever had the address before leads to nothing of the new owner's.
  const ids = await confirmationDeliveryIds(db, subscriber.id, CONFIRMATION_PREFIX, subscriber.manageEpoch, CONFIRMATIONS_COMPARED);
  // Always as many comparisons, and all of them, so the time taken says nothing of how many were sent.
  let sent = false;
  for (let i = 0; i < CONFIRMATIONS_COMPARED; i++) {
    const matches = constantTimeEqual(await signer.confirmationSecret(ids[i] ?? `none-${i}`, subscriber.channel), secret);
    sent ||= matches && ids[i] !== undefined;
  }
  return sent;
}

/** The latest confirmations a used secret is compared with. */
const CONFIRMATIONS_COMPARED = 10;

/** The subscriber an emailed `id.secret` confirmation token names, and the secret part. */
export async function subscriberForToken(db: Database, token: string) {
  const parts = tokenParts(token);
  if (!parts) return { subscriber: undefined, secret: "" };
  const [id, secret] = parts;
  return { subscriber: await findSubscriberById(db, id), secret };
}

/**
 * Whether an email link's secret is the one a pending subscriber's stored hash was made from. Checked
 * before anything is shown or an attempt is taken: subscriber ids are in every manage link, so an id with
 * any other secret must reveal and spend nothing.
 */
export async function awaitsThisConfirmation(env: Bindings, subscriber: SubscriberRow | undefined, secret: string, now: number): Promise<boolean> {
  if (subscriber?.channel !== "email" || !subscriber.confirmTokenHash || (subscriber.confirmExpiresAt ?? 0) < now) return false;
  const hash = await (await tokenSigner(env)).hashConfirmation("email", subscriber.address, secret);
  return constantTimeEqual(hash, subscriber.confirmTokenHash);
}

/**
 * A number that confirmed once and texted STOP, texting START (Twilio's way back): it follows again what it
 * followed. Only from unsubscribed, and only once confirmed: texting START subscribes no new number.
 */
export async function resubscribe(db: Database, subscriber: SubscriberRow, now: number) {
  if (subscriber.status !== "unsubscribed" || subscriber.confirmedAt === null) return;
  await reactivateSubscriber(db, subscriber.id, now);
}

/**
 * Unsubscribes whoever `subscriber` was when read: from any status, but not once the address has signed up
 * again (a new owner of a recycled number or mailbox, whom the previous owner's STOP or link must not end).
 */
export async function unsubscribe(db: Database, subscriber: SubscriberRow, now: number) {
  if (subscriber.status === "unsubscribed") return;
  await endSubscription(db, subscriber, "unsubscribed", now, "any other");
}
