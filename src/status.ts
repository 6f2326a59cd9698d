import type { ComponentStatus, ShownStatus } from "./db/schema";

// Maintenance sits below any degradation or outage: a window does not hide an incident that says worse.
const RANK: Record<ShownStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded: 2,
  partial_outage: 3,
  major_outage: 4,
};

export const statusRank = (status: ShownStatus) => RANK[status];

export function worstStatus<S extends ShownStatus>(statuses: Iterable<S>, fallback: S): S {
  let worst = fallback;
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status;
  return worst;
}

/**
 * What a component shows: the worst of its monitored status and what open incidents set for it; while a
 * maintenance window covering it is in progress, `under_maintenance` unless an incident says worse.
 * A component that is not monitored contributes nothing from its checks.
 */
export function shownStatus(input: {
  monitoredStatus: ComponentStatus;
  monitored: boolean;
  incidentStatuses: ComponentStatus[];
  inMaintenance: boolean;
}): ShownStatus {
  const fromIncidents = worstStatus<ShownStatus>(input.incidentStatuses, "operational");
  if (input.inMaintenance) return worstStatus<ShownStatus>([fromIncidents], "under_maintenance");
  const fromChecks: ShownStatus = input.monitored ? input.monitoredStatus : "operational";
  return worstStatus<ShownStatus>([fromChecks, fromIncidents], "operational");
}

export const overallStatus = (statuses: ShownStatus[]): ShownStatus => worstStatus(statuses, "operational");

export const STATUS_LABELS: Record<ShownStatus, string> = {
  operational: "Operational",
  degraded: "Degraded Performance",
  partial_outage: "Partial Outage",
  major_outage: "Major Outage",
  under_maintenance: "Under Maintenance",
};

export const OVERALL_LABELS: Record<ShownStatus, string> = {
  operational: "All Systems Operational",
  degraded: "Degraded Performance",
  partial_outage: "Partial System Outage",
  major_outage: "Major System Outage",
  under_maintenance: "Service Under Maintenance",
};
