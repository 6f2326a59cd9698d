import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { componentNames, dueMaintenances, maintenanceComponentIds, updateMaintenance, type MaintenanceRow } from "../db/queries/maintenance";
import { loadStatusState, statusChangeStatements, type StatusState } from "../db/queries/status-state";
import { iso } from "../snapshot/format";
import { outboxInsert } from "../notify/outbox";
import type { NotifyEventType } from "../notify/messages";

/** What notifications say about a maintenance window, captured when the event happens. */
export async function maintenanceEventPayload(db: Database, m: Pick<MaintenanceRow, "id" | "title" | "description" | "scheduledStart" | "scheduledEnd">, status: string, componentIds: string[]) {
  const names = await componentNames(db, componentIds);
  return {
    maintenance_id: m.id,
    title: m.title,
    description: m.description,
    status,
    scheduled_start: iso(m.scheduledStart),
    scheduled_end: iso(m.scheduledEnd),
    components: names.map((n) => n.name),
  };
}

/**
 * Moves maintenance windows on time: scheduled -> in_progress at their start (their components show
 * under_maintenance), -> completed at their end. Each move records the status changes it causes and an
 * outbox event, in one batch. Returns the statements and event ids for the caller to commit.
 */
export async function maintenanceTransitions(db: Database, now: number): Promise<{ statements: Statement[]; eventIds: string[]; moved: number }> {
  const { toStart, toComplete } = await dueMaintenances(db, now);
  if (!toStart.length && !toComplete.length) return { statements: [], eventIds: [], moved: 0 };
  const before = await loadStatusState(db);
  let state: StatusState = before;
  const statements: Statement[] = [];
  const eventIds: string[] = [];

  const move = async (m: MaintenanceRow, type: NotifyEventType, status: "in_progress" | "completed") => {
    const componentIds = await maintenanceComponentIds(db, m.id);
    const next: StatusState =
      status === "in_progress"
        ? { ...state, maintenanceLinks: [...state.maintenanceLinks, ...componentIds.map((componentId) => ({ maintenanceId: m.id, componentId }))] }
        : { ...state, maintenanceLinks: state.maintenanceLinks.filter((l) => l.maintenanceId !== m.id) };
    const at = status === "in_progress" ? m.scheduledStart : m.scheduledEnd;
    const changes = statusChangeStatements(db, state, next, { source: "maintenance", referenceId: m.id, at, now });
    state = next;
    const event = outboxInsert(db, { type, payload: await maintenanceEventPayload(db, m, status, componentIds), componentIds }, now);
    statements.push(
      updateMaintenance(db, m.id, status === "in_progress" ? { status, startedAt: at, updatedAt: now } : { status, completedAt: at, startedAt: m.startedAt ?? m.scheduledStart, updatedAt: now }),
      event.statement,
      ...changes.statements,
    );
    eventIds.push(event.id, ...changes.eventIds);
  };

  for (const m of toStart) await move(m, "maintenance.started", "in_progress");
  for (const m of toComplete) await move(m, "maintenance.completed", "completed");
  return { statements, eventIds, moved: toStart.length + toComplete.length };
}
