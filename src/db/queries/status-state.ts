import { eq, inArray } from "drizzle-orm";
import type { Database } from "../client";
import type { Statement } from "../batch";
import { components, incidentComponents, incidents, maintenanceComponents, maintenances, statusChanges, type ChangeSource, type ComponentStatus, type ShownStatus } from "../schema";
import { insertEvent } from "./outbox";
import { shownStatus } from "../../status";

/** What a component's shown status is computed from, loaded in one round trip. */
export interface StatusState {
  components: { id: string; name: string; position: number; monitoredStatus: ComponentStatus; monitored: boolean }[];
  openLinks: { incidentId: string; componentId: string; status: ComponentStatus }[];
  maintenanceLinks: { maintenanceId: string; componentId: string }[];
}

export async function loadStatusState(db: Database): Promise<StatusState> {
  const [componentRows, openLinks, maintenanceLinks] = await db.batch([
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
  ]);
  return { components: componentRows, openLinks, maintenanceLinks };
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
): { statements: Statement[]; eventIds: string[]; changes: { componentId: string; from: ShownStatus; to: ShownStatus }[] } {
  const from = shownStatuses(before);
  const to = shownStatuses(after);
  const names = new Map(after.components.map((c) => [c.id, c.name]));
  const statements: Statement[] = [];
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
