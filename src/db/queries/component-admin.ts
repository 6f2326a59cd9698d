import { eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder } from "./components";
import type { Statement } from "../batch";
import { guard } from "./guards";
import { componentGroups, components, incidentComponents, incidents, maintenanceComponents, maintenances } from "../schema";

export async function findComponent(db: Database, id: string) {
  return db.select().from(components).where(eq(components.id, id)).get();
}

export async function findGroup(db: Database, id: string) {
  return db.select().from(componentGroups).where(eq(componentGroups.id, id)).get();
}

export async function nextComponentPosition(db: Database): Promise<number> {
  const row = await db.select({ max: sql<number | null>`max(${components.position})` }).from(components).get();
  return (row?.max ?? 0) + 1;
}

export async function nextGroupPosition(db: Database): Promise<number> {
  const row = await db.select({ max: sql<number | null>`max(${componentGroups.position})` }).from(componentGroups).get();
  return (row?.max ?? 0) + 1;
}

export const insertComponent = (db: Database, row: typeof components.$inferInsert): Statement => db.insert(components).values(row);
export const updateComponent = (db: Database, id: string, values: Partial<typeof components.$inferInsert>): Statement =>
  db.update(components).set(values).where(eq(components.id, id));
export const deleteComponent = (db: Database, id: string): Statement => db.delete(components).where(eq(components.id, id));

export const insertGroup = (db: Database, row: typeof componentGroups.$inferInsert): Statement => db.insert(componentGroups).values(row);
export const updateGroup = (db: Database, id: string, values: Partial<typeof componentGroups.$inferInsert>): Statement =>
  db.update(componentGroups).set(values).where(eq(componentGroups.id, id));
export const deleteGroup = (db: Database, id: string): Statement => db.delete(componentGroups).where(eq(componentGroups.id, id));

/** Every component's id and position, in page order. */
export async function componentPositions(db: Database): Promise<{ id: string; position: number }[]> {
  return db.select({ id: components.id, position: components.position }).from(components).orderBy(...componentPageOrder);
}

/** Holds while the component is as a write read it (not deleted or written since). */
export const componentUnchanged = (db: Database, id: string, updatedAt: number): Statement =>
  guard(db, sql`exists (select 1 from ${components} where ${components.id} = ${id} and ${components.updatedAt} = ${updatedAt})`, `component ${id}`);

export const groupUnchanged = (db: Database, id: string, updatedAt: number): Statement =>
  guard(db, sql`exists (select 1 from ${componentGroups} where ${componentGroups.id} = ${id} and ${componentGroups.updatedAt} = ${updatedAt})`, `group ${id}`);

/**
 * Holds while the components are exactly those read, each still at the position read: none added, deleted
 * or moved since. A reorder computed from an order another write has changed would leave two in one place.
 */
export const orderUnchanged = (db: Database, positions: { id: string; position: number }[]): Statement =>
  guard(
    db,
    sql`(select count(*) from ${components} join json_each(${JSON.stringify(positions.map((c) => [c.id, c.position]))}) as read_order
      on ${components.id} = json_extract(read_order.value, '$[0]') and ${components.position} = json_extract(read_order.value, '$[1]')) = ${positions.length}
      and (select count(*) from ${components}) = ${positions.length}`,
    "component order",
  );

/** What has a name of its own among its kind, case aside: components, and groups. */
export type NamedKind = "component" | "group";
const NAMED = { component: components, group: componentGroups } as const;

/** What shows nothing in a name: zero-width and format characters (bidi marks too), soft hyphens, fillers. */
const UNSEEN = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/gu;

/**
 * A name as readers tell names apart: compatibility forms folded (fullwidth "ＡＰＩ" is "API", a decomposed
 * "é" the composed one), what shows nothing dropped ("A\u200BPI" is "API"), runs of spaces as one (as a page
 * shows them), and case aside in every script, folded as fully as upper then lower case does ("Straße" is
 * "STRASSE"), which SQLite's lower() (ASCII only) cannot do.
 */
export const nameKey = (name: string) =>
  name.normalize("NFKC").replace(UNSEEN, "").replace(/\s+/gu, " ").trim().toUpperCase().toLowerCase().normalize("NFKC");

