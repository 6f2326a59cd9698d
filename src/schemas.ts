import * as z from "zod";
import { AUDIT_ENTITY_TYPES, CHANNELS, COMPONENT_STATUSES, DELIVERY_STATUSES, PROBE_REGIONS, SEVERITIES, SUBSCRIBER_STATUSES } from "./db/schema";
import { shownOnBadge } from "./badges/svg";
import { decodeCursor } from "./cursor";
import { normalWebhookUrl } from "./notify/address";
import { intoExactRange, line, NOTHING_VISIBLE, optionalText, pastTimestamp, rule, showsSomething, text, timestamp, uuid, wellFormed, wholeNumber } from "./validation";

/** The largest page of incidents one request may ask for. */
export const MAX_INCIDENT_PAGE = 100;
/** The page size when a cursor is given without a limit. */
export const DEFAULT_INCIDENT_PAGE = 25;

// One zod schema per input: the single source of validation, of the handler's types and of the OpenAPI
// document. Unknown keys are rejected so a typo in a field name is an error, not silently ignored.

const id = uuid;
/** false posts without telling subscribers: for small corrections nobody needs to hear about. */
const notify = z.boolean().default(true);
/**
 * The whole-number query parameters and their bounds. The OpenAPI document describes each as the integer it
 * is read as (with its default), as it does a coerced number, not as the digits it is checked as.
 */
export const wholeNumberParams = z.registry<{ minimum: number; maximum: number }, z.core.$ZodType>();

/**
 * A whole number in a query string, as written (not 1e1, 0x14 or " 5"), from 1 to `max`; `unit` names what
 * it counts in the refusal ("days": "must be a whole number of days").
 */
const wholeNumberParam = (max: number, unit?: string) => {
  const param = z
    .string()
    // A sign too, so "-1" is refused by the bound ("at least 1") like "0", not as no number.
    .regex(/^-?\d+$/, unit ? `must be a whole number of ${unit}` : "must be a whole number")
    // However many digits: an infinite number would be refused as no number, not by the bound.
    .transform((digits) => intoExactRange(Number(digits)))
    .pipe(wholeNumber().min(1, "must be at least 1").max(max, `must be at most ${max}`));
  wholeNumberParams.add(param, { minimum: 1, maximum: max });
  return param;
};

/** The opaque `next_cursor` of a newest-first list (incidents, audit log, deliveries, subscribers), as sent back. */
const pageCursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const cursor = decodeCursor(value);
    if (!cursor) ctx.addIssue({ code: "custom", ...rule("invalid_cursor", "must be a next_cursor from a previous page") });
    return cursor ?? z.NEVER;
  })
  .optional()
  .describe("The next_cursor of the previous page");
/** A PATCH must change something: an empty body is a mistake, not a no-op. */
const NOTHING_TO_CHANGE = rule("nothing_to_change", "nothing to change");
const ids = (max: number) => z.array(id).max(max, `at most ${max} ids`);
/** A list that becomes one row per id: a repeat is refused by name rather than failing on the table's key. */
const distinctIds = (max: number) => ids(max).refine((list) => new Set(list).size === list.length, rule("duplicate", "must not repeat"));

export const affectedComponent = z.union([id, z.strictObject({ id, status: z.enum(COMPONENT_STATUSES) })]);
const affectedComponents = z
  .array(affectedComponent)
  .max(100, "at most 100 components")
  .refine((list) => new Set(list.map((c) => (typeof c === "string" ? c : c.id))).size === list.length, rule("duplicate", "components must not repeat"));

export const createIncidentBody = z.strictObject({
  title: line(200),
  description: optionalText(10_000).default(""),
  severity: z.enum(SEVERITIES).default("minor"),
  status: z.enum(["investigating", "identified", "monitoring"]).default("investigating"),
  affected_components: affectedComponents.default([]),
  started_at: pastTimestamp.optional(),
  estimated_resolution: timestamp.nullable().optional(),
  notify,
});

export const incidentUpdateBody = z.strictObject({
  message: text(10_000),
  status: z.enum(["investigating", "identified", "monitoring"], {
    message: "must be investigating, identified or monitoring (resolve with POST /api/status/incidents/{id}/resolve)",
  }),
  estimated_resolution: timestamp.nullable().optional(),
  affected_components: affectedComponents.optional(),
  notify,
});

