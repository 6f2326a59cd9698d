import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { vi } from "vitest";
import { runBatch } from "../../src/db/batch";
import { createDb } from "../../src/db/client";
import { components, deliveries, subscriberComponents, subscribers, type Channel } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import { handleNotifyBatch } from "../../src/notify/consumer";
import type { NotifyEventType, NotifyMessage } from "../../src/notify/messages";
import { RESEND_AFTER_MS } from "../../src/notify/subscribe";
import { outboxInsert } from "../../src/notify/outbox";

export const db = () => createDb(env.DB);

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
export const uniqueEmail = () => `${unique("reader")}@example.org`;
/**
 * Numbers and client addresses are handed out in sequence from a random start, never twice in one test
 * file: a repeat would meet the per-address resend gap or a per-client limit another test used up.
 */
let sequence = Math.floor(Math.random() * 0x100000);
const next = () => (sequence = (sequence + 1) % 0x1000000);
/** A North American number that can exist: area code 555, an exchange from 200 to 899 (none premium-rate). */
export const uniquePhone = () => `+1555${String(2_000_000 + (next() % 7_000_000)).padStart(7, "0")}`;
/** A client address (10.0.0.0/8) no other test in the file has spent a per-client limit from. */
export const uniqueIp = () => {
  const n = next();
  return `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
};

/** An active subscriber written straight into D1 (confirmed an hour ago). */
export async function activeSubscriber(
  channel: Channel,
  options: { address?: string; components?: string[]; componentChanges?: boolean; webhookSecret?: string } = {},
) {
  const id = crypto.randomUUID();
  const now = Date.now();
  const address = options.address ?? (channel === "email" ? uniqueEmail() : channel === "sms" ? uniquePhone() : `https://hooks.example.org/${unique("h")}`);
  const d = db();
  await runBatch(d, [
    d.insert(subscribers).values({
      id,
      channel,
      address,
      status: "active",
      allComponents: !options.components?.length,
      componentChanges: options.componentChanges ?? false,
      webhookSecret: options.webhookSecret ?? (channel === "webhook" ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : null),
      createdAt: now - 3_600_000,
      updatedAt: now - 3_600_000,
      confirmedAt: now - 3_600_000,
    }),
    ...(options.components ?? []).map((componentId) => d.insert(subscriberComponents).values({ subscriberId: id, componentId })),
  ]);
  return { id, address };
}

/** An outbox event committed without going to the queue, so a test hands it to the consumer itself. */
export async function outboxEvent(type: NotifyEventType, payload: Record<string, unknown>, componentIds: string[]) {
  const d = db();
  const event = outboxInsert(d, { type, payload, componentIds }, Date.now());
  await runBatch(d, [event.statement]);
  return event.id;
}

/** A queue stand-in that records what the consumer sends, so the test decides when (and how often) it arrives. */
export function recordingQueue() {
  const sent: NotifyMessage[] = [];
  const queue = {
    send: async (body: NotifyMessage) => void sent.push(body),
    sendBatch: async (messages: Iterable<{ body: NotifyMessage }>) => {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<NotifyMessage>;
  return { sent, queue };
}

/** Runs the consumer on these messages as the queue would deliver them; returns acks and retries. */
export async function deliverMessages(testEnv: Bindings, bodies: NotifyMessage[], options: { attempts?: number; queue?: string } = {}) {
  const messages = bodies.map((body, i) => ({ id: `m${i}-${unique("msg")}`, timestamp: new Date(), attempts: options.attempts ?? 1, body }));
  const batch = createMessageBatch<NotifyMessage>(options.queue ?? "beacon-notifications", messages);
  // The pool's queue result drops retry delays: record them from the messages themselves.
  const retryMessages: { msgId: string; delaySeconds?: number }[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (opts?: QueueRetryOptions) => {
      retryMessages.push({ msgId: message.id, delaySeconds: opts?.delaySeconds });
      retry(opts);
    };
  }
  const ctx = createExecutionContext();
  await handleNotifyBatch(batch, testEnv);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryMessages, ids: messages.map((m) => m.id) };
}

export async function deliveriesFor(subscriberId: string) {
  return db().select().from(deliveries).where(eq(deliveries.subscriberId, subscriberId));
}

/**
 * Moves an address's last message a minute and more into the past, as if that long had passed: a sign-up
 * sooner sends nothing more (RESEND_AFTER_MS).
 */
export async function aMinuteLater(where: { address?: string; id?: string }) {
  await env.DB.prepare("UPDATE subscribers SET confirm_expires_at = confirm_expires_at - ?1, updated_at = updated_at - ?1 WHERE address = ?2 OR id = ?3")
    .bind(RESEND_AFTER_MS + 1_000, where.address ?? null, where.id ?? null)
    .run();
}

export async function subscriberRow(id: string) {
  return db().select().from(subscribers).where(eq(subscribers.id, id)).get();
}

/** A component of its own for one test, so other tests' subscribers and events never cross it. */
export async function freshComponent(name = unique("Component")) {
  const id = crypto.randomUUID();
  await db().insert(components).values({ id, name });
  return id;
}

/** Every request made through a spied fetch, read back as a Request (url, method, headers, body). */
export async function captured(spy: { mock: { calls: unknown[][] } }) {
  return Promise.all(
    spy.mock.calls.map(async ([input, init]) => {
      const req = new Request(input as RequestInfo, init as RequestInit);
      return { url: req.url, method: req.method, headers: req.headers, body: await req.text(), redirect: (init as RequestInit | undefined)?.redirect };
    }),
  );
}

/**
 * The dev outbox's log lines: every message a channel without credentials would have sent, printed with
 * its links and codes (the admin reads the same messages at GET /api/status/dev-outbox). Returns the texts sent to one recipient, waiting
 * until there are `count` of them.
 */
export function devOutbox() {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  const messagesTo = (recipient: string) =>
    spy.mock.calls.map((args) => String(args[0])).filter((line) => line.startsWith("[dev outbox] ") && line.includes(` to ${recipient}: `));
  return {
    messagesTo,
    waitFor: (recipient: string, count = 1) =>
      vi.waitFor(
        () => {
          const found = messagesTo(recipient);
          if (found.length < count) throw new Error(`waiting for ${count} messages to ${recipient}`);
          return found;
        },
        // The queue is shared with every other test's messages, some of which wait on an endpoint: on a
        // busy machine a message can take seconds to come round. A missing one still fails.
        { timeout: 20_000, interval: 25 },
      ),
  };
}
