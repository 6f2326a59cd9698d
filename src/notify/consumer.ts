import type { Bindings } from "../env";
import type { NotifyMessage } from "./messages";

/** Queue consumer for NOTIFY_QUEUE and its dead-letter queue. */
export async function handleNotifyBatch(batch: MessageBatch<NotifyMessage>, _env: Bindings) {
  for (const message of batch.messages) message.ack();
}
