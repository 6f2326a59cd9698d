import { encodeCursor, type PageCursor } from "../cursor";
import type { SnapshotIncident } from "./types";

// Paging over the snapshot's incidents, which are kept newest first (ties by id, descending). A page is
// found by binary search and only its incidents are serialized, so a paged read costs O(log n + limit)
// whatever the cursor, and nothing per cursor is kept in memory.

/** The first index whose incident satisfies `test`, where `test` is false then true along the list. */
function firstIndex(incidents: SnapshotIncident[], test: (i: SnapshotIncident) => boolean): number {
  let lo = 0;
  let hi = incidents.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(incidents[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Incidents started at or after `since`: a prefix of the newest-first list. */
export const incidentsSinceCount = (incidents: SnapshotIncident[], since: number) => firstIndex(incidents, (i) => i.started_at < since);

export function incidentPage(incidents: SnapshotIncident[], opts: { since: number; limit: number; cursor?: PageCursor }) {
  const total = incidentsSinceCount(incidents, opts.since);
  const { cursor } = opts;
  const start = cursor ? firstIndex(incidents, (i) => i.started_at < cursor.at || (i.started_at === cursor.at && i.id < cursor.id)) : 0;
  const end = Math.min(total, start + opts.limit);
  const page = incidents.slice(Math.min(start, end), end);
  return { incidents: page, total, next_cursor: end < total && page.length ? encodeCursor({ at: page.at(-1)!.started_at, id: page.at(-1)!.id }) : null };
}
