import type { Bindings } from "../env";

export interface CheckContext {
  env: Bindings;
  /** Aborts when the check's time is up; every request and body read of the check listens to it. */
  signal: AbortSignal;
  /** Above this latency a working check reports degraded. */
  degradedLatencyMs: number;
}
