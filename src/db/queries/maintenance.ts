import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder } from "./components";
import { jsonList, type Statement } from "../batch";
import { guard } from "./guards";
import { components, maintenanceComponents, maintenanceDepartures, maintenances } from "../schema";

export type MaintenanceRow = typeof maintenances.$inferSelect;

export async function findMaintenance(db: Database, id: string) {
  return db.select().from(maintenances).where(eq(maintenances.id, id)).get();
}

export async function maintenanceComponentIds(db: Database, id: string): Promise<string[]> {
  const rows = await db.select({ id: maintenanceComponents.componentId }).from(maintenanceComponents).where(eq(maintenanceComponents.maintenanceId, id));
  return rows.map((r) => r.id);
}

export function insertMaintenance(db: Database, row: typeof maintenances.$inferInsert): Statement {
  return db.insert(maintenances).values(row);
}

/** Every change raises the window's revision, so calendar clients see even two edits within one second. */
export function updateMaintenance(db: Database, id: string, values: Omit<Partial<typeof maintenances.$inferInsert>, "revision">): Statement {
  return db
    .update(maintenances)
    .set({ ...values, revision: sql`${maintenances.revision} + 1` })
    .where(eq(maintenances.id, id));
}

/**
 * Sets a window's components. Those it keeps keep their record; on a running window (`runningAt`: the time
 * of the change) one added joins now, and one taken off leaves a departure with the time it was in it.
 */
export function setMaintenanceComponents(db: Database, maintenanceId: string, componentIds: string[], runningAt: number | null = null): Statement[] {
  const leaving = and(eq(maintenanceComponents.maintenanceId, maintenanceId), sql`${maintenanceComponents.componentId} not in ${jsonList(componentIds)}`);
  const statements: Statement[] = [];
  if (runningAt !== null) {
    statements.push(
      db.insert(maintenanceDepartures).select(
        db
          .select({ id: sql<null>`null`.as("id"), maintenanceId: maintenanceComponents.maintenanceId, componentId: maintenanceComponents.componentId, joinedAt: maintenanceComponents.joinedAt, leftAt: sql<number>`${runningAt}`.as("left_at") })
          .from(maintenanceComponents)
          .where(leaving),
      ),
    );
  }
  statements.push(db.delete(maintenanceComponents).where(leaving));
  for (let i = 0; i < componentIds.length; i += 30) {
    const rows = componentIds.slice(i, i + 30).map((componentId) => ({ maintenanceId, componentId, joinedAt: runningAt }));
    statements.push(db.insert(maintenanceComponents).values(rows).onConflictDoNothing());
  }
  return statements;
}

/** Windows whose time has come to move: scheduled ones that started, and any not finished whose end passed. */
export async function dueMaintenances(db: Database, now: number) {
  const [toStart, toComplete] = await db.batch([
    db.select().from(maintenances).where(and(eq(maintenances.status, "scheduled"), lte(maintenances.scheduledStart, now))),
    db.select().from(maintenances).where(and(inArray(maintenances.status, ["scheduled", "in_progress"]), lte(maintenances.scheduledEnd, now))),
  ]);
  const completing = new Set(toComplete.map((m) => m.id));
  return { toStart: toStart.filter((m) => !completing.has(m.id)), toComplete };
}

/** The named components, in page order. */
export async function componentNames(db: Database, ids: string[]) {
  if (!ids.length) return [];
  return db.select({ id: components.id, name: components.name }).from(components).where(inArray(components.id, ids)).orderBy(...componentPageOrder);
}

/** Holds while the window is still in the state a write read it in (same status and revision). */
export const maintenanceUnchanged = (db: Database, id: string, status: MaintenanceRow["status"], revision: number): Statement =>
  guard(db, sql`exists (select 1 from ${maintenances} where ${maintenances.id} = ${id} and ${maintenances.status} = ${status} and ${maintenances.revision} = ${revision})`, `maintenance ${id}`);
