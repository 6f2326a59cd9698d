import type { z } from "zod";
import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import {
  deleteIncident as deleteIncidentRow,
  incidentUnchanged,
  loadIncidentMoves,
  insertIncident,
  insertIncidentUpdate,
  setIncidentComponents,
  statusForSeverity,
  updateIncident,
  updateIncidentUpdate,
} from "../db/queries/incidents";
import { loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import type { ComponentStatus, IncidentStatus } from "../db/schema";
import { badRequest, conflict, notFound } from "../errors";
import { outboxInsert } from "../notify/outbox";
import type {
  affectedComponent,
  createIncidentBody,
  editIncidentBody,
  editIncidentUpdateBody,
  incidentUpdateBody,
  postmortemBody,
  resolveIncidentBody,
} from "../schemas";
import { isOpenIncident } from "../snapshot/build";
import { currentEta, incidentFormVersion, postmortemFormVersion, toldSubscribers } from "../snapshot/format";
import { incidentEventsQuery } from "../db/queries/notifications";
import { iso, sameShownTime } from "../time";
import { listAsSetWhileOpen, loadIncidentView } from "../snapshot/incident-view";
import type { SnapshotIncident, SnapshotIncidentUpdate } from "../snapshot/types";
import { auditStatement } from "./audit";
import { actorId, assertAsShown, noChange, notified, type Actor, type Change } from "./change";
import { assertComponentsExist } from "./components";

export type OpenIncidentInput = z.infer<typeof createIncidentBody>;
export type IncidentUpdateInput = z.infer<typeof incidentUpdateBody>;
export type ResolveIncidentInput = z.infer<typeof resolveIncidentBody>;
export type EditIncidentInput = z.infer<typeof editIncidentBody>;
export type EditIncidentUpdateInput = z.infer<typeof editIncidentUpdateBody>;
export type PostmortemInput = z.infer<typeof postmortemBody>;

type Link = { componentId: string; status: ComponentStatus };

function links(affected: z.infer<typeof affectedComponent>[], defaultStatus: ComponentStatus): Link[] {
  return affected.map((c) => (typeof c === "string" ? { componentId: c, status: defaultStatus } : { componentId: c.id, status: c.status }));
}

/** The status state after an incident's component links are replaced (or removed, when it closes). */
function withIncidentLinks(state: StatusState, incidentId: string, next: Link[]): StatusState {
  return {
    ...state,
    openLinks: [...state.openLinks.filter((l) => l.incidentId !== incidentId), ...next.map((l) => ({ incidentId, ...l }))],
  };
}

/** Links as an incident shows them: with the component's name, in page order. */
function shownLinks(state: StatusState, next: Link[]): SnapshotIncident["components"] {
  // state.components is in page order: its index is the place, ties included.
  const placeOf = new Map(state.components.map((c, place) => [c.id, place]));
  const byId = new Map(state.components.map((c) => [c.id, c]));
  return next
    .map((l) => ({ id: l.componentId, name: byId.get(l.componentId)?.name ?? "", status: l.status, place: placeOf.get(l.componentId) ?? 0 }))
    .sort((a, b) => a.place - b.place)
    .map(({ place: _, ...link }) => link);
}

const CHANGED = "The incident changed while this request was being made (another update, a resolve or an edit got there first); reload it and try again.";

/** The guard that makes a write conditional on the incident being as it was read. */
const unchanged = (db: Database, incident: SnapshotIncident) => incidentUnchanged(db, incident.id, incident.status, incident.updated_at);

/** An incident as the audit log keeps it: its fields and components, not every update's text. */
function record(incident: SnapshotIncident) {
  const { updates, status_changes: _, ...fields } = incident;
  return { ...fields, update_count: updates.length };
}

function audited(db: Database, actor: Actor, action: string, id: string, before: unknown, after: unknown, now: number) {
  return auditStatement(db, actor, { action: `incident.${action}`, entityType: "incident", entityId: id, before, after }, now);
}

async function existingIncident(db: Database, id: string): Promise<SnapshotIncident> {
  const incident = await loadIncidentView(db, id);
  if (!incident) throw notFound("Incident");
  return incident;
}

/**
 * Any admin edit or update of an automatic incident makes it theirs: from then on Beacon posts no
 * automatic update and does not resolve it, and its links no longer follow the checks (a check round that
 * read it before checks it is still not taken over in its own batch: see stillFollowed).
 */
function takeover(incident: SnapshotIncident, actor: Actor, now: number) {
  if (actor.kind !== "admin" || !incident.automatic || incident.taken_over_at) return { row: {}, view: {} };
  return { row: { takenOverAt: now, takenOverBy: actor.userId }, view: { taken_over_at: now } };
}

/** Incident text that notifications carry, written into the outbox event at the time it happened. */
function eventPayload(
  incident: { id: string; title: string; severity: string; automatic?: boolean; components: SnapshotIncident["components"] },
  update: { status: IncidentStatus; message: string; eta: number | null },
) {
  return {
    incident_id: incident.id,
    title: incident.title,
    severity: incident.severity,
    automatic: incident.automatic ?? false,
    status: update.status,
    message: update.message,
    estimated_resolution: iso(update.eta),
    affected_components: incident.components.map(({ id, name, status }) => ({ id, name, status })),
  };
}

function newUpdate(status: IncidentStatus, message: string, eta: number | null, now: number, notify: boolean | undefined, etaWithdrawn = false): SnapshotIncidentUpdate {
  return {
    id: crypto.randomUUID(),
    status,
    message,
    estimated_resolution: eta,
    created_at: now,
    updated_at: now,
    ...(notify === false && { notified: false as const }),
    ...(etaWithdrawn && { eta_withdrawn: true as const }),
  };
}

function updateInsert(db: Database, incidentId: string, update: SnapshotIncidentUpdate, actor: Actor): Statement {
  return insertIncidentUpdate(db, {
    id: update.id,
    incidentId,
    status: update.status,
    message: update.message,
    estimatedResolution: update.estimated_resolution,
    createdBy: actorId(actor),
    at: update.created_at,
    notified: update.notified !== false,
    etaWithdrawn: update.eta_withdrawn === true,
  });
}

/** An ETA is when the incident is expected to end: never before it started (as the API shows that, to the second). */
function assertEta(eta: number | null | undefined, startedAt: number) {
  if (eta != null && eta < startedAt && !sameShownTime(eta, startedAt)) {
    throw badRequest("estimated_resolution must not be before the incident started", [{ path: "estimated_resolution", message: `must not be before started_at (${iso(startedAt)})`, code: "before_start", limit: iso(startedAt)! }]);
  }
}

/**
 * A start as sent, taken as now when it is ahead of Beacon's clock by no more than the schema lets through
 * (a client's clock a little ahead): an incident never starts after it was opened, or resolved.
 */
const startNoLaterThan = (startedAt: number, now: number) => Math.min(startedAt, now);

/** A start the incident's other times agree with: not after it was opened or resolved, nor after an ETA it was given. */
function assertStart(startedAt: number, incident: Pick<SnapshotIncident, "resolved_at" | "updates" | "created_at">) {
  if (incident.resolved_at !== null && startedAt > incident.resolved_at) {
    throw badRequest("started_at must not be after the incident was resolved", [{ path: "started_at", message: `must not be after resolved_at (${iso(incident.resolved_at)})`, code: "after_resolution", limit: iso(incident.resolved_at)! }]);
  }
  if (startedAt > incident.created_at && !sameShownTime(startedAt, incident.created_at)) {
    throw badRequest("started_at must not be after the incident was opened", [{ path: "started_at", message: `must not be after it was opened (${iso(incident.created_at)})`, code: "after_opened", limit: iso(incident.created_at)! }]);
  }
  const etas = incident.updates.flatMap((u) => (u.estimated_resolution === null ? [] : [u.estimated_resolution]));
  const earliest = etas.length ? Math.min(...etas) : null;
  if (earliest !== null && startedAt > earliest && !sameShownTime(startedAt, earliest)) {
    throw badRequest("started_at must not be after an ETA the incident was given", [{ path: "started_at", message: `must not be after its earliest ETA (${iso(earliest)})`, code: "after_eta", limit: iso(earliest)! }]);
  }
}

/**
 * The components an open incident was about before every one was taken off it: those its status moves (its
 * checks', for an automatic one) touched, and those its notices so far named (a link that moved nothing:
 * severity none, or a component another incident held at that status).
 */
async function componentsItWasAbout(db: Database, incident: SnapshotIncident): Promise<string[]> {
  const { moves } = await loadIncidentMoves(db, { id: incident.id, automatic: incident.automatic ?? false, startedAt: incident.started_at, resolvedAt: null });
  const told = await incidentEventsQuery(db, incident.id, "");
  return [...new Set([...moves.map((m) => m.component_id), ...told.flatMap((e) => e.componentIds)])];
}

export async function openIncident(db: Database, input: OpenIncidentInput, actor: Actor, now: number): Promise<Change<SnapshotIncident>> {
  const startedAt = startNoLaterThan(input.started_at ?? now, now);
  assertEta(input.estimated_resolution, startedAt);
  const linksToSet = links(input.affected_components, statusForSeverity(input.severity));
  await assertComponentsExist(db, linksToSet.map((l) => l.componentId));
  const id = crypto.randomUUID();
  const message = input.description || input.title;
  const before = await loadStatusState(db);
  const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, linksToSet), { source: "incident", referenceId: id, at: now, now });
  const update = newUpdate(input.status, message, input.estimated_resolution ?? null, now, input.notify);
  const event = outboxInsert(
    db,
    {
      type: "incident.created",
      payload: eventPayload({ id, title: input.title, severity: input.severity, components: shownLinks(before, linksToSet) }, { status: input.status, message, eta: update.estimated_resolution }),
      componentIds: linksToSet.map((l) => l.componentId),
    },
    now,
  );
  const incident: SnapshotIncident = {
    id,
    title: input.title,
    description: input.description,
    status: input.status,
    severity: input.severity,
    started_at: startedAt,
    resolved_at: null,
    root_cause: null,
    resolution: null,
    postmortem: null,
    postmortem_published_at: null,
    created_at: now,
    updated_at: now,
    components: shownLinks(before, linksToSet),
    updates: [update],
  };
  return {
    statements: [
      insertIncident(db, {
        id,
        title: incident.title,
        description: incident.description,
        status: incident.status,
        severity: incident.severity,
        startedAt: incident.started_at,
        createdBy: actorId(actor),
        createdAt: now,
        updatedAt: now,
      }),
      updateInsert(db, id, update, actor),
      ...setIncidentComponents(db, id, linksToSet, now),
      ...notified(input, event).statements,
      ...changes.statements,
      audited(db, actor, "open", id, null, { ...record(incident), update }, now),
    ],
    eventIds: [...notified(input, event).eventIds, ...changes.eventIds],
    result: incident,
  };
}

