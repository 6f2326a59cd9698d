import type { z } from "zod";
import * as schemas from "../schemas";
import * as responses from "./responses";

// Every route the app serves, one entry each. The OpenAPI document is generated from this table, the zod
// schemas the handlers validate with and the zod schemas of what they answer (./responses.ts); the HTTP
// policy reads it to know which paths are public reads. A new route is one entry here: its `response`
// (every JSON answer needs one) and the `errors` it can give beyond those implied by auth, input, ids and method.

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteDoc {
  method: Method;
  /** OpenAPI style: `{id}` for a path parameter (every path parameter here is a UUID). */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Admin routes need a Clerk session with the admin role (bearer security scheme). */
  admin?: boolean;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success body's schema, from ./responses.ts; required for every JSON answer. */
  response?: z.ZodType;
  /** Success status and content type (JSON unless said). */
  status?: number;
  produces?: string;
  /** Error statuses beyond those implied by auth, input, path parameters and the method (the body limit). */
  errors?: number[];
  /** Not answered from the snapshot, so no ETag/304 (liveness probe, WebSocket, personal links). */
  uncached?: boolean;
  /** Public but personal (a signed token in the URL): no CORS, never cached. */
  personal?: boolean;
  /** Request body media type when not JSON (HTML forms, Twilio's webhook). */
  bodyType?: string;
  /** An admin write that honours Idempotency-Key and can lose a race (409). */
  idempotent?: boolean;
  /**
   * A link from a message, opened in a browser: HTML pages unless the client sends `Accept: application/json`,
   * which gets JSON. Its 400 and 409 refusals are either, and so is its success when it has a `response`.
   */
  pages?: boolean;
}

const JSON_TYPE = "application/json";

const publicRead = (path: string, tag: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
  method: "get",
  path,
  tag,
  summary,
  ...extra,
});

const adminRoute = (method: Method, path: string, tag: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
  method,
  path,
  tag,
  summary,
  admin: true,
  ...extra,
});

const adminWrite = (method: Method, path: string, tag: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc =>
  adminRoute(method, path, tag, summary, { idempotent: true, ...extra });

const tokenLink = (method: Method, path: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
  pages: method !== "patch",
  method,
  path: `/api/status/subscriptions/${path}`,
  tag: "Subscriptions",
  summary,
  query: schemas.subscriptionTokenQuery,
  personal: true,
  uncached: true,
  ...extra,
});

const v2 = (path: string, summary: string, response: z.ZodType) => publicRead(`/api/v2/${path}`, "Statuspage v2", summary, { response });

