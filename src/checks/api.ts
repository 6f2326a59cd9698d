import { app } from "../app";
import type { CheckContext } from "./context";
import { combineProbes, expectOk, readBody, type CheckResult } from "./probe";

/**
 * The API: each URL in API_HEALTH_URL (e.g. one per region; some failing is a partial outage), or else the
 * worker's own /healthz, invoked in-process so it touches nothing else.
 */
export async function apiCheck({ env, request, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const urls = (env.API_HEALTH_URL ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  if (!urls.length) {
    const result = await request(async (signal) => {
      const res = await app.fetch(new Request("http://beacon.internal/healthz", { signal }), env);
      const body = await readBody(res, signal);
      return res.ok && body.includes('"ok"') ? null : `HTTP ${res.status}`;
    }, { connection: false });
    return combineProbes([result], degradedLatencyMs);
  }
  const probes = await Promise.all(urls.map((url) => request(async (signal) => (await expectOk(url, { method: "GET" }, signal)).failure)));
  return combineProbes(probes, degradedLatencyMs);
}
