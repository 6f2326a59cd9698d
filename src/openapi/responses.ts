import * as z from "zod";
import {
  ACTOR_KINDS,
  AUDIT_ENTITY_TYPES,
  CHANNELS,
  COMPONENT_STATUSES,
  DELIVERY_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  PLATFORM_CHECK_KINDS,
  PROBE_REGIONS,
  REGION_OUTCOMES,
  SEVERITIES,
  SHOWN_STATUSES,
  SUBSCRIBER_STATUSES,
} from "../db/schema";
import { CHECK_CODES, RULE_CODES } from "../errors";

// The bodies Beacon answers with, as zod schemas: the OpenAPI document's response schemas are generated
// from them (as request schemas are from src/schemas.ts), and the tests parse real answers with them, so
// the document cannot drift from what is served. Each named schema is one entry of `#/components/schemas`.

export const responseSchemas = z.registry<{ id: string; description?: string }>();
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  responseSchemas.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};

/** Beacon's times: UTC to the whole second, as the seed writes them (a time a client sent comes back as sent). */
const time = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  .meta({ format: "date-time", examples: ["2024-01-15T10:30:00Z"] });
/** RFC 3339 with milliseconds, where the format asks for them (JSON Feed, Statuspage v2). */
const timeMillis = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  .meta({ format: "date-time", examples: ["2024-01-15T10:30:00.000Z"] });
const uuid = z.string().meta({ format: "uuid" });
const shownStatus = z.enum(SHOWN_STATUSES);
const uptimePercent = z.number().nullable().describe("Percent, floored to 2 decimals; null without data");

export const errorResponse = named(
  "Error",
  z.object({
    error: z.object({
      code: z.string().describe("Machine-readable: bad_request, validation_failed, unauthorized, forbidden, not_found, conflict, payload_too_large, rate_limited, unavailable, ..."),
      message: z.string(),
      details: z
        .array(
          z.object({
            path: z.string().describe("The field, e.g. `affected_components.0`"),
            message: z.string(),
            code: z
              .string()
              .describe(
                `What is wrong, as a word to switch on (more may be added). From validation: ${CHECK_CODES.join(", ")}. Beacon's own rules: ${RULE_CODES.join(", ")}`,
              ),
            limit: z
              .union([z.number(), z.string()])
              .optional()
              .describe("The bound the value crossed: a length, count or number (too_short, too_long, too_few, too_many, too_small, too_big), or a time (before_start, after_resolution, out_of_range)"),
          }),
        )
        .optional()
        .describe("Each problem with the request, always as this list: where and what is wrong"),
      hint: z
        .string()
        .optional()
        .describe("On sign-ups and their codes only: the refusal in the words the status page shows a person, to show as it is"),
    }),
  }),
  "Every error: `{ error: { code, message, details? } }`",
);

const freshness = named(
  "DataFreshness",
  z.object({ generated_at: time, age_seconds: z.number().int(), stale: z.boolean().describe("True when the data could not be refreshed for over 3 minutes") }),
);

export const publicComponent = named(
  "Component",
  z.object({
    id: uuid,
    name: z.string(),
    description: z.string().nullable(),
    status: shownStatus,
    position: z.number().int(),
    group_id: uuid.nullable(),
    monitored: z.boolean().describe("False when no configured check can observe it; true from when an HTTP monitor is set, before its first check"),
    last_checked: time.describe("The last check that observed it; for a component no check has observed, when its status was last set (its last move, or its creation)"),
    last_observed: time.nullable().describe("The last check that observed it; null until one did"),
    latency_ms: z.number().int().nullable().describe("How fast the latest check answered; null when it got no response (it timed out or could not connect: no response time)"),
    created_at: time,
    updated_at: time,
  }),
);

const incidentUpdate = named(
  "IncidentUpdate",
  z.object({
    id: uuid,
    status: z.enum(INCIDENT_STATUSES),
    message: z.string(),
    estimated_resolution: time.nullable().describe("The ETA this update gave, if any"),
    eta_withdrawn: z.boolean().describe("Whether this update withdrew the ETA given earlier (sent with estimated_resolution: null)"),
    created_at: time,
    updated_at: time,
  }),
);