export async function postIncidentUpdate(db: Database, id: string, input: IncidentUpdateInput, actor: Actor, now: number): Promise<Change<SnapshotIncident>> {
  const incident = await existingIncident(db, id);
  if (!isOpenIncident(incident.status)) throw conflict("The incident is resolved; reopen it by creating a new incident.");
  assertEta(input.estimated_resolution, incident.started_at);
  const statements: Statement[] = [];
  let components = incident.components;
  let changeEvents: string[] = [];
  if (input.affected_components) {
    const next = links(input.affected_components, statusForSeverity(incident.severity));
    await assertComponentsExist(db, next.map((l) => l.componentId));
    const before = await loadStatusState(db);
    const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, next), { source: "incident", referenceId: id, at: now, now });
    statements.push(...setIncidentComponents(db, id, next, now), ...changes.statements);
    components = shownLinks(before, next);
    changeEvents = changes.eventIds;
  }
  // An explicit null withdraws the ETA that stands (omitted, it stands on).
  const withdrawn = input.estimated_resolution === null && currentEta(incident) !== null;
  const update = newUpdate(input.status, input.message, input.estimated_resolution ?? null, now, input.notify, withdrawn);
  const owner = takeover(incident, actor, now);
  // An incident opened quietly, and told of by no update since: the first update that tells subscribers
  // announces it as new, not as an update of something they never heard of.
  const announces = !toldSubscribers(incident);
  // Components this update takes off: their followers hear of it too (it is their news most of all), told so;
  // of an incident nobody was told of, they have nothing to hear.
  const removed = announces ? [] : incident.components.filter((c) => !components.some((kept) => kept.id === c.id));
  const audience = [...components, ...removed].map((c) => c.id);
  // Every component taken off by an earlier update: still the news of the components it moved, not (as an
  // incident about no component would be) of every subscriber's.
  if (audience.length === 0) audience.push(...(await componentsItWasAbout(db, incident)));
  const event = outboxInsert(
    db,
    {
      type: announces ? "incident.created" : "incident.updated",
      payload: {
        // The ETA that stands after it: one given earlier still holds unless this update withdrew it.
        ...eventPayload({ ...incident, components }, { status: update.status, message: update.message, eta: currentEta({ updates: [update, ...incident.updates] }) }),
        ...(withdrawn && { eta_withdrawn: true }),
        ...(removed.length && { removed_components: removed.map(({ id, name }) => ({ id, name })) }),
      },
      componentIds: audience,
    },
    now,
  );
  const result: SnapshotIncident = { ...incident, ...owner.view, status: input.status, updated_at: now, components, updates: [update, ...incident.updates] };
  return {
    statements: [
      unchanged(db, incident),
      updateInsert(db, id, update, actor),
      updateIncident(db, id, { status: input.status, updatedAt: now, ...owner.row }),
      ...statements,
      ...notified(input, event).statements,
      audited(db, actor, "update", id, record(incident), { ...record(result), update }, now),
    ],
    eventIds: [...notified(input, event).eventIds, ...changeEvents],
    result,
    conflict: CHANGED,
  };
}

