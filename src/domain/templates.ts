import type { z } from "zod";
import type { Database } from "../db/client";
import { deleteTemplate as deleteTemplateRow, findTemplate, insertTemplate, templateUnchanged, updateTemplate, type TemplateRow } from "../db/queries/templates";
import type { Severity } from "../db/schema";
import { notFound } from "../errors";
import { statusForSeverity } from "../status";
import type { editTemplateBody, templateBody } from "../schemas";
import { auditStatement } from "./audit";
import { actorId, assertAsShown, changesAnything, noChange, type Actor, type Change } from "./change";
import { assertComponentsExist } from "./components";

export type TemplateInput = z.infer<typeof templateBody>;
export type EditTemplateInput = z.infer<typeof editTemplateBody>;

async function existingTemplate(db: Database, id: string): Promise<TemplateRow> {
  const template = await findTemplate(db, id);
  if (!template) throw notFound("Template");
  return template;
}

// Saved incidents: nothing the public sees changes with them, so no outbox event.

const CHANGED = "The template changed while this request was being made (edited or deleted meanwhile); reload it and try again.";

/**
 * A component named by id alone shows what the template's severity implies, as it would on an incident
 * opened with it. Kept with its status, so the console's incident form fills in what the template says.
 */
function withStatuses(components: NonNullable<EditTemplateInput["components"]>, severity: Severity): TemplateRow["components"] {
  return components.map((c) => (typeof c === "string" ? { id: c, status: statusForSeverity(severity) } : c));
}

export async function createTemplate(db: Database, input: TemplateInput, actor: Actor, now: number): Promise<Change<TemplateRow>> {
  const components = withStatuses(input.components, input.severity);
  await assertComponentsExist(db, components.map((c) => c.id), "components");
  const row: TemplateRow = { id: crypto.randomUUID(), ...input, components, createdBy: actorId(actor), createdAt: now, updatedAt: now };
  return { statements: [insertTemplate(db, row), auditStatement(db, actor, { action: "template.create", entityType: "template", entityId: row.id, before: null, after: row }, now)], eventIds: [], result: row };
}

/** `shown`: the template's updated_at as the form sent was drawn (see assertAsShown). */
export async function editTemplate(db: Database, id: string, input: EditTemplateInput, actor: Actor, now: number, shown?: number): Promise<Change<TemplateRow>> {
  const existing = await existingTemplate(db, id);
  assertAsShown(existing.updatedAt, shown);
  const { components: given, ...fields } = input;
  const components = given && withStatuses(given, input.severity ?? existing.severity);
  if (components) await assertComponentsExist(db, components.map((c) => c.id), "components");
  // Strictly later than what was read, so a second edit within the same millisecond still finds it changed.
  const patch = { ...fields, ...(components ? { components } : {}), updatedAt: Math.max(now, existing.updatedAt + 1) };
  if (!changesAnything(existing, patch)) return noChange(existing);
  const after = { ...existing, ...patch };
  return {
    statements: [
      templateUnchanged(db, id, existing.updatedAt),
      updateTemplate(db, id, patch),
      auditStatement(db, actor, { action: "template.edit", entityType: "template", entityId: id, before: existing, after }, now),
    ],
    eventIds: [],
    result: after,
    conflict: CHANGED,
  };
}

export async function deleteTemplate(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const existing = await existingTemplate(db, id);
  return {
    statements: [
      templateUnchanged(db, id, existing.updatedAt),
      deleteTemplateRow(db, id),
      auditStatement(db, actor, { action: "template.delete", entityType: "template", entityId: id, before: existing, after: null }, now),
    ],
    eventIds: [],
    result: null,
    conflict: CHANGED,
  };
}
