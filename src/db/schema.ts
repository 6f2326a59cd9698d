import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Every timestamp in the database is an integer of milliseconds since the epoch (UTC).
// Every enumeration is an `as const` array shared with the zod schemas in src/validation.ts.

export const COMPONENT_STATUSES = ["operational", "degraded", "partial_outage", "major_outage"] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
/** What a component shows: a component status, or maintenance while a window covering it is in progress. */
export const SHOWN_STATUSES = [...COMPONENT_STATUSES, "under_maintenance"] as const;
export type ShownStatus = (typeof SHOWN_STATUSES)[number];

export const CHECK_KINDS = ["api", "database", "storage", "email", "auth", "http", "none"] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
/** The checks Beacon makes of the platform itself (see src/checks), one per seeded component. */
export const PLATFORM_CHECK_KINDS = ["api", "database", "storage", "email", "auth"] as const satisfies readonly CheckKind[];
export type PlatformCheckKind = (typeof PLATFORM_CHECK_KINDS)[number];

/** A single check outcome; `not_monitored` means the check has no configuration and proves nothing. */
export const CHECK_OUTCOMES = [...COMPONENT_STATUSES, "not_monitored"] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

export const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const SEVERITIES = ["none", "minor", "major", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const MAINTENANCE_STATUSES = ["scheduled", "in_progress", "completed", "cancelled"] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const CHANGE_SOURCES = ["monitor", "admin", "incident", "maintenance"] as const;
export type ChangeSource = (typeof CHANGE_SOURCES)[number];

export const CHANNELS = ["email", "sms", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];
export const SUBSCRIBER_STATUSES = ["pending", "active", "unsubscribed", "disabled"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];
export const DELIVERY_STATUSES = ["pending", "sending", "sent", "failed", "skipped", "ambiguous"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const ACTOR_KINDS = ["admin", "automation"] as const;
export const AUDIT_ENTITY_TYPES = ["incident", "maintenance", "component", "group", "template", "subscriber"] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** Durable Object location hints: the regions an HTTP monitor can be probed from. */
export const PROBE_REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type ProbeRegion = (typeof PROBE_REGIONS)[number];
/** What one region saw in a round; `no_answer` when its probe never reported. */
export const REGION_OUTCOMES = ["operational", "degraded", "major_outage", "no_answer"] as const;
export type RegionOutcome = (typeof REGION_OUTCOMES)[number];

/** Configuration of an admin-added HTTP monitor, stored as JSON on the component. */
export interface HttpMonitor {
  type: "http";
  url: string;
  method: "GET" | "HEAD" | "POST";
  expected_status: number[] | null;
  keyword: string | null;
  timeout_ms: number;
  degraded_latency_ms: number | null;
  /** Regions it is probed from; null (or absent, for monitors made before regions) means the default set. */
  regions?: ProbeRegion[] | null;
  /** Failing regions needed for the round to count as a failure; null means a majority of the regions. */
  quorum?: number | null;
}

/**
 * A component's own settings for automatic incidents, stored as JSON with only the keys an admin set; the
 * rest come from the AUTO_INCIDENTS default.
 */
export interface AutoIncidentSettings {
  enabled?: boolean;
  open_after_seconds?: number;
  resolve_after_seconds?: number;
  reopen_within_seconds?: number;
  open_on_degraded_after_seconds?: number | null;
  template?: { title: string; message: string } | null;
}

const now = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

export const componentGroups = sqliteTable("component_groups", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  position: integer("position").notNull().default(0),
  collapsed: integer("collapsed", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});

export const components = sqliteTable(
  "components",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    position: integer("position").notNull().default(0),
    groupId: text("group_id").references(() => componentGroups.id, { onDelete: "set null" }),
    checkKind: text("check_kind", { enum: CHECK_KINDS }).notNull().default("none"),
    /** The platform check the component was seeded with: an HTTP monitor may replace it, and removing the monitor brings it back. */
    platformCheck: text("platform_check", { enum: PLATFORM_CHECK_KINDS }),
    monitor: text("monitor", { mode: "json" }).$type<HttpMonitor>(),
    /** Consecutive agreeing results needed before the monitored status moves (flap damping). */
    confirmations: integer("confirmations").notNull().default(2),
    /** The status the checks have established (after damping). */
    monitoredStatus: text("monitored_status", { enum: COMPONENT_STATUSES }).notNull().default("operational"),
    monitoredSince: integer("monitored_since"),
    /** Whether the last check could actually observe the component (configured). */
    monitored: integer("monitored", { mode: "boolean" }).notNull().default(false),
    /** A candidate status seen by the latest results but not yet confirmed. */
    pendingStatus: text("pending_status", { enum: COMPONENT_STATUSES }),
    pendingCount: integer("pending_count").notNull().default(0),
    pendingSince: integer("pending_since"),
    lastCheckedAt: integer("last_checked_at"),
    lastLatencyMs: integer("last_latency_ms"),
    lastError: text("last_error"),
    autoIncidents: text("auto_incidents", { mode: "json" }).$type<AutoIncidentSettings>(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("components_position_idx").on(t.position), index("components_group_idx").on(t.groupId)],
);

export const checkResults = sqliteTable(
  "check_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    checkedAt: integer("checked_at").notNull(),
    outcome: text("outcome", { enum: CHECK_OUTCOMES }).notNull(),
    latencyMs: integer("latency_ms"),
    error: text("error"),
    inMaintenance: integer("in_maintenance", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("check_results_component_time_idx").on(t.componentId, t.checkedAt),
    index("check_results_time_idx").on(t.checkedAt),
  ],
);

/**
 * What each region's probe saw for an HTTP monitor in a round, kept as long as the raw results. The agreed
 * result (quorum) is the row in check_results; a round whose regions could not agree has none.
 */
export const checkRegionResults = sqliteTable(
  "check_region_results",
  {
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    checkedAt: integer("checked_at").notNull(),
    region: text("region").notNull(),
    outcome: text("outcome", { enum: REGION_OUTCOMES }).notNull(),
    latencyMs: integer("latency_ms"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.componentId, t.checkedAt, t.region] }), index("check_region_results_time_idx").on(t.checkedAt)],
);

