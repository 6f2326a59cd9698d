import type { z } from "zod";
import type { Database } from "../db/client";
import { deleteTemplate as deleteTemplateRow, findTemplate, insertTemplate, updateTemplate, type TemplateRow } from "../db/queries/templates";
import { notFound } from "../errors";
import type { editTemplateBody, templateBody } from "../schemas";
import { auditStatement } from "./audit";
import { actorId, type Actor, type Change } from "./change";
import { assertComponentsExist } from "./components";

export type TemplateInput = z.infer<typeof templateBody>;
export type EditTemplateInput = z.infer<typeof editTemplateBody>;

async function existingTemplate(db: Database, id: string): Promise<TemplateRow> {
  const template = await findTemplate(db, id);
  if (!template) throw notFound("Template");
  return template;
}

// Saved incidents: nothing the public sees changes with them, so no outbox event.

export async function createTemplate(db: Database, input: TemplateInput, actor: Actor, now: number): Promise<Change<TemplateRow>> {
  await assertComponentsExist(db, input.components.map((c) => c.id));
  const row: TemplateRow = { id: crypto.randomUUID(), ...input, createdBy: actorId(actor), createdAt: now, updatedAt: now };
  return { statements: [insertTemplate(db, row), auditStatement(db, actor, { action: "template.create", entityType: "template", entityId: row.id, before: null, after: row }, now)], eventIds: [], result: row };
}

export async function editTemplate(db: Database, id: string, input: EditTemplateInput, actor: Actor, now: number): Promise<Change<TemplateRow>> {
  const existing = await existingTemplate(db, id);
  if (input.components) await assertComponentsExist(db, input.components.map((c) => c.id));
  const patch = { ...input, updatedAt: now };
  const after = { ...existing, ...patch };
  return { statements: [updateTemplate(db, id, patch), auditStatement(db, actor, { action: "template.edit", entityType: "template", entityId: id, before: existing, after }, now)], eventIds: [], result: after };
}

export async function deleteTemplate(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const existing = await existingTemplate(db, id);
  return { statements: [deleteTemplateRow(db, id), auditStatement(db, actor, { action: "template.delete", entityType: "template", entityId: id, before: existing, after: null }, now)], eventIds: [], result: null };
}
