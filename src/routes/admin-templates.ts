import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import { findTemplate, listTemplates, type TemplateRow } from "../db/queries/templates";
import { adminActor } from "../domain/change";
import { createTemplate, deleteTemplate, editTemplate } from "../domain/templates";
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

export const adminTemplates = new Hono<AppEnv>()
  .get("/templates", requireAdmin, async (c) => c.json({ templates: (await listTemplates(c.var.db)).map(publicTemplate) }))
  .get("/templates/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const template = await findTemplate(c.var.db, c.req.valid("param").id);
    if (!template) throw notFound("Template");
    return c.json(publicTemplate(template));
  })
  .post("/templates", requireAdmin, validate("json", templateBody), async (c) => {
    const change = await createTemplate(c.var.db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(publicTemplate(await commitChange(c.env, c.var.db, change)), 201);
  })
  .patch("/templates/:id", requireAdmin, validate("param", uuidParam), validate("json", editTemplateBody), async (c) => {
    const change = await editTemplate(c.var.db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(publicTemplate(await commitChange(c.env, c.var.db, change)));
  })
  .delete("/templates/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    await commitChange(c.env, c.var.db, await deleteTemplate(c.var.db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()));
    return c.body(null, 204);
  });
