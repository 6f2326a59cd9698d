import { and, eq, gt, gte, inArray, isNotNull, isNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder } from "./components";
import { jsonRowChunks, type Statement } from "../batch";
import { checkRegionResults, checkResults, checkRuns, components, dailyRollups, maintenanceComponents, maintenanceDepartures, maintenances, type CheckOutcome, type ComponentStatus } from "../schema";
import type { MaintenanceWindow, RollupDelta } from "../../uptime/rollup";
import { guard } from "./guards";

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

export const finishCheckRun = (db: Database, scheduledTime: number, finishedAt: number, summary?: Record<string, unknown>): Statement =>
  db.update(checkRuns).set({ finishedAt, ...(summary && { summary }) }).where(eq(checkRuns.scheduledTime, scheduledTime));

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
      autoIncidents: components.autoIncidents,
      updatedAt: components.updatedAt,
    })
    .from(components)
    .where(ne(components.checkKind, "none"))
    .orderBy(...componentPageOrder);
}

export type CheckTargetRow = Awaited<ReturnType<typeof loadCheckTargets>>[number];

/**
 * Whether a round at `at` may still record for the target in `row` (a JSON [id, updated_at] as the round
 * loaded it): the component is as the round loaded it, not edited or deleted since (an admin who removed or
 * changed its monitor meanwhile keeps what they set), and no round at or after `at` is recorded for it (a
 * late delivery would count a span twice and move its status and last check back).
 */
const recordable = (row: SQL, at: number) => sql`exists (select 1 from ${components} where ${components.id} = ${row} ->> 0 and ${components.updatedAt} = ${row} ->> 1)
  and not exists (select 1 from ${checkResults} where ${checkResults.componentId} = ${row} ->> 0 and ${checkResults.checkedAt} >= ${at})
  and not exists (select 1 from ${checkRegionResults} where ${checkRegionResults.componentId} = ${row} ->> 0 and ${checkRegionResults.checkedAt} >= ${at})`;

const loadedRows = (targets: Pick<CheckTargetRow, "id" | "updatedAt">[]) => jsonRowChunks(targets.map((t) => [t.id, t.updatedAt]));

/** The ids of the targets a round at `at` may record (see recordable); one index seek per target. */
export async function recordableTargets(db: Database, targets: Pick<CheckTargetRow, "id" | "updatedAt">[], at: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const json of loadedRows(targets)) {
    const rows = await db.all<{ id: string }>(sql`select value ->> 0 as id from json_each(${json}) where ${recordable(sql.raw("value"), at)}`);
    for (const r of rows) ids.add(r.id);
  }
  return ids;
}

/**
 * Guards for a round's batch: it commits only while every target it records is still recordable, so an
 * admin's edit or a newer round that lands after the round read them makes it build again without them.
 */
export const targetsStillRecordable = (db: Database, targets: Pick<CheckTargetRow, "id" | "updatedAt">[], at: number): Statement[] =>
  loadedRows(targets).map((json) => guard(db, sql`not exists (select 1 from json_each(${json}) where not (${recordable(sql.raw("value"), at)}))`, "round targets"));

/**
 * Each component's latest result before `before`, however long ago: the one whose span a new result closes.
 * Its span is capped from its own time, so a failure followed by missed runs still counts. One index seek
 * per component (component_id, checked_at), never a scan of the retained results.
 */
export async function previousResults(db: Database, before: number) {
  const rows = await db.all<{ component_id: string; checked_at: number; outcome: CheckOutcome; in_maintenance: number }>(sql`
    SELECT r.component_id, r.checked_at, r.outcome, r.in_maintenance
    FROM components c
    JOIN check_results r ON r.component_id = c.id AND r.checked_at = (
      SELECT max(x.checked_at) FROM check_results x WHERE x.component_id = c.id AND x.checked_at < ${before}
    )`);
  return new Map(rows.map((r) => [r.component_id, { at: r.checked_at, outcome: r.outcome, inMaintenance: Boolean(r.in_maintenance) }]));
}

/**
 * The maintenance windows that covered each component at some point in [since, until): from the window's
 * start, or from when the component was added to it while it ran, to its end, or to when the component was
 * taken off it.
 */
