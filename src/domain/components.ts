import type { z } from "zod";
import type { Database } from "../db/client";
import {
  componentPositions,
  componentUnchanged,
  deleteComponent as deleteComponentRow,
  deleteGroup as deleteGroupRow,
  findComponent,
  findGroup,
  groupUnchanged,
  insertComponent,
  insertGroup,
  namedAlready,
  type NamedKind,
  nameStillFree,
  soleSubjectOf,
  soleSubjectOfNothing,
  nextComponentPosition,
  nextGroupPosition,
  orderUnchanged,
  updateComponent,
  updateGroup,
} from "../db/queries/component-admin";
import { unknownComponentIds } from "../db/queries/components";
import { dropComponentFromTemplates } from "../db/queries/templates";
import { deliveriesToLastFollowers } from "../db/queries/notifications";
import { outboxInsert } from "../notify/outbox";
import { iso } from "../time";
import { loadStatusState, statusChangeStatements } from "../db/queries/status-state";
import { loadManagedIncidents } from "../db/queries/incidents";
import { isOpenIncident } from "../snapshot/build";
import { autoIncidentStatements, type AutoIncidentPlan } from "./auto-incidents";
import type { AutoIncidentSettings, components, componentGroups, HttpMonitor, ProbeRegion } from "../db/schema";
import { ApiError, badRequest, conflict, notFound, type ErrorDetail } from "../errors";
import type { autoIncidentsInput, createComponentBody, editComponentBody, editGroupBody, groupBody, httpMonitorInput } from "../schemas";
import { auditStatement, type AuditEntry } from "./audit";
import { assertAsShown, changesAnything, noChange, type Actor, type Change } from "./change";

export type ComponentRow = typeof components.$inferSelect;
export type GroupRow = typeof componentGroups.$inferSelect;
export type CreateComponentInput = z.infer<typeof createComponentBody>;
export type EditComponentInput = z.infer<typeof editComponentBody>;
export type GroupInput = z.infer<typeof groupBody>;
export type EditGroupInput = z.infer<typeof editGroupBody>;

/** A 400 naming every unknown id, each at its place in the list the client sent (`field`). */
function unknownComponents(field: string, ids: string[], unknown: string[]) {
  const details = unknown.map((id) => ({ path: `${field}.${ids.indexOf(id)}`, message: `unknown component ${id}`, code: "unknown_component" as const }));
  return badRequest(`Unknown component ids: ${unknown.join(", ")}`, details);
}

/** Throws a 400 naming every id of `ids` (the client's list called `field`) that is not a component. */
export async function assertComponentsExist(db: Database, ids: string[], field = "affected_components") {
  const missing = await unknownComponentIds(db, ids);
  if (missing.length) throw unknownComponents(field, ids, missing);
}

const CHANGED = "It changed while this request was being made (edited or deleted meanwhile); reload it and try again.";

const audited = (db: Database, actor: Actor, entry: AuditEntry, now: number) => auditStatement(db, actor, entry, now);

/**
 * Names are unique among components, and among groups, case aside: readers, notifications, maintenance notices
 * and the seed's health-check results (keyed by name) tell components apart by their names, and the page and the
 * console show a group by its name alone.
 */
async function assertNameFree(db: Database, kind: NamedKind, name: string, exceptId: string | null) {
  const { taken, compared } = await namedAlready(db, kind, name, exceptId);
  if (taken) throw conflict(`There is already a ${kind} named "${taken.name}"; give this one another name.`, [nameTaken(kind)]);
  return compared;
}

const nameTaken = (kind: NamedKind): ErrorDetail => ({ path: "name", message: `is taken by another ${kind}`, code: "name_taken" });

/**
 * For a body refused for something else: whether the name it gives is taken too, so that both are said in
 * one answer (a name itself malformed is already among the refusal's details).
 */
export async function nameAlsoTaken(db: Database, kind: NamedKind, body: unknown, exceptId: string | null): Promise<ErrorDetail[]> {
  const name = typeof body === "object" && body !== null ? (body as { name?: unknown }).name : undefined;
  if (typeof name !== "string" || !name.trim() || name.length > 200) return [];
  return (await namedAlready(db, kind, name.trim(), exceptId)).taken ? [nameTaken(kind)] : [];
}