export const incident = named(
  "Incident",
  z.object({
    id: uuid,
    title: z.string(),
    description: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    severity: z.enum(SEVERITIES),
    started_at: time,
    resolved_at: time.nullable(),
    root_cause: z.string().nullable(),
    resolution: z.string().nullable(),
    postmortem: z.string().nullable(),
    postmortem_published_at: time.nullable(),
    created_at: time,
    updated_at: time,
    automatic: z.boolean().describe("Opened by the checks (\"Detected automatically\")"),
    taken_over_at: time.nullable().describe("When a person took an automatic incident over; null while Beacon manages it"),
    managed_by: z.enum(["automation", "admin"]).describe("automation until a person takes an automatic incident over"),
    affected_components: z.array(z.object({ id: uuid, name: z.string(), status: z.enum(COMPONENT_STATUSES) })),
    estimated_resolution: time.nullable().describe("The ETA that stands while it is open: the newest given, unless withdrawn since"),
    updates: z.array(incidentUpdate).describe("Newest first"),
  }),
);

export const adminIncident = named(
  "AdminIncident",
  incident.extend({
    taken_over_by: z.string().nullable().describe("The admin who took it over"),
    missing: z.array(z.literal("root_cause")).describe("What a person still has to write once it is resolved"),
    checks: z.object({
      suggestion: z.string().nullable().describe('What the checks say now, e.g. "all checks passing for 12 minutes"'),
      components: z.array(z.object({ id: uuid, name: z.string(), status: z.enum(COMPONENT_STATUSES), since: time.nullable() })),
    }),
  }),
);

export const incidentWithUpdate = named("IncidentWithUpdate", incident.extend({ update: incidentUpdate.describe("The update just posted") }));

export const maintenanceWindow = named(
  "MaintenanceWindow",
  z.object({
    id: uuid,
    title: z.string(),
    description: z.string(),
    status: z.enum(MAINTENANCE_STATUSES),
    scheduled_start: time,
    scheduled_end: time,
    started_at: time.nullable(),
    completed_at: time.nullable(),
    cancelled_at: time.nullable(),
    affected_components: z.array(z.string()).describe("Component names, as in the seed"),
    components: z.array(z.object({ id: uuid, name: z.string() })).describe("The same components with their ids"),
    created_at: time,
    updated_at: time,
  }),
);

export const statusResponse = named(
  "StatusSummary",
  z.object({
    overall_status: shownStatus.describe("Worst of what components show and what open incidents' severity implies; maintenance below any degradation"),
    components: z.array(publicComponent),
    groups: z.array(z.object({ id: uuid, name: z.string(), description: z.string().nullable(), position: z.number().int(), components: z.array(uuid) })),
    recent_incidents: z.array(incident).describe("Open incidents and those resolved in the last 7 days"),
    scheduled_maintenance: z.array(maintenanceWindow).describe("Scheduled and in-progress windows"),
    last_updated: time,
    data: freshness,
  }),
);

const seedPercent = z.number().describe("Percent, floored to 2 decimals; 100 for a window with no observed second (see uptime_observed_seconds)");
const seedUptimeWindows = z.object({ "30_days": seedPercent, "60_days": seedPercent, "90_days": seedPercent });
const observedSecond = z.number().int().nonnegative().describe("Seconds the checks observed in the window: 0 when the figure rests on nothing");
const observedWindows = z.object({ "30_days": observedSecond, "60_days": observedSecond, "90_days": observedSecond });

export const componentDetail = named(
  "ComponentDetail",
  z.object({
    component: publicComponent,
    uptime: seedUptimeWindows,
    uptime_observed_seconds: observedWindows,
    uptime_formula: z.string(),
    last_updated: time,
    data: freshness,
  }),
);

export const incidentList = named(
  "IncidentList",
  z.object({
    incidents: z.array(incident).describe("Newest first"),
    period_days: z.number().int(),
    total: z.number().int().describe("Incidents in the whole window"),
    next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page or without `limit`/`cursor`"),
    last_updated: time,
    data: freshness,
  }),
);