export async function resolveIncident(db: Database, id: string, input: ResolveIncidentInput, actor: Actor, now: number): Promise<Change<SnapshotIncident>> {
  const incident = await existingIncident(db, id);
  if (!isOpenIncident(incident.status)) throw conflict("The incident is already resolved.");
  const before = await loadStatusState(db);
  // Resolving lifts what the incident set: its links stay for history but no longer count.
  const after = { ...before, openLinks: before.openLinks.filter((l) => l.incidentId !== id) };
  const changes = statusChangeStatements(db, before, after, { source: "incident", referenceId: id, at: now, now });
  const update = newUpdate("resolved", input.message ?? input.resolution, null, now, input.notify);
  const owner = takeover(incident, actor, now);
  const result: SnapshotIncident = {
    ...incident,
    ...owner.view,
    status: "resolved",
    resolved_at: now,
    root_cause: input.root_cause,
    resolution: input.resolution,
    updated_at: now,
    components: incident.components.map((c) => ({ ...c })),
    updates: [update, ...incident.updates],
  };
  // Answered as every read lists a resolved incident: each component it set while open, at its worst.
  await listAsSetWhileOpen(db, result, changes.changes.map((m) => ({ component_id: m.componentId, from: m.from, to: m.to, at: now })));
  // Its resolution names them all too, one an update took off included: whoever heard the incident concerned
  // it hears it is over (fan-out reaches whoever was told before; see TOLD_AGAIN). About no component now, it
  // is still the news of those it set while open, or was about (an update took them all off).
  const linked = incident.components.length ? incident.components : result.components;
  const audience = linked.length ? linked.map((c) => c.id) : await componentsItWasAbout(db, incident);
  const event = outboxInsert(
    db,
    {
      type: "incident.resolved",
      payload: { ...eventPayload(result, { status: "resolved", message: update.message, eta: null }), root_cause: input.root_cause, resolution: input.resolution },
      componentIds: audience,
    },
    now,
  );
  return {
    statements: [
      unchanged(db, incident),
      updateInsert(db, id, update, actor),
      updateIncident(db, id, { status: "resolved", resolvedAt: now, rootCause: input.root_cause, resolution: input.resolution, updatedAt: now, ...owner.row }),
      ...notified(input, event).statements,
      ...changes.statements,
      audited(db, actor, "resolve", id, record(incident), { ...record(result), update }, now),
    ],
    eventIds: [...notified(input, event).eventIds, ...changes.eventIds],
    result,
    conflict: CHANGED,
  };
}

