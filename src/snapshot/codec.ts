import type { ComponentStatus, ShownStatus } from "../db/schema";
import type { Snapshot, SnapshotComponent, SnapshotIncident, UptimeDay } from "./types";

// The snapshot as it travels from a writer to the StatusHub and from the hub to every isolate, and as it rests
// in the hub's storage and in each isolate's memory.
//
// Each component's 90 days go as columns, not as 90 objects that repeat ten keys: a day is about 190 bytes as
// an object and under 40 as a column entry, which is most of a component's size. A Durable Object call
// carries at most 32 MiB, so this is what lets a page of 2,000 components publish.
//
// The text is lines (JSON never holds a raw line feed): first everything a page's head needs (components
// without their days and response times), then the incidents, then each component's days and response
// times. An isolate parses the first line and leaves the others as text until something reads them: a year
// of incidents parsed is some 70,000 objects that the collector would otherwise mark in every full
// collection, while all a warm read needs is the rendering it already keeps. Parts nothing has read for
// IDLE_MS are dropped back to their text (releaseIdleParts).

interface DayColumns {
  date: string[];
  uptime: (number | null)[];
  worst_status: (ShownStatus | null)[];
  downtime_seconds: number[];
  observed_seconds: number[];
  partial_seconds: number[];
  major_seconds: number[];
  maintenance_seconds: number[];
  incident_ids: string[][];
  /** Missing in snapshots built before it was kept. */
  reported_status?: ComponentStatus[];
  has_data: (0 | 1)[];
}

function packDays(days: UptimeDay[]): DayColumns {
  return {
    date: days.map((d) => d.date),
    uptime: days.map((d) => d.uptime),
    worst_status: days.map((d) => d.worst_status),
    downtime_seconds: days.map((d) => d.downtime_seconds),
    observed_seconds: days.map((d) => d.observed_seconds),
    partial_seconds: days.map((d) => d.partial_seconds),
    major_seconds: days.map((d) => d.major_seconds),
    maintenance_seconds: days.map((d) => d.maintenance_seconds),
    incident_ids: days.map((d) => d.incident_ids),
    reported_status: days.map((d) => d.reported_status),
    has_data: days.map((d) => (d.has_data ? 1 : 0)),
  };
}

function unpackDays(c: DayColumns): UptimeDay[] {
  return c.date.map((date, i) => ({
    date,
    uptime: c.uptime[i] ?? null,
    worst_status: c.worst_status[i] ?? null,
    downtime_seconds: c.downtime_seconds[i] ?? 0,
    observed_seconds: c.observed_seconds[i] ?? 0,
    partial_seconds: c.partial_seconds[i] ?? 0,
    major_seconds: c.major_seconds[i] ?? 0,
    maintenance_seconds: c.maintenance_seconds[i] ?? 0,
    incident_ids: c.incident_ids[i] ?? [],
    reported_status: c.reported_status?.[i] ?? "operational",
    has_data: c.has_data[i] === 1,
  }));
}

const isDayColumns = (value: unknown): value is DayColumns =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as DayColumns).date);

/** A part nothing has read for this long goes back to being text. */
export const IDLE_MS = 10_000;

/** A component's line: its days as columns and its response times. */
interface Series {
  days: DayColumns | UptimeDay[];
  latency?: SnapshotComponent["latency"];
}

/** The fields that go in a component's own line rather than in the head. */
const SERIES_FIELDS = new Set<string>(["days", "latency"]);

/** What a decoded snapshot keeps to re-read its parts and to drop them again. */
interface Parts {
  /** The incidents' text as sent (null once something assigned the field: it has no text then). */
  incidents: string | null;
  /** When a part was last read, and whether any is parsed now. */
  usedAt: number;
  parsed: boolean;
  /** Drops every parsed part. */
  release: (() => void)[];
}

const partsOf = new WeakMap<Snapshot, Parts>();
/** Each decoded component's series as sent, until something assigns its days or response times. */
const seriesTextOf = new WeakMap<SnapshotComponent, string>();

