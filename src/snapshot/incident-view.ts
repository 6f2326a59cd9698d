import type { Database } from "../db/client";
import { loadIncidentMoves, loadIncidentRows } from "../db/queries/incidents";
import { incidentFromRow, isOpenIncident, asSetWhileOpen, updateFromRow } from "./build";
import type { Snapshot, SnapshotIncident, SnapshotStatusChange } from "./types";

/** One incident in the snapshot's shape, read from D1 (incidents older than the snapshot, and admin writes' starting point). */
export async function loadIncidentView(db: Database, id: string): Promise<SnapshotIncident | null> {
  const rows = await loadIncidentRows(db, id);
  if (!rows) return null;
  const incident: SnapshotIncident = { ...incidentFromRow(rows.row), components: rows.links, updates: rows.updates.map(updateFromRow) };
  if (isOpenIncident(incident.status)) return incident;
  await listAsSetWhileOpen(db, incident);
  return incident;
}

/**
 * Lists a resolved incident read from D1 with every component it set while open, as the snapshot lists it,
 * from its status moves (and `later` ones its resolution makes in the same write).
 */
export async function listAsSetWhileOpen(db: Database, incident: SnapshotIncident, later: SnapshotStatusChange[] = []) {
  const { moves, order } = await loadIncidentMoves(db, { id: incident.id, automatic: incident.automatic ?? false, startedAt: incident.started_at, resolvedAt: incident.resolved_at });
  incident.status_changes = [...moves, ...later];
  asSetWhileOpen([incident], order);
}

/**
 * Whether an incident the snapshot does not hold may still exist in D1: only when the snapshot's index of
 * older incidents has its id's prefix. Anything else (a made-up id) is unknown without a query.
 */
export function mayBeOlderIncident(snapshot: Snapshot, id: string): boolean {
  const index = snapshot.older_incident_prefixes;
  if (!index) return true;
  const prefix = id.slice(0, 8).toLowerCase();
  let low = 0;
  let high = index.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = index[mid]!;
    if (at === prefix) return true;
    if (at < prefix) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}