/** `shown`: the incident's updated_at as the form sent was drawn (see assertAsShown). */
export async function editIncident(db: Database, id: string, input: EditIncidentInput, actor: Actor, now: number, shown?: number): Promise<Change<SnapshotIncident>> {
  const incident = await existingIncident(db, id);
  assertAsShown(incidentFormVersion(incident), shown);
  // What caused it and how it was fixed are known once it is over: the page shows them beside "Resolved".
  if (isOpenIncident(incident.status) && (input.root_cause !== undefined || input.resolution !== undefined)) {
    throw conflict("The incident is still open: its root cause and resolution are written when it is resolved (POST .../resolve), or edited after.");
  }
  // A start sent back as the API showed it (whole seconds) is the stored one, not a move by its milliseconds.
  const sentStart = input.started_at === undefined || sameShownTime(input.started_at, incident.started_at) ? undefined : input.started_at;
  const startedAt = sentStart === undefined ? undefined : startNoLaterThan(sentStart, now);
  if (startedAt !== undefined) assertStart(startedAt, incident);
  const owner = takeover(incident, actor, now);
  const patch = {
    ...(input.title !== undefined && { title: input.title }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.severity !== undefined && { severity: input.severity }),
    ...(startedAt !== undefined && { startedAt }),
    ...(input.root_cause !== undefined && { rootCause: input.root_cause }),
    ...(input.resolution !== undefined && { resolution: input.resolution }),
  };
  const result: SnapshotIncident = {
    ...incident,
    ...owner.view,
    title: input.title ?? incident.title,
    description: input.description ?? incident.description,
    severity: input.severity ?? incident.severity,
    started_at: startedAt ?? incident.started_at,
    root_cause: input.root_cause ?? incident.root_cause,
    resolution: input.resolution ?? incident.resolution,
    updated_at: now,
  };
  // A save that changes nothing writes nothing: no audit entry, and no other admin's open form goes stale.
  const edited = (["title", "description", "severity", "started_at", "root_cause", "resolution"] as const).some((key) => result[key] !== incident[key]);
  if (!edited && Object.keys(owner.row).length === 0) return noChange(incident);
  return {
    statements: [unchanged(db, incident), updateIncident(db, id, { ...patch, updatedAt: now, ...owner.row }), audited(db, actor, "edit", id, record(incident), record(result), now)],
    eventIds: [],
    result,
    conflict: CHANGED,
  };
}

