import type { Database } from "../db/client";
import { stillExists } from "../db/queries/guards";
import { deleteSubscriber, findSubscriberById } from "../db/queries/subscriptions";
import { subscribers } from "../db/schema";
import { notFound } from "../errors";
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