/** One row per component per calendar day (page time zone); all durations in seconds. */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    day: text("day").notNull(),
    observedSeconds: integer("observed_seconds").notNull().default(0),
    degradedSeconds: integer("degraded_seconds").notNull().default(0),
    partialSeconds: integer("partial_seconds").notNull().default(0),
    majorSeconds: integer("major_seconds").notNull().default(0),
    maintenanceSeconds: integer("maintenance_seconds").notNull().default(0),
    checks: integer("checks").notNull().default(0),
    failures: integer("failures").notNull().default(0),
    worstStatus: text("worst_status", { enum: COMPONENT_STATUSES }).notNull().default("operational"),
  },
  (t) => [primaryKey({ columns: [t.componentId, t.day] }), index("daily_rollups_day_idx").on(t.day)],
);

/**
 * Response times per component per bucket: 15-minute, hourly and daily (calendar days in the page's time
 * zone) rows, each with a fixed histogram so percentiles are computed, not guessed; plus the uptime seconds
 * of the results that started in the bucket (a rolling 24 hours needs finer days). Durations in ms, except
 * the *_seconds columns.
 */
export const latencyRollups = sqliteTable(
  "latency_rollups",
  {
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    spanMs: integer("span_ms").notNull(),
    start: integer("start").notNull(),
    count: integer("count").notNull().default(0),
    minMs: integer("min_ms"),
    maxMs: integer("max_ms"),
    sumMs: integer("sum_ms").notNull().default(0),
    /** A JSON array of counts, one per LATENCY_BIN_EDGES_MS bin. */
    histogram: text("histogram").notNull(),
    failedChecks: integer("failed_checks").notNull().default(0),
    maintenanceChecks: integer("maintenance_checks").notNull().default(0),
    observedSeconds: integer("observed_seconds").notNull().default(0),
    partialSeconds: integer("partial_seconds").notNull().default(0),
    majorSeconds: integer("major_seconds").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.componentId, t.spanMs, t.start] }), index("latency_rollups_span_start_idx").on(t.spanMs, t.start)],
);

/** One row per cron run: makes a redelivered scheduled time a no-op and keeps runs from overlapping. */
export const checkRuns = sqliteTable("check_runs", {
  scheduledTime: integer("scheduled_time").primaryKey(),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at"),
  /** How the round went (shards, probe calls, slowest shard, statements written), as JSON. */
  summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>(),
});

