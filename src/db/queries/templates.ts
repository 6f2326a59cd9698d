import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { guard } from "./guards";
import { incidentTemplates } from "../schema";

export type TemplateRow = typeof incidentTemplates.$inferSelect;

export const listTemplates = (db: Database) => db.select().from(incidentTemplates).orderBy(asc(incidentTemplates.name), asc(incidentTemplates.id)).limit(200);

export const findTemplate = (db: Database, id: string) => db.select().from(incidentTemplates).where(eq(incidentTemplates.id, id)).get();

export const insertTemplate = (db: Database, row: typeof incidentTemplates.$inferInsert): Statement => db.insert(incidentTemplates).values(row);

export const updateTemplate = (db: Database, id: string, values: Partial<typeof incidentTemplates.$inferInsert>): Statement =>
  db.update(incidentTemplates).set(values).where(eq(incidentTemplates.id, id));

export const deleteTemplate = (db: Database, id: string): Statement => db.delete(incidentTemplates).where(eq(incidentTemplates.id, id));

/** Holds while the template is as a write read it (not edited or deleted since). */
export const templateUnchanged = (db: Database, id: string, updatedAt: number): Statement =>
  guard(db, sql`exists (select 1 from ${incidentTemplates} where ${incidentTemplates.id} = ${id} and ${incidentTemplates.updatedAt} = ${updatedAt})`, `template ${id}`);

/**
 * Takes a deleted component out of every template that names it, as an open incident's link to it goes:
 * a template never offers an id that is no component (opening an incident from it would be a 400).
 */
export const dropComponentFromTemplates = (db: Database, componentId: string): Statement =>
  db
    .update(incidentTemplates)
    .set({
      components: sql`(select json_group_array(json(value)) from json_each(${incidentTemplates.components}) where json_extract(value, '$.id') != ${componentId})`,
    })
    .where(sql`exists (select 1 from json_each(${incidentTemplates.components}) where json_extract(value, '$.id') = ${componentId})`);