/** The refusal when another request took the name between the check above and the batch. */
const takenMeanwhile = (kind: NamedKind, name: string) =>
  `A ${kind} named "${name}" was added while this request was being made; give this one another name.`;
const renameChanged = (kind: NamedKind) =>
  `It changed while this request was being made (edited, deleted, or its new name taken by another ${kind} meanwhile); reload it and try again.`;

/** Refused for an unknown group, a body also says whether its name is taken (`alsoTaken`), so both are fixed at once. */
async function assertGroup(db: Database, groupId: string | null | undefined, alsoTaken: () => Promise<ErrorDetail[]>) {
  if (groupId && !(await findGroup(db, groupId))) {
    throw badRequest(`Unknown group id: ${groupId}`, [{ path: "group_id", message: `unknown group ${groupId}`, code: "unknown_group" }, ...(await alsoTaken())]);
  }
}

function toMonitor(input: z.infer<typeof httpMonitorInput>): HttpMonitor {
  return {
    type: "http",
    url: input.url,
    method: input.method,
    expected_status: input.expected_status,
    keyword: input.keyword,
    timeout_ms: input.timeout_ms,
    degraded_latency_ms: input.degraded_latency_ms,
    regions: input.regions,
    quorum: input.quorum,
  };
}

/**
 * Only the keys an admin set, so the rest keep following the page-wide default; none set is null, which
 * means the same, so switching between `{}` and `null` is no change.
 */
function ownSettings(input: z.infer<typeof autoIncidentsInput>): AutoIncidentSettings | null {
  const own = Object.entries(input).filter(([, value]) => value !== undefined);
  return own.length ? (Object.fromEntries(own) as AutoIncidentSettings) : null;
}

/**
 * A component whose monitor is removed: nothing observes it any more, so its checks say nothing about it
 * (operational, not monitored) and no half-counted confirmation or old error is left to come back if a
 * monitor is added later. The time of its last real check stays.
 */
const UNMONITORED = {
  checkKind: "none",
  monitor: null,
  monitored: false,
  monitoredStatus: "operational",
  monitoredSince: null,
  pendingStatus: null,
  pendingCount: 0,
  pendingSince: null,
  lastLatencyMs: null,
  lastError: null,
} as const satisfies Partial<ComponentRow>;

/** The status move removing a monitor makes on the page, recorded (and claimed) like any other. */
async function unmonitoredStatusChange(db: Database, id: string, now: number) {
  const before = await loadStatusState(db);
  const after = { ...before, components: before.components.map((c) => (c.id === id ? { ...c, monitoredStatus: UNMONITORED.monitoredStatus, monitored: false } : c)) };
  return statusChangeStatements(db, before, after, { source: "admin", at: now, now });
}

/**
 * A quorum is a number of the regions that will run: above them it could never be reached. The schema
 * checks it against the regions a monitor names; one that names none runs from the page's own
 * (`pageRegions`, CHECK_REGIONS or the default three), which only the worker knows.
 */
function assertQuorumReachable(monitor: z.infer<typeof httpMonitorInput> | null | undefined, pageRegions: ProbeRegion[]) {
  const problem = quorumProblem(monitor, pageRegions);
  if (problem) throw new ApiError(400, "validation_failed", "Invalid request body", [problem]);
}

/**
 * The refusal of a quorum above the page's own regions, for a monitor that names none; read from a body as
 * sent too (a form refused for other fields says this with them), so only a whole-number quorum is compared.
 */
export function quorumProblem(monitor: { quorum?: unknown; regions?: unknown } | null | undefined, pageRegions: ProbeRegion[]): ErrorDetail | null {
  if (!monitor || !Number.isInteger(monitor.quorum) || (monitor.regions !== null && monitor.regions !== undefined) || (monitor.quorum as number) <= pageRegions.length) return null;
  const message = `must be at most the number of regions: with none given, this page's ${pageRegions.length} (${pageRegions.join(", ")})`;
  return { path: "monitor.quorum", message, code: "quorum_above_regions", limit: pageRegions.length };
}

