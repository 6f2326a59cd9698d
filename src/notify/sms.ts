import type { Bindings } from "../env";
import { channelOffError, channelState, recordInDevOutbox } from "./channels";
import { retryAfterSeconds, type SendOutcome } from "./outcome";
import { cutText } from "../text/cut";

const TIMEOUT_MS = 10_000;
/** Twilio's error for a number that replied STOP: the recipient opted out at the carrier. */
const TWILIO_UNSUBSCRIBED = 21610;

/**
 * One text through Twilio's Messages API (form-encoded, basic auth). Only answers that prove nothing was
 * created are retried; a timeout, a dropped connection or a 5xx may hide a sent text, so they end as
 * `ambiguous` and are never resent blindly. Without Twilio credentials the text is only recorded under `npm start` (dev outbox).
 */
export async function sendSms(env: Bindings, to: string, body: string): Promise<SendOutcome> {
  const { state, missing } = channelState(env, "sms");
  if (state === "dev-outbox") return recordInDevOutbox({ channel: "sms", to, subject: "SMS", text: body, html: null });
  if (state === "off") return { status: "retry", error: channelOffError("sms", missing) };
  const sid = env.TWILIO_ACCOUNT_SID!;
  const base = (env.TWILIO_API_URL || "https://api.twilio.com").replace(/\/+$/, "");
  const from = env.TWILIO_FROM!;
  const form = new URLSearchParams({ To: to, Body: body, ...(from.startsWith("MG") ? { MessagingServiceSid: from } : { From: from }) });
  let res: Response;
  try {
    res = await fetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${sid}:${env.TWILIO_AUTH_TOKEN}`)}`, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    return { status: "ambiguous", error: `No answer from Twilio (${err instanceof Error ? err.name : "error"}); the text may have been sent.` };
  }
  const answer = (await res.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
  if (res.ok) return { status: "sent", providerId: answer.sid ?? null };
  const detail = cutText(`Twilio ${res.status}${answer.code ? ` (${answer.code})` : ""}: ${answer.message ?? res.statusText}`, 500);
  // Refused before anything was created (rate limit, or credentials the admin has yet to fix): safe to retry.
  if (res.status === 429 || res.status === 401 || res.status === 403) return { status: "retry", error: detail, retryAfterSeconds: retryAfterSeconds(res.headers.get("retry-after")) };
  if (res.status >= 500) return { status: "ambiguous", error: `${detail}; not resent, as the text may have been sent.` };
  return { status: "failed", error: detail, gone: answer.code === TWILIO_UNSUBSCRIBED };
}
