import type { Snapshot, SnapshotIncident, SnapshotMaintenance } from "../snapshot/types";
import { MAINTENANCE_MOVE_HEADINGS, STATUS_LABELS } from "../status";
import { iso } from "../time";
import { componentsByUpdate } from "../snapshot/update-components";
import { startedWhenWritten } from "../snapshot/build";

const FEED_DAYS = 90;
const MAX_ITEMS = 200;

export interface FeedItem {
  /** Stable and unique: the RSS guid and the JSON Feed id. */
  id: string;
  /** The same item as an IRI, for Atom's entry id. */
  iri: string;
  title: string;
  summary: string;
  link: string;
  /** When it happened (published); `updated` moves when its text is edited later. */
  date: number;
  updated: number;
  /**
   * JSON Feed tags: an incident's severity and the status this item set (the incident's own item the status
   * it opened with, an update's item the status that update set); for maintenance, "maintenance" and the
   * status the window moved to.
   */
  tags: string[];
  about: { incident_id: string } | { maintenance_id: string };
}

/** What every feed says it carries. */
export const feedDescription = (pageName: string) => `Incidents, their updates and maintenance from the ${pageName} status page`;

const INCIDENT_STATUS_LABELS: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  postmortem: "Postmortem",
};

function incidentItems(snapshot: Snapshot, incident: SnapshotIncident): FeedItem[] {
  const link = `${snapshot.page.url}/incidents/${incident.id}`;
  const about = { incident_id: incident.id };
  // The incident's own item is its opening: it set the status the incident opened with, its oldest update's,
  // and it says what that update said, so the update is not an item of its own (readers would see it twice).
  const opening = incident.updates.reduce<SnapshotIncident["updates"][number] | undefined>((oldest, u) => (!oldest || u.created_at < oldest.created_at ? u : oldest), undefined);
  // The components as that update left them: a later update's moves (or components) are its own news.
  const opened = opening ? componentsByUpdate(snapshot, incident).get(opening.id) : undefined;
  const affected = (opened?.map((c) => ({ name: c.name, status: c.to })) ?? incident.components).map((c) => `${c.name}: ${STATUS_LABELS[c.status]}`).join(", ");
  const openingWords = opening && opening.message !== incident.description && opening.message !== incident.title ? opening.message : null;
  const items: FeedItem[] = [
    {
      id: incident.id,
      iri: `urn:uuid:${incident.id}`,
      title: incident.title,
      summary: [
        incident.automatic && "Detected automatically.",
        incident.description,
        openingWords,
        opening?.estimated_resolution && `Estimated resolution: ${iso(opening.estimated_resolution)}`,
        affected && `Affected: ${affected}`,
        `Severity: ${incident.severity}`,
      ]
        .filter(Boolean)
        .join("\n\n"),
      link,
      // News from when it was told (its first update), not from when it began: an incident opened today
      // with a start weeks back is today's news, and a feed's window must not leave it out.
      date: opening?.created_at ?? incident.created_at,
      updated: Math.max(incident.created_at, incident.updated_at, opening?.updated_at ?? 0),
      tags: [incident.severity, opening?.status ?? incident.status],
      about,
    },
  ];
  for (const update of incident.updates) {
    if (update === opening) continue;
    const eta = update.estimated_resolution ? `\n\nEstimated resolution: ${iso(update.estimated_resolution)}` : "";
    items.push({
      id: update.id,
      iri: `urn:uuid:${update.id}`,
      title: `${incident.title}: ${INCIDENT_STATUS_LABELS[update.status] ?? update.status}`,
      summary: `${update.message}${eta}`,
      link: `${link}#update-${update.id}`,
      date: update.created_at,
      updated: Math.max(update.created_at, update.updated_at),
      tags: [incident.severity, update.status],
      about,
    });
  }
  // Its postmortem, when published: news for whoever followed the incident.
  if (incident.postmortem && incident.postmortem_published_at !== null) {
    items.push({
      id: `${incident.id}-postmortem`,
      iri: `${link}#postmortem`,
      title: `${incident.title}: ${INCIDENT_STATUS_LABELS.postmortem}`,
      summary: incident.postmortem,
      link: `${link}#postmortem`,
      date: incident.postmortem_published_at,
      updated: incident.postmortem_published_at,
      tags: [incident.severity, "postmortem"],
      about,
    });
  }
  return items;
}

