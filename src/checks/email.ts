import { resendBaseUrl } from "../notify/email";
import type { CheckContext } from "./context";
import { combineProbes, fetchTarget, notMonitored, readBody, type CheckResult } from "./probe";

/**
 * The email service: an authenticated read of Resend's API with the configured key. A sending-only key
 * is refused with `restricted_api_key`, which still proves the API is up and the key is valid.
 */
export async function emailCheck({ env, request, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  if (!env.RESEND_API_KEY) return notMonitored("RESEND_API_KEY is not configured");
  const result = await request(async (signal) => {
    const res = await fetchTarget(`${resendBaseUrl(env)}/domains`, { headers: { authorization: `Bearer ${env.RESEND_API_KEY}` }, signal });
    const body = await readBody(res, signal);
    if (res.ok) return null;
    if (res.status === 401 && body.includes("restricted_api_key")) return null;
    return `HTTP ${res.status}`;
  });
  return combineProbes([result], degradedLatencyMs);
}
