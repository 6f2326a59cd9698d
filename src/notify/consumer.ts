import { createDb } from "../db/client";
import { failUndelivered } from "../db/queries/notifications";
import type { Bindings } from "../env";
import { sendDeliveries } from "./deliver";
import { fanOutEvent } from "./fan-out";
import type { NotifyMessage } from "./messages";

const MAX_DELAY_SECONDS = 12 * 3600;
/**
 * Messages of one batch handled at once. A chunk of 100 long emails is a few MB while it is being sent,
 * and an invocation has 128 MB and 6 outgoing connections: a whole batch of 25 at once could exhaust both.
 */
const MESSAGES_AT_ONCE = 4;

/** Exponential backoff by queue attempt: 10 s, 20 s, 40 s ... capped at 10 minutes. */
export const backoffSeconds = (attempts: number) => Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));

/**
 * Queue consumer for NOTIFY_QUEUE and its dead-letter queue. Every message is idempotent (fan-out inserts
 * or ignores, deliveries are claimed before sending), so a redelivered message never sends twice.
 */
export async function handleNotifyBatch(batch: MessageBatch<NotifyMessage>, env: Bindings) {
  if (batch.queue.endsWith("-dlq")) return recordDeadLetters(batch, env);
  const db = createDb(env.DB);
  const handle = async (message: Message<NotifyMessage>) => {
    try {
      const body = message.body;
      if (body.kind === "event") {
        await fanOutEvent(env, db, body.eventId, Date.now());
        message.ack();
        return;
      }
      const { retryAfterSeconds } = await sendDeliveries(env, db, body.deliveryIds, Date.now());
      if (retryAfterSeconds === null) message.ack();
      else message.retry({ delaySeconds: Math.min(MAX_DELAY_SECONDS, retryAfterSeconds > 0 ? retryAfterSeconds : backoffSeconds(message.attempts)) });
    } catch (err) {
      console.error("notification message failed; retrying", err);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  };
  for (let i = 0; i < batch.messages.length; i += MESSAGES_AT_ONCE) await Promise.all(batch.messages.slice(i, i + MESSAGES_AT_ONCE).map(handle));
}

/** The queue gave up on these: their deliveries are marked failed so admins see them. Events come back via the cron sweep. */
async function recordDeadLetters(batch: MessageBatch<NotifyMessage>, env: Bindings) {
  const db = createDb(env.DB);
  const now = Date.now();
  for (const message of batch.messages) {
    const body = message.body;
    if (body.kind === "deliveries") {
      await failUndelivered(db, body.deliveryIds, now);
    } else {
      console.error(`event ${body.eventId} reached the dead-letter queue; the outbox sweep will offer it again`);
    }
    message.ack();
  }
}
