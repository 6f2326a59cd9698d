import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { listDevOutbox } from "../db/queries/dev-outbox";
import { deliveryCounts, listDeliveries } from "../db/queries/notifications";
import { listSubscribers, subscriberCounts, type SubscriberRow } from "../db/queries/subscriptions";
import { encodeCursor } from "../cursor";
import { adminActor } from "../domain/change";
import { removeSubscriber, retryDelivery } from "../domain/subscribers";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { isLocalDev } from "../notify/channels";
import { enqueueDeliveries } from "../notify/fan-out";
import { deliveryTemplate, type MessageTemplate } from "../notify/compose";
import { ALREADY_SUBSCRIBED_PREFIX, isConfirmation } from "../notify/messages";
import { redactSecrets } from "../notify/slots";
import { iso } from "../time";
import { devOutboxQuery, notificationsQuery, subscribersQuery } from "../schemas";
import { noBody, uuidParam, validate } from "../validation";
import { commitAndAnswer, commitOnce, idempotent, replay } from "./admin-write";

/** How many subscribers the notifications overview lists; the rest are paged at GET /subscribers. */
const SUBSCRIBERS_SHOWN = 500;

const subscriberJson = (s: SubscriberRow) => ({
  id: s.id,
  channel: s.channel,
  address: s.address,
  status: s.status,
  all_components: s.allComponents,
  component_changes: s.componentChanges,
  consecutive_failures: s.consecutiveFailures,
  failing_since: iso(s.failingSince),
  created_at: iso(s.createdAt),
  confirmed_at: iso(s.confirmedAt),
  unsubscribed_at: iso(s.unsubscribedAt),
});

/** The cursor of the page after `rows`, when it was full (a newest-first list ordered by created_at and id). */
const nextCursorOf = (rows: { createdAt: number; id: string }[], limit: number) => {
  const last = rows.at(-1);
  return rows.length === limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
};

export const adminNotifications = new Hono<AppEnv>()
  .get("/notifications", requireAdmin, validate("query", notificationsQuery), async (c) => {
    const query = c.req.valid("query");
    const db = c.var.db;
    const [rows, byStatus, subscriberTotals, subscriberRows] = await Promise.all([listDeliveries(db, { ...query, after: query.cursor }), deliveryCounts(db), subscriberCounts(db), listSubscribers(db, { limit: SUBSCRIBERS_SHOWN, channel: query.channel })]);
    const counts: Record<string, Record<string, number>> = {};
    for (const row of subscriberTotals) (counts[row.channel] ??= {})[row.status] = row.count;
    // Event deliveries are stored without a body: each event's message is rendered once for the page.
    const templates = new Map<string, MessageTemplate | null>();
    const messageOf = (d: (typeof rows)[number]["delivery"], event: (typeof rows)[number]["event"]) => {
      const key = d.bodyText === "" ? `${d.eventId}/${d.channel}` : d.id;
      if (!templates.has(key)) templates.set(key, deliveryTemplate(c.env, d, event));
      return templates.get(key) ?? null;
    };
    return c.json({
      deliveries: rows.map(({ delivery: d, event }) => {
        const message = messageOf(d, event);
        return {
          id: d.id,
          event_id: d.eventId,
          kind: isConfirmation(d.eventId) ? "confirmation" : d.eventId.startsWith(ALREADY_SUBSCRIBED_PREFIX) ? "already_subscribed" : (event?.type ?? null),
          subscriber_id: d.subscriberId,
          channel: d.channel,
          recipient: d.recipient,
          subject: d.subject,
          // What was sent, with every link token, code and secret withheld: an admin answer is no way into
          // someone else's subscription.
          body_text: message ? redactSecrets(message.text) : "",
          body_html: message?.html ? redactSecrets(message.html) : null,
          status: d.status,
          attempts: d.attempts,
          last_error: d.lastError,
          provider_id: d.providerId,
          created_at: iso(d.createdAt),
          updated_at: iso(d.updatedAt),
          sent_at: iso(d.sentAt),
        };
      }),
      delivery_counts: Object.fromEntries(byStatus.map((r) => [r.status, r.count])),
      next_cursor: nextCursorOf(rows.map((r) => r.delivery), query.limit),
      subscribers: subscriberRows.map(subscriberJson),
      // Where the subscribers listed here go on: the `cursor` of GET /subscribers (with the same channel).
      subscribers_next_cursor: nextCursorOf(subscriberRows, SUBSCRIBERS_SHOWN),
      subscriber_counts: counts,
    });
  })
  .get("/subscribers", requireAdmin, validate("query", subscribersQuery), async (c) => {
    const query = c.req.valid("query");
    const rows = await listSubscribers(c.var.db, { ...query, after: query.cursor });
    return c.json({ subscribers: rows.map(subscriberJson), next_cursor: nextCursorOf(rows, query.limit) });
  })
  .get("/dev-outbox", requireAdmin, validate("query", devOutboxQuery), async (c) => {
    if (!isLocalDev(c.env)) throw new ApiError(404, "not_found", "The dev outbox exists only in local dev (LOCAL_DEV=true, as npm start sets); here notifications are really sent.");
    const rows = await listDevOutbox(c.var.db, c.req.valid("query"));
    return c.json({
      messages: rows.map((m) => ({ id: m.id, channel: m.channel, to: m.recipient, subject: m.subject, text: m.bodyText, html: m.bodyHtml, delivery_id: m.deliveryId, created_at: iso(m.createdAt) })),
    });
  })
  .delete("/notifications/subscribers/:id", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const change = await removeSubscriber(c.var.db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 204);
  })
  .post("/notifications/deliveries/:id/retry", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const change = await retryDelivery(c.var.db, c.req.valid("param").id, Date.now());
    const body = JSON.stringify({ id: change.result.id, status: "pending" });
    const raced = await commitOnce(c, change, c.var.idempotency, { status: 202, body });
    if (raced) return replay(c, raced, c.var.idempotency!.requestHash);
    await enqueueDeliveries(c.env, [change.result]);
    return c.body(body, 202, { "content-type": "application/json" });
  });
