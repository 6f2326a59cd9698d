import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { assertComponentsExist } from "../domain/components";
import { deleteTemplate, findTemplate, insertTemplate, listTemplates, updateTemplate, type TemplateRow } from "../db/queries/templates";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { iso } from "../snapshot/format";
import { editTemplateBody, templateBody } from "../schemas";
import { uuidParam, validate } from "../validation";

export const publicTemplate = (t: TemplateRow) => ({
  id: t.id,
  name: t.name,
  title: t.title,
  message: t.message,
  severity: t.severity,
  components: t.components,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
});

async function templateOr404(db: Database, id: string) {
  const template = await findTemplate(db, id);
  if (!template) throw notFound("Template");
  return template;
}

/** Saved incident templates: nothing public changes when they do, so no snapshot and no outbox. */
export const adminTemplates = new Hono<AppEnv>()
  .get("/templates", requireAdmin, async (c) => c.json({ templates: (await listTemplates(c.var.db)).map(publicTemplate) }))
  .get("/templates/:id", requireAdmin, validate("param", uuidParam), async (c) => c.json(publicTemplate(await templateOr404(c.var.db, c.req.valid("param").id))))
  .post("/templates", requireAdmin, validate("json", templateBody), async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    await assertComponentsExist(db, body.components.map((x) => x.id));
    const id = crypto.randomUUID();
    const now = Date.now();
    await runBatch(db, [insertTemplate(db, { id, ...body, createdBy: c.var.admin.userId, createdAt: now, updatedAt: now })]);
    return c.json(publicTemplate(await templateOr404(db, id)), 201);
  })
  .patch("/templates/:id", requireAdmin, validate("param", uuidParam), validate("json", editTemplateBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    await templateOr404(db, id);
    if (body.components) await assertComponentsExist(db, body.components.map((x) => x.id));
    await runBatch(db, [updateTemplate(db, id, { ...body, updatedAt: Date.now() })]);
    return c.json(publicTemplate(await templateOr404(db, id)));
  })
  .delete("/templates/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    await templateOr404(c.var.db, id);
    await runBatch(c.var.db, [deleteTemplate(c.var.db, id)]);
    return c.body(null, 204);
  });