export const incidents = sqliteTable(
  "incidents",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull().default("investigating"),
    severity: text("severity", { enum: SEVERITIES }).notNull().default("minor"),
    startedAt: integer("started_at").notNull(),
    resolvedAt: integer("resolved_at"),
    rootCause: text("root_cause"),
    resolution: text("resolution"),
    postmortem: text("postmortem"),
    postmortemPublishedAt: integer("postmortem_published_at"),
    createdBy: text("created_by"),
    /** Opened by the checks; Beacon manages it until a person takes it over. */
    automatic: integer("automatic", { mode: "boolean" }).notNull().default(false),
    takenOverAt: integer("taken_over_at"),
    takenOverBy: text("taken_over_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("incidents_started_idx").on(t.startedAt), index("incidents_resolved_idx").on(t.resolvedAt)],
);

export const incidentComponents = sqliteTable(
  "incident_components",
  {
    incidentId: text("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    /** What the component shows while the incident is open. */
    status: text("status", { enum: COMPONENT_STATUSES }).notNull(),
    /** Automatic incidents: the status the last automatic update told readers, and when (rate limit). */
    announcedStatus: text("announced_status", { enum: COMPONENT_STATUSES }),
    announcedAt: integer("announced_at"),
    /** When the incident first named the component (null: named before this was recorded). */
    addedAt: integer("added_at"),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.componentId] }),
    index("incident_components_component_idx").on(t.componentId),
  ],
);

/**
 * Every change of what an incident sets for a component, with when: a status, or null when the component was
 * taken off. What the bar says each day an incident reported is read from it (see reportedByDay), since the
 * shown status's moves also carry what other incidents, checks and windows did.
 */
export const incidentLinkHistory = sqliteTable(
  "incident_link_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    incidentId: text("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    status: text("status", { enum: COMPONENT_STATUSES }),
    at: integer("at").notNull(),
  },
  (t) => [index("incident_link_history_incident_idx").on(t.incidentId, t.at), index("incident_link_history_component_idx").on(t.componentId)],
);

export const incidentUpdates = sqliteTable(
  "incident_updates",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull(),
    message: text("message").notNull(),
    estimatedResolution: integer("estimated_resolution"),
    createdBy: text("created_by"),
    /** Whether subscribers were told of this update (an admin may post with `notify: false`). */
    notified: integer("notified", { mode: "boolean" }).notNull().default(true),
    /** Whether this update withdrew the ETA given earlier (its own is then null, and no ETA stands). */
    etaWithdrawn: integer("eta_withdrawn", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("incident_updates_incident_idx").on(t.incidentId, t.createdAt)],
);