/**
 * Another component (or group) already called this, as readers would read it (nameKey), and the names the
 * others had when compared: nameStillFree holds the batch to them.
 */
export async function namedAlready(db: Database, kind: NamedKind, name: string, exceptId: string | null) {
  const table = NAMED[kind];
  // Names are few (a page lists them all), so they are compared here rather than by a key column.
  const rows = await db.select({ id: table.id, name: table.name }).from(table).where(sql`${table.id} is not ${exceptId}`);
  const key = nameKey(name);
  return { taken: rows.find((row) => nameKey(row.name) === key), compared: rows.map((row) => row.name) };
}

/**
 * Where SQLite's lower() stops telling names apart as nameKey does: any character outside printable ASCII,
 * or two spaces in a row. The same test in SQL (control characters never reach a name but tabs).
 */
const BEYOND_LOWER = /[^\x20-\x7e]| {2}/;
const beyondLower = (column: SQL) => sql`(length(cast(${column} as blob)) != length(${column}) or instr(${column}, '  ') > 0 or instr(${column}, char(9)) > 0)`;

/**
 * Holds while no other component (or group) has taken this name since namedAlready compared it with `compared`
 * (two creates or renames racing with one name). SQLite's lower() tells names apart as nameKey does only
 * between names of printable ASCII with single spaces; so a name that appeared meanwhile also fails the guard
 * where either it or this one has anything else (a fullwidth "ＡＰＩ" created beside "API"). A rename of
 * something else to an unrelated such name at that very moment costs a 409 and a retry, never two components
 * one reader cannot tell apart.
 */
export function nameStillFree(db: Database, kind: NamedKind, name: string, exceptId: string, compared: readonly string[]): Statement {
  const table = NAMED[kind];
  const appeared = sql`${table.name} not in (select value from json_each(${JSON.stringify(compared)}))`;
  const unlike = BEYOND_LOWER.test(name) ? sql`1` : beyondLower(sql`${table.name}`);
  return guard(
    db,
    sql`not exists (select 1 from ${table} where ${table.id} != ${exceptId} and (lower(${table.name}) = lower(${name}) or (${appeared} and ${unlike})))`,
    `${kind} name ${name}`,
  );
}

/** Conditions on an open incident `i` (or an upcoming or running window `m`) being about this component and no other. */
const incidentAboutOnly = (componentId: string) =>
  sql`${incidents.status} != 'resolved'
    and exists (select 1 from ${incidentComponents} where ${incidentComponents.incidentId} = ${incidents.id} and ${incidentComponents.componentId} = ${componentId})
    and not exists (select 1 from ${incidentComponents} where ${incidentComponents.incidentId} = ${incidents.id} and ${incidentComponents.componentId} != ${componentId})`;
const windowAboutOnly = (componentId: string) =>
  sql`${maintenances.status} in ('scheduled', 'in_progress')
    and exists (select 1 from ${maintenanceComponents} where ${maintenanceComponents.maintenanceId} = ${maintenances.id} and ${maintenanceComponents.componentId} = ${componentId})
    and not exists (select 1 from ${maintenanceComponents} where ${maintenanceComponents.maintenanceId} = ${maintenances.id} and ${maintenanceComponents.componentId} != ${componentId})`;

/**
 * The open incidents and the upcoming or running maintenance windows about this component alone: deleted,
 * it would leave each about nothing, which every reader (and fan-out) takes to mean the whole page.
 */
export async function soleSubjectOf(db: Database, componentId: string) {
  const [open, windows] = await Promise.all([
    db.select({ id: incidents.id, title: incidents.title }).from(incidents).where(incidentAboutOnly(componentId)),
    db.select({ id: maintenances.id, title: maintenances.title }).from(maintenances).where(windowAboutOnly(componentId)),
  ]);
  return { incidents: open, windows };
}

/** Holds while no open incident and no upcoming or running window is about this component alone. */
export const soleSubjectOfNothing = (db: Database, componentId: string): Statement =>
  guard(
    db,
    sql`not exists (select 1 from ${incidents} where ${incidentAboutOnly(componentId)}) and not exists (select 1 from ${maintenances} where ${windowAboutOnly(componentId)})`,
    `component ${componentId} subject of nothing open`,
  );
