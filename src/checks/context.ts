import type { Bindings } from "../env";
import type { Probe } from "./probe";

export interface CheckContext {
  env: Bindings;
  /**
   * Sends one request of the check: it waits for one of the invocation's connections, and its timeout
   * starts only once it has one; `run` listens to the signal for every request and body read. One that
   * makes no connection (a D1 query, the worker's own /healthz in-process) says so and does not wait.
   */
  request(run: (signal: AbortSignal) => Promise<string | null>, opts?: { connection: false }): Promise<Probe>;
  /** Above this latency a working check reports degraded. */
  degradedLatencyMs: number;
}