export const maintenances = sqliteTable(
  "maintenances",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    status: text("status", { enum: MAINTENANCE_STATUSES }).notNull().default("scheduled"),
    scheduledStart: integer("scheduled_start").notNull(),
    scheduledEnd: integer("scheduled_end").notNull(),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    cancelledAt: integer("cancelled_at"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Raised by every change to the window: the calendar's SEQUENCE (RFC 5545 3.8.7.4). */
    revision: integer("revision").notNull().default(0),
    /** false: scheduled without telling subscribers, so its start, end or cancellation is not told either. */
    notify: integer("notify", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [
    index("maintenances_status_start_idx").on(t.status, t.scheduledStart),
    index("maintenances_end_idx").on(t.scheduledEnd),
  ],
);

export const maintenanceComponents = sqliteTable(
  "maintenance_components",
  {
    maintenanceId: text("maintenance_id")
      .notNull()
      .references(() => maintenances.id, { onDelete: "cascade" }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    /** When it was added to the window while the window ran; null: from the window's start. */
    joinedAt: integer("joined_at"),
  },
  (t) => [
    primaryKey({ columns: [t.maintenanceId, t.componentId] }),
    index("maintenance_components_component_idx").on(t.componentId),
  ],
);

/**
 * A component taken off a window while it ran, with the time it was in it: its checks then were maintenance,
 * and an outage it failed through is counted from when it left (see maintenanceWindows).
 */
export const maintenanceDepartures = sqliteTable(
  "maintenance_departures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    maintenanceId: text("maintenance_id")
      .notNull()
      .references(() => maintenances.id, { onDelete: "cascade" }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    joinedAt: integer("joined_at"),
    leftAt: integer("left_at").notNull(),
  },
  (t) => [index("maintenance_departures_component_idx").on(t.componentId, t.leftAt)],
);

/** Every move of a component's shown status, with what moved it. */
export const statusChanges = sqliteTable(
  "status_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
    fromStatus: text("from_status", { enum: SHOWN_STATUSES }).notNull(),
    toStatus: text("to_status", { enum: SHOWN_STATUSES }).notNull(),
    source: text("source", { enum: CHANGE_SOURCES }).notNull(),
    referenceId: text("reference_id"),
    at: integer("at").notNull(),
  },
  (t) => [index("status_changes_component_at_idx").on(t.componentId, t.at), index("status_changes_at_idx").on(t.at)],
);

/**
 * The outbox: every event that may notify someone is written in the same db.batch as the change that
 * caused it, then handed to the queue. `dispatchedAt` is set once the event has been fanned out.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    /** Components the event concerns (JSON array of ids); empty means the whole page. */
    componentIds: text("component_ids", { mode: "json" }).notNull().$type<string[]>(),
    createdAt: integer("created_at").notNull(),
    enqueuedAt: integer("enqueued_at"),
    dispatchedAt: integer("dispatched_at"),
  },
  (t) => [
    index("events_dispatched_idx").on(t.dispatchedAt, t.createdAt),
    // An incident's earlier events, found when its resolution goes to whoever heard of it (never pruned, so indexed).
    index("events_incident_idx").on(sql`json_extract(${t.payload}, '$.incident_id')`),
    // A window's earlier events, found when a later move of it goes to whoever heard of it.
    index("events_maintenance_idx").on(sql`json_extract(${t.payload}, '$.maintenance_id')`),
  ],
);

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: text("id").primaryKey(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    /** Normalised address: lower-cased email, E.164 phone number, or https URL. */
    address: text("address").notNull(),
    status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull().default("pending"),
    /** Follows every component (including ones added later) when true. */
    allComponents: integer("all_components", { mode: "boolean" }).notNull().default(true),
    /** Also notified of automatic component status changes, not only incidents and maintenance. */
    componentChanges: integer("component_changes", { mode: "boolean" }).notNull().default(false),
    confirmTokenHash: text("confirm_token_hash"),
    confirmExpiresAt: integer("confirm_expires_at"),
    confirmAttempts: integer("confirm_attempts").notNull().default(0),
    confirmSentCount: integer("confirm_sent_count").notNull().default(0),
    confirmSentDay: text("confirm_sent_day"),
    webhookSecret: text("webhook_secret"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    /** When a webhook endpoint's current run of failed attempts began (null while it answers). */
    failingSince: integer("failing_since"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    confirmedAt: integer("confirmed_at"),
    unsubscribedAt: integer("unsubscribed_at"),
    /**
     * Which manage and unsubscribe links work: raised when an address that had left signs up again (perhaps
     * another person's now: a phone number or mailbox given to someone new), so links sent before stop working.
     */
    manageEpoch: integer("manage_epoch").notNull().default(0),
  },
  (t) => [
    uniqueIndex("subscribers_channel_address_idx").on(t.channel, t.address),
    // Admin listings page through subscribers newest first (see olderThan), of one status or of all.
    index("subscribers_status_created_idx").on(t.status, t.createdAt, t.id),
    index("subscribers_created_idx").on(t.createdAt, t.id),
    index("subscribers_channel_created_idx").on(t.channel, t.createdAt, t.id),
  ],
);

export const subscriberComponents = sqliteTable(
  "subscriber_components",
  {
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    componentId: text("component_id")
      .notNull()
      .references(() => components.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.componentId] }),
    index("subscriber_components_component_idx").on(t.componentId),
  ],
);

