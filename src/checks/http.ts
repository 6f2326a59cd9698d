import type { HttpMonitor } from "../db/schema";
import { combineProbes, fetchTarget, notMonitored, probe, readBody, type CheckResult } from "./probe";

const USER_AGENT = "Beacon-Monitor/1.0";
export const REGION_HEADER = "beacon-probe-region";

/**
 * An admin's HTTP monitor: the response must have an expected status (any 2xx by default) and, when a
 * keyword is set, contain it. Loopback and private targets are allowed: monitors watch the admin's own
 * services, which may be on the same network.
 */
export async function httpCheck(monitor: HttpMonitor | null, signal: AbortSignal, region?: string): Promise<CheckResult> {
  if (!monitor?.url) return notMonitored("no monitor configured");
  // The region header lets the service's own logs tell the probes apart.
  const headers: Record<string, string> = { "user-agent": USER_AGENT, ...(region && { [REGION_HEADER]: region }) };
  const result = await probe(async () => {
    // Redirects are followed unless a 3xx is expected: then the redirect itself is what is compared.
    const redirect = monitor.expected_status?.some((status) => status >= 300 && status < 400) ? "manual" : "follow";
    const res = await fetchTarget(monitor.url, { method: monitor.method, headers, redirect, signal });
    const body = await readBody(res, signal);
    const expected = monitor.expected_status?.length ? monitor.expected_status.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!expected) return `unexpected HTTP ${res.status}`;
    if (monitor.keyword && !body.includes(monitor.keyword)) return "keyword not found in the response";
    return null;
  });
  return combineProbes([result], monitor.degraded_latency_ms ?? null);
}
