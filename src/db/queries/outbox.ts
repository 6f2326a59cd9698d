import type { Database } from "../client";
import type { Statement } from "../batch";
import { events } from "../schema";

/**
 * The INSERT that records an event in the outbox; callers put it in the same db.batch as the change that
 * caused it, so an event exists exactly when its cause does.
 */
export function insertEvent(db: Database, event: { type: string; payload: Record<string, unknown>; componentIds: string[] }, now: number): { id: string; statement: Statement } {
  const id = crypto.randomUUID();
  return {
    id,
    statement: db.insert(events).values({ id, type: event.type, payload: event.payload, componentIds: event.componentIds, createdAt: now }),
  };
}