export const maintenanceList = named("MaintenanceList", z.object({ maintenance_windows: z.array(maintenanceWindow), last_updated: time, data: freshness }));

export const uptimeSeries = named(
  "UptimeSeries",
  z.object({
    component_id: uuid,
    name: z.string(),
    monitored: z.boolean(),
    period_days: z.number().int(),
    time_zone: z.string(),
    uptime: uptimePercent,
    uptime_formula: z.string(),
    days: z.array(
      z.object({
        date: z.string().describe("YYYY-MM-DD in the page's time zone"),
        uptime: uptimePercent,
        worst_status: shownStatus.nullable().describe("under_maintenance for a day spent entirely under maintenance; null without data"),
        downtime_seconds: z.number().int(),
        observed_seconds: z.number().int(),
        partial_seconds: z.number().int(),
        major_seconds: z.number().int(),
        maintenance_seconds: z.number().int(),
        incident_ids: z.array(uuid),
        reported_status: z.enum(COMPONENT_STATUSES).describe("the worst status that day's incidents reported for the component on that day; operational when none did"),
        has_data: z.boolean(),
      }),
    ),
    last_updated: time,
    data: freshness,
  }),
);

const regionResult = named(
  "RegionResult",
  z.object({
    region: z.enum(PROBE_REGIONS),
    status: z.enum(REGION_OUTCOMES).describe("no_answer: the region's probe never reported"),
    latency_ms: z.number().nullable().describe("null when the region got no response"),
    error: z.string().nullable(),
  }),
);

const roundOutcome = z.enum([...COMPONENT_STATUSES, "not_monitored", "no_data"]);

const nullableMs = z.number().int().nonnegative().nullable();

export const latencySeries = named(
  "LatencySeries",
  z.object({
    component_id: uuid,
    name: z.string(),
    range: z.enum(["24h", "7d", "90d"]),
    bucket_seconds: z.number().int().describe("900 (24h), 3600 (7d) or 86400 (90d: calendar days in time_zone, 23 or 25 hours across DST)"),
    time_zone: z.string(),
    buckets: z
      .array(
        z.object({
          start: time,
          count: z.number().int().nonnegative().describe("Checks that answered (a failed check has no response time)"),
          p50_ms: nullableMs,
          p95_ms: nullableMs,
          min_ms: nullableMs,
          max_ms: nullableMs,
          failed_checks: z.number().int().nonnegative(),
          maintenance_checks: z.number().int().nonnegative(),
        }),
      )
      .describe("Every bucket of the range, oldest first; a gap has count 0 and null times"),
    percentiles: z.string(),
    last_updated: time,
    data: freshness,
  }),
  "A component's response times per bucket: p50 and p95 computed from a fixed histogram",
);

export const healthCheck = named(
  "HealthCheckResult",
  z.object({
    message: z.string(),
    results: z
      .record(z.string(), z.enum(COMPONENT_STATUSES))
      .describe("Component name -> status: what the check found, or where it observed nothing (details say not_monitored or no_data), the status the checks left it at"),
    details: z.array(
      z.object({
        component_id: uuid,
        name: z.string(),
        status: roundOutcome,
        latency_ms: z.number().nullable().describe("For an HTTP monitor, the median across the regions that got a response; null when none did"),
        error: z.string().nullable(),
        recorded: z.boolean().describe("false when a run was in progress, the component already has a newer result, or nothing checks it (status not_monitored)"),
        regions: z.array(regionResult).optional().describe("HTTP monitors: what each region saw"),
      }),
    ),
    checked_at: time,
    recorded: z.boolean().describe("Whether any component's result was recorded; the message says why not"),
    notification_channels: z
      .record(z.enum(CHANNELS), z.object({ state: z.enum(["on", "dev-outbox", "off"]), missing: z.array(z.string()).optional() }))
      .describe('Whether each channel sends ("on"), records locally ("dev-outbox", local dev only) or is off, and which settings it lacks'),
  }),
);

