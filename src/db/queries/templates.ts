import { asc, eq } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { incidentTemplates } from "../schema";

export type TemplateRow = typeof incidentTemplates.$inferSelect;

export const listTemplates = (db: Database) => db.select().from(incidentTemplates).orderBy(asc(incidentTemplates.name)).limit(200);

export const findTemplate = (db: Database, id: string) => db.select().from(incidentTemplates).where(eq(incidentTemplates.id, id)).get();

export const insertTemplate = (db: Database, row: typeof incidentTemplates.$inferInsert): Statement => db.insert(incidentTemplates).values(row);

export const updateTemplate = (db: Database, id: string, values: Partial<typeof incidentTemplates.$inferInsert>): Statement =>
  db.update(incidentTemplates).set(values).where(eq(incidentTemplates.id, id));

export const deleteTemplate = (db: Database, id: string): Statement => db.delete(incidentTemplates).where(eq(incidentTemplates.id, id));
