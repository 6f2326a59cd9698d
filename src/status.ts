import type { CheckKind, ComponentStatus, Severity, ShownStatus } from "./db/schema";

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

/**
 * A component is monitored when a check has observed it, or when it has an HTTP monitor that has not reported
 * yet: that one always observes, it is only awaiting its first check. Until then its checks move nothing.
 */
export const isMonitored = (c: { monitored: boolean; checkKind: CheckKind }) => c.monitored || c.checkKind === "http";
export const awaitsFirstCheck = (c: { monitored: boolean; checkKind: CheckKind }) => !c.monitored && c.checkKind === "http";

/** The status an incident's severity implies: for the components it names by id alone, and for the whole page. */
export function statusForSeverity(severity: Severity): ComponentStatus {
  return severity === "critical" ? "major_outage" : severity === "major" ? "partial_outage" : severity === "minor" ? "degraded" : "operational";
}

/**
 * The page's one overall status, used by the API, the banner, the favicon, badges and the v2 indicator: the
 * worst of what components show and of what each open incident's severity implies, so an open incident
 * never sits under a green page, whether or not it names components. A window in progress shows maintenance
 * (even one that names no component), which ranks below any degradation.
 */
export function overallStatus(input: { componentStatuses: ShownStatus[]; openIncidentSeverities: Severity[]; maintenanceInProgress: boolean }): ShownStatus {
  const implied = input.openIncidentSeverities.map(statusForSeverity);
  return worstStatus<ShownStatus>([...input.componentStatuses, ...implied], input.maintenanceInProgress ? "under_maintenance" : "operational");
}

export const STATUS_LABELS: Record<ShownStatus, string> = {
  operational: "Operational",
  degraded: "Degraded Performance",
  partial_outage: "Partial Outage",
  major_outage: "Major Outage",
  under_maintenance: "Under Maintenance",
};

/** How a maintenance window's moves are headed, in notifications and in the feeds alike. */
export const MAINTENANCE_MOVE_HEADINGS = {
  scheduled: "Scheduled maintenance",
  rescheduled: "Maintenance rescheduled",
  started: "Maintenance in progress",
  completed: "Maintenance completed",
  cancelled: "Maintenance cancelled",
} as const;

export const OVERALL_LABELS: Record<ShownStatus, string> = {
  operational: "All Systems Operational",
  degraded: "Degraded Performance",
  partial_outage: "Partial System Outage",
  major_outage: "Major System Outage",
  under_maintenance: "Service Under Maintenance",
};
