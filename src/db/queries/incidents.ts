import { and, asc, desc, eq, getTableColumns, gte, inArray, is, isNull, lte, or, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "../client";
import { componentPageOrder } from "./components";
import { jsonList, type Statement } from "../batch";
import { guard } from "./guards";
import { worstStatus } from "../../status";
import { components, incidentComponents, incidentLinkHistory, incidents, incidentUpdates, statusChanges, type ComponentStatus, type IncidentStatus } from "../schema";

export type IncidentRow = typeof incidents.$inferSelect;

export async function findIncident(db: Database, id: string): Promise<IncidentRow | undefined> {
  return db.select().from(incidents).where(eq(incidents.id, id)).get();
}

export async function findIncidentUpdate(db: Database, incidentId: string, updateId: string) {
  return db
    .select()
    .from(incidentUpdates)
    .where(and(eq(incidentUpdates.id, updateId), eq(incidentUpdates.incidentId, incidentId)))
    .get();
}

export function insertIncident(db: Database, row: typeof incidents.$inferInsert): Statement {
  return db.insert(incidents).values(row);
}

export function insertIncidentUpdate(
  db: Database,
  row: { id: string; incidentId: string; status: IncidentStatus; message: string; estimatedResolution: number | null; createdBy: string | null; at: number; notified?: boolean; etaWithdrawn?: boolean },
): Statement {
  return db.insert(incidentUpdates).values({
    id: row.id,
    incidentId: row.incidentId,
    status: row.status,
    message: row.message,
    estimatedResolution: row.estimatedResolution,
    createdBy: row.createdBy,
    notified: row.notified ?? true,
    etaWithdrawn: row.etaWithdrawn ?? false,
    createdAt: row.at,
    updatedAt: row.at,
  });
}

/**
 * Records in the link history (see incidentLinkHistory) each of these links whose status differs from what
 * the incident sets now (a new one too), and, with `dropOthers`, each link not among them as taken off.
 * Placed before the statements that write the links, in the same batch; `when` guards it as it guards them.
 */
export function recordLinkChanges(db: Database, incidentId: string, links: { componentId: string; status: ComponentStatus }[], at: number, opts: { dropOthers?: boolean; when?: SQL } = {}): Statement[] {
  const when = opts.when ?? sql`1`;
  const statements: Statement[] = [];
  if (opts.dropOthers) {
    statements.push(
      db.insert(incidentLinkHistory).select(sql`SELECT NULL, incident_id, component_id, NULL, ${at} FROM ${incidentComponents}
        WHERE incident_id = ${incidentId} AND component_id NOT IN ${jsonList(links.map((l) => l.componentId))} AND ${when}`),
    );
  }
  if (links.length) {
    const rows = JSON.stringify(links.map((l) => ({ c: l.componentId, s: l.status })));
    statements.push(
      db.insert(incidentLinkHistory).select(sql`SELECT NULL, ${incidentId}, j.value ->> 'c', j.value ->> 's', ${at} FROM json_each(${rows}) j
        WHERE NOT EXISTS (SELECT 1 FROM ${incidentComponents} ic WHERE ic.incident_id = ${incidentId} AND ic.component_id = j.value ->> 'c' AND ic.status = j.value ->> 's') AND ${when}`),
    );
  }
  return statements;
}

/**
 * Replaces what an incident sets for its components. A component it already named keeps when it was named
 * (Statuspage's per-update lists start there); one named now is stamped `now`.
 */
export function setIncidentComponents(db: Database, incidentId: string, links: { componentId: string; status: ComponentStatus }[], now: number): Statement[] {
  const kept = links.map((l) => l.componentId);
  const statements: Statement[] = [
    ...recordLinkChanges(db, incidentId, links, now, { dropOthers: true }),
    db
      .delete(incidentComponents)
      .where(and(eq(incidentComponents.incidentId, incidentId), sql`${incidentComponents.componentId} not in ${jsonList(kept)}`)),
  ];
  // Four bound values a row, within D1's 100 a statement.
  for (let i = 0; i < links.length; i += 20) {
    statements.push(
      db
        .insert(incidentComponents)
        .values(links.slice(i, i + 20).map((l) => ({ incidentId, componentId: l.componentId, status: l.status, addedAt: now })))
        .onConflictDoUpdate({ target: [incidentComponents.incidentId, incidentComponents.componentId], set: { status: sql`excluded.status` } }),
    );
  }
  return statements;
}

export function updateIncident(db: Database, id: string, values: Partial<typeof incidents.$inferInsert>): Statement {
  return db.update(incidents).set(values).where(eq(incidents.id, id));
}

export function updateIncidentUpdate(db: Database, updateId: string, values: Partial<typeof incidentUpdates.$inferInsert>): Statement {
  return db.update(incidentUpdates).set(values).where(eq(incidentUpdates.id, updateId));
}

export function deleteIncident(db: Database, id: string): Statement {
  return db.delete(incidents).where(eq(incidents.id, id));
}

/** The component status an incident sets by default, from its severity. */
export { statusForSeverity } from "../../status";

/** One incident's row, its component links (with names) and its updates (newest first), in one round trip. */
export async function loadIncidentRows(db: Database, id: string) {
  const [rows, links, updates] = await db.batch([
    db.select().from(incidents).where(eq(incidents.id, id)),
    db
      .select({ id: incidentComponents.componentId, name: components.name, status: incidentComponents.status })
      .from(incidentComponents)
      .innerJoin(components, eq(components.id, incidentComponents.componentId))
      .where(eq(incidentComponents.incidentId, id))
      .orderBy(...componentPageOrder),
    db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, id)).orderBy(desc(incidentUpdates.createdAt), desc(incidentUpdates.id)),
  ]);
  const row = rows[0];
  return row ? { row, links, updates } : null;
}