/** A window's moves, each an item of its own when it happened, worded as the notifications word them. */
const MAINTENANCE_MOVES = [
  { move: "scheduled", status: "scheduled", heading: MAINTENANCE_MOVE_HEADINGS.scheduled },
  { move: "started", status: "in_progress", heading: MAINTENANCE_MOVE_HEADINGS.started },
  { move: "completed", status: "completed", heading: MAINTENANCE_MOVE_HEADINGS.completed },
  { move: "cancelled", status: "cancelled", heading: MAINTENANCE_MOVE_HEADINGS.cancelled },
] as const;

type MaintenanceMove = (typeof MAINTENANCE_MOVES)[number]["move"];

const MOVE_TIME: Record<MaintenanceMove, (m: SnapshotMaintenance) => number | null> = {
  scheduled: (m) => m.created_at,
  started: (m) => m.started_at,
  completed: (m) => m.completed_at,
  cancelled: (m) => m.cancelled_at,
};

/** What each move's item says: the plan when scheduled, then when the window really started and ended. */
function moveFacts(m: SnapshotMaintenance, move: MaintenanceMove): string[] {
  if (move === "scheduled") return [m.description, `Planned: ${iso(m.scheduled_start)} to ${iso(m.scheduled_end)}`];
  const lines = [m.started_at !== null && `Started: ${iso(m.started_at)}`];
  // Started as it was written, its start is its first news: what it is about goes with it.
  if (move === "started" && startedWhenWritten(m)) return [m.description, `Started: ${iso(m.started_at)}\nPlanned end: ${iso(m.scheduled_end)}`];
  if (move === "started") lines.push(`Planned end: ${iso(m.scheduled_end)}`);
  if (move === "completed") lines.push(`Completed: ${iso(m.completed_at)}`);
  if (move === "cancelled") lines.push(`Cancelled: ${iso(m.cancelled_at)}`);
  return [lines.filter(Boolean).join("\n")];
}

/**
 * One item when a window is scheduled, and one each when it starts, completes or is cancelled, dated when
 * that happened. Ids are stable: the window's id and the move.
 */
function maintenanceItems(m: SnapshotMaintenance, pageUrl: string): FeedItem[] {
  const link = `${pageUrl}/maintenance/${m.id}`;
  const affected = m.components.map((c) => c.name).join(", ");
  const items: FeedItem[] = [];
  for (const { move, status, heading } of MAINTENANCE_MOVES) {
    const at = MOVE_TIME[move](m);
    if (at === null || (move === "scheduled" && startedWhenWritten(m))) continue;
    items.push({
      id: `maintenance-${m.id}-${move}`,
      iri: `${link}#${move}`,
      title: `${heading}: ${m.title}`,
      summary: [...moveFacts(m, move), affected && `Affected: ${affected}`].filter(Boolean).join("\n\n"),
      link,
      date: at,
      updated: Math.max(at, m.updated_at),
      tags: ["maintenance", status],
      about: { maintenance_id: m.id },
    });
  }
  return items;
}

/**
 * The items every feed (RSS, Atom, JSON Feed) is made of, newest first, over the last 90 days: one per
 * incident and one per update, and one per move of each maintenance window; optionally only what named
 * one component.
 */
export function feedItems(snapshot: Snapshot, opts: { componentId?: string } = {}): FeedItem[] {
  const since = snapshot.generated_at - FEED_DAYS * 86_400_000;
  const names = (components: { id: string }[]) => !opts.componentId || components.some((c) => c.id === opts.componentId);
  const items: FeedItem[] = [];
  for (const incident of snapshot.incidents) {
    // By each item's own date: a long incident's update today is news, though it started months ago.
    if (names(incident.components)) items.push(...incidentItems(snapshot, incident).filter((item) => item.date >= since));
  }
  for (const m of snapshot.maintenances) {
    if (names(m.components)) items.push(...maintenanceItems(m, snapshot.page.url).filter((item) => item.date >= since));
  }
  return items.sort((a, b) => b.date - a.date || a.id.localeCompare(b.id)).slice(0, MAX_ITEMS);
}
