import { Hono } from "hono";
import * as z from "zod";
import { requireAdmin } from "../auth/clerk";
import { adminActor } from "../domain/change";
import { deleteIncident, editIncident, editIncidentUpdate, openIncident, postIncidentUpdate, publishPostmortem, resolveIncident } from "../domain/incidents";
import { checksSuggestion } from "../domain/auto-incidents";
import { findIncident, linkedComponentChecks } from "../db/queries/incidents";
import type { AppEnv } from "../env";
import { addsOnce, commitAndAnswer, idempotent } from "./admin-write";
import { notFound } from "../errors";
import { isOpenIncident } from "../snapshot/build";
import { loadIncidentView } from "../snapshot/incident-view";
import { publicIncident } from "../snapshot/format";
import type { SnapshotIncident } from "../snapshot/types";
import { createIncidentBody, editIncidentBody, editIncidentUpdateBody, incidentUpdateBody, postmortemBody, resolveIncidentBody } from "../schemas";
import { noBody, uuid, uuidParam, validate } from "../validation";

/**
 * An incident as Beacon's own admin answers give it: the public shape, with the root cause and resolution as
 * written (null where the public answer says NOT_WRITTEN_UP), so that an answer sent back writes no
 * placeholder. The seed's create, update and resolve answer the seed's shape.
 */
const writtenIncident = (i: SnapshotIncident) => ({ ...publicIncident(i), root_cause: i.root_cause, resolution: i.resolution });

export const adminIncidents = new Hono<AppEnv>()
  .get("/admin/incidents/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    const [view, row] = await Promise.all([loadIncidentView(db, id), findIncident(db, id)]);
    if (!view || !row) throw notFound("Incident");
    return c.json({
      ...writtenIncident(view),
      taken_over_by: row.takenOverBy,
      missing: isOpenIncident(view.status) || view.root_cause ? [] : ["root_cause"],
      checks: checksSuggestion(await linkedComponentChecks(db, id), Date.now()),
    });
  })
  .post("/incidents/create", requireAdmin, addsOnce, validate("json", createIncidentBody), async (c) => {
    const db = c.var.db;
    const change = await openIncident(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 201, publicIncident);
  })
  .post("/incidents/:id/updates", requireAdmin, addsOnce, validate("param", uuidParam), validate("json", incidentUpdateBody), async (c) => {
    const db = c.var.db;
    const change = await postIncidentUpdate(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 201, (result) => {
      const incident = publicIncident(result);
      return { ...incident, update: incident.updates[0] };
    });
  })
  .post("/incidents/:id/resolve", requireAdmin, idempotent, validate("param", uuidParam), validate("json", resolveIncidentBody), async (c) => {
    const db = c.var.db;
    const change = await resolveIncident(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, publicIncident);
  })
  .patch("/incidents/:id", requireAdmin, idempotent, validate("param", uuidParam), validate("json", editIncidentBody), async (c) => {
    const db = c.var.db;
    const change = await editIncident(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, writtenIncident);
  })
  .patch("/incidents/:id/updates/:updateId", requireAdmin, idempotent, validate("param", z.object({ id: uuid, updateId: uuid })), validate("json", editIncidentUpdateBody), async (c) => {
    const { id, updateId } = c.req.valid("param");
    const db = c.var.db;
    const change = await editIncidentUpdate(db, id, updateId, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, writtenIncident);
  })
  .post("/incidents/:id/postmortem", requireAdmin, idempotent, validate("param", uuidParam), validate("json", postmortemBody), async (c) => {
    const db = c.var.db;
    const change = await publishPostmortem(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, writtenIncident);
  })
  .delete("/incidents/:id", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    return commitAndAnswer(c, await deleteIncident(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()), 204);
  });
