import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { components, incidentComponents, incidents, maintenanceComponents, maintenances, statusChanges, statusClaim, type ChangeSource, type ComponentStatus, type ShownStatus } from "../schema";
import { statusGuard } from "./guards";
import { insertEvent } from "./outbox";
import { shownStatus } from "../../status";

/** What a component's shown status is computed from, loaded in one round trip. */
export interface StatusState {
  components: { id: string; name: string; position: number; monitoredStatus: ComponentStatus; monitored: boolean }[];
  openLinks: { incidentId: string; componentId: string; status: ComponentStatus }[];
  maintenanceLinks: { maintenanceId: string; componentId: string }[];
  /**
   * The status claim token this state was read at, and the one a write from it swaps in (see statusClaim).
   * States derived from one read share it, so several steps of one batch claim once.
   */
  claim?: { read: number; next: number };
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
      .orderBy(components.position, components.createdAt),
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
    db.select({ token: statusClaim.token }).from(statusClaim).where(eq(statusClaim.id, 1)),
  ]);
  const read = claimRows[0]?.token ?? 0;
  let next = newToken();
  while (next === read) next = newToken();
  return { components: componentRows, openLinks, maintenanceLinks, claim: { read, next } };
}

/**
 * The statements that make a write from `state` conditional on no other write having moved statuses since
 * it was read: a guard that the claim still holds the token read (or this write's own, taken by an earlier
 * step of the same batch), then the swap to this write's token. A batch that lost the race fails on the
 * guard, changes nothing, and is told by isStatusConflict.
 */
export function claimStatements(db: Database, state: StatusState): Statement[] {
  if (!state.claim) return [];
  const { read, next } = state.claim;
  const current = sql`coalesce((select ${statusClaim.token} from ${statusClaim} where ${statusClaim.id} = 1), 0)`;
  return [
    statusGuard(db, sql`${current} in (${read}, ${next})`, "status moved"),
    db.insert(statusClaim).values({ id: 1, token: next }).onConflictDoUpdate({ target: statusClaim.id, set: { token: next } }),
  ];
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
  /** Whether this step changes what statuses are derived from; a step that only re-reads them need not claim. */
  opts: { claim?: boolean } = {},
): { statements: Statement[]; eventIds: string[]; changes: { componentId: string; from: ShownStatus; to: ShownStatus }[] } {
  const from = shownStatuses(before);
  const to = shownStatuses(after);
  const names = new Map(after.components.map((c) => [c.id, c.name]));
  const statements: Statement[] = opts.claim === false ? [] : claimStatements(db, before);
  const eventIds: string[] = [];
  const changes: { componentId: string; from: ShownStatus; to: ShownStatus }[] = [];
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
        payload: { component_id: componentId, component_name: names.get(componentId), from: previous, to: next, source: cause.source, at: cause.at },
        componentIds: [componentId],
      },
      cause.now,
    );
    statements.push(event.statement);
    eventIds.push(event.id);
  }
  return { statements, eventIds, changes };
}