/** `pageRegions`: the regions a monitor that names none is probed from (see assertQuorumReachable). */
export async function createComponent(db: Database, input: CreateComponentInput, actor: Actor, now: number, pageRegions: ProbeRegion[]): Promise<Change<ComponentRow>> {
  assertQuorumReachable(input.monitor, pageRegions);
  await assertGroup(db, input.group_id, () => nameAlsoTaken(db, "component", input, null));
  const compared = await assertNameFree(db, "component", input.name, null);
  const row: ComponentRow = {
    id: crypto.randomUUID(),
    name: input.name,
    description: input.description ?? null,
    position: input.position ?? (await nextComponentPosition(db)),
    groupId: input.group_id ?? null,
    checkKind: input.monitor ? "http" : "none",
    platformCheck: null,
    monitor: input.monitor ? toMonitor(input.monitor) : null,
    confirmations: input.monitor?.confirmations ?? input.confirmations ?? 2,
    monitoredStatus: "operational",
    monitoredSince: null,
    monitored: false,
    pendingStatus: null,
    pendingCount: 0,
    pendingSince: null,
    lastCheckedAt: null,
    lastLatencyMs: null,
    lastError: null,
    autoIncidents: input.auto_incidents ? ownSettings(input.auto_incidents) : null,
    createdAt: now,
    updatedAt: now,
  };
  return {
    statements: [
      nameStillFree(db, "component", row.name, row.id, compared),
      insertComponent(db, row),
      audited(db, actor, { action: "component.create", entityType: "component", entityId: row.id, before: null, after: row }, now),
    ],
    eventIds: [],
    result: row,
    conflict: takenMeanwhile("component", row.name),
    conflictDetails: [nameTaken("component")],
  };
}

/**
 * `pageRegions`: as for createComponent; `shown`: the component's updated_at as the form sent was drawn
 * (see assertAsShown).
 */
export async function editComponent(db: Database, id: string, input: EditComponentInput, actor: Actor, now: number, pageRegions: ProbeRegion[], shown?: number): Promise<Change<ComponentRow>> {
  assertQuorumReachable(input.monitor, pageRegions);
  const existing = await findComponent(db, id);
  if (!existing) throw notFound("Component");
  assertAsShown(existing.updatedAt, shown);
  const renamed = input.name !== undefined && input.name !== existing.name;
  await assertGroup(db, input.group_id, async () => (renamed ? nameAlsoTaken(db, "component", input, id) : []));
  const compared = renamed ? await assertNameFree(db, "component", input.name!, id) : [];
  // Removing a monitor always clears what the checks said, even when there is none any more: a round that
  // was running while it was removed may have left its state behind. Built-in platform checks are not
  // monitors; one a monitor replaced comes back when the monitor is removed, and reports from the next round.
  const unmonitor = input.monitor === null && (existing.checkKind === "http" || existing.checkKind === "none");
  const monitorChange =
    input.monitor === undefined
      ? {}
      : input.monitor === null
        ? unmonitor
          ? { ...UNMONITORED, checkKind: existing.platformCheck ?? UNMONITORED.checkKind }
          : {}
        : { checkKind: "http" as const, monitor: toMonitor(input.monitor), ...(input.monitor.confirmations ? { confirmations: input.monitor.confirmations } : {}) };
  const statusMove = unmonitor ? await unmonitoredStatusChange(db, id, now) : { statements: [], eventIds: [] };
  const patch = {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.position !== undefined && { position: input.position }),
    ...(input.group_id !== undefined && { groupId: input.group_id }),
    ...(input.confirmations !== undefined && { confirmations: input.confirmations }),
    // Settings merge key by key; null goes back to the AUTO_INCIDENTS default.
    ...(input.auto_incidents !== undefined && {
      autoIncidents: input.auto_incidents === null ? null : ownSettings({ ...existing.autoIncidents, ...input.auto_incidents }),
    }),
    ...monitorChange,
    updatedAt: now,
  };
  if (!unmonitor && !changesAnything(existing, patch)) return noChange(existing);
  const result = { ...existing, ...patch };
  return {
    statements: [
      componentUnchanged(db, id, existing.updatedAt),
      ...(renamed ? [nameStillFree(db, "component", input.name!, id, compared)] : []),
      updateComponent(db, id, patch),
      ...statusMove.statements,
      audited(db, actor, { action: "component.edit", entityType: "component", entityId: id, before: existing, after: result }, now),
    ],
    eventIds: statusMove.eventIds,
    result,
    conflict: renamed ? renameChanged("component") : CHANGED,
  };
}