export async function editIncidentUpdate(
  db: Database,
  id: string,
  updateId: string,
  input: EditIncidentUpdateInput,
  actor: Actor,
  now: number,
  /** The update's updated_at as the form sent was drawn: only a change to this update makes it stale. */
  shown?: number,
): Promise<Change<SnapshotIncident>> {
  const incident = await loadIncidentView(db, id);
  const existing = incident?.updates.find((u) => u.id === updateId);
  if (!incident || !existing) throw notFound("Incident update");
  assertAsShown(existing.updated_at, shown);
  // An update that withdrew the ETA and is given one now gives it instead: it no longer withdraws one.
  const givesEta = input.estimated_resolution !== undefined && input.estimated_resolution !== null;
  if (givesEta && existing.status === "resolved") {
    throw badRequest("The update that resolved the incident takes no estimated_resolution: the incident is over", [
      { path: "estimated_resolution", message: "not taken by the update that resolved the incident", code: "not_applicable" },
    ]);
  }
  assertEta(input.estimated_resolution, incident.started_at);
  const owner = takeover(incident, actor, now);
  // A save that changes nothing writes nothing (see editIncident).
  const edits =
    (input.message !== undefined && input.message !== existing.message) ||
    (input.estimated_resolution !== undefined && input.estimated_resolution !== existing.estimated_resolution) ||
    (givesEta && existing.eta_withdrawn === true);
  if (!edits && Object.keys(owner.row).length === 0) return noChange(incident);
  const { eta_withdrawn: _withdrew, ...rest } = existing;
  const edited: SnapshotIncidentUpdate = {
    ...(givesEta ? rest : existing),
    message: input.message ?? existing.message,
    estimated_resolution: input.estimated_resolution !== undefined ? input.estimated_resolution : existing.estimated_resolution,
    updated_at: now,
  };
  return {
    statements: [
      unchanged(db, incident),
      updateIncidentUpdate(db, updateId, {
        ...(input.message !== undefined && { message: input.message }),
        ...(input.estimated_resolution !== undefined && { estimatedResolution: input.estimated_resolution }),
        ...(givesEta && { etaWithdrawn: false }),
        updatedAt: now,
      }),
      updateIncident(db, id, { updatedAt: now, ...owner.row }),
      audited(db, actor, "edit_update", id, { update: existing }, { update: edited }, now),
    ],
    eventIds: [],
    result: { ...incident, ...owner.view, updated_at: now, updates: incident.updates.map((u) => (u.id === updateId ? edited : u)) },
    conflict: CHANGED,
  };
}