/** One row per (event, subscriber): the unique index is what makes a redelivered message send once. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    bodyText: text("body_text").notNull(),
    bodyHtml: text("body_html"),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    providerId: text("provider_id"),
    leaseUntil: integer("lease_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    /**
     * The Idempotency-Key its email was first sent under, recorded before the call: `batch/...` for a batch,
     * `email/...` for a lone email. Until settled, it is sent again only under that key, a batch only whole
     * (what is left of it), so the provider can tell a retry for a repeat.
     */
    batchKey: text("batch_key"),
  },
  (t) => [
    uniqueIndex("deliveries_event_subscriber_idx").on(t.eventId, t.subscriberId),
    index("deliveries_status_idx").on(t.status, t.createdAt),
    index("deliveries_created_idx").on(t.createdAt),
    index("deliveries_batch_key_idx").on(t.batchKey).where(sql`${t.batchKey} is not null`),
  ],
);

/**
 * Never holds a row. A write's guard inserts one when the state the write started from has changed
 * meanwhile; the CHECK refuses it and the whole batch rolls back, so a lost race changes nothing.
 */
export const writeGuards = sqliteTable("write_guards", { reason: text("reason").notNull() }, () => [check("state_changed", sql`0`)]);

/**
 * A token per component, swapped by every write that changes what the component's shown status is derived
 * from, guarded on the token the write read. That status comes from several rows (its checks, every open
 * incident naming it, maintenance), so two writes that read the same state and each record the move they
 * computed would otherwise both commit, and the history and notifications would carry a move the other made
 * stale. Per component, so writes to different components never wait on each other. No row reads as 0.
 */
export const statusClaims = sqliteTable("status_claims", { componentId: text("component_id").primaryKey(), token: integer("token").notNull() });

/** Like write_guards, for the status claim: its own constraint name tells its failure apart. */
export const statusGuards = sqliteTable("status_guards", { reason: text("reason").notNull() }, () => [check("status_moved", sql`0`)]);

/** The first answer to an admin write sent with an Idempotency-Key, replayed to retries for a day. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the method, path and body: the same key with another request is refused. */
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
    /**
     * The audit log's last row once the answer's change was written: a later row is a write since, whatever
     * time it is dated (a round played ahead of the clock, a backdated automatic incident).
     */
    auditSeq: integer("audit_seq"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

/** Who changed what and when: one row per admin write (and per move Beacon makes by itself), kept a year. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actorKind: text("actor_kind", { enum: ACTOR_KINDS }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    actorEmail: text("actor_email"),
    action: text("action").notNull(),
    entityType: text("entity_type", { enum: AUDIT_ENTITY_TYPES }).notNull(),
    entityId: text("entity_id").notNull(),
    before: text("before", { mode: "json" }).$type<unknown>(),
    after: text("after", { mode: "json" }).$type<unknown>(),
  },
  (t) => [index("audit_log_at_idx").on(t.at, t.id), index("audit_log_entity_idx").on(t.entityType, t.entityId, t.at, t.id)],
);

/**
 * Confirmation messages sent per channel per UTC day, page-wide: the budget that stops a sign-up flood
 * (email bombing, SMS pumping) from spending without bound. `lastClaim` is the delivery that took the
 * latest unit, so the INSERT that follows in the same batch knows whether its claim won.
 */
export const confirmationBudget = sqliteTable(
  "confirmation_budget",
  {
    channel: text("channel", { enum: CHANNELS }).notNull(),
    day: text("day").notNull(),
    sent: integer("sent").notNull().default(0),
    lastClaim: text("last_claim"),
  },
  (t) => [primaryKey({ columns: [t.channel, t.day] })],
);

/** A saved incident an admin opens in two clicks: what to say and what each component should show. */
export const incidentTemplates = sqliteTable(
  "incident_templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    title: text("title").notNull(),
    message: text("message").notNull().default(""),
    severity: text("severity", { enum: SEVERITIES }).notNull().default("minor"),
    components: text("components", { mode: "json" }).notNull().$type<{ id: string; status: ComponentStatus }[]>(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("incident_templates_name_idx").on(t.name)],
);

/**
 * Under `npm start` only (LOCAL_DEV=true): each message a channel without credentials would have sent, kept
 * whole (live confirmation links, codes and manage links included) so the developer can read it back. That
 * plain text is acceptable only because nothing writes this table outside local dev. Capped to the newest rows.
 */
export const devOutbox = sqliteTable(
  "dev_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    bodyText: text("body_text").notNull(),
    bodyHtml: text("body_html"),
    deliveryId: text("delivery_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_outbox_recipient_idx").on(t.recipient, t.id)],
);
