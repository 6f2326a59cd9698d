/**
 * Secret-bearing parts of a message (links with tokens, codes, a webhook's signing secret) are stored as
 * `{{slot}}` markers and filled in only when the message is sent, so `deliveries` never holds a secret.
 */
export const SLOT_LABELS = {
  confirm_url: "[confirmation link, sent only to the recipient]",
  code: "[code, sent only to the recipient]",
  manage_url: "[manage link, sent only to the recipient]",
  unsubscribe_url: "[unsubscribe link, sent only to the recipient]",
  webhook_secret: "[signing secret, sent only to the endpoint]",
  challenge: "[challenge, sent only to the endpoint]",
} as const;
export type Slot = keyof typeof SLOT_LABELS;

export const slot = (name: Slot) => `{{${name}}}`;

const SLOT_PATTERN = /\{\{(confirm_url|code|manage_url|unsubscribe_url|webhook_secret|challenge)\}\}/g;

/** Fills the given slots in one pass (a filled value is never scanned again); other slots stay as they are. */
export function fillSlots(template: string, values: Partial<Record<Slot, string>>): string {
  return template.replace(SLOT_PATTERN, (marker, name: Slot) => values[name] ?? marker);
}

/**
 * What an admin may read: slots named, and any token or secret written out in full (rows written before
 * slots existed) hidden.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(SLOT_PATTERN, (_, name: Slot) => SLOT_LABELS[name])
    .replace(/([?&]token=)[^\s"'<>&]+/g, "$1[redacted]")
    .replace(/whsec_[A-Za-z0-9+/=]+/g, "whsec_[redacted]")
    .replace(/^\d{6}(?= is your )/, "[code]");
}
