import type { Database } from "../db/client";
import { loadIncidentRows } from "../db/queries/incidents";
import { incidentFromRow, updateFromRow } from "./build";
import type { SnapshotIncident } from "./types";

/** One incident in the snapshot's shape, read from D1 (incidents older than the snapshot, and admin writes' starting point). */
export async function loadIncidentView(db: Database, id: string): Promise<SnapshotIncident | null> {
  const rows = await loadIncidentRows(db, id);
  if (!rows) return null;
  return { ...incidentFromRow(rows.row), components: rows.links, updates: rows.updates.map(updateFromRow) };
}
