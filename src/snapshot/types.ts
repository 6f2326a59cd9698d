import type {
  CheckKind,
  ComponentStatus,
  IncidentStatus,
  MaintenanceStatus,
  RegionOutcome,
  Severity,
  ShownStatus,
} from "../db/schema";
import type { LatencyRange } from "../uptime/latency";

// Everything the public sees, built from D1 after each write and served without touching D1.
// Times are epoch milliseconds here; each endpoint formats them for its audience.

export interface UptimeDay {
  date: string;
  uptime: number | null;
  /** `under_maintenance` for a day spent entirely under maintenance; null for a day without data. */
  worst_status: ShownStatus | null;
  /** Weighted (major + 0.3 x partial), rounded to whole seconds. */
  downtime_seconds: number;
  observed_seconds: number;
  partial_seconds: number;
  major_seconds: number;
  maintenance_seconds: number;
  incident_ids: string[];
  /** The worst status the day's incidents reported for the component that day (operational when none did). */
  reported_status: ComponentStatus;
  has_data: boolean;
}

/**
 * One bucket of response times: [start, count, p50_ms, p95_ms, min_ms, max_ms, failed_checks,
 * maintenance_checks]; the ms values are null when no check answered. Only buckets with data are kept:
 * a missing bucket is a gap.
 */
export type LatencyBucket = [number, number, number | null, number | null, number | null, number | null, number, number];

export interface UptimeWindows {
  "30_days": number | null;
  "60_days": number | null;
  "90_days": number | null;
}

export interface SnapshotComponent {
  id: string;
  name: string;
  description: string | null;
  position: number;
  group_id: string | null;
  check_kind: CheckKind;
  status: ShownStatus;
  monitored_status: ComponentStatus;
  /** A check observes it, or it has an HTTP monitor awaiting its first check. */
  monitored: boolean;
  /** An HTTP monitor that has not reported yet: monitored, but its checks have said nothing so far. */
  awaiting_first_check: boolean;
  last_checked_at: number | null;
  /** When its shown status was last set: its last move, or its creation (absent in older snapshots). */
  status_since?: number;
  /** Null when the latest check got no response (a timeout, a refused connection): no response time. */
  last_latency_ms: number | null;
  /** Set when the latest check got no answer: the timeout it waited. */
  no_answer_within_ms?: number;
  created_at: number;
  updated_at: number;
  uptime: UptimeWindows;
  /** The last 90 calendar days, oldest first. */
  days: UptimeDay[];
  /** Uptime over the last 24 hours (96 quarter hours), by the same formula as the days. */
  uptime_24h?: number | null;
  /** Response times per range ("24h": quarter hours, "7d": hours, "90d": days), oldest first. */
  latency?: Record<LatencyRange, LatencyBucket[]>;
  /** What each region saw in the latest check, for monitors probed from several regions; absent otherwise. */
  regions?: { region: string; outcome: RegionOutcome; latency_ms: number | null; no_answer_within_ms?: number }[];
}

export interface SnapshotGroup {
  id: string;
  name: string;
  description: string | null;
  position: number;
  collapsed: boolean;
  component_ids: string[];
  created_at?: number;
  updated_at?: number;
}

export interface SnapshotIncidentUpdate {
  id: string;
  status: IncidentStatus;
  message: string;
  estimated_resolution: number | null;
  created_at: number;
  updated_at: number;
  /** false when the admin posted it without telling subscribers; absent when they were told. */
  notified?: false;
  /** true when it withdrew the ETA given earlier: no ETA stands after it (see currentEta). */
  eta_withdrawn?: true;
}

export interface SnapshotIncident {
  id: string;
  title: string;
  description: string;
  status: IncidentStatus;
  severity: Severity;
  started_at: number;
  resolved_at: number | null;
  root_cause: string | null;
  resolution: string | null;
  postmortem: string | null;
  postmortem_published_at: number | null;
  created_at: number;
  updated_at: number;
  /** Opened by the checks ("Detected automatically"); absent in snapshots built before it was kept. */
  automatic?: boolean;
  /** When a person took an automatic incident over; from then on Beacon leaves it to them. */
  taken_over_at?: number | null;
  /**
   * `released`: an update took it off the incident while open (kept on a resolved incident's record);
   * `added_at`: when the incident named it (absent when named before that was recorded).
   */
  components: { id: string; name: string; status: ComponentStatus; released?: true; added_at?: number }[];
  /** Newest first. */
  updates: SnapshotIncidentUpdate[];
  /** Shown-status moves this incident caused, oldest first (absent in snapshots built before they were kept). */
  status_changes?: SnapshotStatusChange[];
}

export interface SnapshotStatusChange {
  component_id: string;
  from: ShownStatus;
  to: ShownStatus;
  at: number;
}

export interface SnapshotMaintenance {
  id: string;
  title: string;
  description: string;
  status: MaintenanceStatus;
  scheduled_start: number;
  scheduled_end: number;
  started_at: number | null;
  completed_at: number | null;
  cancelled_at: number | null;
  created_at: number;
  updated_at: number;
  /** Raised by every change (absent in snapshots built before it was kept). */
  revision?: number;
  /** false when subscribers are not told of the window's start, completion or cancellation. */
  notify?: false;
  components: { id: string; name: string }[];
  /**
   * Each component's shown status around the window's steps, by component id (absent in snapshots built
   * before it was kept): what Statuspage's updates say each step moved. null where the component has no
   * recorded move at all: it has shown its present status all along.
   */
  statuses?: Record<string, WindowStatuses>;
}

/** A component's shown status as the window was written, just before and after it started, and it ended. */
export type WindowStatuses = [written: ShownStatus | null, beforeStart: ShownStatus | null, afterStart: ShownStatus | null, beforeEnd: ShownStatus | null, afterEnd: ShownStatus | null];

export interface PageInfo {
  name: string;
  url: string;
  logo_url: string | null;
  description: string | null;
  time_zone: string;
}

export interface Snapshot {
  /** Grows with every build; readers compare it to know whether they hold the latest. */
  version: number;
  generated_at: number;
  page: PageInfo;
  overall_status: ShownStatus;
  groups: SnapshotGroup[];
  /** In page order. */
  components: SnapshotComponent[];
  /** Unresolved ones and those started in the last 365 days, newest first. */
  incidents: SnapshotIncident[];
  /** Upcoming, in progress, and those that ended in the last 365 days, by start. */
  maintenances: SnapshotMaintenance[];
  /**
   * The first 8 characters of the id of every incident older than `incidents` holds, sorted: an id not in it
   * is answered 404 without a D1 query (absent in snapshots built before it was kept).
   */
  older_incident_prefixes?: string[];
  /**
   * The id of every incident `incidents` holds, in its order, set when encoded: an isolate knows whether an
   * incident exists without parsing them all (absent in a snapshot as built, and in one stored before it).
   */
  incident_ids?: string[];
}

/** How many days of incidents and maintenance the snapshot carries (the longest window any endpoint serves). */
export const SNAPSHOT_HISTORY_DAYS = 365;
export const UPTIME_DAYS = 90;
