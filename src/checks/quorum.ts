import type { RegionOutcome } from "../db/schema";
import type { CheckResult } from "./probe";

/** What one region's probe saw of one monitor in a round. */
export interface RegionResult {
  region: string;
  outcome: RegionOutcome;
  latencyMs: number | null;
  error: string | null;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * The round's agreed result for a monitor probed from several regions. It fails only when `quorum` regions
 * saw it fail, so one region's bad network is not the service's outage. It is up when enough regions saw
 * it up that the silent ones could not have made a quorum of failures. Otherwise the regions that answered
 * cannot decide: null, no data for the round (neither up nor down). Latency is the median of the regions
 * that got a response; null when none did.
 */
export function agreeOnRound(regions: RegionResult[], quorum: number, degradedLatencyMs: number | null): CheckResult | null {
  const needed = Math.min(regions.length, Math.max(1, quorum));
  const answered = regions.filter((r) => r.outcome !== "no_answer");
  const failed = answered.filter((r) => r.outcome === "major_outage");
  const up = answered.filter((r) => r.outcome !== "major_outage");
  const latencies = (rs: RegionResult[]) => rs.map((r) => r.latencyMs).filter((ms): ms is number => ms !== null);

  if (failed.length >= needed) {
    const errors = new Map<string, number>();
    for (const r of failed) errors.set(r.error ?? "failed", (errors.get(r.error ?? "failed") ?? 0) + 1);
    const [common] = [...errors.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return {
      outcome: "major_outage",
      latencyMs: median(latencies(answered)),
      error: `${common} from ${failed.length} of ${regions.length} regions (${failed.map((r) => r.region).join(", ")})`,
      regions,
    };
  }
  if (up.length >= regions.length - needed + 1) {
    const latencyMs = median(latencies(up));
    const slow = degradedLatencyMs !== null && latencyMs !== null && latencyMs > degradedLatencyMs;
    return { outcome: slow ? "degraded" : "operational", latencyMs, error: slow ? `slower than ${degradedLatencyMs} ms` : null, regions };
  }
  return null;
}