/**
 * The shown-status moves that are a resolved incident's own, oldest first, as the snapshot counts them (its
 * own moves, and an automatic incident's components' check moves while it lasted), and every component in
 * page order: what its view needs to list its components as it set them while open (see asSetWhileOpen).
 */
export async function loadIncidentMoves(db: Database, incident: Pick<IncidentRow, "id" | "automatic" | "startedAt" | "resolvedAt">) {
  const own = and(eq(statusChanges.source, "incident"), eq(statusChanges.referenceId, incident.id));
  const checked = and(
    eq(statusChanges.source, "monitor"),
    inArray(statusChanges.componentId, db.select({ id: incidentComponents.componentId }).from(incidentComponents).where(eq(incidentComponents.incidentId, incident.id))),
    gte(statusChanges.at, incident.startedAt),
    incident.resolvedAt === null ? undefined : sql`${statusChanges.at} <= ${incident.resolvedAt}`,
  );
  const [moves, order] = await db.batch([
    db
      .select({ component_id: statusChanges.componentId, from: statusChanges.fromStatus, to: statusChanges.toStatus, at: statusChanges.at })
      .from(statusChanges)
      .where(incident.automatic ? or(own, checked) : own)
      .orderBy(asc(statusChanges.at), asc(statusChanges.id)),
    db.select({ id: components.id, name: components.name }).from(components).orderBy(...componentPageOrder),
  ]);
  return { moves, order };
}

/** Holds while the incident is still in the state a write read it in (same status, not written since). */
export const incidentUnchanged = (db: Database, id: string, status: IncidentStatus, updatedAt: number): Statement =>
  guard(db, sql`exists (select 1 from ${incidents} where ${incidents.id} = ${id} and ${incidents.status} = ${status} and ${incidents.updatedAt} = ${updatedAt})`, `incident ${id}`);

/** An automatic incident no person has taken over, in the state the engine reads and writes. */
const managed = (id: string) => and(eq(incidents.id, id), eq(incidents.automatic, true), isNull(incidents.takenOverAt));

/**
 * Automatic incidents Beacon still manages: every open one, and those it resolved since `resolvedSince`
 * (a failure soon after may reopen them), with their component links.
 */
