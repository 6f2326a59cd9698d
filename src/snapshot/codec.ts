import type { ShownStatus } from "../db/schema";
import type { Snapshot, UptimeDay } from "./types";

// The snapshot as it travels from a writer to the StatusHub and from the hub to every isolate, and as it rests
// in the hub's storage. Each component's 90 days go as columns, not as 90 objects that repeat ten keys: a
// day is about 190 bytes as an object and under 40 as a column entry, which is most of a component's size.
// A Durable Object call carries at most 32 MiB, so this is what lets a page of 2,000 components publish.

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
    has_data: c.has_data[i] === 1,
  }));
}

const isDayColumns = (value: unknown): value is DayColumns =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as DayColumns).date);

/** The snapshot as text, each component's days as columns. */
export function encodeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify({
    ...snapshot,
    components: snapshot.components.map((c) => ({ ...c, days: packDays(c.days) })),
  });
}

/** A snapshot from encodeSnapshot's text (or from one stored before days went as columns). */
export function decodeSnapshot(json: string): Snapshot {
  const snapshot = JSON.parse(json) as Snapshot;
  for (const component of snapshot.components) {
    const days: unknown = component.days;
    if (isDayColumns(days)) component.days = unpackDays(days);
  }
  return snapshot;
}
