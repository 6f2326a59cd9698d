import { webhookUrlProblem } from "./address";
import { webhookSignature } from "./crypto";
import { retryAfterSeconds, type SendOutcome } from "./outcome";

const TIMEOUT_MS = 10_000;

/** The headers Standard Webhooks defines; `id` stays the same across retries so receivers can dedupe. */
export async function webhookHeaders(secret: string, id: string, body: string, now: number): Promise<Record<string, string>> {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "Beacon-Webhooks/1.0",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await webhookSignature(secret, id, timestamp, body),
  };
}

/** How much of a ping's answer is read to find the echoed challenge. */
const ECHO_MAX_BYTES = 4096;

/** The answer proves consent when it is the challenge itself, or JSON whose `challenge` is it. */
async function echoes(res: Response, challenge: string): Promise<boolean> {
  const reader = res.body?.getReader();
  if (!reader) return false;
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < ECHO_MAX_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const text = new TextDecoder().decode(new Uint8Array(await new Blob(chunks).arrayBuffer()).slice(0, ECHO_MAX_BYTES)).trim();
  if (text === challenge) return true;
  try {
    return (JSON.parse(text) as { challenge?: unknown } | null)?.challenge === challenge;
  } catch {
    return false;
  }
}

/**
 * POSTs a signed event to a subscriber's endpoint. Redirects are not followed (the target could move the
 * call somewhere private), 2xx is success, 410 means "forget me", anything else is retried with backoff.
 * A subscription ping (`challenge` given) succeeds only when the answer echoes the challenge: any server
 * answers 2xx, but only one that agreed to receive Beacon's events repeats what it was sent.
 */
export async function sendWebhook(url: string, secret: string | null, id: string, body: string, now: number, challenge: string | null = null): Promise<SendOutcome> {
  const problem = webhookUrlProblem(url);
  if (problem) return { status: "failed", error: `Webhook URL ${problem}.` };
  if (!secret) return { status: "failed", error: "The endpoint has no signing secret." };
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: await webhookHeaders(secret, id, body, now), body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    return { status: "retry", error: `No answer from the endpoint (${err instanceof Error ? err.name : "error"}).` };
  }
  if (challenge !== null && res.status >= 200 && res.status < 300) {
    if (await echoes(res, challenge)) return { status: "sent", providerId: null };
    return { status: "failed", error: "The endpoint answered without echoing the challenge, so it did not agree to receive events; it stays unconfirmed." };
  }
  await res.body?.cancel();
  if (res.status >= 200 && res.status < 300) return { status: "sent", providerId: null };
  if (res.status === 410) return { status: "failed", error: "The endpoint answered 410 Gone: disabled.", gone: true };
  if (res.status >= 300 && res.status < 400) return { status: "retry", error: `The endpoint answered ${res.status}; redirects are not followed.` };
  return { status: "retry", error: `The endpoint answered ${res.status}.`, retryAfterSeconds: res.status === 429 ? retryAfterSeconds(res.headers.get("retry-after")) : undefined };
}
