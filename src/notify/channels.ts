import type { Channel } from "../db/schema";
import type { Bindings } from "../env";

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

/** Under `npm start`, a message a channel without credentials would have sent is printed for the developer. */
export function recordInDevOutbox(channel: Channel, to: string, subject: string, text: string) {
  console.log(`[dev outbox] ${channel} to ${to}: ${subject}\n${text}\n[end of message]`);
}