export async function loadManagedIncidents(db: Database, resolvedSince: number) {
  const where = and(
    eq(incidents.automatic, true),
    isNull(incidents.takenOverAt),
    or(inArray(incidents.status, ["investigating", "identified", "monitoring"]), and(eq(incidents.status, "resolved"), gte(incidents.resolvedAt, resolvedSince))),
  );
  const [rows, links, history] = await db.batch([
    db.select().from(incidents).where(where),
    db
      .select({
        incidentId: incidentComponents.incidentId,
        componentId: incidentComponents.componentId,
        status: incidentComponents.status,
        announcedStatus: incidentComponents.announcedStatus,
        announcedAt: incidentComponents.announcedAt,
      })
      .from(incidentComponents)
      .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
      .where(where),
    db
      .select({ incidentId: incidentLinkHistory.incidentId, componentId: incidentLinkHistory.componentId, status: incidentLinkHistory.status })
      .from(incidentLinkHistory)
      .innerJoin(incidents, eq(incidents.id, incidentLinkHistory.incidentId))
      .where(where)
      .orderBy(asc(incidentLinkHistory.id)),
  ]);
  return rows.map((i) => ({
    id: i.id,
    title: i.title,
    severity: i.severity,
    status: i.status,
    startedAt: i.startedAt,
    resolvedAt: i.resolvedAt,
    links: links.filter((l) => l.incidentId === i.id).map(({ incidentId: _, ...l }) => l),
    opener: openerOf(history.filter((h) => h.incidentId === i.id)),
  }));
}

/**
 * The component an automatic incident was opened for (its first link, the one its title names) and the worst
 * status its link has had, from the link history, oldest first; null when it has none.
 */
function openerOf(history: { componentId: string; status: ComponentStatus | null }[]): { componentId: string; worst: ComponentStatus } | null {
  const first = history[0];
  if (!first) return null;
  const statuses = history.filter((h) => h.componentId === first.componentId && h.status !== null).map((h) => h.status!);
  return statuses.length ? { componentId: first.componentId, worst: worstStatus(statuses, "operational") } : null;
}

/**
 * When a person last resolved an incident about each component, among resolutions at or after `since`: one
 * they opened, or an automatic one they resolved (taken over then or before; one Beacon resolved and a person
 * edited afterwards was still resolved by Beacon).
 */
export async function resolvedByPeople(db: Database, since: number): Promise<Map<string, number>> {
  const rows = await db
    .select({ componentId: incidentComponents.componentId, at: sql<number>`max(${incidents.resolvedAt})` })
    .from(incidentComponents)
    .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
    .where(and(gte(incidents.resolvedAt, since), or(eq(incidents.automatic, false), lte(incidents.takenOverAt, incidents.resolvedAt))))
    .groupBy(incidentComponents.componentId);
  return new Map(rows.map((r) => [r.componentId, r.at]));
}

/**
 * Holds while no person has taken over any of these automatic incidents: a check round that moves links
 * of theirs (as followLink does, which alone would quietly skip one taken over) records the moves those
 * links make only with this guard in its batch, so a takeover after the round read fails the batch and the
 * round is built again from it. Nothing else has to retry for it.
 */
export function stillFollowed(db: Database, incidentIds: string[]): Statement[] {
  if (incidentIds.length === 0) return [];
  return [guard(db, sql`not exists (select 1 from ${incidents} where ${inArray(incidents.id, incidentIds)} and ${incidents.takenOverAt} is not null)`, "incident taken over")];
}

/** Moves an automatic incident only if no person has taken it over and it is still in `from`. */
export function managedIncidentUpdate(db: Database, id: string, from: IncidentStatus, values: Partial<typeof incidents.$inferInsert>): Statement {
  return db.update(incidents).set(values).where(and(managed(id), eq(incidents.status, from)));
}

/** The guard a round's writes to an existing automatic incident share: its own move of the incident happened. */
const roundApplied = (guard: { incidentId: string; status: IncidentStatus; updatedAt: number }) =>
  sql`EXISTS (SELECT 1 FROM ${incidents} WHERE ${incidents.id} = ${guard.incidentId} AND ${incidents.automatic} = 1 AND ${incidents.takenOverAt} IS NULL AND ${incidents.status} = ${guard.status} AND ${incidents.updatedAt} = ${guard.updatedAt})`;

