import type { Database } from "../db/client";
import { runBatch } from "../db/batch";
import { earlierEventIds, findEvent, insertDeliveries, markEventDispatched, pendingDeliveries, type NewDelivery } from "../db/queries/notifications";
import { subscribersForEvent } from "../db/queries/subscriptions";
import type { Channel } from "../db/schema";
import type { Bindings } from "../env";
import { eventTemplate } from "./compose";
import type { NotifyMessage } from "./messages";

/** Deliveries per queue message: a Resend batch takes up to 100 emails; SMS and webhooks go one call each. */
const CHUNK: Record<Channel, number> = { email: 100, sms: 25, webhook: 10 };
/** Subscribers read, written and queued together during fan-out. */
const FAN_OUT_PAGE = 500;
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
 * A status move whose own message tells it (or, made with `notify: false`, that nothing does): any move an
 * incident makes, except where one it lets go of (resolved, taken off it) is left other than operational;
 * and a window's moves into maintenance and back to operational, which its notices say. A window that ends
 * (or drops a component) while the component's checks fail uncovers an outage none of its notices states,
 * so that move is announced as the checks' own would have been. Followers of status changes hear of the
 * moves nothing else announces.
 */
function toldElsewhere(event: { type: string; payload: Record<string, unknown> }): boolean {
  if (event.type !== "component.status") return false;
  const { source, to, ending } = event.payload;
  // An incident that lets a component go (resolved, or the component taken off it) says so: that tells a
  // move back to operational, not one to where the checks (or another incident) leave it.
  if (source === "incident") return ending !== true || to === "operational";
  return source === "maintenance" && (to === "under_maintenance" || to === "operational");
}

/**
 * A check's move an automatic incident's update of the same round tells (see statusChangeStatements): told
 * there, once that update was written. If a person took the incident over during the round, no update was,
 * and the move is announced on its own.
 */
async function toldByIncident(db: Database, event: { type: string; payload: Record<string, unknown> }) {
  const message = event.payload.told_in;
  return event.type === "component.status" && typeof message === "string" && (await findEvent(db, message)) !== undefined;
}

/** Events that reach whoever heard of the incident or window before, besides its components' followers. */
const TOLD_AGAIN = new Set(["incident.resolved", "maintenance.rescheduled", "maintenance.started", "maintenance.completed", "maintenance.cancelled"]);

/**
 * Turns one outbox event into one delivery per subscriber it reaches, a page of subscribers at a time:
 * each page is read, written and queued before the next, and a delivery stores no body (its message is
 * the event's, rendered once when sent), so memory stays flat however many subscribers there are. Running
 * it again for the same event adds no delivery (unique (event, subscriber)) and re-queues only what is
 * still pending.
 */
export async function fanOutEvent(env: Bindings, db: Database, eventId: string, now: number) {
  const event = await findEvent(db, eventId);
  if (!event || event.dispatchedAt !== null) return;
  if (toldElsewhere(event) || (await toldByIncident(db, event))) {
    await markEventDispatched(db, event.id, now);
    return;
  }
  // Whoever was told an incident began hears that it ended, and whoever was told of a window hears of its
  // later moves, even if what they follow no longer names its components (taken off it, or deleted).
  const toldBy = TOLD_AGAIN.has(event.type) ? await earlierEventIds(db, event) : [];
  const subjects = new Map<Channel, string>();
  const subjectFor = (channel: Channel) => subjects.get(channel) ?? subjects.set(channel, eventTemplate(env, event, channel).subject).get(channel)!;
  for (let after = ""; ; ) {
    const page = await subscribersForEvent(db, event, after, FAN_OUT_PAGE, toldBy);
    if (page.length === 0) break;
    const rows: NewDelivery[] = page.map((s) => ({
      id: crypto.randomUUID(),
      eventId: event.id,
      subscriberId: s.id,
      channel: s.channel,
      recipient: s.address,
      subject: subjectFor(s.channel),
      bodyText: "",
      bodyHtml: null,
      createdAt: now,
      updatedAt: now,
    }));
    await runBatch(db, insertDeliveries(db, rows));
    await enqueueDeliveries(env, await pendingDeliveries(db, event.id, page.map((s) => s.id)));
    if (page.length < FAN_OUT_PAGE) break;
    after = page.at(-1)!.id;
  }
  await markEventDispatched(db, event.id, now);
}
