import { encodeCursor, type PageCursor } from "../cursor";
import type { SnapshotIncident } from "./types";

// Paging over the snapshot's incidents, which are kept newest first (ties by id, descending). A page is
// found by binary search and only its incidents are serialized; the window itself is the list's prefix of
// incidents started in it plus a scan of the older ones for any still open in it. Nothing per cursor is kept.

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

/** Whether an incident was open at some moment since `since`: started then, or still open, or resolved since. */
export const openSince = (i: SnapshotIncident, since: number) => i.started_at >= since || i.resolved_at === null || i.resolved_at >= since;

/**
 * The incidents of a window, newest first: those started in it, then the few started earlier that were still
 * open in it (an incident still going, or resolved inside the window, is part of its history).
 */
export function incidentsInWindow(incidents: SnapshotIncident[], since: number): SnapshotIncident[] {
  const started = incidentsSinceCount(incidents, since);
  const window = incidents.slice(0, started);
  for (let n = started; n < incidents.length; n++) if (openSince(incidents[n]!, since)) window.push(incidents[n]!);
  return window;
}

export function incidentPage(incidents: SnapshotIncident[], opts: { since: number; limit: number; cursor?: PageCursor }) {
  const window = incidentsInWindow(incidents, opts.since);
  const total = window.length;
  const { cursor } = opts;
  const start = cursor ? firstIndex(window, (i) => i.started_at < cursor.at || (i.started_at === cursor.at && i.id < cursor.id)) : 0;
  const end = Math.min(total, start + opts.limit);
  const page = window.slice(Math.min(start, end), end);
  return { incidents: page, total, next_cursor: end < total && page.length ? encodeCursor({ at: page.at(-1)!.started_at, id: page.at(-1)!.id }) : null };
}
