import { and, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import { jsonRowChunks, type Statement } from "../batch";
import { latencyRollups } from "../schema";
import { DAY_MS, HOUR_MS, LATENCY_BINS, QUARTER_HOUR_MS, type LatencyDelta } from "../../uptime/latency";

/** How long each bucket width is kept: as long as the page and the API show it (a day is kept 90 days). */
export const LATENCY_RETENTION_MS: Record<number, number> = {
  [QUARTER_HOUR_MS]: 2 * DAY_MS,
  [HOUR_MS]: 8 * DAY_MS,
  [DAY_MS]: 91 * DAY_MS,
};

// Bins are added element-wise in SQL, so concurrent writers never lose a sample to a read-modify-write.
const addHistograms = sql.raw(
  `json_array(${Array.from({ length: LATENCY_BINS }, (_, i) => `coalesce(json_extract(latency_rollups.histogram, '$[${i}]'), 0) + coalesce(json_extract(excluded.histogram, '$[${i}]'), 0)`).join(", ")})`,
);

/**
 * Adds a run's samples and seconds to each component's buckets, creating a bucket on its first result. Rows
 * travel as one JSON parameter per ~48 KB, like the check results: three bucket widths for every monitor
 * would otherwise be hundreds of statements a round (D1 counts each toward an invocation's 1,000 queries).
 * Every column in table order, as drizzle's INSERT ... SELECT lists them.
 */
export function upsertLatencyRollups(db: Database, rows: (LatencyDelta & { componentId: string })[]): Statement[] {
  const add = (column: string) => sql.raw(`latency_rollups.${column} + excluded.${column}`);
  const values = rows.map((d) => [
    d.componentId,
    d.spanMs,
    d.start,
    d.count,
    d.minMs,
    d.maxMs,
    d.sumMs,
    JSON.stringify(d.histogram),
    d.failedChecks,
    d.maintenanceChecks,
    d.observedSeconds,
    d.partialSeconds,
    d.majorSeconds,
  ]);
  const columns = sql.raw(Array.from({ length: 13 }, (_, i) => `value ->> ${i}`).join(", "));
  return jsonRowChunks(values).map((json) =>
    db
      .insert(latencyRollups)
      .select(sql`select ${columns} from json_each(${json}) where true`)
      .onConflictDoUpdate({
        target: [latencyRollups.componentId, latencyRollups.spanMs, latencyRollups.start],
        set: {
          count: add("count"),
          minMs: sql.raw(`CASE WHEN latency_rollups.min_ms IS NULL OR excluded.min_ms < latency_rollups.min_ms THEN excluded.min_ms ELSE latency_rollups.min_ms END`),
          maxMs: sql.raw(`CASE WHEN latency_rollups.max_ms IS NULL OR excluded.max_ms > latency_rollups.max_ms THEN excluded.max_ms ELSE latency_rollups.max_ms END`),
          sumMs: add("sum_ms"),
          histogram: addHistograms,
          failedChecks: add("failed_checks"),
          maintenanceChecks: add("maintenance_checks"),
          observedSeconds: add("observed_seconds"),
          partialSeconds: add("partial_seconds"),
          majorSeconds: add("major_seconds"),
        },
      }),
  );
}

/** Every bucket the snapshot shows: 15-minute ones since `since.quarter`, hourly since `since.hour`, days since `since.day`. */
export function loadLatencyRows(db: Database, since: { quarter: number; hour: number; day: number }) {
  return db
    .select()
    .from(latencyRollups)
    .where(
      or(
        and(eq(latencyRollups.spanMs, QUARTER_HOUR_MS), gte(latencyRollups.start, since.quarter)),
        and(eq(latencyRollups.spanMs, HOUR_MS), gte(latencyRollups.start, since.hour)),
        and(eq(latencyRollups.spanMs, DAY_MS), gte(latencyRollups.start, since.day)),
      ),
    );
}

export type LatencyRow = Awaited<ReturnType<typeof loadLatencyRows>>[number];

/** Deletes at most `limit` buckets past their width's retention, so each run's delete stays small. */
export async function pruneLatencyRollups(db: Database, now: number, limit: number) {
  const expired = or(
    ...Object.entries(LATENCY_RETENTION_MS).map(([span, keep]) => and(eq(latencyRollups.spanMs, Number(span)), lt(latencyRollups.start, now - keep))),
  );
  const oldest = db.select({ rowid: sql<number>`rowid` }).from(latencyRollups).where(expired).limit(limit);
  await db.delete(latencyRollups).where(inArray(sql`rowid`, oldest));
}
