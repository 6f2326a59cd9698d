import type { Channel } from "../db/schema";
import type { Bindings } from "../env";
import { DEV_OUTBOX, type DevOutboxMessage, type SendOutcome } from "./outcome";

/** What each channel needs to really send. Webhooks need nothing but the subscriber's own endpoint. */
const CREDENTIALS: Record<Channel, (keyof Bindings)[]> = {
  email: ["RESEND_API_KEY", "EMAIL_FROM"],
  sms: ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"],
  webhook: [],
};

export type ChannelState = "on" | "dev-outbox" | "off";

export const isLocalDev = (env: Bindings) => env.LOCAL_DEV === "true";

/**
 * A channel with complete credentials sends; without them it records messages in the dev outbox under
 * `npm start`, and is off anywhere else, so a deployment with a missing key refuses sign-ups instead of
 * pretending to send.
 */
export function channelState(env: Bindings, channel: Channel): { state: ChannelState; missing: string[] } {
  const missing = CREDENTIALS[channel].filter((name) => !env[name]);
  return { state: missing.length === 0 ? "on" : isLocalDev(env) ? "dev-outbox" : "off", missing };
}

export function channelOffError(channel: Channel, missing: string[]) {
  const name = { email: "Email", sms: "SMS", webhook: "Webhook" }[channel];
  return `${name} notifications are off on this page: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not configured.`;
}

/**
 * Under `npm start`, a message a channel without credentials would have sent counts as sent: it is printed
 * to the log and handed back whole, for the sender to keep in the dev outbox table.
 */
export function recordInDevOutbox(message: DevOutboxMessage): SendOutcome {
  console.log(`[dev outbox] ${message.channel} to ${message.to}: ${message.subject}\n${message.text}\n[end of message]`);
  return { status: "sent", providerId: DEV_OUTBOX, devOutbox: message };
}
