import type { CheckContext } from "./context";
import { combineProbes, fetchTarget, notMonitored, readBody, type CheckResult } from "./probe";

const CLERK_API = "https://api.clerk.com";

function hasKeys(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { keys?: unknown };
    return Array.isArray(parsed.keys) && parsed.keys.length > 0;
  } catch {
    return false;
  }
}

/**
 * Authentication: Clerk's JWKS, from the Frontend API URL in CLERK_JWKS_URL and/or the Backend API with
 * CLERK_SECRET_KEY. With both, one failing is a partial outage. Verifying tokens with CLERK_JWT_KEY needs no
 * network, so that alone gives the check nothing to reach.
 */
export async function authCheck({ env, request, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const targets: { url: string; headers: Record<string, string> }[] = [];
  if (env.CLERK_JWKS_URL) targets.push({ url: env.CLERK_JWKS_URL, headers: {} });
  if (env.CLERK_SECRET_KEY) {
    const base = (env.CLERK_API_URL || CLERK_API).replace(/\/+$/, "");
    targets.push({ url: `${base}/v1/jwks`, headers: { authorization: `Bearer ${env.CLERK_SECRET_KEY}` } });
  }
  if (!targets.length) return notMonitored("CLERK_JWKS_URL or CLERK_SECRET_KEY is not configured");
  const probes = await Promise.all(
    targets.map(({ url, headers }) =>
      request(async (signal) => {
        const res = await fetchTarget(url, { headers, signal });
        const body = await readBody(res, signal);
        if (!res.ok) return `HTTP ${res.status}`;
        return hasKeys(body) ? null : "no signing keys in the JWKS";
      }),
    ),
  );
  return combineProbes(probes, degradedLatencyMs);
}
