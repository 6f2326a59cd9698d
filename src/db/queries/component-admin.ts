import { eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { componentGroups, components } from "../schema";

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

export async function allComponentIds(db: Database): Promise<string[]> {
  return (await db.select({ id: components.id }).from(components)).map((r) => r.id);
}
