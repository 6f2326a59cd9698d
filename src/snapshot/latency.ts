import type { LatencyRow } from "../db/queries/latency";
import { sumTotals, uptimePercent } from "../uptime/formula";
import { bucketStart, bucketStarts, LATENCY_RANGE_NAMES, LATENCY_RANGES, percentileFromHistogram, type LatencyRange } from "../uptime/latency";
import { startOfDay } from "../uptime/days";
import type { LatencyBucket, SnapshotComponent, UptimeDay } from "./types";

/** The bucket starts of every range as of `now`, oldest first: computed once per snapshot. */
export function latencyGrids(now: number, timeZone: string): Record<LatencyRange, number[]> {
  return Object.fromEntries(
    LATENCY_RANGE_NAMES.map((range) => [range, bucketStarts(now, LATENCY_RANGES[range].spanMs, LATENCY_RANGES[range].buckets, timeZone)]),
  ) as Record<LatencyRange, number[]>;
}

/** The oldest bucket of each width the snapshot needs from D1. */
export function latencySince(grids: Record<LatencyRange, number[]>) {
  return { quarter: grids["24h"][0]!, hour: grids["7d"][0]!, day: grids["90d"][0]! };
}

function bucketOf(row: LatencyRow): LatencyBucket {
  const histogram = JSON.parse(row.histogram) as number[];
  return [
    row.start,
    row.count,
    percentileFromHistogram(histogram, 0.5, row.minMs, row.maxMs),
    percentileFromHistogram(histogram, 0.95, row.minMs, row.maxMs),
    row.count ? row.minMs : null,
    row.count ? row.maxMs : null,
    row.failedChecks,
    row.maintenanceChecks,
  ];
}

/** One component's response-time series per range and its uptime over the last 24 hours. */
export function componentLatency(rows: LatencyRow[], grids: Record<LatencyRange, number[]>) {
  const latency = {} as Record<LatencyRange, LatencyBucket[]>;
  let uptime24h: number | null = null;
  for (const range of LATENCY_RANGE_NAMES) {
    const { spanMs } = LATENCY_RANGES[range];
    const from = grids[range][0]!;
    const inRange = rows.filter((r) => r.spanMs === spanMs && r.start >= from).sort((a, b) => a.start - b.start);
    latency[range] = inRange.filter((r) => r.count > 0 || r.failedChecks > 0 || r.maintenanceChecks > 0).map(bucketOf);
    if (range === "24h") uptime24h = uptimePercent(sumTotals(inRange));
  }
  return { latency, uptime_24h: uptime24h };
}

/** How a chart shades a bucket: "o" when a check failed (or, for days, there was downtime), "m" for maintenance. */
export type Shade = "o" | "m" | null;

export const bucketShade = (b: LatencyBucket): Shade => (b[6] > 0 ? "o" : b[7] > 0 ? "m" : null);
export const dayShade = (d: UptimeDay): Shade => (d.partial_seconds + d.major_seconds > 0 ? "o" : d.maintenance_seconds > 0 ? "m" : null);

/** One bucket as the API, the page's table and the live socket spell it. */
export interface LatencyPoint {
  start: number;
  count: number;
  p50_ms: number | null;
  p95_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  failed_checks: number;
  maintenance_checks: number;
  shade: Shade;
}

const emptyPoint = (start: number, shade: Shade = null): LatencyPoint => ({
  start,
  count: 0,
  p50_ms: null,
  p95_ms: null,
  min_ms: null,
  max_ms: null,
  failed_checks: 0,
  maintenance_checks: 0,
  shade,
});

/**
 * Every bucket of a range, gaps included (count 0, nulls), oldest first. Days take their start and shade
 * from the uptime series, so the chart and the bar agree.
 */
export function latencyPoints(component: SnapshotComponent, range: LatencyRange, grid: number[], timeZone: string): LatencyPoint[] {
  const buckets = component.latency?.[range] ?? [];
  const byIndex = new Map<number, LatencyBucket>();
  const last = grid.length - 1;
  for (const b of buckets) {
    // Nearest grid slot: a day is 23 or 25 hours across a DST change. The last slot takes only its own
    // bucket: one after it (results dated ahead of the clock) must not take the current one's place.
    const i = grid.findIndex((start, k) =>
      k === last ? bucketStart(b[0], LATENCY_RANGES[range].spanMs, timeZone) === start : b[0] >= start && b[0] < grid[k + 1]!,
    );
    if (i >= 0) byIndex.set(i, b);
  }
  const days = range === "90d" ? component.days.slice(-grid.length) : null;
  return grid.map((start, i) => {
    const day = days?.[i - (grid.length - days.length)];
    const shade = day ? dayShade(day) : null;
    const b = byIndex.get(i);
    if (!b) return emptyPoint(day ? startOfDay(day.date, timeZone) : start, shade);
    return {
      start: b[0],
      count: b[1],
      p50_ms: b[2],
      p95_ms: b[3],
      min_ms: b[4],
      max_ms: b[5],
      failed_checks: b[6],
      maintenance_checks: b[7],
      shade: days ? shade : bucketShade(b),
    };
  });
}
