import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder } from "./components";
import type { Statement } from "../batch";
import { components, incidentComponents, incidents, maintenanceComponents, maintenances, statusChanges, statusClaims, type ChangeSource, type ComponentStatus, type ShownStatus } from "../schema";
import { statusGuard } from "./guards";
import { insertEvent } from "./outbox";
import { shownStatus } from "../../status";

/** What a component's shown status is computed from, loaded in one round trip. */
export interface StatusState {
  components: { id: string; name: string; position: number; monitoredStatus: ComponentStatus; monitored: boolean }[];
  openLinks: { incidentId: string; componentId: string; status: ComponentStatus }[];
  maintenanceLinks: { maintenanceId: string; componentId: string }[];
  /**
   * Each component's status claim token when this state was read (none: 0), and the one a write from it
   * swaps in (see statusClaims). States derived from one read share it, so steps of one batch that claim the
   * same component agree.
   */
  claim?: { read: Map<string, number>; next: number };
}

/** A token no other write will pick: 48 random bits. */
function newToken(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high! & 0xffff) * 2 ** 32 + low!;
}

export async function loadStatusState(db: Database): Promise<StatusState> {
  const [componentRows, openLinks, maintenanceLinks, claimRows] = await db.batch([
    db
      .select({ id: components.id, name: components.name, position: components.position, monitoredStatus: components.monitoredStatus, monitored: components.monitored })
      .from(components)
      .orderBy(...componentPageOrder),
    db
      .select({ incidentId: incidentComponents.incidentId, componentId: incidentComponents.componentId, status: incidentComponents.status })
      .from(incidentComponents)
      .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
      .where(inArray(incidents.status, ["investigating", "identified", "monitoring"])),
    db
      .select({ maintenanceId: maintenanceComponents.maintenanceId, componentId: maintenanceComponents.componentId })
      .from(maintenanceComponents)
      .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
      .where(eq(maintenances.status, "in_progress")),
    db.select({ componentId: statusClaims.componentId, token: statusClaims.token }).from(statusClaims),
  ]);
  const read = new Map(claimRows.map((row) => [row.componentId, row.token]));
  return { components: componentRows, openLinks, maintenanceLinks, claim: { read, next: newToken() } };
}

/**
 * The statements that make a write from `state` conditional on no other write having moved what these
 * components' statuses derive from since it was read: a guard that each one's claim still holds the token
 * read (or this write's own, taken by an earlier step of the same batch), then the swap to this write's
 * token. Two statements however many components. A batch that lost the race fails on the guard, changes
 * nothing, and is told by isStatusConflict.
 */
export function claimStatements(db: Database, state: StatusState, componentIds: Iterable<string>): Statement[] {
  if (!state.claim) return [];
  const { read, next } = state.claim;
  const claimed = [...new Set(componentIds)].map((id) => [id, read.get(id) ?? 0]);
  if (claimed.length === 0) return [];
  const json = JSON.stringify(claimed);
  const moved = sql`exists (select 1 from json_each(${json}) as c left join ${statusClaims} on ${statusClaims.componentId} = c.value ->> 0
    where coalesce(${statusClaims.token}, 0) not in (c.value ->> 1, ${next}))`;
  return [
    statusGuard(db, sql`not ${moved}`, "status moved"),
    db
      .insert(statusClaims)
      .select(sql`select value ->> 0, ${next} from json_each(${json}) where true`)
      .onConflictDoUpdate({ target: statusClaims.componentId, set: { token: next } }),
  ];
}

/** What a component's shown status is computed from, as text: two states with the same one show the same. */
function inputsOf(state: StatusState): Map<string, string> {
  const links = new Map<string, string[]>();
  for (const l of state.openLinks) links.set(l.componentId, [...(links.get(l.componentId) ?? []), `${l.incidentId}:${l.status}`]);
  for (const l of state.maintenanceLinks) links.set(l.componentId, [...(links.get(l.componentId) ?? []), `maintenance:${l.maintenanceId}`]);
  return new Map(state.components.map((c) => [c.id, [c.monitoredStatus, c.monitored, ...(links.get(c.id) ?? []).sort()].join(" ")]));
}

