import { SHOWN_STATUSES, type ShownStatus } from "../db/schema";
import { slot } from "../notify/slots";
import type { Snapshot } from "../snapshot/types";
import { isoMillis } from "../time";
import { listedInV2, pageId, v2ComponentStatus, v2Components, v2Incident, v2Maintenance, v2Status } from "./statuspage";

/** An outbox event as a webhook tells it. */
interface WebhookEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: number;
}

const v2StatusOf = (value: unknown) => ((SHOWN_STATUSES as readonly unknown[]).includes(value) ? v2ComponentStatus(value as ShownStatus) : null);

/**
 * The keys a Statuspage webhook carries, beside Beacon's own `type`, `timestamp` and `data`, so that tools
 * written for Statuspage's webhooks read Beacon's: `meta`, `page` (the page's status when it is sent), and
 * `incident` (an incident or a maintenance window, as /api/v2 gives them now) or `component_update` with
 * `component`. Made once per event and send; the unsubscribe link is filled in per endpoint.
 */
export function statuspageWebhookKeys(snapshot: Snapshot, event: WebhookEvent): Record<string, unknown> {
  const status = v2Status(snapshot);
  const keys: Record<string, unknown> = {
    meta: { unsubscribe: slot("unsubscribe_url"), documentation: `${snapshot.page.url}/api/docs`, generated_at: isoMillis(event.createdAt) },
    page: { id: pageId(snapshot), status_indicator: status.indicator, status_description: status.description },
  };
  const rows = v2Components(snapshot);
  const { payload } = event;
  if (event.type.startsWith("incident.")) {
    const incident = snapshot.incidents.find((i) => i.id === payload.incident_id);
    if (incident) keys.incident = v2Incident(snapshot, incident, rows);
  } else if (event.type.startsWith("maintenance.")) {
    const window = snapshot.maintenances.find((m) => m.id === payload.maintenance_id && listedInV2(m));
    if (window) keys.incident = v2Maintenance(snapshot, window, rows);
  } else if (event.type === "component.status") {
    const component = rows.find((r) => r.id === payload.component_id);
    const [from, to] = [v2StatusOf(payload.from), v2StatusOf(payload.to)];
    if (component && from && to) {
      const at = typeof payload.at === "number" && Number.isFinite(payload.at) ? payload.at : event.createdAt;
      keys.component_update = { created_at: isoMillis(at), new_status: to, old_status: from, id: event.id, component_id: component.id };
      keys.component = component;
    }
  }
  return keys;
}
