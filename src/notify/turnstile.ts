import type { Bindings } from "../env";
import { ApiError } from "../errors";

/** Cloudflare's challenge host: the widget's script and frame, and the siteverify API. */
export const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";
const SITEVERIFY_URL = `${TURNSTILE_ORIGIN}/turnstile/v0/siteverify`;

/** Checks a Turnstile token with Cloudflare when TURNSTILE_SECRET_KEY is set; without it, nothing is checked. */
export async function verifyTurnstile(env: Bindings, token: string | undefined, ip: string | null) {
  if (!env.TURNSTILE_SECRET_KEY) return;
  if (!token) throw new ApiError(400, "bad_request", "turnstile_token is required", [{ path: "turnstile_token", message: "is required", code: "required" }]);
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
