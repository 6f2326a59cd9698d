import type { Channel } from "../db/schema";
import { pageName, type Bindings } from "../env";
import { pageUrl } from "./links";
import type { NotifyEventType } from "./messages";
import { renderEvent, webhookBody } from "./render";
import { slot } from "./slots";
import type { Snapshot } from "../snapshot/types";
import { statuspageWebhookKeys } from "../v2/webhook";

export interface MessageTemplate {
  subject: string;
  text: string;
  html: string | null;
}

export interface EventForMessage {
  id?: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: number;
}

/**
 * An event's message for one channel, rendered once per event and shared by every subscriber: the
 * per-subscriber links are slots filled in at send time. Event deliveries store no body, so fanning an
 * event out to many subscribers writes and holds little per subscriber.
 */
export function eventTemplate(env: Bindings, event: EventForMessage, channel: Channel, snapshot?: Snapshot | null): MessageTemplate {
  const type = event.type as NotifyEventType;
  if (channel === "webhook") {
    const statuspage = snapshot && event.id ? statuspageWebhookKeys(snapshot, { ...event, id: event.id }) : {};
    return { subject: type, text: webhookBody(type, event.payload, event.createdAt, statuspage), html: null };
  }
  const message = renderEvent(type, event.payload, { pageName: pageName(env), pageUrl: pageUrl(env), unsubscribeUrl: slot("unsubscribe_url"), manageUrl: slot("manage_url") });
  return channel === "email" ? { subject: message.subject, text: message.text, html: message.html } : { subject: message.subject, text: message.sms, html: null };
}

/** A delivery's message with its slots unfilled: the stored body, or (stored without one) its event's. */
export function deliveryTemplate(
  env: Bindings,
  delivery: { channel: Channel; subject: string; bodyText: string; bodyHtml: string | null },
  event: EventForMessage | null | undefined,
  snapshot?: Snapshot | null,
): MessageTemplate | null {
  if (delivery.bodyText !== "") return { subject: delivery.subject, text: delivery.bodyText, html: delivery.bodyHtml };
  return event ? eventTemplate(env, event, delivery.channel, snapshot) : null;
}
