import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import { assertComponentsExist } from "../db/queries/components";
import { componentNames, findMaintenance, insertMaintenance, maintenanceComponentIds, setMaintenanceComponents, updateMaintenance } from "../db/queries/maintenance";
import { loadStatusState, statusChangeStatements } from "../db/queries/status-state";
import type { AppEnv } from "../env";
import { badRequest, conflict, notFound } from "../errors";
import { maintenanceEventPayload, maintenanceTransitions } from "../maintenance/transitions";
import { outboxInsert } from "../notify/outbox";
import { maintenanceFromRow } from "../snapshot/build";
import { publicMaintenance } from "../snapshot/format";
import { editMaintenanceBody, maintenanceBody } from "../schemas";
import { uuidParam, validate } from "../validation";

async function maintenanceView(db: AppEnv["Variables"]["db"], id: string) {
  const m = (await findMaintenance(db, id))!;
  const componentIds = await maintenanceComponentIds(db, id);
  const names = new Map((await componentNames(db, componentIds)).map((n) => [n.id, n.name]));
  return publicMaintenance({ ...maintenanceFromRow(m), components: componentIds.map((id) => ({ id, name: names.get(id) ?? "" })) });
}

/** A window created or moved into the present starts (or ends) now rather than at the next cron tick. */
async function applyDueTransitions(env: AppEnv["Bindings"], db: AppEnv["Variables"]["db"]) {
  const due = await maintenanceTransitions(db, Date.now());
  if (due.moved) await commitChange(env, db, due.statements, due.eventIds);
}

export const adminMaintenance = new Hono<AppEnv>()
  .post("/maintenance", requireAdmin, validate("json", maintenanceBody), async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    const now = Date.now();
    if (body.scheduled_end <= now) throw badRequest("scheduled_end must be in the future", [{ path: "scheduled_end", message: "must be in the future" }]);
    await assertComponentsExist(db, body.affected_components);
    const id = crypto.randomUUID();
    const row = { id, title: body.title, description: body.description, scheduledStart: body.scheduled_start, scheduledEnd: body.scheduled_end, createdBy: c.var.admin.userId, createdAt: now, updatedAt: now };
    const event = outboxInsert(db, { type: "maintenance.scheduled", payload: await maintenanceEventPayload(db, row, "scheduled", body.affected_components), componentIds: body.affected_components }, now);
    await commitChange(c.env, db, [insertMaintenance(db, row), ...setMaintenanceComponents(db, id, body.affected_components), event.statement], [event.id]);
    await applyDueTransitions(c.env, db);
    return c.json(await maintenanceView(db, id), 201);
  })
  .patch("/maintenance/:id", requireAdmin, validate("param", uuidParam), validate("json", editMaintenanceBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const m = await findMaintenance(db, id);
    if (!m) throw notFound("Maintenance");
    if (m.status === "completed" || m.status === "cancelled") throw conflict(`The maintenance is ${m.status} and can no longer be edited.`);
    const start = body.scheduled_start ?? m.scheduledStart;
    const end = body.scheduled_end ?? m.scheduledEnd;
    if (end <= start) throw badRequest("scheduled_end must be after scheduled_start", [{ path: "scheduled_end", message: "must be after scheduled_start" }]);
    if (m.status === "in_progress" && body.scheduled_start !== undefined && body.scheduled_start !== m.scheduledStart) {
      throw conflict("The maintenance is in progress; its start can no longer change.");
    }
    if (body.affected_components) await assertComponentsExist(db, body.affected_components);
    const now = Date.now();
    const statements = [
      updateMaintenance(db, id, {
        ...(body.title !== undefined && { title: body.title }),
        ...(body.description !== undefined && { description: body.description }),
        scheduledStart: start,
        scheduledEnd: end,
        updatedAt: now,
      }),
    ];
    let eventIds: string[] = [];
    if (body.affected_components) {
      statements.push(...setMaintenanceComponents(db, id, body.affected_components));
      if (m.status === "in_progress") {
        const before = await loadStatusState(db);
        const after = { ...before, maintenanceLinks: [...before.maintenanceLinks.filter((l) => l.maintenanceId !== id), ...body.affected_components.map((componentId) => ({ maintenanceId: id, componentId }))] };
        const changes = statusChangeStatements(db, before, after, { source: "maintenance", referenceId: id, at: now, now });
        statements.push(...changes.statements);
        eventIds = changes.eventIds;
      }
    }
    await commitChange(c.env, db, statements, eventIds);
    await applyDueTransitions(c.env, db);
    return c.json(await maintenanceView(db, id));
  })
  .post("/maintenance/:id/cancel", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    const m = await findMaintenance(db, id);
    if (!m) throw notFound("Maintenance");
    if (m.status === "completed" || m.status === "cancelled") throw conflict(`The maintenance is already ${m.status}.`);
    const now = Date.now();
    const componentIds = await maintenanceComponentIds(db, id);
    const before = await loadStatusState(db);
    const after = { ...before, maintenanceLinks: before.maintenanceLinks.filter((l) => l.maintenanceId !== id) };
    const changes = statusChangeStatements(db, before, after, { source: "maintenance", referenceId: id, at: now, now });
    const event = outboxInsert(db, { type: "maintenance.cancelled", payload: await maintenanceEventPayload(db, m, "cancelled", componentIds), componentIds }, now);
    await commitChange(
      c.env,
      db,
      [updateMaintenance(db, id, { status: "cancelled", cancelledAt: now, updatedAt: now }), event.statement, ...changes.statements],
      [event.id, ...changes.eventIds],
    );
    return c.json(await maintenanceView(db, id));
  });
