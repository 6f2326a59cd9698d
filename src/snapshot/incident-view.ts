import type { Database } from "../db/client";
import { loadIncidentMoves, loadIncidentRows } from "../db/queries/incidents";
import { incidentFromRow, isOpenIncident, asSetWhileOpen, updateFromRow } from "./build";
import type { Snapshot, SnapshotIncident } from "./types";

/** One incident in the snapshot's shape, read from D1 (incidents older than the snapshot, and admin writes' starting point). */
export async function loadIncidentView(db: Database, id: string): Promise<SnapshotIncident | null> {
  const rows = await loadIncidentRows(db, id);
  if (!rows) return null;
  const incident: SnapshotIncident = { ...incidentFromRow(rows.row), components: rows.links, updates: rows.updates.map(updateFromRow) };
  if (isOpenIncident(incident.status)) return incident;
  // Resolved: listed with every component it set while open, as the snapshot lists it.
  const { moves, order } = await loadIncidentMoves(db, rows.row);
  incident.status_changes = moves;
  asSetWhileOpen([incident], order);
  return incident;
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
