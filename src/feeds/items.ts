import type { Snapshot, SnapshotIncident } from "../snapshot/types";
import { STATUS_LABELS } from "../status";

const FEED_DAYS = 90;
const MAX_ITEMS = 200;

export interface FeedItem {
  id: string;
  title: string;
  summary: string;
  link: string;
  /** When it happened (published); `updated` moves when its text is edited later. */
  date: number;
  updated: number;
  /** The incident's status for its own item; for an update's item, the status that update set. */
  status: SnapshotIncident["status"];
  incident: SnapshotIncident;
}

const INCIDENT_STATUS_LABELS: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  postmortem: "Postmortem",
};

/**
 * The items every feed (RSS, Atom, JSON Feed) is made of: one per incident and one per update, newest
 * first, over the last 90 days; optionally only incidents that affected one component.
 */
export function feedItems(snapshot: Snapshot, opts: { componentId?: string } = {}): FeedItem[] {
  const since = snapshot.generated_at - FEED_DAYS * 86_400_000;
  const items: FeedItem[] = [];
  for (const incident of snapshot.incidents) {
    if (incident.started_at < since) continue;
    if (opts.componentId && !incident.components.some((c) => c.id === opts.componentId)) continue;
    const link = `${snapshot.page.url}/incidents/${incident.id}`;
    const affected = incident.components.map((c) => `${c.name}: ${STATUS_LABELS[c.status]}`).join(", ");
    items.push({
      id: incident.id,
      title: incident.title,
      summary: [incident.automatic && "Detected automatically.", incident.description, affected && `Affected: ${affected}`, `Severity: ${incident.severity}`].filter(Boolean).join("\n\n"),
      link,
      date: incident.started_at,
      updated: Math.max(incident.started_at, incident.updated_at),
      status: incident.status,
      incident,
    });
    for (const update of incident.updates) {
      const eta = update.estimated_resolution ? `\n\nEstimated resolution: ${new Date(update.estimated_resolution).toISOString()}` : "";
      items.push({
        id: update.id,
        title: `${incident.title}: ${INCIDENT_STATUS_LABELS[update.status] ?? update.status}`,
        summary: `${update.message}${eta}`,
        link: `${link}#update-${update.id}`,
        date: update.created_at,
        updated: Math.max(update.created_at, update.updated_at),
        status: update.status,
        incident,
      });
    }
  }
  return items.sort((a, b) => b.date - a.date || a.id.localeCompare(b.id)).slice(0, MAX_ITEMS);
}
