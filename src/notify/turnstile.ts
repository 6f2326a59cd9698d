import type { Bindings } from "../env";
import { ApiError } from "../errors";

const CHALLENGE_HOST = "https://challenges.cloudflare.com";
const SITEVERIFY_URL = `${CHALLENGE_HOST}/turnstile/v0/siteverify`;

/**
 * The page's Content-Security-Policy with Turnstile's host added where its widget needs it: its script
 * (script-src) and the challenge it frames (frame-src). Nothing else is opened.
 */
export function withTurnstile(policy: string): string {
  const directives = policy.split(";").map((d) => d.trim()).filter(Boolean);
  const add = (name: string) => {
    const at = directives.findIndex((d) => d.split(/\s+/)[0] === name);
    if (at >= 0) directives[at] = `${directives[at]} ${CHALLENGE_HOST}`;
    else directives.push(`${name} ${CHALLENGE_HOST}`);
  };
  add("script-src");
  add("frame-src");
  return directives.join("; ");
}

/** Checks a Turnstile token with Cloudflare when TURNSTILE_SECRET_KEY is set; without it, nothing is checked. */
export async function verifyTurnstile(env: Bindings, token: string | undefined, ip: string | null) {
  if (!env.TURNSTILE_SECRET_KEY) return;
  if (!token) throw new ApiError(400, "bad_request", "turnstile_token is required");
  const form = new URLSearchParams({ secret: env.TURNSTILE_SECRET_KEY, response: token, ...(ip ? { remoteip: ip } : {}) });
  let outcome: { success?: boolean };
  try {
    const res = await fetch(SITEVERIFY_URL, { method: "POST", body: form, signal: AbortSignal.timeout(5_000) });
    outcome = (await res.json()) as { success?: boolean };
  } catch {
    throw new ApiError(503, "unavailable", "The human check could not be verified right now; try again.");
  }
  if (outcome.success !== true) throw new ApiError(403, "forbidden", "The human check (Turnstile) failed; reload the page and try again.");
}
