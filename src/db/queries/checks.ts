import { and, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Database } from "../client";
import { chunkRows, type Statement } from "../batch";
import { checkResults, checkRuns, components, dailyRollups, type CheckOutcome } from "../schema";
import type { RollupDelta } from "../../uptime/rollup";

/**
 * Claims a cron run for its scheduled time, in one statement so two runs cannot both win. "duplicate": this
 * scheduled time already ran (a redelivery); "busy": another run started after `busySince` and has not
 * finished.
 */
export async function claimCheckRun(db: Database, scheduledTime: number, startedAt: number, busySince: number): Promise<"claimed" | "duplicate" | "busy"> {
  const claimed = await db.all<{ scheduled_time: number }>(sql`
    INSERT INTO check_runs (scheduled_time, started_at)
    SELECT ${scheduledTime}, ${startedAt}
    WHERE NOT EXISTS (SELECT 1 FROM check_runs WHERE finished_at IS NULL AND started_at > ${busySince})
    ON CONFLICT (scheduled_time) DO NOTHING
    RETURNING scheduled_time`);
  if (claimed.length) return "claimed";
  const existing = await db.select({ t: checkRuns.scheduledTime }).from(checkRuns).where(eq(checkRuns.scheduledTime, scheduledTime)).get();
  return existing ? "duplicate" : "busy";
}

export const finishCheckRun = (db: Database, scheduledTime: number, finishedAt: number): Statement =>
  db.update(checkRuns).set({ finishedAt }).where(eq(checkRuns.scheduledTime, scheduledTime));

/** Every component that has a check, with its damping state. */
export async function loadCheckTargets(db: Database) {
  return db
    .select({
      id: components.id,
      name: components.name,
      checkKind: components.checkKind,
      monitor: components.monitor,
      confirmations: components.confirmations,
      monitoredStatus: components.monitoredStatus,
      monitoredSince: components.monitoredSince,
      monitored: components.monitored,
      pendingStatus: components.pendingStatus,
      pendingCount: components.pendingCount,
      pendingSince: components.pendingSince,
    })
    .from(components)
    .where(ne(components.checkKind, "none"))
    .orderBy(components.position);
}

export type CheckTargetRow = Awaited<ReturnType<typeof loadCheckTargets>>[number];

/** Each component's latest result taken in [since, before): the one whose span a new result closes. */
export async function previousResults(db: Database, since: number, before: number) {
  const rows = await db.all<{ component_id: string; checked_at: number; outcome: CheckOutcome; in_maintenance: number }>(sql`
    SELECT r.component_id, r.checked_at, r.outcome, r.in_maintenance
    FROM check_results r
    JOIN (
      SELECT component_id, max(checked_at) AS latest FROM check_results
      WHERE checked_at >= ${since} AND checked_at < ${before}
      GROUP BY component_id
    ) l ON l.component_id = r.component_id AND l.latest = r.checked_at`);
  return new Map(rows.map((r) => [r.component_id, { at: r.checked_at, outcome: r.outcome, inMaintenance: Boolean(r.in_maintenance) }]));
}

export function insertCheckResults(db: Database, rows: (typeof checkResults.$inferInsert)[]): Statement[] {
  return chunkRows(rows, 6).map((chunk) => db.insert(checkResults).values(chunk).onConflictDoNothing());
}

const rank = (column: string) =>
  sql.raw(`(CASE ${column} WHEN 'major_outage' THEN 3 WHEN 'partial_outage' THEN 2 WHEN 'degraded' THEN 1 ELSE 0 END)`);

/** Adds a run's seconds and counts to a component's day, creating the row on its first result. */
export function upsertRollup(db: Database, componentId: string, d: RollupDelta): Statement {
  const add = (column: string) => sql.raw(`${column} + excluded.${column}`);
  return db
    .insert(dailyRollups)
    .values({
      componentId,
      day: d.day,
      observedSeconds: d.observedSeconds,
      degradedSeconds: d.degradedSeconds,
      partialSeconds: d.partialSeconds,
      majorSeconds: d.majorSeconds,
      maintenanceSeconds: d.maintenanceSeconds,
      checks: d.checks,
      failures: d.failures,
      worstStatus: d.worstStatus ?? "operational",
    })
    .onConflictDoUpdate({
      target: [dailyRollups.componentId, dailyRollups.day],
      set: {
        observedSeconds: add("observed_seconds"),
        degradedSeconds: add("degraded_seconds"),
        partialSeconds: add("partial_seconds"),
        majorSeconds: add("major_seconds"),
        maintenanceSeconds: add("maintenance_seconds"),
        checks: add("checks"),
        failures: add("failures"),
        worstStatus: sql`CASE WHEN ${rank("excluded.worst_status")} > ${rank("worst_status")} THEN excluded.worst_status ELSE worst_status END`,
      },
    });
}

export const updateCheckState = (db: Database, id: string, values: Partial<typeof components.$inferInsert>): Statement =>
  db.update(components).set(values).where(eq(components.id, id));

/** Deletes at most `limit` raw results older than `before` (oldest first), so each run's delete stays small. */
export async function pruneCheckResults(db: Database, before: number, limit: number) {
  const oldest = db.select({ id: checkResults.id }).from(checkResults).where(lt(checkResults.checkedAt, before)).orderBy(checkResults.checkedAt).limit(limit);
  await db.batch([
    db.delete(checkResults).where(inArray(checkResults.id, oldest)),
    db.delete(checkRuns).where(and(lt(checkRuns.scheduledTime, before), sql`${checkRuns.finishedAt} IS NOT NULL`)),
  ]);
}
