import { and, isNull, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { staleDeliveries } from "../db/queries/notifications";
import { events } from "../db/schema";
import type { Bindings } from "../env";
import { enqueueDeliveries } from "./fan-out";
import { enqueueEvents } from "./outbox";

/** Events older than this and still not fanned out are handed to the queue again. */
const SWEEP_AFTER_MS = 2 * 60_000;
/** Deliveries untouched this long lost their queue message (a retry waits at most 10 minutes). */
const STALE_DELIVERY_MS = 30 * 60_000;

/** The outbox's safety net: an event whose queue send failed (or was lost) is re-enqueued by the cron. */
export async function sweepOutbox(env: Bindings, db: Database, now: number) {
  const stuck = await db
    .select({ id: events.id })
    .from(events)
    .where(and(isNull(events.dispatchedAt), lt(events.createdAt, now - SWEEP_AFTER_MS)))
    .limit(100);
  await enqueueEvents(env, stuck.map((e) => e.id));
  try {
    await enqueueDeliveries(env, await staleDeliveries(db, now - STALE_DELIVERY_MS, 1000));
  } catch (err) {
    console.error("could not re-enqueue stale deliveries; the next run will retry", err);
  }
}
