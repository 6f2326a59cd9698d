import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import { adminActor } from "../domain/change";
import { cancelMaintenance, completeMaintenanceNow, editMaintenance, scheduleMaintenance, startMaintenanceNow } from "../domain/maintenance";
import type { AppEnv } from "../env";
import { publicMaintenance } from "../snapshot/format";
import { editMaintenanceBody, maintenanceBody } from "../schemas";
import { uuidParam, validate } from "../validation";

export const adminMaintenance = new Hono<AppEnv>()
  .post("/maintenance", requireAdmin, validate("json", maintenanceBody), async (c) => {
    const db = c.var.db;
    const change = await scheduleMaintenance(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(publicMaintenance(await commitChange(c.env, db, change)), 201);
  })
  .patch("/maintenance/:id", requireAdmin, validate("param", uuidParam), validate("json", editMaintenanceBody), async (c) => {
    const db = c.var.db;
    const change = await editMaintenance(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return c.json(publicMaintenance(await commitChange(c.env, db, change)));
  })
  .post("/maintenance/:id/cancel", requireAdmin, validate("param", uuidParam), async (c) => {
    const db = c.var.db;
    const change = await cancelMaintenance(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return c.json(publicMaintenance(await commitChange(c.env, db, change)));
  })
  .post("/maintenance/:id/start", requireAdmin, validate("param", uuidParam), async (c) => {
    const db = c.var.db;
    const change = await startMaintenanceNow(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return c.json(publicMaintenance(await commitChange(c.env, db, change)));
  })
  .post("/maintenance/:id/complete", requireAdmin, validate("param", uuidParam), async (c) => {
    const db = c.var.db;
    const change = await completeMaintenanceNow(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return c.json(publicMaintenance(await commitChange(c.env, db, change)));
  });
