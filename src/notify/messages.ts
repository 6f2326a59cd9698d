/**
 * What travels on NOTIFY_QUEUE: an outbox event to fan out, or a chunk of deliveries (one channel) to send.
 * A chunk of emails becomes one Resend batch call.
 */
export type NotifyMessage = { kind: "event"; eventId: string } | { kind: "deliveries"; deliveryIds: string[] };

export const NOTIFY_EVENT_TYPES = [
  "incident.created",
  "incident.updated",
  "incident.resolved",
  "maintenance.scheduled",
  "maintenance.rescheduled",
  "maintenance.started",
  "maintenance.completed",
  "maintenance.cancelled",
  "component.status",
  "component.removed",
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];

/** Deliveries that are not about an event (confirmation emails, SMS codes, webhook pings) use this event id prefix. */
export const CONFIRMATION_PREFIX = "confirm:";
export const isConfirmation = (eventId: string) => eventId.startsWith(CONFIRMATION_PREFIX);
/** The event id prefix of the message an active address gets when signed up again (see alreadySubscribedStatements). */
export const ALREADY_SUBSCRIBED_PREFIX = "subscribed-again:";