export const ROUTES: RouteDoc[] = [
  publicRead("/healthz", "Meta", "Liveness of the worker itself (touches nothing else)", { uncached: true, response: responses.liveness }),
  publicRead("/api/openapi.json", "Meta", "This OpenAPI 3.1 document", { response: responses.openApiDocumentResponse }),
  publicRead("/api/docs", "Meta", "A readable reference of this API", { produces: "text/html" }),

  publicRead("/api/status", "Status", "Overall status, components, groups, recent incidents and upcoming maintenance", { response: responses.statusResponse }),
  publicRead("/api/status/components/{id}", "Status", "One component with its 30/60/90-day uptime", { response: responses.componentDetail }),
  publicRead("/api/status/incidents", "Status", "Incidents open at some time in the last `days` days", {
    description: "Those started in the window, newest first, then those started earlier and still open in it (ongoing, or resolved inside it). Without `limit` or `cursor`, every incident in the window (the seed's answer). With them, one page, newest first, and `next_cursor` for the next.",
    query: schemas.incidentListQuery,
    response: responses.incidentList,
  }),
  publicRead("/api/status/incidents/{id}", "Status", "One incident with its updates", {
    description: "An incident older than a year is read from the database, at most 20 times a minute per client (429 past that).",
    response: responses.incident,
    errors: [429],
  }),
  publicRead("/api/status/maintenance", "Status", "Upcoming and in-progress maintenance windows", { response: responses.maintenanceList }),
  publicRead("/api/status/maintenance/{id}", "Status", "One maintenance window, upcoming, in progress or ended within the last year", { response: responses.maintenanceWindow }),
  publicRead("/api/status/components/{id}/uptime", "Status", "A component's daily uptime series over the last `days` days", { query: schemas.uptimeQuery, response: responses.uptimeSeries }),
  publicRead("/api/status/components/{id}/latency", "Status", "A component's response times (count, p50, p95, min, max) per bucket", {
    description:
      "`range=24h` (default): 96 quarter hours; `7d`: 168 hours; `90d`: 90 calendar days in the page's time zone. Every bucket of the range is listed, oldest first; a bucket without an answered check has `count` 0 and null times (a gap, not a zero). p50 and p95 come from a fixed histogram per bucket.",
    query: schemas.latencyQuery,
    response: responses.latencySeries,
  }),
  publicRead("/api/status/live", "Live", "WebSocket of live status changes", {
    description:
      "Send `Upgrade: websocket`. On connect the server sends the current view, then one message per change, each with a growing `seq`; reconnect with `?since=<seq>` to catch up. Browsers may connect only from the page's origin or LIVE_ALLOWED_ORIGINS. Text `ping` is answered `pong`.",
    status: 101,
    errors: [403, 426, 429],
    uncached: true,
  }),

  // 404: `?component=` names no component.
  publicRead("/api/status/rss", "Feeds", "RSS 2.0 feed of incidents, their updates and maintenance", { query: schemas.feedQuery, produces: "application/rss+xml", errors: [404] }),
  publicRead("/api/status/atom", "Feeds", "Atom feed of incidents, their updates and maintenance", { query: schemas.feedQuery, produces: "application/atom+xml", errors: [404] }),
  publicRead("/api/status/feed.json", "Feeds", "JSON Feed 1.1 of incidents, their updates and maintenance", { query: schemas.feedQuery, produces: "application/feed+json", response: responses.jsonFeed, errors: [404] }),
  publicRead("/api/status/maintenance.ics", "Feeds", "iCalendar of maintenance windows (cancelled ones marked so)", { query: schemas.feedQuery, produces: "text/calendar", errors: [404] }),
  publicRead("/badge.svg", "Badges", "Overall status badge", { query: schemas.overallBadgeQuery, produces: "image/svg+xml" }),
  publicRead("/api/status/components/{id}/badge.svg", "Badges", "A component's status badge, or its uptime with ?metric=uptime", {
    query: schemas.badgeQuery,
    produces: "image/svg+xml",
  }),

  v2("summary.json", "Page, components, unresolved incidents, upcoming and active maintenance, and status", responses.v2Summary),
  v2("status.json", "Page and status indicator", responses.v2StatusResponse),
  v2("components.json", "Page and components (groups as rows listing their children)", responses.v2Components),
  v2("incidents.json", "The 50 most recent incidents, resolved ones included, and every unresolved one however old", responses.v2Incidents),
  v2("incidents/unresolved.json", "Unresolved incidents", responses.v2Incidents),
  v2("scheduled-maintenances.json", "The 50 most recent scheduled maintenances (latest start first), and every upcoming or active one however many are planned further ahead", responses.v2Maintenances),
  v2("scheduled-maintenances/upcoming.json", "Scheduled maintenances that have not started", responses.v2Maintenances),
  v2("scheduled-maintenances/active.json", "Scheduled maintenances in progress", responses.v2Maintenances),

  {
    method: "post",
    path: "/api/status/subscriptions",
    tag: "Subscriptions",
    summary: "Subscribe by email, SMS or webhook; confirmation (double opt-in) follows",
    body: schemas.subscribeBody,
    response: responses.subscriptionPending,
    status: 202,
    // 403: the human check (Turnstile), when the page has one, failed.
    errors: [403, 429],
  },
  tokenLink("get", "confirm", "The confirmation page from the email (a button, so link scanners confirm nothing)", { produces: "text/html", errors: [429] }),
  tokenLink("post", "confirm", "Confirm an email subscription (an HTML page, or JSON with Accept: application/json); a link that already did so answers as it did", { response: responses.confirmedSubscription, errors: [429] }),
  { method: "post", path: "/api/status/subscriptions/confirm/sms", tag: "Subscriptions", summary: "Confirm an SMS subscription with its 6-digit code", body: schemas.smsCodeBody, response: responses.subscription, errors: [429] },
  { method: "post", path: "/api/status/subscriptions/confirm/webhook", tag: "Subscriptions", summary: "Confirm a webhook subscription with the challenge its ping carried", body: schemas.webhookCodeBody, response: responses.subscription, errors: [429] },
  tokenLink("get", "manage", "A subscription's preferences (HTML page, or JSON with Accept: application/json)", { response: responses.subscription }),
  // 409: the address has unsubscribed, so preferences would mislead.
  tokenLink("patch", "manage", "Change which components a subscription follows", { body: schemas.subscriptionPreferencesBody, response: responses.subscription, errors: [409] }),
  tokenLink("post", "manage", "Save preferences from the manage page's HTML form", { produces: "text/html", bodyType: "application/x-www-form-urlencoded", errors: [409] }),
  tokenLink("get", "unsubscribe", "The unsubscribe page (a button)", { produces: "text/html" }),
  tokenLink("post", "unsubscribe", "One-click unsubscribe (RFC 8058 List-Unsubscribe-Post; an HTML page, or JSON with Accept: application/json)", { response: responses.unsubscribed }),
  {
    method: "post",
    path: "/api/status/subscriptions/sms/inbound",
    tag: "Subscriptions",
    summary: "Twilio's inbound SMS webhook (STOP / START); only requests with a valid X-Twilio-Signature are believed",
    body: schemas.twilioInboundForm,
    bodyType: "application/x-www-form-urlencoded",
    produces: "text/xml",
    personal: true,
    // 404 where SMS is not configured (no TWILIO_AUTH_TOKEN to check signatures with).
    errors: [403, 404],
  },

  adminRoute("get", "/api/status/notifications", "Notifications", "Recent deliveries, their outcomes and subscriber counts", { query: schemas.notificationsQuery, response: responses.notifications }),
  adminRoute("get", "/api/status/dev-outbox", "Notifications", "Messages channels without credentials would have sent (local dev only)", {
    description: "Only under local dev (LOCAL_DEV=true, as `npm start` sets): 404 anywhere else. Messages are kept whole, links and codes included.",
    query: schemas.devOutboxQuery,
    response: responses.devOutbox,
    errors: [404],
  }),
  adminRoute("get", "/api/status/subscribers", "Notifications", "Every subscriber, newest first, by channel and status, a page at a time", { query: schemas.subscribersQuery, response: responses.subscribers }),
  adminWrite("delete", "/api/status/notifications/subscribers/{id}", "Notifications", "Remove a subscriber (deliveries stay as history)", { status: 204 }),
  adminRoute("post", "/api/status/notifications/deliveries/{id}/retry", "Notifications", "Send a failed or ambiguous delivery again", { response: responses.deliveryRetry, status: 202, errors: [409], idempotent: true }),

  adminRoute("get", "/api/status/audit", "Audit", "Who changed what and when: every admin write, newest first, kept 365 days", {
    query: schemas.auditQuery,
    response: responses.auditLog,
    description:
      "Each entry names the actor (Clerk user id, and name and email when the session token carries `name` / `email` claims), the action, the entity and its state before and after, as JSON. Page with `limit` and the opaque `next_cursor`; filter with `entity_type` and `entity_id`.",
  }),

  adminWrite("post", "/api/status/incidents/create", "Incidents", "Open an incident", { body: schemas.createIncidentBody, response: responses.incident, status: 201 }),
  adminRoute("get", "/api/status/admin/incidents/{id}", "Incidents", "An incident as the admin sees it: who manages it, what is missing, what the checks say now", { response: responses.adminIncident }),
  adminWrite("post", "/api/status/incidents/{id}/updates", "Incidents", "Post an update to an open incident", { body: schemas.incidentUpdateBody, response: responses.incidentWithUpdate, status: 201, errors: [409] }),
  adminWrite("post", "/api/status/incidents/{id}/resolve", "Incidents", "Resolve an incident", { body: schemas.resolveIncidentBody, response: responses.incident, errors: [409] }),
  adminWrite("patch", "/api/status/incidents/{id}", "Incidents", "Edit an incident's fields", { body: schemas.editIncidentBody, response: responses.incident }),
  adminWrite("patch", "/api/status/incidents/{id}/updates/{updateId}", "Incidents", "Correct an update's text or ETA", { body: schemas.editIncidentUpdateBody, response: responses.incident }),
  adminWrite("post", "/api/status/incidents/{id}/postmortem", "Incidents", "Publish a resolved incident's postmortem", { body: schemas.postmortemBody, response: responses.incident, errors: [409] }),
  adminWrite("delete", "/api/status/incidents/{id}", "Incidents", "Delete an incident (lifts what it set)", { status: 204 }),

  adminRoute("get", "/api/status/templates", "Templates", "Saved incident templates", { response: responses.incidentTemplates }),
  adminRoute("get", "/api/status/templates/{id}", "Templates", "One incident template", { response: responses.incidentTemplate }),
  adminWrite("post", "/api/status/templates", "Templates", "Save an incident template", { body: schemas.templateBody, response: responses.incidentTemplate, status: 201 }),
  adminWrite("patch", "/api/status/templates/{id}", "Templates", "Edit an incident template", { body: schemas.editTemplateBody, response: responses.incidentTemplate }),
  adminWrite("delete", "/api/status/templates/{id}", "Templates", "Delete an incident template", { status: 204 }),

  adminWrite("post", "/api/status/maintenance", "Maintenance", "Schedule a maintenance window", { body: schemas.maintenanceBody, response: responses.maintenanceWindow, status: 201 }),
  adminWrite("patch", "/api/status/maintenance/{id}", "Maintenance", "Edit a maintenance window", { body: schemas.editMaintenanceBody, response: responses.maintenanceWindow, errors: [409] }),
  adminWrite("post", "/api/status/maintenance/{id}/cancel", "Maintenance", "Cancel a maintenance window", { response: responses.maintenanceWindow, errors: [409] }),
  adminWrite("post", "/api/status/maintenance/{id}/start", "Maintenance", "Start a scheduled window now, ahead of its time", { response: responses.maintenanceWindow, errors: [409] }),
  adminWrite("post", "/api/status/maintenance/{id}/complete", "Maintenance", "Complete a window in progress now, before its scheduled end", { response: responses.maintenanceWindow, errors: [409] }),

  adminRoute("post", "/api/status/health-check", "Checks", "Run every health check now and record the results", { response: responses.healthCheck }),

  adminRoute("get", "/api/status/admin/components/{id}", "Components", "A component as the admin sees it, monitor included", { response: responses.adminComponent }),
  adminRoute("get", "/api/status/components/{id}/checks", "Checks", "A component's latest check rounds: the agreed result and what each region saw", {
    query: schemas.componentChecksQuery,
    response: responses.componentChecks,
  }),
  adminWrite("post", "/api/status/components", "Components", "Add a component (optionally with an HTTP monitor)", { body: schemas.createComponentBody, response: responses.adminComponent, status: 201 }),
  adminWrite("patch", "/api/status/components/{id}", "Components", "Edit a component", { body: schemas.editComponentBody, response: responses.adminComponent }),
  adminWrite("delete", "/api/status/components/{id}", "Components", "Delete a component", { status: 204 }),
  adminWrite("post", "/api/status/components/reorder", "Components", "Set the order of components: the listed ones, in that order, where the first of them stood", { body: schemas.reorderComponentsBody, response: responses.componentOrder }),
  adminWrite("post", "/api/status/groups", "Components", "Add a component group", { body: schemas.groupBody, response: responses.componentGroup, status: 201 }),
  adminWrite("patch", "/api/status/groups/{id}", "Components", "Edit a component group", { body: schemas.editGroupBody, response: responses.componentGroup }),
  adminWrite("delete", "/api/status/groups/{id}", "Components", "Delete a group (its components stay, ungrouped)", { status: 204 }),
];