/** Defines `key` on `target` as read from `load` on first use and kept until released; assigning it fixes it. */
function lazily<T extends object, K extends keyof T>(target: T, key: K, parts: Parts, load: () => T[K], onAssign: () => void) {
  let value: T[K] | undefined;
  let loaded = false;
  parts.release.push(() => {
    loaded = false;
    value = undefined;
  });
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      parts.usedAt = Date.now();
      if (!loaded) {
        value = load();
        loaded = true;
        parts.parsed = true;
      }
      return value;
    },
    set(next: T[K]) {
      onAssign();
      Object.defineProperty(target, key, { value: next, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** A component's head, without reading its days or response times. */
function headOf(component: SnapshotComponent): Omit<SnapshotComponent, "days" | "latency"> {
  const head: Record<string, unknown> = {};
  for (const key of Object.keys(component)) if (!SERIES_FIELDS.has(key)) head[key] = component[key as keyof SnapshotComponent];
  return head as Omit<SnapshotComponent, "days" | "latency">;
}

/** The snapshot as text: a head line, the incidents, each component's days (as columns) and response times. */
export function encodeSnapshot(snapshot: Snapshot): string {
  // A decoded snapshot's parts nobody replaced are sent as they came, unparsed.
  const parts = partsOf.get(snapshot);
  const head: Record<string, unknown> = {};
  for (const key of Object.keys(snapshot)) {
    if (key === "incidents" || key === "incident_ids") continue;
    head[key] = key === "components" ? snapshot.components.map(headOf) : snapshot[key as keyof Snapshot];
  }
  // Unparsed incidents keep the index they came with; others are read for theirs.
  head.incident_ids = parts?.incidents && snapshot.incident_ids ? snapshot.incident_ids : snapshot.incidents.map((i) => i.id);
  const lines = [JSON.stringify(head), parts?.incidents ?? JSON.stringify(snapshot.incidents)];
  for (const component of snapshot.components) {
    lines.push(seriesTextOf.get(component) ?? JSON.stringify({ days: packDays(component.days), latency: component.latency } satisfies Series));
  }
  return lines.join("\n");
}

/**
 * The snapshot as one line of JSON (days as columns), the form every release reads: what the hub stores, so
 * that a release running before this one can still read what this one wrote.
 */
export function encodeWhole(snapshot: Snapshot): string {
  return JSON.stringify({ ...snapshot, components: snapshot.components.map((c) => ({ ...c, days: packDays(c.days) })) });
}

/** A snapshot whose incidents and components' series are read from their text when first used. */
function decodeLines(lines: string[]): Snapshot {
  const snapshot = JSON.parse(lines[0]!) as Snapshot;
  const parts: Parts = { incidents: lines[1] ?? "[]", usedAt: 0, parsed: false, release: [] };
  lazily(snapshot, "incidents", parts, () => JSON.parse(parts.incidents ?? "[]") as SnapshotIncident[], () => {
    parts.incidents = null;
  });
  snapshot.components.forEach((component, i) => {
    const text = lines[2 + i] ?? '{"days":[]}';
    seriesTextOf.set(component, text);
    let series: { days: UptimeDay[]; latency?: SnapshotComponent["latency"] } | null = null;
    parts.release.push(() => {
      series = null;
    });
    const read = () => {
      if (!series) {
        const parsed = JSON.parse(text) as Series;
        series = { days: isDayColumns(parsed.days) ? unpackDays(parsed.days) : parsed.days, latency: parsed.latency };
      }
      return series;
    };
    const assigned = () => {
      seriesTextOf.delete(component);
    };
    lazily(component, "days", parts, () => read().days, assigned);
    lazily(component, "latency", parts, () => read().latency, assigned);
  });
  partsOf.set(snapshot, parts);
  return snapshot;
}

/** A snapshot from encodeSnapshot's text, or from one stored before it went as lines or days as columns. */
export function decodeSnapshot(text: string): Snapshot {
  if (text.includes("\n")) return decodeLines(text.split("\n"));
  const snapshot = JSON.parse(text) as Snapshot;
  for (const component of snapshot.components) {
    const days: unknown = component.days;
    if (isDayColumns(days)) component.days = unpackDays(days);
  }
  return snapshot;
}

/**
 * Drops the parts of `snapshot` that nothing has read for IDLE_MS back to their text: the next reader parses
 * them again. Cheap enough for every request: a map lookup and a comparison while nothing is parsed.
 */
export function releaseIdleParts(snapshot: Snapshot, now: number) {
  const parts = partsOf.get(snapshot);
  if (!parts?.parsed || now - parts.usedAt < IDLE_MS) return;
  for (const release of parts.release) release();
  parts.parsed = false;
}

const incidentIdSets = new WeakMap<Snapshot, Set<string>>();

/** Whether the snapshot holds the incident: from its index of ids when it has one, without parsing them all. */
export function holdsIncident(snapshot: Snapshot, id: string): boolean {
  if (!snapshot.incident_ids) return snapshot.incidents.some((i) => i.id === id);
  let ids = incidentIdSets.get(snapshot);
  if (!ids) incidentIdSets.set(snapshot, (ids = new Set(snapshot.incident_ids)));
  return ids.has(id);
}

/** Whether any part of `snapshot` is parsed now (tests watch it). */
export const holdsParsedParts = (snapshot: Snapshot) => partsOf.get(snapshot)?.parsed ?? true;
