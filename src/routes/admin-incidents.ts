import { Hono } from "hono";
import { z } from "zod";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import type { Statement } from "../db/batch";
import { assertComponentsExist } from "../db/queries/components";
import {
  deleteIncident,
  findIncident,
  findIncidentUpdate,
  linkedComponentChecks,
  insertIncident,
  insertIncidentUpdate,
  loadIncidentView,
  setIncidentComponents,
  statusForSeverity,
  updateIncident,
  updateIncidentUpdate,
} from "../db/queries/incidents";
import { loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import type { ComponentStatus, IncidentStatus } from "../db/schema";
import type { AppEnv } from "../env";
import { conflict, notFound } from "../errors";
import { checksSuggestion } from "../domain/auto-incidents";
import { outboxInsert } from "../notify/outbox";
import { isOpenIncident } from "../snapshot/build";
import { iso, publicIncident } from "../snapshot/format";
import {
  affectedComponent,
  createIncidentBody,
  editIncidentBody,
  editIncidentUpdateBody,
  incidentUpdateBody,
  postmortemBody,
  resolveIncidentBody,
} from "../schemas";
import { uuidParam, validate } from "../validation";

type AffectedInput = z.infer<typeof affectedComponent>[];

function links(affected: AffectedInput, defaultStatus: ComponentStatus) {
  return affected.map((c) => (typeof c === "string" ? { componentId: c, status: defaultStatus } : { componentId: c.id, status: c.status }));
}

/** The status state after an incident's component links are replaced (or removed, when it closes). */
function withIncidentLinks(state: StatusState, incidentId: string, next: { componentId: string; status: ComponentStatus }[]): StatusState {
  return {
    ...state,
    openLinks: [...state.openLinks.filter((l) => l.incidentId !== incidentId), ...next.map((l) => ({ incidentId, ...l }))],
  };
}

async function openIncidentOr404(db: AppEnv["Variables"]["db"], id: string) {
  const incident = await findIncident(db, id);
  if (!incident) throw notFound("Incident");
  return incident;
}

/** Any admin edit or update of an automatic incident makes it theirs: Beacon stops moving it. */
function takeover(incident: { automatic: boolean; takenOverAt: number | null }, admin: { userId: string }, now: number) {
  return incident.automatic && incident.takenOverAt === null ? { takenOverAt: now, takenOverBy: admin.userId } : {};
}

/** Incident text that notifications carry, written into the outbox event at the time it happened. */
function eventPayload(incident: { id: string; title: string; severity: string; automatic?: boolean }, update: { status: IncidentStatus; message: string; eta: number | null }) {
  return {
    incident_id: incident.id,
    title: incident.title,
    severity: incident.severity,
    automatic: incident.automatic ?? false,
    status: update.status,
    message: update.message,
    estimated_resolution: iso(update.eta),
  };
}

export const adminIncidents = new Hono<AppEnv>()
  .get("/admin/incidents/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    const view = await loadIncidentView(db, id);
    if (!view) throw notFound("Incident");
    const now = Date.now();
    return c.json({
      ...publicIncident(view),
      taken_over_by: (await findIncident(db, id))?.takenOverBy ?? null,
      missing: isOpenIncident(view.status) || view.root_cause ? [] : ["root_cause"],
      checks: checksSuggestion(await linkedComponentChecks(db, id), now),
    });
  })
  .post("/incidents/create", requireAdmin, validate("json", createIncidentBody), async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    const now = Date.now();
    const linksToSet = links(body.affected_components, statusForSeverity(body.severity));
    await assertComponentsExist(db, linksToSet.map((l) => l.componentId));

    const id = crypto.randomUUID();
    const startedAt = body.started_at ?? now;
    const message = body.description || body.title;
    const before = await loadStatusState(db);
    const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, linksToSet), {
      source: "incident",
      referenceId: id,
      at: now,
      now,
    });
    const event = outboxInsert(
      db,
      {
        type: "incident.created",
        payload: eventPayload({ id, title: body.title, severity: body.severity }, { status: body.status, message, eta: body.estimated_resolution ?? null }),
        componentIds: linksToSet.map((l) => l.componentId),
      },
      now,
    );
    await commitChange(
      c.env,
      db,
      [
        insertIncident(db, {
          id,
          title: body.title,
          description: body.description,
          status: body.status,
          severity: body.severity,
          startedAt,
          createdBy: c.var.admin.userId,
          createdAt: now,
          updatedAt: now,
        }),
        insertIncidentUpdate(db, { incidentId: id, status: body.status, message, estimatedResolution: body.estimated_resolution ?? null, createdBy: c.var.admin.userId, at: now }),
        ...setIncidentComponents(db, id, linksToSet),
        event.statement,
        ...changes.statements,
      ],
      [event.id, ...changes.eventIds],
    );
    const view = await loadIncidentView(db, id);
    return c.json(publicIncident(view!), 201);
  })
  .post("/incidents/:id/updates", requireAdmin, validate("param", uuidParam), validate("json", incidentUpdateBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const incident = await openIncidentOr404(db, id);
    if (!isOpenIncident(incident.status)) throw conflict("The incident is resolved; reopen it by creating a new incident.");
    const now = Date.now();
    const statements: Statement[] = [];
    const componentIds: string[] = [];
    let changeEvents: string[] = [];
    if (body.affected_components) {
      const next = links(body.affected_components, statusForSeverity(incident.severity));
      await assertComponentsExist(db, next.map((l) => l.componentId));
      const before = await loadStatusState(db);
      const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, next), { source: "incident", referenceId: id, at: now, now });
      statements.push(...setIncidentComponents(db, id, next), ...changes.statements);
      componentIds.push(...next.map((l) => l.componentId));
      changeEvents = changes.eventIds;
    } else {
      const state = await loadStatusState(db);
      componentIds.push(...state.openLinks.filter((l) => l.incidentId === id).map((l) => l.componentId));
    }
    const event = outboxInsert(
      db,
      { type: "incident.updated", payload: eventPayload(incident, { status: body.status, message: body.message, eta: body.estimated_resolution ?? null }), componentIds },
      now,
    );
    await commitChange(
      c.env,
      db,
      [
        insertIncidentUpdate(db, { incidentId: id, status: body.status, message: body.message, estimatedResolution: body.estimated_resolution ?? null, createdBy: c.var.admin.userId, at: now }),
        updateIncident(db, id, { status: body.status, updatedAt: now, ...takeover(incident, c.var.admin, now) }),
        ...statements,
        event.statement,
      ],
      [event.id, ...changeEvents],
    );
    const view = await loadIncidentView(db, id);
    return c.json({ ...publicIncident(view!), update: publicIncident(view!).updates[0] }, 201);
  })
  .post("/incidents/:id/resolve", requireAdmin, validate("param", uuidParam), validate("json", resolveIncidentBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const incident = await openIncidentOr404(db, id);
    if (!isOpenIncident(incident.status)) throw conflict("The incident is already resolved.");
    const now = Date.now();
    const before = await loadStatusState(db);
    const componentIds = before.openLinks.filter((l) => l.incidentId === id).map((l) => l.componentId);
    // Resolving lifts what the incident set: its links stay for history but no longer count.
    const after = { ...before, openLinks: before.openLinks.filter((l) => l.incidentId !== id) };
    const changes = statusChangeStatements(db, before, after, { source: "incident", referenceId: id, at: now, now });
    const message = body.message ?? body.resolution;
    const event = outboxInsert(db, { type: "incident.resolved", payload: { ...eventPayload(incident, { status: "resolved", message, eta: null }), root_cause: body.root_cause, resolution: body.resolution }, componentIds }, now);
    await commitChange(
      c.env,
      db,
      [
        insertIncidentUpdate(db, { incidentId: id, status: "resolved", message, estimatedResolution: null, createdBy: c.var.admin.userId, at: now }),
        updateIncident(db, id, { status: "resolved", resolvedAt: now, rootCause: body.root_cause, resolution: body.resolution, updatedAt: now, ...takeover(incident, c.var.admin, now) }),
        event.statement,
        ...changes.statements,
      ],
      [event.id, ...changes.eventIds],
    );
    const view = await loadIncidentView(db, id);
    return c.json(publicIncident(view!));
  })
  .patch("/incidents/:id", requireAdmin, validate("param", uuidParam), validate("json", editIncidentBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const incident = await openIncidentOr404(db, id);
    const now = Date.now();
    await commitChange(
      c.env,
      db,
      [
        updateIncident(db, id, {
          ...(body.title !== undefined && { title: body.title }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.severity !== undefined && { severity: body.severity }),
          ...(body.started_at !== undefined && { startedAt: body.started_at }),
          ...(body.root_cause !== undefined && { rootCause: body.root_cause }),
          ...(body.resolution !== undefined && { resolution: body.resolution }),
          updatedAt: now,
          ...takeover(incident, c.var.admin, now),
        }),
      ],
      [],
    );
    return c.json(publicIncident((await loadIncidentView(db, id))!));
  })
  .patch("/incidents/:id/updates/:updateId", requireAdmin, validate("param", z.object({ id: z.uuid(), updateId: z.uuid() })), validate("json", editIncidentUpdateBody), async (c) => {
    const { id, updateId } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    if (!(await findIncidentUpdate(db, id, updateId))) throw notFound("Incident update");
    const incident = (await findIncident(db, id))!;
    const now = Date.now();
    await commitChange(
      c.env,
      db,
      [
        updateIncidentUpdate(db, updateId, {
          ...(body.message !== undefined && { message: body.message }),
          ...(body.estimated_resolution !== undefined && { estimatedResolution: body.estimated_resolution }),
          updatedAt: now,
        }),
        updateIncident(db, id, { updatedAt: now, ...takeover(incident, c.var.admin, now) }),
      ],
      [],
    );
    return c.json(publicIncident((await loadIncidentView(db, id))!));
  })
  .post("/incidents/:id/postmortem", requireAdmin, validate("param", uuidParam), validate("json", postmortemBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const incident = await openIncidentOr404(db, id);
    if (isOpenIncident(incident.status)) throw conflict("Resolve the incident before publishing its postmortem.");
    const now = Date.now();
    await commitChange(
      c.env,
      db,
      [updateIncident(db, id, { status: "postmortem", postmortem: body.postmortem, postmortemPublishedAt: incident.postmortemPublishedAt ?? now, updatedAt: now })],
      [],
    );
    return c.json(publicIncident((await loadIncidentView(db, id))!));
  })
  .delete("/incidents/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    await openIncidentOr404(db, id);
    const now = Date.now();
    const before = await loadStatusState(db);
    const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, []), { source: "incident", referenceId: id, at: now, now });
    await commitChange(c.env, db, [...changes.statements, deleteIncident(db, id)], changes.eventIds);
    return c.body(null, 204);
  });