const httpMonitor = z.object({
  type: z.literal("http"),
  url: z.string(),
  method: z.enum(["GET", "HEAD", "POST"]),
  expected_status: z.array(z.number().int()).nullable(),
  keyword: z.string().nullable(),
  timeout_ms: z.number().int(),
  degraded_latency_ms: z.number().int().nullable(),
  regions: z.array(z.enum(PROBE_REGIONS)).nullable().optional().describe("null: the default regions (CHECK_REGIONS)"),
  quorum: z.number().int().nullable().optional().describe("Failing regions that make a failure; null: a majority"),
});

export const componentChecks = named(
  "ComponentChecks",
  z.object({
    component_id: uuid,
    regions: z.array(z.enum(PROBE_REGIONS)).describe("Where the component's HTTP monitor is probed from (empty for platform checks)"),
    quorum: z.number().int().nullable(),
    checks: z.array(
      z.object({
        checked_at: time,
        status: z.enum([...COMPONENT_STATUSES, "not_monitored"]).nullable().describe("The agreed result; null when the regions could not agree (no data)"),
        latency_ms: z.number().nullable().describe("null when the check got no response (it timed out or could not connect)"),
        error: z.string().nullable(),
        regions: z.array(regionResult),
      }),
    ),
  }),
);

export const adminComponent = named(
  "AdminComponent",
  z.object({
    id: uuid,
    name: z.string(),
    description: z.string().nullable(),
    position: z.number().int(),
    group_id: uuid.nullable(),
    check: z.string().describe("api, database, storage, email, auth, http or none"),
    platform_check: z
      .enum(PLATFORM_CHECK_KINDS)
      .nullable()
      .describe("the platform check a seeded component is made with; an HTTP monitor replaces it, and removing the monitor brings it back"),
    monitor: httpMonitor.nullable(),
    confirmations: z.number().int(),
    monitored: z.boolean(),
    monitored_status: z.enum(COMPONENT_STATUSES),
    last_checked: time.nullable(),
    last_error: z.string().nullable(),
    auto_incidents: z
      .object({
        enabled: z.boolean(),
        open_after_seconds: z.number().int(),
        resolve_after_seconds: z.number().int(),
        reopen_within_seconds: z.number().int(),
        open_on_degraded_after_seconds: z.number().int().nullable(),
        template: z.object({ title: z.string(), message: z.string() }),
      })
      .describe("Every setting as it applies: the component's own over the AUTO_INCIDENTS default"),
    created_at: time,
    updated_at: time,
  }),
);

export const componentGroup = named(
  "ComponentGroup",
  z.object({ id: uuid, name: z.string(), description: z.string().nullable(), position: z.number().int(), collapsed: z.boolean() }),
);

export const incidentTemplate = named(
  "IncidentTemplate",
  z.object({
    id: uuid,
    name: z.string(),
    title: z.string(),
    message: z.string(),
    severity: z.enum(SEVERITIES),
    components: z.array(z.object({ id: uuid, status: z.enum(COMPONENT_STATUSES) })),
    created_at: time,
    updated_at: time,
  }),
);

export const incidentTemplates = named("IncidentTemplates", z.object({ templates: z.array(incidentTemplate) }));

export const deliveryRetry = named("DeliveryRetry", z.object({ id: uuid, status: z.literal("pending") }));

export const componentOrder = named("ComponentOrder", z.object({ ids: z.array(uuid) }));

export const subscriptionPending = named(
  "SubscriptionPending",
  z.object({ status: z.literal("pending"), channel: z.enum(CHANNELS), message: z.string() }),
  "The same answer whether or not the address was already subscribed",
);

export const subscription = named(
  "Subscription",
  z.object({
    id: uuid,
    channel: z.enum(CHANNELS),
    address: z.string(),
    status: z.enum(SUBSCRIBER_STATUSES),
    all_components: z.boolean(),
    components: z.array(uuid),
    component_changes: z.boolean(),
    manage_url: z.string(),
    unsubscribe_url: z.string(),
  }),
);

