import { COULD_NOT_CONNECT, NAMED_CONNECT_FAILURE } from "../text/checks";
import type { CheckOutcome } from "../db/schema";
import type { RegionResult } from "./quorum";

/** What one check run says about a component. */
export interface CheckResult {
  outcome: CheckOutcome;
  /** For a monitor probed from several regions: the median across the regions that answered. */
  latencyMs: number | null;
  error: string | null;
  /** For a monitor probed from several regions: what each region saw (the result is what they agreed). */
  regions?: RegionResult[];
}

/** One request a check makes; a check may make several (e.g. one per region) and combine them. */
export interface Probe {
  ok: boolean;
  /** Null when it got no response at all: a refused connection or a failed lookup is no response time. */
  latencyMs: number | null;
  error?: string;
}

/** A request that got no response (it could not connect, or its check timed out first). */
export class NoResponseError extends Error {}

export const notMonitored = (reason: string): CheckResult => ({ outcome: "not_monitored", latencyMs: null, error: reason });

const MAX_ERROR_CHARS = 300;

export function errorText(err: unknown): string {
  const text = err instanceof Error ? (err.name === "TimeoutError" || err.name === "AbortError" ? "timed out" : err.message) : String(err);
  return text.slice(0, MAX_ERROR_CHARS) || "failed";
}

/**
 * All probes fine: operational, or degraded when the slowest is over the threshold. All failing:
 * major_outage. Some failing: partial_outage.
 */
export function combineProbes(probes: Probe[], degradedLatencyMs: number | null): CheckResult {
  const failed = probes.filter((p) => !p.ok);
  const answered = probes.flatMap((p) => (p.latencyMs === null ? [] : [p.latencyMs]));
  const latencyMs = answered.length ? Math.max(...answered) : null;
  // Each failure said once: requests that all timed out read as that one timeout (as the page words it).
  const error = failed.length ? [...new Set(failed.map((p) => p.error ?? "failed"))].join("; ").slice(0, MAX_ERROR_CHARS) : null;
  if (!probes.length || failed.length === probes.length) return { outcome: "major_outage", latencyMs, error: error ?? "no probe ran" };
  if (failed.length) return { outcome: "partial_outage", latencyMs, error };
  const slow = degradedLatencyMs !== null && latencyMs !== null && latencyMs > degradedLatencyMs;
  return { outcome: slow ? "degraded" : "operational", latencyMs, error: slow ? `slower than ${degradedLatencyMs} ms` : null };
}

/**
 * Runs one probe, timing it and turning a throw into a failed probe. One that got no response (see
 * fetchTarget) has no time: how long a lookup or a refused connection took is not how fast the target answers.
 */
export async function probe(run: () => Promise<string | null>): Promise<Probe> {
  const started = Date.now();
  try {
    const failure = await run();
    return failure === null ? { ok: true, latencyMs: Date.now() - started } : { ok: false, latencyMs: Date.now() - started, error: failure };
  } catch (err) {
    return { ok: false, latencyMs: err instanceof NoResponseError ? null : Date.now() - started, error: errorText(err) };
  }
}

/**
 * fetch() for a check: a throw that is not the check's own timeout becomes a failure a reader can name, or
 * else COULD_NOT_CONNECT, so no runtime's internal message reaches a recorded error or an incident's text.
 * Either way it is a NoResponseError: fetch throws only when no response came.
 */
export async function fetchTarget(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const text = errorText(err);
    if (init.signal?.aborted) throw new NoResponseError(text);
    throw new NoResponseError(NAMED_CONNECT_FAILURE.test(text) ? text : COULD_NOT_CONNECT);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a response body as text, at most 1 MiB, giving up when the signal aborts: a target that sends
 * headers and then trickles its body is still cut at the check's timeout.
 */
export async function readBody(res: Response, signal: AbortSignal): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    while (bytes < MAX_BODY_BYTES) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Sends a request that the check's signal can cut, body read included; non-2xx becomes a failure text. */
export async function expectOk(url: string, init: RequestInit, signal: AbortSignal): Promise<{ failure: string | null; body: string }> {
  const res = await fetchTarget(url, { ...init, signal });
  const body = await readBody(res, signal);
  return { failure: res.ok ? null : `HTTP ${res.status}`, body };
}

export const positiveInt = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
