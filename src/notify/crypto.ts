import type { Channel } from "../db/schema";
import type { Bindings } from "../env";
import { ApiError } from "../errors";
import { base64, base64url, constantTimeEqual, fromBase64, hex, hmac, hmacKey, randomBytes } from "../crypto";

export function signingSecret(env: Bindings): string {
  if (!env.SIGNING_SECRET) throw new ApiError(503, "unavailable", "Subscriptions are not configured on this page (SIGNING_SECRET is missing).");
  return env.SIGNING_SECRET;
}

/**
 * Keyed token signer for one invocation. Nothing secret is stored: a confirmation secret (email link, SMS
 * code or webhook challenge) is derived from their delivery's id when the message is sent, only
 * their hash is kept on the subscriber, and the per-subscriber manage/unsubscribe token is an HMAC of the
 * subscriber's id and manage epoch (nothing stored, nothing to expire: a new epoch retires the links of the
 * one before). Without SIGNING_SECRET none of them can be rebuilt.
 */
export async function tokenSigner(env: Bindings) {
  const key = await hmacKey(signingSecret(env));
  // Epoch 0's links carry no epoch, as every link did before subscribers had one; a later one leads the signature.
  const manageSignature = async (subscriberId: string, epoch: number) =>
    (epoch ? `${epoch}~` : "") + base64url(await hmac(key, epoch ? `manage:${subscriberId}:${epoch}` : `manage:${subscriberId}`)).slice(0, 32);
  return {
    /** The secret a confirmation delivery carries: 43 url-safe characters, or a 6-digit code for SMS. */
    confirmationSecret: async (deliveryId: string, channel: Channel) => {
      const mac = await hmac(key, `confirm-secret:${deliveryId}`);
      if (channel !== "sms") return base64url(mac);
      return String(new DataView(mac).getUint32(0) % 1_000_000).padStart(6, "0");
    },
    /** What is stored to check a confirmation secret; salted with the address, so equal codes hash apart. */
    hashConfirmation: async (channel: Channel, address: string, secret: string) => hex(await hmac(key, `confirm:${channel}:${address}:${secret}`)),
    /** A subscriber's manage and unsubscribe token, for its current manage epoch. */
    manageToken: async (subscriberId: string, epoch = 0) => `${subscriberId}.${await manageSignature(subscriberId, epoch)}`,
    /**
     * The subscriber id and manage epoch a token stands for, or null when it is not one of ours (checked before
     * anything is read: a forged token costs no query). It works only while the subscriber is at that epoch.
     */
    readManageToken: async (token: string) => {
      const [id, signature] = tokenParts(token) ?? [];
      if (!id || !signature) return null;
      const epoch = /^[1-9]\d{0,8}~/.test(signature) ? Number(signature.slice(0, signature.indexOf("~"))) : 0;
      return constantTimeEqual(signature, await manageSignature(id, epoch)) ? { id, epoch } : null;
    },
  };
}
export type TokenSigner = Awaited<ReturnType<typeof tokenSigner>>;

/**
 * A link's `id.secret` token as its two parts, or null when it is not in that form: a subscriber id, a dot,
 * and a secret with no dot of its own, so nothing can be added to a real token and still be taken.
 */
export function tokenParts(token: string): [id: string, secret: string] | null {
  const parts = token.split(".");
  return parts.length === 2 && /^[0-9a-f-]{36}$/.test(parts[0]!) && parts[1] !== "" ? [parts[0]!, parts[1]!] : null;
}

/** A Standard Webhooks endpoint secret: `whsec_` + base64 of 24 random bytes. */
export const newWebhookSecret = () => `whsec_${base64(randomBytes(24))}`;

/** `webhook-signature` per Standard Webhooks: v1 + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the decoded secret. */
export async function webhookSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await hmacKey(fromBase64(secret.replace(/^whsec_/, "")));
  return `v1,${base64(await hmac(key, `${id}.${timestamp}.${body}`))}`;
}

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by every POST field name and value, sorted by name. */
export async function twilioSignature(authToken: string, url: string, params: Record<string, string>): Promise<string> {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join("");
  return base64(await hmac(await hmacKey(authToken, "SHA-1"), data));
}