/** A row as a one-row SELECT of every column in table order, for an INSERT ... SELECT (unset columns are null). */
function rowSelect(table: SQLiteTable, row: Record<string, unknown>, where: SQL) {
  // Every column is named, so one the row leaves out gets its default here, as a plain INSERT would give it.
  const values = Object.entries(getTableColumns(table)).map(([key, column]) => {
    const value = row[key] !== undefined ? row[key] : column.default !== undefined ? column.default : column.defaultFn?.();
    return is(value, SQL) ? value : sql.param(value ?? null, column);
  });
  return sql`SELECT ${sql.join(values, sql`, `)} WHERE ${where}`;
}

/** A row written only when the round's own move of its incident happened (see roundApplied). */
export function incidentGuardedInsert<T extends SQLiteTable>(db: Database, table: T, row: Record<string, unknown>, guard: { incidentId: string; status: IncidentStatus; updatedAt: number }): Statement {
  return db.insert(table).select(rowSelect(table, row, roundApplied(guard)));
}

/**
 * Sets an automatic incident's component links (adding any that are new), with what the round told
 * readers about each. With a guard, only if the round's own move of the incident happened.
 */
export function upsertIncidentLinks(
  db: Database,
  incidentId: string,
  links: { componentId: string; status: ComponentStatus; announcedStatus?: ComponentStatus; announcedAt?: number }[],
  /** When the round writes: a link it adds was named then. */
  now: number,
  guard?: { status: IncidentStatus; updatedAt: number },
): Statement[] {
  const where = guard ? roundApplied({ incidentId, ...guard }) : sql`1`;
  return [
    ...recordLinkChanges(db, incidentId, links, now, { when: where }),
    ...links.map((l) => upsertIncidentLink(db, incidentId, l, now, where)),
  ];
}

function upsertIncidentLink(db: Database, incidentId: string, l: { componentId: string; status: ComponentStatus; announcedStatus?: ComponentStatus; announcedAt?: number }, now: number, where: SQL): Statement {
  const row = { incidentId, componentId: l.componentId, status: l.status, announcedStatus: l.announcedStatus, announcedAt: l.announcedAt, addedAt: now };
  return db
    .insert(incidentComponents)
    .select(rowSelect(incidentComponents, row, where))
    .onConflictDoUpdate({
      target: [incidentComponents.incidentId, incidentComponents.componentId],
      set: { status: l.status, ...(l.announcedAt !== undefined && { announcedStatus: l.announcedStatus, announcedAt: l.announcedAt }) },
    });
}

/**
 * A link of an open automatic incident follows its component's agreed status (nothing once a person owns it),
 * recorded in the link history at `at`, the round's time.
 */
export function followLink(db: Database, link: { incidentId: string; componentId: string; status: ComponentStatus }, at: number): Statement[] {
  const following = and(
    eq(incidentComponents.incidentId, link.incidentId),
    eq(incidentComponents.componentId, link.componentId),
    sql`EXISTS (SELECT 1 FROM ${incidents} WHERE ${incidents.id} = ${link.incidentId} AND ${incidents.automatic} = 1 AND ${incidents.takenOverAt} IS NULL AND ${incidents.status} IN ('investigating', 'identified', 'monitoring'))`,
  );
  return [
    db.insert(incidentLinkHistory).select(sql`SELECT NULL, incident_id, component_id, ${link.status}, ${at} FROM ${incidentComponents} WHERE ${following} AND status != ${link.status}`),
    db.update(incidentComponents).set({ status: link.status }).where(following),
  ];
}

/** What the checks currently say about each component an incident affects. */
export async function linkedComponentChecks(db: Database, incidentId: string) {
  return db
    .select({ id: components.id, name: components.name, monitored: components.monitored, status: components.monitoredStatus, since: components.monitoredSince, lastCheckedAt: components.lastCheckedAt })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .where(eq(incidentComponents.incidentId, incidentId))
    .orderBy(...componentPageOrder);
}
