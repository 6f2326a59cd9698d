import type { CheckKind, HttpMonitor } from "../db/schema";
import type { Bindings } from "../env";
import { apiCheck } from "./api";
import { authCheck } from "./auth";
import type { CheckContext } from "./context";
import { databaseCheck } from "./database";
import { emailCheck } from "./email";
import { httpCheck } from "./http";
import { connectionLimit } from "./connections";
import { notMonitored, positiveInt, probe, type CheckResult, type Probe } from "./probe";
import { storageCheck } from "./storage";
import { timedOutError } from "../text/checks";

export interface CheckTarget {
  id: string;
  name: string;
  checkKind: CheckKind;
  monitor: HttpMonitor | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_DEGRADED_LATENCY_MS = 3_000;

const BUILT_IN: Record<Exclude<CheckKind, "http" | "none">, (ctx: CheckContext) => Promise<CheckResult>> = {
  api: apiCheck,
  database: databaseCheck,
  storage: storageCheck,
  email: emailCheck,
  auth: authCheck,
};

export function checkTimeoutMs(env: Bindings, target: CheckTarget): number {
  if (target.checkKind === "http" && target.monitor?.timeout_ms) return target.monitor.timeout_ms;
  return positiveInt(env.CHECK_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
}

/**
 * Runs one component's check. A platform check's requests share `withConnection` (the invocation's six
 * connections) and each is timed from when it has one; an HTTP monitor's single request runs under its
 * timeout, counted from now: callers start it once its request can start, never while it waits for a
 * connection.
 */
export async function runCheck(env: Bindings, target: CheckTarget, withConnection = connectionLimit()): Promise<CheckResult> {
  const kind = target.checkKind;
  if (kind === "none") return notMonitored("no check");
  const timeoutMs = checkTimeoutMs(env, target);
  if (kind === "http") return withTimeout(timeoutMs, (signal) => httpCheck(target.monitor, signal), timedOut(timeoutMs));
  const degradedLatencyMs = positiveInt(env.CHECK_DEGRADED_LATENCY_MS, DEFAULT_DEGRADED_LATENCY_MS);
  const request: CheckContext["request"] = (run, opts) => {
    const timed = () => withTimeout(timeoutMs, (signal) => probe(() => run(signal)), unanswered(timeoutMs));
    return opts?.connection === false ? timed() : withConnection(timed);
  };
  return BUILT_IN[kind]({ env, request, degradedLatencyMs });
}

/** One HTTP monitor's check from one region, timed from when its request starts. */
export function runMonitorCheck(monitor: HttpMonitor, region: string): Promise<CheckResult> {
  const timeoutMs = monitor.timeout_ms || DEFAULT_TIMEOUT_MS;
  return withTimeout(timeoutMs, (signal) => httpCheck(monitor, signal, region), timedOut(timeoutMs));
}

// No answer within the timeout: no response time (the error says how long it waited).
const timedOut = (timeoutMs: number): CheckResult => ({ outcome: "major_outage", latencyMs: null, error: timedOutError(timeoutMs) });
const unanswered = (timeoutMs: number): Probe => ({ ok: false, latencyMs: null, error: timedOutError(timeoutMs) });

/**
 * The signal aborts every request and body read of the check, and the race makes sure even a check that
 * ignores it (a D1 call cannot be aborted) ends on time, with `late`.
 */
async function withTimeout<T>(timeoutMs: number, check: (signal: AbortSignal) => Promise<T>, late: T): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(timedOutError(timeoutMs), "TimeoutError"));
      resolve(late);
    }, timeoutMs);
  });
  try {
    return await Promise.race([check(controller.signal), expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Every target's check at once: a run costs about its slowest check, and one failure cannot stop the rest.
 * The cron gives it only the platform's own checks (a handful of connections); HTTP monitors go to probes.
 * Their requests share the invocation's six connections, as production allows one invocation: with many
 * API_HEALTH_URLs hung, the others wait for a connection rather than time out waiting.
 */
export async function runChecks(env: Bindings, targets: CheckTarget[]): Promise<Map<string, CheckResult>> {
  const withConnection = connectionLimit();
  const settled = await Promise.allSettled(targets.map((t) => runCheck(env, t, withConnection)));
  return new Map(
    targets.map((t, i) => {
      const s = settled[i]!;
      return [t.id, s.status === "fulfilled" ? s.value : { outcome: "major_outage", latencyMs: null, error: "check failed to run" }];
    }),
  );
}
