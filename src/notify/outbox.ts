import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { insertEvent } from "../db/queries/outbox";
import type { Bindings } from "../env";
import type { NotifyEventType } from "./messages";

export interface OutboxEvent {
  id: string;
  type: NotifyEventType;
  payload: Record<string, unknown>;
  componentIds: string[];
}

/** The outbox INSERT for a notification event, to put in the same db.batch as the change that caused it. */
export function outboxInsert(db: Database, event: Omit<OutboxEvent, "id">, now: number): { id: string; statement: Statement } {
  return insertEvent(db, event, now);
}

/**
 * Hands committed events to the queue. A failure here loses nothing: the cron re-enqueues events that
 * were never fanned out (see sweepOutbox).
 */
export async function enqueueEvents(env: Bindings, eventIds: string[]) {
  if (eventIds.length === 0) return;
  try {
    await env.NOTIFY_QUEUE.sendBatch(eventIds.map((eventId) => ({ body: { kind: "event" as const, eventId } })));
  } catch (err) {
    console.error("could not enqueue events; the cron sweep will retry", err);
  }
}
