import { Resend } from "resend";
import type { Bindings } from "../env";
import { channelOffError, channelState, recordInDevOutbox } from "./channels";
import { retryAfterSeconds, type SendOutcome } from "./outcome";
import { cutText } from "../text/cut";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  /** Resend keeps the answer for this key 24 h: a resend after an unclear failure does not send twice. */
  idempotencyKey: string;
}

/** Resend's API base: RESEND_API_URL (a local fake) when set. The sender and the Email Service check share it. */
export const resendBaseUrl = (env: Pick<Bindings, "RESEND_API_URL">) => (env.RESEND_API_URL || "https://api.resend.com").replace(/\/+$/, "");

interface ResendFailure {
  statusCode: number | null;
  name: string;
  message: string;
}

function failureOutcome(error: ResendFailure, headers: Record<string, string> | null): SendOutcome {
  const status = error.statusCode;
  const message = cutText(`Resend ${status ?? "unreachable"}: ${error.name}: ${error.message}`, 500);
  if (status === 429 || error.name === "rate_limit_exceeded" || error.name === "daily_quota_exceeded") {
    return { status: "retry", error: message, retryAfterSeconds: retryAfterSeconds(headers?.["retry-after"]) };
  }
  // The key was already used for another request: Resend processed an earlier try under it (one whose answer
  // was lost, or a batch that has changed since: a recipient left or was deleted), and that try sent these.
  if (error.name === "invalid_idempotent_request") return { status: "sent", providerId: null, note: "Sent by an earlier try: Resend already had a request under this Idempotency-Key." };
  // No answer, a server error, a concurrent request with the same key, or a key the admin has yet to fix:
  // safe to retry with the same key (the queue gives up after its retries and the delivery shows as failed).
  if (status === null || status >= 500 || status === 409 || status === 401 || status === 403) return { status: "retry", error: message };
  return { status: "failed", error: message };
}

/**
 * Sends emails through Resend: with a batch key, the batch endpoint (permissive, so one bad address does not
 * sink the rest) under that key, however few emails the batch holds now; without one, a lone email under its
 * own key. Without credentials the emails are only recorded under `npm start` (dev outbox), and wait for a
 * configuration anywhere else. `accepted`: Resend took this batch under its key (whatever it refused in it),
 * so the key now stands for these emails and no others.
 */
export async function sendEmails(env: Bindings, emails: OutgoingEmail[], batchKey: string | null): Promise<{ outcomes: SendOutcome[]; accepted: boolean }> {
  if (emails.length === 0) return { outcomes: [], accepted: false };
  const { state, missing } = channelState(env, "email");
  if (state === "dev-outbox") {
    return { outcomes: emails.map((e) => recordInDevOutbox({ channel: "email", to: e.to, subject: e.subject, text: e.text, html: e.html })), accepted: false };
  }
  // Kept for when the admin completes the configuration; the queue gives up after its retries.
  if (state === "off") return { outcomes: emails.map(() => ({ status: "retry", error: channelOffError("email", missing) })), accepted: false };
  const resend = new Resend(env.RESEND_API_KEY!, { baseUrl: resendBaseUrl(env) });
  const from = env.EMAIL_FROM!;
  const payload = (e: OutgoingEmail) => ({ from, to: e.to, subject: e.subject, text: e.text, ...(e.html ? { html: e.html } : {}), headers: e.headers });

  if (batchKey === null) {
    if (emails.length !== 1) throw new Error("Several emails go in a batch, under its key.");
    const email = emails[0]!;
    const { data, error, headers } = await resend.emails.send(payload(email), { idempotencyKey: email.idempotencyKey });
    return { outcomes: [error ? failureOutcome(error as ResendFailure, headers) : { status: "sent", providerId: data?.id ?? null }], accepted: !error };
  }

  const { data, error, headers } = await resend.batch.send(emails.map(payload), { idempotencyKey: batchKey, batchValidation: "permissive" });
  if (error) return { outcomes: emails.map(() => failureOutcome(error as ResendFailure, headers)), accepted: false };
  const failedAt = new Map(((data as { errors?: { index: number; message: string }[] }).errors ?? []).map((e) => [e.index, e.message]));
  // With permissive validation the ids are listed for the accepted emails, in order.
  let next = 0;
  const outcomes = emails.map((_, index): SendOutcome => {
    const failure = failedAt.get(index);
    if (failure !== undefined) return { status: "failed", error: cutText(`Resend refused: ${failure}`, 500) };
    return { status: "sent", providerId: data?.data[next++]?.id ?? null };
  });
  return { outcomes, accepted: true };
}