/** The components whose status inputs differ between two states (added and removed ones included). */
export function componentsMoved(before: StatusState, after: StatusState): string[] {
  const from = inputsOf(before);
  const to = inputsOf(after);
  const moved = [...to].filter(([id, inputs]) => from.get(id) !== inputs).map(([id]) => id);
  for (const id of from.keys()) if (!to.has(id)) moved.push(id);
  return moved;
}

export function shownStatuses(state: StatusState): Map<string, ShownStatus> {
  const incidentStatuses = new Map<string, ComponentStatus[]>();
  for (const link of state.openLinks) {
    incidentStatuses.set(link.componentId, [...(incidentStatuses.get(link.componentId) ?? []), link.status]);
  }
  const inMaintenance = new Set(state.maintenanceLinks.map((l) => l.componentId));
  return new Map(
    state.components.map((c) => [
      c.id,
      shownStatus({
        monitoredStatus: c.monitoredStatus,
        monitored: c.monitored,
        incidentStatuses: incidentStatuses.get(c.id) ?? [],
        inMaintenance: inMaintenance.has(c.id),
      }),
    ]),
  );
}

/**
 * Statements recording every shown-status move between two states: a status_changes row each, and one
 * `component.status` outbox event per moved component (for subscribers who follow status changes).
 * Callers add them to the batch that makes the change, so the record and the change are one.
 */
export function statusChangeStatements(
  db: Database,
  before: StatusState,
  after: StatusState,
  cause: { source: ChangeSource; referenceId?: string | null; at: number; now: number },
  opts: {
    /** Whether this step changes what statuses are derived from; a step that only re-reads them need not claim. */
    claim?: boolean;
    /**
     * Moves another message of the same batch tells (an automatic incident's update saying a component is back),
     * by component: the move's event names that message's event, and is announced only if it was not written.
     */
    toldIn?: ReadonlyMap<string, string>;
  } = {},
): { statements: Statement[]; eventIds: string[]; changes: { componentId: string; from: ShownStatus; to: ShownStatus }[] } {
  const from = shownStatuses(before);
  const to = shownStatuses(after);
  const names = new Map(after.components.map((c) => [c.id, c.name]));
  const statements: Statement[] = opts.claim === false ? [] : claimStatements(db, before, componentsMoved(before, after));
  const eventIds: string[] = [];
  const changes: { componentId: string; from: ShownStatus; to: ShownStatus }[] = [];
  // Components an incident lets go of (resolved, taken off it, deleted): its message says it no longer holds
  // them, which tells a move back to operational but not where else one is left (degraded by its checks).
  const kept = new Set(after.openLinks.map((l) => `${l.incidentId} ${l.componentId}`));
  const letGo = new Set(
    cause.source === "incident" ? before.openLinks.filter((l) => l.incidentId === cause.referenceId && !kept.has(`${l.incidentId} ${l.componentId}`)).map((l) => l.componentId) : [],
  );
  for (const [componentId, next] of to) {
    const previous = from.get(componentId);
    if (!previous || previous === next) continue;
    changes.push({ componentId, from: previous, to: next });
    statements.push(
      db.insert(statusChanges).values({ componentId, fromStatus: previous, toStatus: next, source: cause.source, referenceId: cause.referenceId ?? null, at: cause.at }),
    );
    const event = insertEvent(
      db,
      {
        type: "component.status",
        payload: {
          component_id: componentId,
          component_name: names.get(componentId),
          from: previous,
          to: next,
          source: cause.source,
          at: cause.at,
          ...(opts.toldIn?.has(componentId) && { told_in: opts.toldIn.get(componentId) }),
          ...(letGo.has(componentId) && { ending: true }),
        },
        componentIds: [componentId],
      },
      cause.now,
    );
    statements.push(event.statement);
    eventIds.push(event.id);
  }
  return { statements, eventIds, changes };
}