/** `/api/status/components/{id}` -> a regex matching concrete paths. */
export function pathPattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}/?$`);
}

let patterns: { route: RouteDoc; pattern: RegExp; params: number }[] | null = null;

// Every request asks, and scanning the documented routes costs more than the rest of a warm read's middleware.
// Paths come from clients, so the memo is bounded in entries and in length (documented paths are short): it
// starts over once full.
const MEMO_PATHS = 1024;
const MEMO_PATH_CHARS = 200;
const memo = new Map<string, RouteDoc | null>();

/**
 * The documented public (non-admin, non-personal) GET route a concrete path is, if any. As in the router,
 * a literal segment beats a parameter: `/api/status/incidents/create` is the admin route, not an incident id.
 */
export function publicReadRoute(path: string): RouteDoc | null {
  const known = memo.get(path);
  if (known !== undefined) return known;
  patterns ??= ROUTES.map((route) => ({ route, pattern: pathPattern(route.path), params: route.path.split("{").length - 1 }));
  const matching = patterns.filter((p) => p.pattern.test(path));
  const fewest = Math.min(...matching.map((p) => p.params));
  const route = matching.find((p) => p.params === fewest && p.route.method === "get" && !p.route.admin && !p.route.personal)?.route ?? null;
  if (path.length <= MEMO_PATH_CHARS) {
    if (memo.size >= MEMO_PATHS) memo.clear();
    memo.set(path, route);
  }
  return route;
}

export const successType = (route: RouteDoc) => route.produces ?? JSON_TYPE;
