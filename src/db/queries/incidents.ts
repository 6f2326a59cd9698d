import { and, asc, desc, eq } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { components, incidentComponents, incidents, incidentUpdates, type ComponentStatus, type IncidentStatus, type Severity } from "../schema";

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
  row: { id: string; incidentId: string; status: IncidentStatus; message: string; estimatedResolution: number | null; createdBy: string | null; at: number },
): Statement {
  return db.insert(incidentUpdates).values({
    id: row.id,
    incidentId: row.incidentId,
    status: row.status,
    message: row.message,
    estimatedResolution: row.estimatedResolution,
    createdBy: row.createdBy,
    createdAt: row.at,
    updatedAt: row.at,
  });
}

/** Replaces what an incident sets for its components. */
export function setIncidentComponents(db: Database, incidentId: string, links: { componentId: string; status: ComponentStatus }[]): Statement[] {
  const statements: Statement[] = [db.delete(incidentComponents).where(eq(incidentComponents.incidentId, incidentId))];
  for (let i = 0; i < links.length; i += 30) {
    statements.push(
      db.insert(incidentComponents).values(links.slice(i, i + 30).map((l) => ({ incidentId, componentId: l.componentId, status: l.status }))),
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
      .orderBy(asc(components.position)),
    db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, id)).orderBy(desc(incidentUpdates.createdAt), desc(incidentUpdates.id)),
  ]);
  const row = rows[0];
  return row ? { row, links, updates } : null;
}