export async function maintenanceWindows(db: Database, since: number, until: number): Promise<Map<string, MaintenanceWindow[]>> {
  const end = sql<number | null>`coalesce(${maintenances.completedAt}, ${maintenances.cancelledAt})`;
  const joined = (column: typeof maintenanceComponents.joinedAt | typeof maintenanceDepartures.joinedAt) => sql<number>`max(${maintenances.startedAt}, coalesce(${column}, ${maintenances.startedAt}))`;
  const [members, departed] = await db.batch([
    db
      .select({ componentId: maintenanceComponents.componentId, from: joined(maintenanceComponents.joinedAt), to: end })
      .from(maintenanceComponents)
      .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
      .where(and(isNotNull(maintenances.startedAt), lt(maintenances.startedAt, until), or(isNull(end), gt(end, since)))),
    db
      // Taken off after the window ended (an edit before the run that completes it): it ended with the window.
      .select({ componentId: maintenanceDepartures.componentId, from: joined(maintenanceDepartures.joinedAt), to: sql<number>`min(${maintenanceDepartures.leftAt}, coalesce(${end}, ${maintenanceDepartures.leftAt}))` })
      .from(maintenanceDepartures)
      .innerJoin(maintenances, eq(maintenances.id, maintenanceDepartures.maintenanceId))
      .where(and(isNotNull(maintenances.startedAt), gt(maintenanceDepartures.leftAt, since), lt(maintenances.startedAt, until))),
  ]);
  const byComponent = new Map<string, MaintenanceWindow[]>();
  for (const r of [...members, ...departed]) {
    if (r.from >= until || (r.to !== null && r.to <= r.from)) continue;
    byComponent.set(r.componentId, [...(byComponent.get(r.componentId) ?? []), { from: r.from, to: r.to }]);
  }
  return byComponent;
}

/**
 * One statement per ~48 KB of results: rows travel as one JSON parameter, so a round over thousands of
 * monitors stays a handful of statements (D1 counts every statement of a batch toward an invocation's
 * 1,000 queries). Every column in table order, as drizzle's INSERT ... SELECT lists them; null is the id.
 */
export function insertCheckResults(db: Database, rows: (typeof checkResults.$inferInsert)[]): Statement[] {
  const values = rows.map((r) => [r.componentId, r.checkedAt, r.outcome, r.latencyMs ?? null, r.error ?? null, r.inMaintenance ? 1 : 0]);
  return jsonRowChunks(values).map((json) =>
    db
      .insert(checkResults)
      .select(sql`select null, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from json_each(${json}) where true`)
      .onConflictDoNothing(),
  );
}

/** What each region saw; like the results, many rows to a statement. */
export function insertRegionResults(db: Database, rows: (typeof checkRegionResults.$inferInsert)[]): Statement[] {
  const values = rows.map((r) => [r.componentId, r.checkedAt, r.region, r.outcome, r.latencyMs ?? null, r.error ?? null]);
  return jsonRowChunks(values).map((json) =>
    db
      .insert(checkRegionResults)
      .select(sql`select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from json_each(${json}) where true`)
      .onConflictDoNothing(),
  );
}

/**
 * A component's latest rounds, newest first: the agreed result (null when the regions could not agree) with
 * what each region saw.
 */
export async function recentRounds(db: Database, componentId: string, limit: number) {
  const times = await db.all<{ checked_at: number }>(sql`
    SELECT checked_at FROM check_results WHERE component_id = ${componentId}
    UNION SELECT checked_at FROM check_region_results WHERE component_id = ${componentId}
    ORDER BY checked_at DESC LIMIT ${limit}`);
  if (!times.length) return [];
  const oldest = times.at(-1)!.checked_at;
  const [agreed, regional] = await Promise.all([
    db.select().from(checkResults).where(and(eq(checkResults.componentId, componentId), gte(checkResults.checkedAt, oldest))),
    db
      .select()
      .from(checkRegionResults)
      .where(and(eq(checkRegionResults.componentId, componentId), gte(checkRegionResults.checkedAt, oldest)))
      .orderBy(checkRegionResults.checkedAt, checkRegionResults.region),
  ]);
  return times.map(({ checked_at: at }) => ({
    checkedAt: at,
    result: agreed.find((r) => r.checkedAt === at) ?? null,
    regions: regional.filter((r) => r.checkedAt === at),
  }));
}

