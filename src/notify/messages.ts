/** What travels on NOTIFY_QUEUE: an outbox event to fan out, or one delivery to send. */
export type NotifyMessage = { kind: "event"; eventId: string } | { kind: "delivery"; deliveryId: string };

export const NOTIFY_EVENT_TYPES = [
  "incident.created",
  "incident.updated",
  "incident.resolved",
  "maintenance.scheduled",
  "maintenance.started",
  "maintenance.completed",
  "maintenance.cancelled",
  "component.status",
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];