/** `shown`: the incident's updated_at as the editor sent was drawn (see assertAsShown). */
export async function publishPostmortem(db: Database, id: string, input: PostmortemInput, actor: Actor, now: number, shown?: number): Promise<Change<SnapshotIncident>> {
  const incident = await existingIncident(db, id);
  assertAsShown(postmortemFormVersion(incident), shown);
  if (isOpenIncident(incident.status)) throw conflict("Resolve the incident before publishing its postmortem.");
  if (incident.status === "postmortem" && incident.postmortem === input.postmortem) return noChange(incident);
  const publishedAt = incident.postmortem_published_at ?? now;
  const result: SnapshotIncident = { ...incident, status: "postmortem", postmortem: input.postmortem, postmortem_published_at: publishedAt, updated_at: now };
  return {
    statements: [
      unchanged(db, incident),
      updateIncident(db, id, { status: "postmortem", postmortem: input.postmortem, postmortemPublishedAt: publishedAt, updatedAt: now }),
      audited(db, actor, "postmortem", id, record(incident), record(result), now),
    ],
    eventIds: [],
    result,
    conflict: CHANGED,
  };
}

/**
 * Whether deleting the incident is refused: open, and subscribers were told of it, who would never hear it
 * ended, and whose link would lead nowhere.
 */
export async function undeletable(db: Database, incident: { id: string; status: IncidentStatus }): Promise<boolean> {
  return isOpenIncident(incident.status) && (await incidentEventsQuery(db, incident.id, "").limit(1)).length > 0;
}

export async function deleteIncident(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const incident = await existingIncident(db, id);
  // (An update made meanwhile moves updated_at, which the batch's guard checks.)
  if (await undeletable(db, incident)) {
    throw conflict(
      `"${incident.title}" is open and subscribers were told of it: resolve it first (they are told it ended; say it was opened by mistake if it was), then delete it.`,
      [{ path: "id", message: "is an open incident subscribers were told of", code: "announced" }],
    );
  }
  const before = await loadStatusState(db);
  const changes = statusChangeStatements(db, before, withIncidentLinks(before, id, []), { source: "incident", referenceId: id, at: now, now });
  return {
    statements: [unchanged(db, incident), ...changes.statements, deleteIncidentRow(db, id), audited(db, actor, "delete", id, record(incident), null, now)],
    eventIds: changes.eventIds,
    result: null,
    conflict: CHANGED,
  };
}
