import type { CheckOutcome, ComponentStatus } from "../db/schema";
import { statusRank } from "../status";
import { addDays, dayOf, startOfDay } from "./days";

/**
 * A result stands for the time until the next one, but never longer than this: with a run every 60 s, a
 * missed run leaves a gap of no data instead of stretching the previous result over it.
 */
export const MAX_RESULT_SPAN_MS = 90_000;

export interface ResultPoint {
  at: number;
  outcome: CheckOutcome;
  inMaintenance: boolean;
}

/** What a run adds to one component's rollup for one calendar day (seconds and counts are increments). */
export interface RollupDelta {
  day: string;
  observedSeconds: number;
  degradedSeconds: number;
  partialSeconds: number;
  majorSeconds: number;
  maintenanceSeconds: number;
  checks: number;
  failures: number;
  /** Worst status observed in the added time, null when none was observed. */
  worstStatus: ComponentStatus | null;
}

const emptyDelta = (day: string): RollupDelta => ({
  day,
  observedSeconds: 0,
  degradedSeconds: 0,
  partialSeconds: 0,
  majorSeconds: 0,
  maintenanceSeconds: 0,
  checks: 0,
  failures: 0,
  worstStatus: null,
});

/** A maintenance window covering a component: [from, to), `to` null while it is still in progress. */
export interface MaintenanceWindow {
  from: number;
  to: number | null;
}

/** Cuts [from, to) into pieces inside and outside the maintenance windows, in time order. */
export function splitByMaintenance(from: number, to: number, windows: MaintenanceWindow[]): { from: number; to: number; inMaintenance: boolean }[] {
  const cuts = new Set([from, to]);
  for (const w of windows) {
    if (w.from > from && w.from < to) cuts.add(w.from);
    if (w.to !== null && w.to > from && w.to < to) cuts.add(w.to);
  }
  const points = [...cuts].sort((a, b) => a - b);
  return points.slice(0, -1).map((start, i) => {
    const end = points[i + 1]!;
    return { from: start, to: end, inMaintenance: windows.some((w) => w.from <= start && (w.to === null || w.to >= end)) };
  });
}

/** Splits [from, to) at calendar-day boundaries of the time zone: [day, milliseconds] pairs. */
export function splitByDay(from: number, to: number, timeZone: string): [string, number][] {
  const parts: [string, number][] = [];
  let cursor = from;
  while (cursor < to) {
    const day = dayOf(cursor, timeZone);
    const end = Math.min(to, startOfDay(addDays(day, 1), timeZone));
    // A boundary at or before the cursor would loop forever; never expected, but guard anyway.
    if (end <= cursor) {
      parts.push([day, to - cursor]);
      break;
    }
    parts.push([day, end - cursor]);
    cursor = end;
  }
  return parts;
}

function worse(a: ComponentStatus | null, b: ComponentStatus): ComponentStatus {
  return a === null || statusRank(b) > statusRank(a) ? b : a;
}

/**
 * What a new result adds to the rollups: the previous result's span (up to this one, capped) goes to the
 * days it covers, as maintenance time where a maintenance window covered the component, as no data if the
 * result was not monitored, else as observed time with its status; and the new result is counted on its
 * own day.
 */
export function rollupDeltas(previous: ResultPoint | null, current: ResultPoint, timeZone = "UTC", windows: MaintenanceWindow[] = []): RollupDelta[] {
  const byDay = new Map<string, RollupDelta>();
  const delta = (day: string) => {
    let d = byDay.get(day);
    if (!d) byDay.set(day, (d = emptyDelta(day)));
    return d;
  };
  if (previous && previous.at < current.at && previous.outcome !== "not_monitored") {
    const until = Math.min(current.at, previous.at + MAX_RESULT_SPAN_MS);
    for (const piece of splitByMaintenance(previous.at, until, windows)) {
      for (const [day, ms] of splitByDay(piece.from, piece.to, timeZone)) {
        const seconds = Math.round(ms / 1000);
        if (seconds <= 0) continue;
        const d = delta(day);
        if (piece.inMaintenance) {
          d.maintenanceSeconds += seconds;
          continue;
        }
        d.observedSeconds += seconds;
        if (previous.outcome === "degraded") d.degradedSeconds += seconds;
        if (previous.outcome === "partial_outage") d.partialSeconds += seconds;
        if (previous.outcome === "major_outage") d.majorSeconds += seconds;
        d.worstStatus = worse(d.worstStatus, previous.outcome);
      }
    }
  }
  if (current.outcome !== "not_monitored") {
    const d = delta(dayOf(current.at, timeZone));
    d.checks += 1;
    if (!current.inMaintenance && (current.outcome === "partial_outage" || current.outcome === "major_outage")) d.failures += 1;
  }
  return [...byDay.values()];
}