export const confirmedSubscription = named(
  "ConfirmedSubscription",
  subscription.extend({
    already_subscribed: z.boolean().describe("true when the link had already confirmed this subscription, which still stands; nothing changed"),
  }),
);

export const unsubscribed = named("Unsubscribed", z.object({ status: z.literal("unsubscribed") }));

const subscriber = named(
  "Subscriber",
  z.object({
    id: z.string(),
    channel: z.enum(CHANNELS),
    address: z.string(),
    status: z.enum(SUBSCRIBER_STATUSES),
    all_components: z.boolean(),
    component_changes: z.boolean(),
    consecutive_failures: z.number().int(),
    failing_since: time.nullable().describe("When a webhook endpoint's current run of failed attempts began; null while it answers"),
    created_at: time,
    confirmed_at: time.nullable(),
    unsubscribed_at: time.nullable(),
  }),
);

export const notifications = named(
  "Notifications",
  z.object({
    deliveries: z.array(
      z.object({
        id: z.string(),
        event_id: z.string(),
        kind: z.string().nullable(),
        subscriber_id: z.string(),
        channel: z.enum(CHANNELS),
        recipient: z.string(),
        subject: z.string().nullable(),
        body_text: z.string(),
        body_html: z.string().nullable(),
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.number().int(),
        last_error: z.string().nullable(),
        provider_id: z.string().nullable(),
        created_at: time,
        updated_at: time,
        sent_at: time.nullable(),
      }),
    ),
    delivery_counts: z.record(z.string(), z.number().int()),
    next_cursor: z.string().nullable(),
    subscribers: z.array(subscriber).describe("The newest 500 subscribers (of `channel`, when given); the rest are at GET /api/status/subscribers"),
    subscribers_next_cursor: z.string().nullable().describe("The `cursor` of GET /api/status/subscribers for the subscribers after these (with the same `channel`); null when these are all"),
    subscriber_counts: z.record(z.string(), z.record(z.string(), z.number().int())),
  }),
);

export const subscribers = named(
  "Subscribers",
  z.object({
    subscribers: z.array(subscriber),
    next_cursor: z.string().nullable(),
  }),
);

export const auditLog = named(
  "AuditLog",
  z.object({
    entries: z.array(
      z.object({
        id: uuid,
        at: time,
        actor: z.object({
          kind: z.enum(ACTOR_KINDS),
          user_id: z.string().nullable().describe("The Clerk user id; null for Beacon's own moves"),
          name: z.string().nullable(),
          email: z.string().nullable(),
        }),
        action: z.string().describe("`<entity>.<verb>`, e.g. `incident.resolve`"),
        entity_type: z.enum(AUDIT_ENTITY_TYPES),
        entity_id: z.string(),
        entity_name: z.string().nullable().describe("What the entity is called (a component's name, an incident's title), from its records"),
        before: z.unknown().describe("The entity before the write (null when it created it); its times in UTC to the whole second"),
        after: z.unknown().describe("The entity after the write (null when it deleted it); its times in UTC to the whole second"),
      }),
    ),
    next_cursor: z.string().nullable().describe("Pass as `cursor` for the next (older) page; null on the last page"),
  }),
  "Admin writes, newest first",
);

export const devOutbox = named(
  "DevOutbox",
  z.object({
    messages: z.array(
      z.object({
        id: z.number().int(),
        channel: z.enum(CHANNELS),
        to: z.string(),
        subject: z.string(),
        text: z.string().describe("Exactly as it would have been sent, live links and codes included"),
        html: z.string().nullable(),
        delivery_id: z.string().nullable(),
        created_at: time,
      }),
    ),
  }),
  "What channels without credentials would have sent under local dev, newest first",
);

export const liveness = named("Liveness", z.object({ status: z.literal("ok") }));

export const openApiDocumentResponse = named("OpenApiDocument", z.record(z.string(), z.unknown()), "An OpenAPI 3.1 document");