const rank = (column: string) =>
  sql.raw(`(CASE ${column} WHEN 'major_outage' THEN 3 WHEN 'partial_outage' THEN 2 WHEN 'degraded' THEN 1 ELSE 0 END)`);

/**
 * Adds a run's seconds and counts to each component's day, creating the row on its first result. One
 * upsert per ~48 KB of rows: a run over many monitors stays a handful of statements.
 */
export function upsertRollups(db: Database, rows: (RollupDelta & { componentId: string })[]): Statement[] {
  const add = (column: string) => sql.raw(`${column} + excluded.${column}`);
  const values = rows.map((d) => [
    d.componentId,
    d.day,
    d.observedSeconds,
    d.degradedSeconds,
    d.partialSeconds,
    d.majorSeconds,
    d.maintenanceSeconds,
    d.checks,
    d.failures,
    d.worstStatus ?? "operational",
  ]);
  // Every column in table order; `where true` keeps SQLite from reading ON CONFLICT as a join clause.
  const columns = sql.raw(Array.from({ length: 10 }, (_, i) => `value ->> ${i}`).join(", "));
  return jsonRowChunks(values).map((json) =>
    db
      .insert(dailyRollups)
      .select(sql`select ${columns} from json_each(${json}) where true`)
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
      }),
  );
}

export interface CheckState {
  id: string;
  monitoredStatus: ComponentStatus;
  monitoredSince: number | null;
  monitored: boolean;
  pendingStatus: ComponentStatus | null;
  pendingCount: number;
  pendingSince: number | null;
  /** Null when this run observed nothing: the time of the last real check stays. */
  lastCheckedAt: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
}

/** Writes every checked component's new state; one UPDATE ... FROM json_each(...) per chunk of components. */
export function updateCheckStates(db: Database, rows: CheckState[]): Statement[] {
  const values = rows.map((r) => [r.id, r.monitoredStatus, r.monitoredSince, r.monitored ? 1 : 0, r.pendingStatus, r.pendingCount, r.pendingSince, r.lastCheckedAt, r.lastLatencyMs, r.lastError]);
  const columns = sql.raw(Array.from({ length: 10 }, (_, i) => `value ->> ${i} AS column${i + 1}`).join(", "));
  return jsonRowChunks(values).map((json) => {
    const v = (n: number) => sql.raw(`v.column${n}`);
    return db
      .update(components)
      .set({
        monitoredStatus: v(2),
        monitoredSince: v(3),
        monitored: v(4),
        pendingStatus: v(5),
        pendingCount: v(6),
        pendingSince: v(7),
        lastCheckedAt: sql`coalesce(${v(8)}, ${components.lastCheckedAt})`,
        lastLatencyMs: v(9),
        lastError: v(10),
      })
      .from(sql`(SELECT ${columns} FROM json_each(${json})) AS v`)
      .where(sql`${components.id} = ${v(1)}`);
  });
}

/** Deletes at most `limit` raw results older than `before` (oldest first), so each run's delete stays small. */
export async function pruneCheckResults(db: Database, before: number, limit: number) {
  const oldest = db.select({ id: checkResults.id }).from(checkResults).where(lt(checkResults.checkedAt, before)).orderBy(checkResults.checkedAt).limit(limit);
  await db.batch([
    db.delete(checkResults).where(inArray(checkResults.id, oldest)),
    // Each round has a row per region: a few times as many, deleted at the same pace.
    db
      .delete(checkRegionResults)
      .where(sql`rowid IN (SELECT rowid FROM check_region_results WHERE checked_at < ${before} ORDER BY checked_at LIMIT ${limit * 5})`),
    db.delete(checkRuns).where(and(lt(checkRuns.scheduledTime, before), sql`${checkRuns.finishedAt} IS NOT NULL`)),
  ]);
}
