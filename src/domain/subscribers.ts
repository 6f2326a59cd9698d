import type { Database } from "../db/client";
import { deliveryAwaitsRetry, findDelivery, mayRetryDelivery, requeueDelivery } from "../db/queries/console";
import { stillExists } from "../db/queries/guards";
import { deleteSubscriber, findSubscriberById } from "../db/queries/subscriptions";
import { subscribers, type Channel } from "../db/schema";
import { conflict, notFound } from "../errors";
import { auditStatement } from "./audit";
import type { Actor, Change } from "./change";

/** An admin removes a subscriber; its deliveries stay as history and pending ones are skipped when their turn comes. */
export async function removeSubscriber(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const subscriber = await findSubscriberById(db, id);
  if (!subscriber) throw notFound("Subscriber");
  const before = { id, channel: subscriber.channel, address: subscriber.address, status: subscriber.status };
  return {
    statements: [
      stillExists(db, subscribers, subscribers.id, id),
      deleteSubscriber(db, id),
      auditStatement(db, actor, { action: "subscriber.remove", entityType: "subscriber", entityId: id, before, after: null }, now),
    ],
    eventIds: [],
    result: null,
    conflict: "The subscriber was removed while this request was being made.",
  };
}

/** An admin sends a failed or ambiguous delivery again: back to pending, queued once that is committed. */
export async function retryDelivery(db: Database, id: string, now: number): Promise<Change<{ id: string; channel: Channel }>> {
  const delivery = await findDelivery(db, id);
  if (!delivery) throw notFound("Delivery");
  if (!mayRetryDelivery(delivery.status)) throw conflict(`The delivery is ${delivery.status}; only failed or ambiguous deliveries are sent again.`);
  return {
    statements: [deliveryAwaitsRetry(db, id), requeueDelivery(db, id, now)],
    eventIds: [],
    result: { id, channel: delivery.channel },
    conflict: "The delivery was sent again by another request meanwhile; it is no longer failed or ambiguous.",
  };
}