export const jsonFeed = named(
  "JsonFeed",
  z.object({
    version: z.string(),
    title: z.string(),
    home_page_url: z.string(),
    feed_url: z.string(),
    description: z.string(),
    language: z.string(),
    authors: z.array(z.object({ name: z.string(), url: z.string() })),
    items: z.array(
      z.object({
        id: z.string(),
        url: z.string(),
        title: z.string(),
        content_text: z.string(),
        date_published: timeMillis,
        date_modified: timeMillis,
        tags: z
          .array(z.string())
          .describe("[severity, status] for an incident's items (an update's item carries the status that update set); [\"maintenance\", status] for a window's"),
        _beacon: z.union([z.object({ incident_id: uuid }), z.object({ maintenance_id: uuid })]).describe("What the item is about"),
      }),
    ),
  }),
  "JSON Feed 1.1",
);

// Statuspage v2 (Atlassian's public API): every field present, null where Beacon has no such thing.
const v2Time = timeMillis;
const v2ComponentStatus = z.enum(["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]);
const v2Page = named("V2Page", z.object({ id: z.string(), name: z.string(), url: z.string(), time_zone: z.string(), updated_at: v2Time }));
const v2Component = named(
  "V2Component",
  z.object({
    id: uuid,
    name: z.string(),
    status: v2ComponentStatus,
    created_at: v2Time.nullable(),
    updated_at: v2Time.nullable(),
    position: z.number().int(),
    description: z.string().nullable(),
    showcase: z.boolean(),
    start_date: z.string().nullable(),
    group_id: uuid.nullable(),
    page_id: z.string(),
    group: z.boolean(),
    only_show_if_degraded: z.boolean(),
    components: z.array(uuid).optional().describe("On group rows: the ids of its components"),
  }),
);
const v2Update = z.object({
  id: z.string(),
  status: z.string(),
  body: z.string(),
  incident_id: z.string(),
  created_at: v2Time,
  updated_at: v2Time,
  display_at: v2Time,
  affected_components: z.array(z.object({ code: z.string(), name: z.string(), old_status: v2ComponentStatus, new_status: v2ComponentStatus })).nullable(),
  deliver_notifications: z.boolean(),
  custom_tweet: z.null(),
  tweet_id: z.null(),
});
const v2IncidentFields = {
  id: z.string(),
  name: z.string(),
  created_at: v2Time,
  updated_at: v2Time,
  monitoring_at: v2Time.nullable(),
  resolved_at: v2Time.nullable(),
  shortlink: z.string(),
  started_at: v2Time,
  page_id: z.string(),
  incident_updates: z.array(v2Update),
  components: z.array(v2Component),
};
const v2Incident = named("V2Incident", z.object({ ...v2IncidentFields, status: z.enum(INCIDENT_STATUSES), impact: z.enum(SEVERITIES) }));
const v2Maintenance = named(
  "V2ScheduledMaintenance",
  z.object({
    ...v2IncidentFields,
    status: z.enum(["scheduled", "in_progress", "completed"]),
    impact: z.literal("maintenance"),
    scheduled_for: v2Time,
    scheduled_until: v2Time,
  }),
);
const v2Status = named(
  "V2Status",
  z.object({ indicator: z.enum(["none", "minor", "major", "critical", "maintenance"]), description: z.string() }),
  "The page's one overall status: none, maintenance, minor (degraded), major (partial outage), critical (major outage)",
);

export const v2Summary = named(
  "V2Summary",
  z.object({ page: v2Page, components: z.array(v2Component), incidents: z.array(v2Incident), scheduled_maintenances: z.array(v2Maintenance), status: v2Status }),
);
export const v2StatusResponse = named("V2StatusResponse", z.object({ page: v2Page, status: v2Status }));
export const v2Components = named("V2Components", z.object({ page: v2Page, components: z.array(v2Component) }));
export const v2Incidents = named("V2Incidents", z.object({ page: v2Page, incidents: z.array(v2Incident) }));
export const v2Maintenances = named("V2ScheduledMaintenances", z.object({ page: v2Page, scheduled_maintenances: z.array(v2Maintenance) }));
