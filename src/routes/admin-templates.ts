import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { findTemplate, listTemplates, type TemplateRow } from "../db/queries/templates";
import { adminActor } from "../domain/change";
import { createTemplate, deleteTemplate, editTemplate } from "../domain/templates";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { iso } from "../time";
import { editTemplateBody, templateBody } from "../schemas";
import { noBody, uuidParam, validate } from "../validation";
import { addsOnce, commitAndAnswer, idempotent } from "./admin-write";

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
  .post("/templates", requireAdmin, addsOnce, validate("json", templateBody), async (c) => {
    const change = await createTemplate(c.var.db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 201, publicTemplate);
  })
  .patch("/templates/:id", requireAdmin, idempotent, validate("param", uuidParam), validate("json", editTemplateBody), async (c) => {
    const change = await editTemplate(c.var.db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicTemplate);
  })
  .delete("/templates/:id", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    return commitAndAnswer(c, await deleteTemplate(c.var.db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()), 204);
  });