export async function deleteComponent(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const existing = await findComponent(db, id);
  if (!existing) throw notFound("Component");
  const orphaned = await resolveOrphanedAutoIncidents(db, existing, now);
  await assertSubjectOfNothingOpen(db, existing, new Set(orphaned.resolvedIds));
  // Whoever followed this component and no other would otherwise go quiet without knowing why.
  const removal = outboxInsert(
    db,
    { type: "component.removed", payload: { component_id: id, component_name: existing.name, removed_at: iso(now) }, componentIds: [id] },
    now,
  );
  return {
    statements: [
      componentUnchanged(db, id, existing.updatedAt),
      // Before the row goes: what the resolve records about the component is then removed with it, and so is
      // what its last followers follow.
      ...orphaned.statements,
      soleSubjectOfNothing(db, id),
      removal.statement,
      deliveriesToLastFollowers(db, removal.id, id, now),
      deleteComponentRow(db, id),
      dropComponentFromTemplates(db, id),
      audited(db, actor, { action: "component.delete", entityType: "component", entityId: id, before: existing, after: null }, now),
    ],
    eventIds: [...orphaned.eventIds, removal.id],
    result: null,
    conflict: CHANGED,
  };
}

/**
 * An automatic incident about this component alone would outlive it as an incident about nothing, which the
 * page reads as one about the whole page, until the next round resolved it. Beacon resolves it with the
 * delete instead, saying why; each write holds only while no person has taken the incident over.
 */
async function resolveOrphanedAutoIncidents(db: Database, component: ComponentRow, now: number) {
  const orphaned = (await loadManagedIncidents(db, now)).filter(
    (i) => isOpenIncident(i.status) && i.links.length > 0 && i.links.every((l) => l.componentId === component.id),
  );
  if (!orphaned.length) return { statements: [], eventIds: [], resolvedIds: [] };
  const plans: AutoIncidentPlan[] = orphaned.map((incident) => ({
    kind: "resolve",
    incident,
    message: `${component.name} was removed from this page. Resolved automatically.`,
    links: incident.links.map((l) => ({ componentId: l.componentId, status: l.status, announced: false })),
  }));
  return { ...(await autoIncidentStatements(db, plans, await loadStatusState(db), { now })), resolvedIds: orphaned.map((i) => i.id) };
}

/**
 * A person's open incident, or an upcoming or running window, about this component alone would be left about
 * nothing, which readers and subscribers take to mean the whole page: its author names another component on
 * it, or ends it, first. (Beacon's own automatic incidents, in `resolving`, are resolved with the delete.)
 */
async function assertSubjectOfNothingOpen(db: Database, component: ComponentRow, resolving: Set<string>) {
  const sole = await soleSubjectOf(db, component.id);
  const incident = sole.incidents.find((i) => !resolving.has(i.id));
  if (incident) {
    throw conflict(`${component.name} is the only component of the open incident "${incident.title}": name another component on it, or resolve it, before deleting ${component.name}.`, [
      { path: "id", message: `is the only component of open incident ${incident.id}`, code: "component_in_use" },
    ]);
  }
  const window = sole.windows[0];
  if (window) {
    throw conflict(`${component.name} is the only component of the maintenance window "${window.title}": name another component on it, or complete or cancel it, before deleting ${component.name}.`, [
      { path: "id", message: `is the only component of maintenance window ${window.id}`, code: "component_in_use" },
    ]);
  }
}

/**
 * The page order after a reorder: the listed components, in the order given, where the first of them (in the
 * current order) stood; every other component keeps its place relative to the rest. A full list is simply
 * the new order.
 */
export function reorderedIds(current: string[], ids: string[]): string[] {
  const listed = new Set(ids);
  // Nothing before the first listed one is listed, so it keeps exactly that many components ahead of it.
  const at = current.findIndex((id) => listed.has(id));
  const rest = current.filter((id) => !listed.has(id));
  return [...rest.slice(0, at), ...ids, ...rest.slice(at)];
}

