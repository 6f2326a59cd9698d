import type { Channel } from "../db/schema";

/** A message a channel without credentials kept for the developer instead of sending (local dev only). */
export interface DevOutboxMessage {
  channel: Channel;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** How one attempt to send a delivery ended. */
export type SendOutcome =
  /** `note`: how it is known to be sent when the provider did not say so this time (kept as the last error). */
  | { status: "sent"; providerId: string | null; devOutbox?: DevOutboxMessage; note?: string }
  /** Nothing was accepted (or the provider dedupes a resend): try again later. */
  | { status: "retry"; error: string; retryAfterSeconds?: number }
  /** It will never work as it is; `gone` means the target asked to be forgotten. */
  | { status: "failed"; error: string; gone?: boolean }
  /** It may or may not have gone out, and resending could send it twice. */
  | { status: "ambiguous"; error: string };

/** Marker kept as provider_id on deliveries recorded (not sent) because the channel has no credentials. */
export const DEV_OUTBOX = "dev-outbox";

export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(1, Math.ceil((at - Date.now()) / 1000)) : undefined;
}
