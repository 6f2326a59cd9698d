import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { adminActor } from "../domain/change";
import { cancelMaintenance, completeMaintenanceNow, editMaintenance, scheduleMaintenance, startMaintenanceNow } from "../domain/maintenance";
import type { AppEnv } from "../env";
import { addsOnce, commitAndAnswer, idempotent } from "./admin-write";
import { publicMaintenance } from "../snapshot/format";
import { editMaintenanceBody, maintenanceBody } from "../schemas";
import { noBody, uuidParam, validate } from "../validation";

export const adminMaintenance = new Hono<AppEnv>()
  .post("/maintenance", requireAdmin, addsOnce, validate("json", maintenanceBody), async (c) => {
    const db = c.var.db;
    const change = await scheduleMaintenance(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 201, publicMaintenance);
  })
  .patch("/maintenance/:id", requireAdmin, idempotent, validate("param", uuidParam), validate("json", editMaintenanceBody), async (c) => {
    const db = c.var.db;
    const change = await editMaintenance(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicMaintenance);
  })
  .post("/maintenance/:id/cancel", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    const change = await cancelMaintenance(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicMaintenance);
  })
  .post("/maintenance/:id/start", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    const change = await startMaintenanceNow(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicMaintenance);
  })
  .post("/maintenance/:id/complete", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    const change = await completeMaintenanceNow(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicMaintenance);
  });
