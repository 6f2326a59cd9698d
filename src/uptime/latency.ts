import type { CheckOutcome } from "../db/schema";
import type { RollupDelta } from "./rollup";
import { dayOf, startOfDay, zoneOffsetMs } from "./days";

// Response times, rolled up per bucket with a fixed histogram: p50 and p95 are read from the histogram
// (exact to within one bin, and never outside the bucket's own min and max) instead of from raw samples.

const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** Bucket widths kept in `latency_rollups`; a day is a calendar day in the page's time zone. */
export const LATENCY_SPANS_MS = [QUARTER_HOUR_MS, HOUR_MS, DAY_MS] as const;

/** The windows the page and the API show, each as a number of buckets of one width, ending now. */
export const LATENCY_RANGES = {
  "24h": { spanMs: QUARTER_HOUR_MS, buckets: 96 },
  "7d": { spanMs: HOUR_MS, buckets: 168 },
  "90d": { spanMs: DAY_MS, buckets: 90 },
} as const;
export type LatencyRange = keyof typeof LATENCY_RANGES;
export const LATENCY_RANGE_NAMES = Object.keys(LATENCY_RANGES) as LatencyRange[];

/** Upper edges of the histogram's bins (ms); the last bin holds everything from 10 s up. */
export const LATENCY_BIN_EDGES_MS = [10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000] as const;
export const LATENCY_BINS = LATENCY_BIN_EDGES_MS.length + 1;

export function latencyBin(ms: number): number {
  const i = LATENCY_BIN_EDGES_MS.findIndex((edge) => ms < edge);
  return i === -1 ? LATENCY_BIN_EDGES_MS.length : i;
}

/**
 * The p-quantile (0-1) of a histogram: the bin where the cumulative count reaches p x count, then linear
 * interpolation inside that bin, whose edges are first narrowed to the bucket's observed min and max.
 * Rounded to whole milliseconds; null without samples.
 */
export function percentileFromHistogram(histogram: number[], p: number, minMs: number | null, maxMs: number | null): number | null {
  const count = histogram.reduce((sum, n) => sum + n, 0);
  if (count === 0) return null;
  const rank = Math.max(p * count, Number.MIN_VALUE);
  let before = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i]!;
    if (n > 0 && before + n >= rank) {
      let lo = i === 0 ? 0 : LATENCY_BIN_EDGES_MS[i - 1]!;
      let hi = i < LATENCY_BIN_EDGES_MS.length ? LATENCY_BIN_EDGES_MS[i]! : (maxMs ?? lo);
      if (minMs !== null) lo = Math.max(lo, Math.min(minMs, hi));
      if (maxMs !== null) hi = Math.min(hi, Math.max(maxMs, lo));
      return Math.round(lo + ((hi - lo) * (rank - before)) / n);
    }
    before += n;
  }
  return maxMs;
}

/** The start of the bucket of `span` that holds `ms`, with edges on the page's wall clock. */
export function bucketStart(ms: number, spanMs: number, timeZone = "UTC"): number {
  if (spanMs >= DAY_MS) return startOfDay(dayOf(ms, timeZone), timeZone);
  const offset = timeZone === "UTC" ? 0 : zoneOffsetMs(ms, timeZone);
  const local = ms + offset;
  return ms - (((local % spanMs) + spanMs) % spanMs);
}

/** The `count` bucket starts ending with the one that holds `now`, oldest first. */
export function bucketStarts(now: number, spanMs: number, count: number, timeZone = "UTC"): number[] {
  const starts = [bucketStart(now, spanMs, timeZone)];
  while (starts.length < count) {
    // One millisecond before the earliest start is inside the bucket before it, whatever its length.
    starts.unshift(bucketStart(starts[0]! - 1, spanMs, timeZone));
  }
  return starts;
}

/** What one check result adds to one bucket (every number an increment). */
export interface LatencyDelta {
  spanMs: number;
  start: number;
  count: number;
  minMs: number | null;
  maxMs: number | null;
  sumMs: number;
  histogram: number[];
  failedChecks: number;
  maintenanceChecks: number;
  observedSeconds: number;
  partialSeconds: number;
  majorSeconds: number;
}

export interface LatencySample {
  at: number;
  outcome: CheckOutcome;
  latencyMs: number | null;
  inMaintenance: boolean;
}

/** A failed check's time is its timeout or its error, not a response time: only answers count. */
export const countsAsResponse = (sample: LatencySample) =>
  sample.latencyMs !== null && Number.isFinite(sample.latencyMs) && sample.outcome !== "not_monitored" && sample.outcome !== "major_outage";

/**
 * What a result adds to its 15-minute, hourly and daily buckets: its response time to the bucket it was
 * taken in, and the uptime seconds of the span it closed (the `spanDeltas` the daily rollups got, starting
 * at `spanStart`) to the bucket that span started in. One delta per bucket.
 */
export function latencyDeltas(sample: LatencySample, span: { start: number | null; deltas: RollupDelta[] }, timeZone = "UTC"): LatencyDelta[] {
  const seconds = { observed: 0, partial: 0, major: 0 };
  for (const d of span.deltas) {
    seconds.observed += d.observedSeconds;
    seconds.partial += d.partialSeconds;
    seconds.major += d.majorSeconds;
  }
  const response = countsAsResponse(sample) ? Math.max(0, Math.round(sample.latencyMs!)) : null;
  const checked = sample.outcome !== "not_monitored";
  const failed = checked && !sample.inMaintenance && (sample.outcome === "partial_outage" || sample.outcome === "major_outage");
  const out: LatencyDelta[] = [];
  for (const spanMs of LATENCY_SPANS_MS) {
    const byStart = new Map<number, LatencyDelta>();
    const delta = (start: number) => {
      let d = byStart.get(start);
      if (!d) {
        d = { spanMs, start, count: 0, minMs: null, maxMs: null, sumMs: 0, histogram: new Array(LATENCY_BINS).fill(0), failedChecks: 0, maintenanceChecks: 0, observedSeconds: 0, partialSeconds: 0, majorSeconds: 0 };
        byStart.set(start, d);
      }
      return d;
    };
    if (response !== null || failed || (checked && sample.inMaintenance)) {
      const d = delta(bucketStart(sample.at, spanMs, timeZone));
      if (response !== null) {
        d.count = 1;
        d.minMs = d.maxMs = d.sumMs = response;
        d.histogram[latencyBin(response)] = 1;
      }
      if (failed) d.failedChecks = 1;
      if (checked && sample.inMaintenance) d.maintenanceChecks = 1;
    }
    if (span.start !== null && seconds.observed > 0) {
      const d = delta(bucketStart(span.start, spanMs, timeZone));
      d.observedSeconds += seconds.observed;
      d.partialSeconds += seconds.partial;
      d.majorSeconds += seconds.major;
    }
    out.push(...byStart.values());
  }
  return out;
}