/** Puts the listed components in the given order and numbers every component 1..n, so no two share a place. */
export async function reorderComponents(db: Database, ids: string[], actor: Actor, now: number): Promise<Change<{ ids: string[] }>> {
  const positions = await componentPositions(db);
  const order = positions.map((c) => c.id);
  const known = new Set(order);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw unknownComponents("ids", ids, unknown);
  if (new Set(ids).size !== ids.length) throw badRequest("ids must not repeat");
  const next = reorderedIds(order, ids);
  const placeOf = new Map(positions.map((c) => [c.id, c.position]));
  return {
    statements: [
      orderUnchanged(db, positions),
      // Only the components whose place changes are written, so an edit of another one racing this is not lost.
      // Their updated_at stays: it is the version an open edit form was drawn from, and that form does not set
      // the place, so a reorder meanwhile must not make it stale (orderUnchanged guards the places themselves).
      ...next.flatMap((id, i) => (placeOf.get(id) === i + 1 ? [] : [updateComponent(db, id, { position: i + 1 })])),
      audited(db, actor, { action: "component.reorder", entityType: "component", entityId: "*", before: { ids: order }, after: { ids: next } }, now),
    ],
    eventIds: [],
    result: { ids: next },
    conflict: "The order changed while this request was being made (a component was added, deleted or moved); reload the list and try again.",
  };
}

export async function createGroup(db: Database, input: GroupInput, actor: Actor, now: number): Promise<Change<GroupRow>> {
  const compared = await assertNameFree(db, "group", input.name, null);
  const row: GroupRow = {
    id: crypto.randomUUID(),
    name: input.name,
    description: input.description ?? null,
    position: input.position ?? (await nextGroupPosition(db)),
    collapsed: input.collapsed ?? false,
    createdAt: now,
    updatedAt: now,
  };
  return {
    statements: [
      nameStillFree(db, "group", row.name, row.id, compared),
      insertGroup(db, row),
      audited(db, actor, { action: "group.create", entityType: "group", entityId: row.id, before: null, after: row }, now),
    ],
    eventIds: [],
    result: row,
    conflict: takenMeanwhile("group", row.name),
    conflictDetails: [nameTaken("group")],
  };
}

/** `shown`: the group's updated_at as the form sent was drawn (see assertAsShown). */
export async function editGroup(db: Database, id: string, input: EditGroupInput, actor: Actor, now: number, shown?: number): Promise<Change<GroupRow>> {
  const existing = await findGroup(db, id);
  if (!existing) throw notFound("Group");
  assertAsShown(existing.updatedAt, shown);
  const renamed = input.name !== undefined && input.name !== existing.name;
  const compared = renamed ? await assertNameFree(db, "group", input.name!, id) : [];
  const patch = {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.position !== undefined && { position: input.position }),
    ...(input.collapsed !== undefined && { collapsed: input.collapsed }),
    updatedAt: now,
  };
  if (!changesAnything(existing, patch)) return noChange(existing);
  const result = { ...existing, ...patch };
  return {
    statements: [
      groupUnchanged(db, id, existing.updatedAt),
      ...(renamed ? [nameStillFree(db, "group", input.name!, id, compared)] : []),
      updateGroup(db, id, patch),
      audited(db, actor, { action: "group.edit", entityType: "group", entityId: id, before: existing, after: result }, now),
    ],
    eventIds: [],
    result,
    conflict: renamed ? renameChanged("group") : CHANGED,
  };
}

/** Its components stay, ungrouped (the foreign key sets group_id to null). */
export async function deleteGroup(db: Database, id: string, actor: Actor, now: number): Promise<Change<null>> {
  const existing = await findGroup(db, id);
  if (!existing) throw notFound("Group");
  return {
    statements: [
      groupUnchanged(db, id, existing.updatedAt),
      deleteGroupRow(db, id),
      audited(db, actor, { action: "group.delete", entityType: "group", entityId: id, before: existing, after: null }, now),
    ],
    eventIds: [],
    result: null,
    conflict: CHANGED,
  };
}
