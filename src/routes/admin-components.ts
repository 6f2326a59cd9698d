import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import { findComponent } from "../db/queries/component-admin";
import { adminActor } from "../domain/change";
import {
  createComponent,
  createGroup,
  deleteComponent,
  deleteGroup,
  editComponent,
  editGroup,
  reorderComponents,
  type ComponentRow,
  type GroupRow,
} from "../domain/components";
import { autoConfigView, autoIncidentDefaults, componentAutoConfig } from "../domain/auto-incidents";
import type { AppEnv, Bindings } from "../env";
import { notFound } from "../errors";
import { createComponentBody, editComponentBody, editGroupBody, groupBody, reorderComponentsBody } from "../schemas";
import { uuidParam, validate } from "../validation";

/** The admin's view of a component: its public fields plus how it is checked. */
function componentView(env: Bindings, c: ComponentRow) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    position: c.position,
    group_id: c.groupId,
    check: c.checkKind,
    monitor: c.monitor ?? null,
    confirmations: c.confirmations,
    monitored: c.monitored,
    monitored_status: c.monitoredStatus,
    last_checked: c.lastCheckedAt ? new Date(c.lastCheckedAt).toISOString() : null,
    last_error: c.lastError,
    // Every key as it applies to this component: its own settings over the AUTO_INCIDENTS default.
    auto_incidents: autoConfigView(componentAutoConfig(autoIncidentDefaults(env.AUTO_INCIDENTS), c.autoIncidents)),
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
  };
}

const groupView = (g: GroupRow) => ({ id: g.id, name: g.name, description: g.description, position: g.position, collapsed: g.collapsed });

export const adminComponents = new Hono<AppEnv>()
  .get("/admin/components/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const component = await findComponent(c.var.db, c.req.valid("param").id);
    if (!component) throw notFound("Component");
    return c.json(componentView(c.env, component));
  })
  .post("/components", requireAdmin, validate("json", createComponentBody), async (c) => {
    const db = c.var.db;
    const change = await createComponent(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(componentView(c.env, await commitChange(c.env, db, change)), 201);
  })
  .patch("/components/:id", requireAdmin, validate("param", uuidParam), validate("json", editComponentBody), async (c) => {
    const db = c.var.db;
    const change = await editComponent(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(componentView(c.env, await commitChange(c.env, db, change)));
  })
  .delete("/components/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const db = c.var.db;
    await commitChange(c.env, db, await deleteComponent(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()));
    return c.body(null, 204);
  })
  .post("/components/reorder", requireAdmin, validate("json", reorderComponentsBody), async (c) => {
    const db = c.var.db;
    const change = await reorderComponents(db, c.req.valid("json").ids, adminActor(c.var.admin), Date.now());
    return c.json(await commitChange(c.env, db, change));
  })
  .post("/groups", requireAdmin, validate("json", groupBody), async (c) => {
    const db = c.var.db;
    const change = await createGroup(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(groupView(await commitChange(c.env, db, change)), 201);
  })
  .patch("/groups/:id", requireAdmin, validate("param", uuidParam), validate("json", editGroupBody), async (c) => {
    const db = c.var.db;
    const change = await editGroup(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(groupView(await commitChange(c.env, db, change)));
  })
  .delete("/groups/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const db = c.var.db;
    await commitChange(c.env, db, await deleteGroup(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()));
    return c.body(null, 204);
  });
