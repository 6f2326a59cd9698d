import type { z } from "zod";
import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import {
  componentNames,
  dueMaintenances,
  findMaintenance,
  insertMaintenance,
  maintenanceComponentIds,
  maintenanceUnchanged,
  setMaintenanceComponents,
  updateMaintenance,
  type MaintenanceRow,
} from "../db/queries/maintenance";
import { loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import { badRequest, conflict, notFound } from "../errors";
import type { NotifyEventType } from "../notify/messages";
import { outboxInsert } from "../notify/outbox";
import { windowNoticesTold } from "../db/queries/notifications";
import type { editMaintenanceBody, maintenanceBody } from "../schemas";
import { maintenanceFromRow } from "../snapshot/build";
import { iso, sameShownTime } from "../time";
import type { SnapshotMaintenance } from "../snapshot/types";
import { auditStatement } from "./audit";
import { actorId, assertAsShown, AUTOMATION, changesAnything, noChange, notified, type Actor, type Change } from "./change";
import { assertComponentsExist } from "./components";

export type ScheduleMaintenanceInput = z.infer<typeof maintenanceBody>;
export type EditMaintenanceInput = z.infer<typeof editMaintenanceBody>;

type Named = { id: string; name: string }[];

/**
 * What notifications say about a maintenance window, captured when the event happens: its plan, and when it
 * really started and ended (a window moved by hand keeps its plan).
 */
function eventPayload(m: Pick<MaintenanceRow, "id" | "title" | "description" | "scheduledStart" | "scheduledEnd" | "startedAt" | "completedAt">, status: string, named: Named) {
  return {
    maintenance_id: m.id,
    title: m.title,
    description: m.description,
    status,
    scheduled_start: iso(m.scheduledStart),
    scheduled_end: iso(m.scheduledEnd),
    started_at: m.startedAt === null ? null : iso(m.startedAt),
    completed_at: m.completedAt === null ? null : iso(m.completedAt),
    components: named.map((n) => n.name),
    // Ids too, as an incident's payload has them: a receiver can follow a component through a rename.
    affected_components: named.map((n) => ({ id: n.id, name: n.name })),
  };
}

/** The window's components with their names, in page order. */
const namedComponents = (db: Database, ids: string[]): Promise<Named> => componentNames(db, ids);

const view = (m: MaintenanceRow, named: Named): SnapshotMaintenance => ({ ...maintenanceFromRow(m), components: named });

const CHANGED = "The maintenance changed while this request was being made (an edit, a cancel, or its start or end got there first); reload it and try again.";

/** The guard that makes a write conditional on the window being as it was read. */
const unchanged = (db: Database, m: MaintenanceRow) => maintenanceUnchanged(db, m.id, m.status, m.revision);

function audited(db: Database, actor: Actor, action: string, id: string, before: SnapshotMaintenance | null, after: SnapshotMaintenance | null, now: number) {
  return auditStatement(db, actor, { action: `maintenance.${action}`, entityType: "maintenance", entityId: id, before, after }, now);
}

async function existingMaintenance(db: Database, id: string) {
  const m = await findMaintenance(db, id);
  if (!m) throw notFound("Maintenance");
  return m;
}

interface Move {
  statements: Statement[];
  eventIds: string[];
  row: MaintenanceRow;
  state: StatusState;
}

/**
 * One window moving to in_progress (its components show under_maintenance from `at`) or to completed (they
 * stop at `at`): the row, the status changes it causes and its outbox event.
 */
function moveWindow(db: Database, m: MaintenanceRow, to: "in_progress" | "completed", at: number, named: Named, state: StatusState, actor: Actor, now: number): Move {
  const type: NotifyEventType = to === "in_progress" ? "maintenance.started" : "maintenance.completed";
  const next: StatusState =
    to === "in_progress"
      ? { ...state, maintenanceLinks: [...state.maintenanceLinks.filter((l) => l.maintenanceId !== m.id), ...named.map((c) => ({ maintenanceId: m.id, componentId: c.id }))] }
      : { ...state, maintenanceLinks: state.maintenanceLinks.filter((l) => l.maintenanceId !== m.id) };
  const changes = statusChangeStatements(db, state, next, { source: "maintenance", referenceId: m.id, at, now });
  const patch = to === "in_progress" ? { status: to, startedAt: at, updatedAt: now } : { status: to, completedAt: at, startedAt: m.startedAt ?? m.scheduledStart, updatedAt: now };
  const row = { ...m, ...patch, revision: m.revision + 1 };
  const event = windowNotice(db, m, type, eventPayload(row, to, named), named, now);
  return {
    statements: [
      updateMaintenance(db, m.id, patch),
      ...event.statements,
      ...changes.statements,
      audited(db, actor, to === "in_progress" ? "start" : "complete", m.id, view(m, named), view(row, named), now),
    ],
    eventIds: [...event.eventIds, ...changes.eventIds],
    row,
    state: next,
  };
}

/** A later notice of a window follows the choice it was scheduled with: a quiet window stays quiet. */
function windowNotice(db: Database, m: MaintenanceRow, type: NotifyEventType, payload: ReturnType<typeof eventPayload>, named: Named, now: number) {
  return notified({ notify: m.notify }, outboxInsert(db, { type, payload, componentIds: named.map((c) => c.id) }, now));
}

/**
 * The moves a window is due at `now`, as one: to in_progress once its start has passed, and to completed once
 * its end has. A scheduled window whose end has passed too (no cron run saw its time) gets both, at its
 * scheduled times, so its followers hear it started and ended and its components' history shows the time it
 * held them. Otherwise it starts at `startedAt`.
 */
function dueMoves(db: Database, m: MaintenanceRow, named: Named, state: StatusState, actor: Actor, now: number, startedAt: number): Move | null {
  const missed = m.scheduledEnd <= now && (m.status === "scheduled" || m.status === "in_progress");
  const steps: ["in_progress" | "completed", number][] = [];
  if (m.status === "scheduled" && m.scheduledStart <= now) steps.push(["in_progress", missed ? m.scheduledStart : startedAt]);
  if (missed) steps.push(["completed", m.scheduledEnd]);
  if (!steps.length) return null;
  const move: Move = { statements: [], eventIds: [], row: m, state };
  for (const [to, at] of steps) {
    const step = moveWindow(db, move.row, to, at, named, move.state, actor, now);
    move.statements.push(...step.statements);
    move.eventIds.push(...step.eventIds);
    move.row = step.row;
    move.state = step.state;
  }
  return move;
}

/**
 * A window written with its start already past starts now rather than at the next cron run. It starts at
 * the moment it was written, not at the past start: the page never showed it under maintenance before, so
 * its history must not say so either.
 */
async function dueMove(db: Database, m: MaintenanceRow, named: Named, actor: Actor, now: number, state?: StatusState): Promise<Move | null> {
  const due = (m.status === "scheduled" && m.scheduledStart <= now) || (m.status === "in_progress" && m.scheduledEnd <= now);
  return due ? dueMoves(db, m, named, state ?? (await loadStatusState(db)), actor, now, now) : null;
}

/**
 * The times a window may be given: its end in the future (to end a window now, complete it), and after its
 * start. A window in progress keeps its start.
 */
function assertWindowTimes(m: Pick<MaintenanceRow, "status" | "scheduledStart" | "startedAt">, start: number, end: number, now: number, movedStartOnly = false) {
  if (m.status === "in_progress" && start !== m.scheduledStart) throw conflict("The maintenance is in progress; its start can no longer change.");
  // Started early (Start now), it may end before its planned start: what counts is when it really began.
  const began = m.status === "in_progress" && m.startedAt !== null ? Math.min(start, m.startedAt) : start;
  if (end <= began) {
    // The field that was sent is the one to fix: a start moved past the kept end is said at the start.
    const detail = movedStartOnly
      ? { path: "scheduled_start", message: "must be before scheduled_end", code: "end_before_start" as const }
      : { path: "scheduled_end", message: "must be after scheduled_start", code: "end_before_start" as const };
    throw badRequest(movedStartOnly ? "scheduled_start must be before scheduled_end" : "scheduled_end must be after scheduled_start", [detail]);
  }
  if (end <= now) {
    const how = m.status === "in_progress" ? "; to end the window now, complete it" : "";
    throw badRequest(`scheduled_end must be in the future${how}`, [{ path: "scheduled_end", message: "must be in the future", code: "in_past" }]);
  }
}

export async function scheduleMaintenance(db: Database, input: ScheduleMaintenanceInput, actor: Actor, now: number): Promise<Change<SnapshotMaintenance>> {
  assertWindowTimes({ status: "scheduled", scheduledStart: input.scheduled_start, startedAt: null }, input.scheduled_start, input.scheduled_end, now);
  await assertComponentsExist(db, input.affected_components);
  const row: MaintenanceRow = {
    id: crypto.randomUUID(),
    title: input.title,
    description: input.description,
    status: "scheduled",
    scheduledStart: input.scheduled_start,
    scheduledEnd: input.scheduled_end,
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    createdBy: actorId(actor),
    createdAt: now,
    updatedAt: now,
    revision: 0,
    notify: input.notify,
  };
  const named = await namedComponents(db, input.affected_components);
  const move = await dueMove(db, row, named, actor, now);
  // Written with its start already past, it starts at once: its followers hear that it is in progress, once,
  // not that it is scheduled and, in the same moment, that it started.
  const event = outboxInsert(db, { type: "maintenance.scheduled", payload: eventPayload(row, "scheduled", named), componentIds: input.affected_components }, now);
  const announced = move ? { statements: [], eventIds: [] } : notified(input, event);
  const statements = [
    insertMaintenance(db, row),
    ...setMaintenanceComponents(db, row.id, input.affected_components),
    ...announced.statements,
    audited(db, actor, "schedule", row.id, null, view(row, named), now),
  ];
  return {
    statements: [...statements, ...(move?.statements ?? [])],
    eventIds: [...announced.eventIds, ...(move?.eventIds ?? [])],
    result: view(move?.row ?? row, named),
  };
}

/** `shown`: the window's revision as the form sent was drawn (see assertAsShown). */
export async function editMaintenance(db: Database, id: string, input: EditMaintenanceInput, actor: Actor, now: number, shown?: number): Promise<Change<SnapshotMaintenance>> {
  const m = await existingMaintenance(db, id);
  assertAsShown(m.revision, shown);
  if (m.status === "completed" || m.status === "cancelled") throw conflict(`The maintenance is ${m.status} and can no longer be edited.`);
  // A time sent back as the API showed it (whole seconds) is the stored one, not a move by its milliseconds.
  let start = input.scheduled_start === undefined || sameShownTime(input.scheduled_start, m.scheduledStart) ? m.scheduledStart : input.scheduled_start;
  const end = input.scheduled_end === undefined || sameShownTime(input.scheduled_end, m.scheduledEnd) ? m.scheduledEnd : input.scheduled_end;
  // The same rule as scheduling, for the times this edit gives (a title fix of an overdue window is not refused).
  if (input.scheduled_start !== undefined || input.scheduled_end !== undefined) assertWindowTimes(m, start, end, now, input.scheduled_end === undefined);
  // Started early and now ending before its planned start: the plan's start is when it began, so that no
  // reader is shown a window that ends before it starts.
  if (m.status === "in_progress" && m.startedAt !== null && end <= start) start = m.startedAt;
  if (input.affected_components) await assertComponentsExist(db, input.affected_components);
  const namedBefore = await namedComponents(db, await maintenanceComponentIds(db, id));
  const named = input.affected_components ? await namedComponents(db, input.affected_components) : namedBefore;
  const patch = {
    ...(input.title !== undefined && { title: input.title }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.notify !== undefined && { notify: input.notify }),
    scheduledStart: start,
    scheduledEnd: end,
    updatedAt: now,
  };
  const statements: Statement[] = [unchanged(db, m), updateMaintenance(db, id, patch)];
  const eventIds: string[] = [];
  let state: StatusState | undefined;
  if (input.affected_components) {
    statements.push(...setMaintenanceComponents(db, id, input.affected_components, m.status === "in_progress" ? now : null));
    if (m.status === "in_progress") {
      const before = await loadStatusState(db);
      state = { ...before, maintenanceLinks: [...before.maintenanceLinks.filter((l) => l.maintenanceId !== id), ...input.affected_components.map((componentId) => ({ maintenanceId: id, componentId }))] };
      const changes = statusChangeStatements(db, before, state, { source: "maintenance", referenceId: id, at: now, now });
      statements.push(...changes.statements);
      eventIds.push(...changes.eventIds);
    }
  }
  const edited: MaintenanceRow = { ...m, ...patch, revision: m.revision + 1 };
  statements.push(audited(db, actor, "edit", id, view(m, namedBefore), view(edited, named), now));
  const move = await dueMove(db, edited, named, actor, now, state);
  // Subscribers told of a window hear when it moves, or covers other components (one this edit starts or
  // completes is told by that move): followers of the components it now covers, and whoever was told of it
  // before (see fan-out). A window that was quiet, or is made quiet now, stays quiet.
  const sameIds = (a: Named, b: Named) => a.length === b.length && a.every((c) => b.some((d) => d.id === c.id));
  const repointed = !sameIds(named, namedBefore);
  // A save that changes nothing (and moves nothing that is due) writes nothing, as for incidents.
  if (!move && !repointed && !changesAnything(m, patch)) return noChange(view(m, namedBefore));
  // Made public by this edit: announced now, as if scheduled (or started) at this moment, with what the edit
  // gives, unless its followers were told of it as it stands already (public before, then quiet for a while);
  // its later moves then reach followers who were told it was coming.
  const madePublic = !m.notify && edited.notify && (edited.status === "scheduled" || edited.status === "in_progress");
  const told = madePublic ? await windowNoticesTold(db, id) : new Set<string>();
  const announce = edited.status === "scheduled" ? (told.size === 0 ? "maintenance.scheduled" : null) : told.has("maintenance.started") ? null : "maintenance.started";
  if (!move && madePublic && announce) {
    const notice = windowNotice(db, edited, announce, eventPayload(edited, edited.status, named), named, now);
    statements.push(...notice.statements);
    eventIds.push(...notice.eventIds);
  } else if (!move && (start !== m.scheduledStart || end !== m.scheduledEnd || repointed)) {
    const payload = {
      ...eventPayload(edited, edited.status, named),
      previous_start: iso(m.scheduledStart),
      previous_end: iso(m.scheduledEnd),
      ...(repointed && { previous_components: namedBefore.map((c) => c.name), previous_affected_components: namedBefore.map((c) => ({ id: c.id, name: c.name })) }),
    };
    // Told to followers of a window public before and now (or public again after its followers heard of it).
    const notice = windowNotice(db, { ...edited, notify: (m.notify || told.size > 0) && edited.notify }, "maintenance.rescheduled", payload, named, now);
    statements.push(...notice.statements);
    eventIds.push(...notice.eventIds);
  }
  return {
    statements: [...statements, ...(move?.statements ?? [])],
    eventIds: [...eventIds, ...(move?.eventIds ?? [])],
    result: view(move?.row ?? edited, named),
    conflict: CHANGED,
  };
}

export async function cancelMaintenance(db: Database, id: string, actor: Actor, now: number): Promise<Change<SnapshotMaintenance>> {
  const m = await existingMaintenance(db, id);
  if (m.status === "completed" || m.status === "cancelled") throw conflict(`The maintenance is already ${m.status}.`);
  const named = await namedComponents(db, await maintenanceComponentIds(db, id));
  const before = await loadStatusState(db);
  const after = { ...before, maintenanceLinks: before.maintenanceLinks.filter((l) => l.maintenanceId !== id) };
  const changes = statusChangeStatements(db, before, after, { source: "maintenance", referenceId: id, at: now, now });
  const event = windowNotice(db, m, "maintenance.cancelled", eventPayload(m, "cancelled", named), named, now);
  const patch = { status: "cancelled" as const, cancelledAt: now, updatedAt: now };
  const result = view({ ...m, ...patch, revision: m.revision + 1 }, named);
  return {
    statements: [unchanged(db, m), updateMaintenance(db, id, patch), ...event.statements, ...changes.statements, audited(db, actor, "cancel", id, view(m, named), result, now)],
    eventIds: [...event.eventIds, ...changes.eventIds],
    result,
    conflict: CHANGED,
  };
}

/** An admin starts a scheduled window ahead of its time. */
export async function startMaintenanceNow(db: Database, id: string, actor: Actor, now: number): Promise<Change<SnapshotMaintenance>> {
  const m = await existingMaintenance(db, id);
  if (m.status !== "scheduled") throw conflict(`The maintenance is ${m.status.replace("_", " ")}; only a scheduled window can start.`);
  // Started now, it would end before it began: the cron gives it its start and end as scheduled.
  if (m.scheduledEnd <= now) throw conflict(`The window's end (${iso(m.scheduledEnd)}) has passed; move its end to start it, or cancel it.`);
  const named = await namedComponents(db, await maintenanceComponentIds(db, id));
  const move = moveWindow(db, m, "in_progress", now, named, await loadStatusState(db), actor, now);
  return { statements: [unchanged(db, m), ...move.statements], eventIds: move.eventIds, result: view(move.row, named), conflict: CHANGED };
}

/** An admin ends a window in progress before its scheduled end. */
export async function completeMaintenanceNow(db: Database, id: string, actor: Actor, now: number): Promise<Change<SnapshotMaintenance>> {
  const m = await existingMaintenance(db, id);
  if (m.status !== "in_progress") throw conflict(`The maintenance is ${m.status.replace("_", " ")}; only a window in progress can complete (cancel a scheduled one).`);
  const named = await namedComponents(db, await maintenanceComponentIds(db, id));
  const move = moveWindow(db, m, "completed", now, named, await loadStatusState(db), actor, now);
  return { statements: [unchanged(db, m), ...move.statements], eventIds: move.eventIds, result: view(move.row, named), conflict: CHANGED };
}

/**
 * The cron's move of windows on time: scheduled -> in_progress at their start, -> completed at their end.
 * Each move records the status changes it causes and an outbox event, guarded by the window's state as
 * read: if an admin cancels or edits a window meanwhile, nothing moves and the next run looks again.
 */
export async function moveMaintenanceOnTime(db: Database, now: number): Promise<Change<{ moved: number }>> {
  const { toStart, toComplete } = await dueMaintenances(db, now);
  if (!toStart.length && !toComplete.length) return { statements: [], eventIds: [], result: { moved: 0 } };
  let state = await loadStatusState(db);
  const statements: Statement[] = [];
  const eventIds: string[] = [];
  const moves = [...toStart, ...toComplete];
  for (const m of moves) {
    const named = await namedComponents(db, await maintenanceComponentIds(db, m.id));
    const move = dueMoves(db, m, named, state, AUTOMATION, now, m.scheduledStart);
    if (!move) continue;
    state = move.state;
    statements.push(unchanged(db, m), ...move.statements);
    eventIds.push(...move.eventIds);
  }
  return { statements, eventIds, result: { moved: moves.length }, conflict: CHANGED };
}