export const resolveIncidentBody = z.strictObject({
  root_cause: text(10_000),
  resolution: text(10_000),
  message: text(10_000).optional(),
  notify,
});

export const editIncidentBody = z
  .strictObject({
    title: line(200).optional(),
    description: optionalText(10_000).optional(),
    severity: z.enum(SEVERITIES).optional(),
    started_at: pastTimestamp.optional(),
    root_cause: text(10_000).optional(),
    resolution: text(10_000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE);

export const editIncidentUpdateBody = z
  .strictObject({
    message: text(10_000).optional(),
    estimated_resolution: timestamp.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE);

export const postmortemBody = z.strictObject({
  postmortem: text(50_000),
});

/** Without `limit` and `cursor`, the seed's answer: every incident in the window. */
export const incidentListQuery = z.object({
  days: wholeNumberParam(365, "days").default(90),
  limit: wholeNumberParam(MAX_INCIDENT_PAGE)
    .optional()
    .describe(`Page size (1-${MAX_INCIDENT_PAGE}); the answer then carries next_cursor`),
  cursor: pageCursor,
});

export const liveQuery = z.object({
  since: z
    .string()
    .regex(/^\d{1,15}$/, "must be a whole number: the seq of the last message received")
    .transform(Number)
    .optional()
    .describe("The seq of the last message received: what came after it is replayed, or a fresh snapshot sent"),
});

export const uptimeQuery = z.object({
  days: wholeNumberParam(90, "days").default(90),
});

export const latencyQuery = z.object({
  range: z.enum(["24h", "7d", "90d"], { message: "must be 24h, 7d or 90d" }).default("24h"),
});

// Maintenance names its components with the seed's `affected_components` (ids), as incidents do.
// `components` is the older name, still accepted as an alias; giving both is an error.
const maintenanceComponentIds = distinctIds(100);
const componentsAlias = maintenanceComponentIds.describe("Deprecated alias of `affected_components`");
const notBoth = (b: { affected_components?: unknown; components?: unknown }) => b.affected_components === undefined || b.components === undefined;
const notBothIssue = rule("alias_conflict", "give affected_components or its alias components, not both", { path: ["components"] });

export const maintenanceBody = z
  .strictObject({
    title: line(200),
    description: optionalText(10_000).default(""),
    scheduled_start: timestamp,
    scheduled_end: timestamp,
    affected_components: maintenanceComponentIds.optional(),
    components: componentsAlias.optional(),
    notify,
  })
  // Compared only when both are times: one that is not has its own error, and only that one.
  .refine((m) => !(typeof m.scheduled_start === "number" && typeof m.scheduled_end === "number") || m.scheduled_end > m.scheduled_start, rule("end_before_start", "must be after scheduled_start", { path: ["scheduled_end"] }))
  .refine(notBoth, notBothIssue)
  .transform(({ components, affected_components, ...m }) => ({ ...m, affected_components: affected_components ?? components ?? [] }));

export const editMaintenanceBody = z
  .strictObject({
    title: line(200).optional(),
    description: optionalText(10_000).optional(),
    scheduled_start: timestamp.optional(),
    scheduled_end: timestamp.optional(),
    affected_components: maintenanceComponentIds.optional(),
    components: componentsAlias.optional(),
    notify: z.boolean().optional().describe("Whether its start, completion or cancellation is told to subscribers from now on"),
  })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE)
  .refine(notBoth, notBothIssue)
  .transform(({ components, affected_components, ...m }) => ({ ...m, affected_components: affected_components ?? components }));

const hasCredentials = (url: string) => {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
};

export const httpMonitorInput = z
  .strictObject({
  type: z.literal("http"),
  url: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
    .max(2048)
    // A URL parser takes a control character (it percent-encodes it), but no one types one: stored, it would
    // be shown and requested as something else than what the admin sees.
    .refine((url) => !/[\u0000-\u001F\u007F-\u009F]/.test(url) && wellFormed(url), rule("invalid_url", "must not hold control characters or half of a surrogate pair"))
    // fetch() drops a user name and password written in a URL: the check would go out without them and read
    // the service's 401 as an outage, while the password sat in the admin view and the audit log.
    .refine((url) => !hasCredentials(url), rule("invalid_url", "must not hold a user name or password: requests do not send them")),
  method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
  // 1xx is never a request's final answer: a monitor expecting only one could never pass.
  expected_status: z.array(wholeNumber().min(200, "must be a final status, 200 to 599").max(599)).min(1).max(20).nullable().default(null),
  keyword: text(200).nullable().default(null),
  timeout_ms: wholeNumber().min(500).max(30_000).default(10_000),
  degraded_latency_ms: wholeNumber().min(1).max(30_000).nullable().default(null),
  confirmations: wholeNumber().min(1).max(10).optional(),
  regions: z
    .array(z.enum(PROBE_REGIONS, { message: `must be one of ${PROBE_REGIONS.join(", ")}` }))
    .min(1)
    .max(PROBE_REGIONS.length)
    .refine((regions) => new Set(regions).size === regions.length, rule("duplicate", "must not repeat a region"))
    .nullable()
    .default(null),
  quorum: wholeNumber().min(1).max(PROBE_REGIONS.length).nullable().default(null),
})
  .refine((m) => m.quorum === null || m.regions === null || m.quorum <= m.regions.length, rule("quorum_above_regions", "must be at most the number of regions", { path: ["quorum"] }))
  // A HEAD response has no body: a keyword could never be found, and the component would read as down for good.
  .refine((m) => !(m.method === "HEAD" && m.keyword !== null), rule("not_applicable", "needs a response body: use GET or POST with a keyword", { path: ["keyword"] }))
  // A check slower than its timeout fails: a threshold at or above it would never call one degraded.
  .superRefine((m, ctx) => {
    if (m.degraded_latency_ms !== null && m.degraded_latency_ms >= m.timeout_ms) {
      ctx.addIssue({ code: "custom", path: ["degraded_latency_ms"], message: `must be below timeout_ms (${m.timeout_ms}): a check that slow fails instead`, params: { code: "not_below_timeout", limit: m.timeout_ms } });
    }
  });

const seconds = (min: number, max: number) => wholeNumber().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** Automatic incidents for one component; keys left out take the AUTO_INCIDENTS default. */
export const autoIncidentsInput = z.strictObject({
  enabled: z.boolean().optional(),
  open_after_seconds: seconds(0, 86_400).optional(),
  resolve_after_seconds: seconds(0, 86_400).optional(),
  reopen_within_seconds: seconds(0, 86_400).optional(),
  open_on_degraded_after_seconds: seconds(0, 86_400).nullable().optional(),
  template: z
    .strictObject({ title: line(200), message: text(2_000) })
    .nullable()
    .optional(),
});

/** The AUTO_INCIDENTS variable as JSON: the same keys as a component's, plus how close failures group. */
export const autoIncidentDefaultsInput = autoIncidentsInput.extend({ group_window_seconds: seconds(0, 86_400).optional() });

const componentFields = {
  name: line(100),
  description: optionalText(1_000).nullable().optional(),
  position: wholeNumber().min(0).max(100_000).optional(),
  group_id: id.nullable().optional(),
  monitor: httpMonitorInput.nullable().optional(),
  confirmations: wholeNumber().min(1).max(10).optional(),
  auto_incidents: autoIncidentsInput.nullable().optional(),
};

// A monitor's `confirmations` stands for the component's own: given both, one would be dropped without a word.
const oneConfirmations = (b: { confirmations?: number; monitor?: { confirmations?: number } | null }) => b.confirmations === undefined || b.monitor?.confirmations === undefined;
const oneConfirmationsIssue = rule("alias_conflict", "give confirmations or the monitor's confirmations, not both", { path: ["monitor", "confirmations"] });

export const createComponentBody = z.strictObject(componentFields).refine(oneConfirmations, oneConfirmationsIssue);
export const editComponentBody = z
  .strictObject({ ...componentFields, name: componentFields.name.optional() })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE)
  .refine(oneConfirmations, oneConfirmationsIssue);

export const reorderComponentsBody = z.strictObject({ ids: distinctIds(500).min(1) });

export const groupBody = z.strictObject({
  name: line(100),
  description: optionalText(1_000).nullable().optional(),
  position: wholeNumber().min(0).max(100_000).optional(),
  collapsed: z.boolean().optional(),
});
export const editGroupBody = z
  .strictObject({
    name: line(100).optional(),
    description: optionalText(1_000).nullable().optional(),
    position: wholeNumber().min(0).max(100_000).optional(),
    collapsed: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE);


/** `?component={id}` narrows a feed (RSS, Atom, JSON Feed, iCalendar) to one component. */
export const feedQuery = z.object({ component: id.optional() });

// A label of only control characters would be drawn empty: refused as an empty one is, and one of only
// zero-width or format characters as such a title is.
const badgeLabel = z.string().min(1).max(60).transform(shownOnBadge).pipe(z.string().min(1).refine(showsSomething, NOTHING_VISIBLE)).optional();

/** A window (`days`) is an uptime badge's: asked of a status badge, it would be silently ignored. */
export const badgeQuery = z
  .object({
    metric: z.enum(["status", "uptime"]).default("status"),
    days: z.enum(["30", "60", "90"], { message: "must be 30, 60 or 90" }).optional(),
    label: badgeLabel,
  })
  .superRefine((q, ctx) => {
    if (q.metric !== "uptime" && q.days !== undefined) ctx.addIssue({ code: "custom", path: ["days"], message: "applies to metric=uptime only", params: { code: "not_applicable" } });
  })
  .transform((q) => ({ ...q, days: q.days ?? "30" }));

/**
 * The overall badge takes only the label: it shows the status, and uptime badges are per component. An uptime
 * metric or a window is refused as a component's status badge refuses a window (not_applicable).
 */
export const overallBadgeQuery = z
  .object({
    label: badgeLabel,
    // Documented as what the badge takes: "status" and no window.
    metric: z.enum(["status", "uptime"], { message: 'must be "status": uptime badges are per component' }).optional().meta({ enum: ["status"] }),
    days: z.string().optional().meta({ not: {} }),
  })
  .superRefine((q, ctx) => {
    if (q.metric === "uptime") ctx.addIssue({ code: "custom", path: ["metric"], message: "the overall badge shows the status; uptime badges are per component", params: { code: "not_applicable" } });
    if (q.days !== undefined) ctx.addIssue({ code: "custom", path: ["days"], message: "the overall badge has no window; uptime badges are per component", params: { code: "not_applicable" } });
  });

/** An endpoint's URL, in the one spelling it is stored and compared in (see normalWebhookUrl). */
const webhookUrl = z.url({ protocol: /^https$/, message: "must be an https URL" }).max(2048).transform(normalWebhookUrl);

/**
 * A phone number in E.164 form. Under +1 (North America) it is exactly 10 more digits, NXX-NXX-XXXX, the
 * area code and the exchange each starting 2-9, and not premium-rate (the 900 area code, 976 exchanges):
 * texts to a number that cannot exist, or that bills its sender, are what SMS pumping sells.
 */
const e164Digits = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 phone number such as +14155550100")
  // Only a "+1" followed by digits alone is held to it: anything else is not E.164, and said so once.
  .regex(/^(?!\+1\d*$)|^\+1[2-9]\d{2}[2-9]\d{6}$/, "must be a North American number: +1 and 10 digits")
  .refine((phone) => !/^\+1(?:900\d{7}|[2-9]\d{2}976\d{4})$/.test(phone), rule("premium_rate_number", "SMS does not go to premium-rate numbers (area code 900 or exchange 976)"));

/**
 * A number as people type it: "+1 (415) 555-0100", "+44 (0) 20 7946 0958" or "0044 ..." is read without its
 * spaces, dashes (any), dots and brackets, a bracketed trunk "0" after the country code, and with an
 * international "00" as "+". Anything longer than a number so written can be is left as it is, and refused.
 */
const e164 = z.preprocess(
  (value) =>
    typeof value === "string" && value.length <= 40
      ? value
          .trim()
          .replace(/^00/, "+")
          // "+44 (0) 20 ..." or "0044 ( 0 ) ...": the trunk prefix in brackets is dialled at home only.
          .replace(/^(\+\d{1,3})[\s\u00a0]*\([\s\u00a0]*0[\s\u00a0]*\)/, "$1")
          .replace(/[\s().\-\u2010-\u2015\u2212\u00a0]/g, "")
      : value,
  e164Digits,
);

/** The public sign-up: exactly one of email, phone or webhook; no components means every component. */
export const subscribeBody = z
  .strictObject({
    // Spaces around an address (pasted with it) are not part of it.
    email: z.preprocess((value) => (typeof value === "string" ? value.trim() : value), z.email({ message: "must be an email address" }).max(254, "must be at most 254 characters")).optional(),
    phone: e164.optional(),
    webhook: webhookUrl.optional(),
    components: distinctIds(100).optional(),
    component_changes: z.boolean().default(false),
    turnstile_token: z.string().max(2048).optional(),
  })
  .refine((b) => [b.email, b.phone, b.webhook].filter((v) => v !== undefined).length === 1, rule("one_channel", "give exactly one of email, phone or webhook"));

export const subscriptionTokenQuery = z.object({ token: z.string().min(1, "is required").max(300) });

export const smsCodeBody = z.strictObject({ phone: e164, code: z.string().regex(/^\d{6}$/, "must be the 6-digit code") });

/** A webhook endpoint that cannot echo its ping's challenge is confirmed by pasting the challenge here. */
export const webhookCodeBody = z.strictObject({
  webhook: webhookUrl,
  code: z.string().regex(/^[\w-]{1,100}$/, "must be the challenge from the subscription.ping"),
});

export const subscriptionPreferencesBody = z
  .strictObject({ components: distinctIds(100).optional(), component_changes: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, NOTHING_TO_CHANGE);

/** Twilio's inbound message webhook (form fields); other fields are kept because the signature covers them. */
export const twilioInboundForm = z.looseObject({ From: z.string().max(32), Body: z.string().max(1600).default("") });

/** `?limit=` rounds of a component's checks, newest first (a day of rounds at most). */
export const componentChecksQuery = z.object({
  limit: wholeNumberParam(1440).default(60),
});

export const devOutboxQuery = z.object({
  limit: wholeNumberParam(100).default(20),
  to: z.string().trim().min(1).max(320).optional().describe("Only messages to this recipient (email address, phone number)"),
});

export const notificationsQuery = z.object({
  limit: wholeNumberParam(500).default(100),
  cursor: pageCursor,
  status: z
    .enum(DELIVERY_STATUSES, { error: `must be a delivery status (${DELIVERY_STATUSES.join(", ")}); subscribers by their status are listed at /api/status/subscribers` })
    .optional()
    .describe("Only deliveries in this status"),
  channel: z.enum(CHANNELS).optional().describe("Only deliveries and subscribers of this channel"),
});

export const subscribersQuery = z.object({
  limit: wholeNumberParam(500).default(100),
  cursor: pageCursor,
  status: z.enum(SUBSCRIBER_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
});

/** A saved incident: what opening it fills in. Its components are written as an incident's are. */
export const templateBody = z.strictObject({
  name: line(100),
  title: line(200),
  message: optionalText(10_000).default(""),
  severity: z.enum(SEVERITIES).default("minor"),
  components: affectedComponents.default([]),
});

export const editTemplateBody = z
  .strictObject({
    name: line(100).optional(),
    title: line(200).optional(),
    message: optionalText(10_000).optional(),
    severity: z.enum(SEVERITIES).optional(),
    components: affectedComponents.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, NOTHING_TO_CHANGE);

/** `cursor` is the `next_cursor` of the previous page, opaque to clients. */
export const auditQuery = z.object({
  // A whole number as written, as every other list takes it (not 1e1, 0x14 or " 5").
  limit: wholeNumberParam(200).default(50),
  cursor: pageCursor,
  entity_type: z.enum(AUDIT_ENTITY_TYPES).optional(),
  // An entity's id (taken in either case), or "*" for a change to many at once (the component order).
  entity_id: z.union([id, z.literal("*")]).optional(),
});
