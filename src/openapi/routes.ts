import type { z } from "zod";
import * as schemas from "../schemas";

// Every route the app serves, one entry each. The OpenAPI document is generated from this table and the
// zod schemas the handlers validate with; the HTTP policy reads it to know which paths are public reads.

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
  /** Success status and content type (JSON unless said). */
  status?: number;
  produces?: string;
  /** Error statuses beyond those implied by auth, input and path parameters. */
  errors?: number[];
  /** Not answered from the snapshot, so no ETag/304 (liveness probe, WebSocket, personal links). */
  uncached?: boolean;
  /** Public but personal (a signed token in the URL): no CORS, never cached. */
  personal?: boolean;
  /** Request body media type when not JSON (HTML forms, Twilio's webhook). */
  bodyType?: string;
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

const tokenLink = (method: Method, path: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
  method,
  path: `/api/status/subscriptions/${path}`,
  tag: "Subscriptions",
  summary,
  query: schemas.subscriptionTokenQuery,
  personal: true,
  uncached: true,
  ...extra,
});

const v2 = (path: string, summary: string) => publicRead(`/api/v2/${path}`, "Statuspage v2", summary);

export const ROUTES: RouteDoc[] = [
  publicRead("/healthz", "Meta", "Liveness of the worker itself (touches nothing else)", { uncached: true }),
  publicRead("/api/openapi.json", "Meta", "This OpenAPI 3.1 document"),
  publicRead("/api/docs", "Meta", "A readable reference of this API", { produces: "text/html" }),

  publicRead("/api/status", "Status", "Overall status, components, groups, recent incidents and upcoming maintenance"),
  publicRead("/api/status/components/{id}", "Status", "One component with its 30/60/90-day uptime", { errors: [404] }),
  publicRead("/api/status/incidents", "Status", "Incidents started within the last `days` days", { query: schemas.incidentListQuery }),
  publicRead("/api/status/incidents/{id}", "Status", "One incident with its updates"),
  publicRead("/api/status/maintenance", "Status", "Upcoming and in-progress maintenance windows"),
  publicRead("/api/status/components/{id}/uptime", "Status", "A component's daily uptime series over the last `days` days", { query: schemas.uptimeQuery }),
  publicRead("/api/status/live", "Live", "WebSocket of live status changes", {
    description:
      "Send `Upgrade: websocket`. On connect the server sends the current view, then one message per change, each with a growing `seq`; reconnect with `?since=<seq>` to catch up. Browsers may connect only from the page's origin or LIVE_ALLOWED_ORIGINS. Text `ping` is answered `pong`.",
    status: 101,
    errors: [403, 426],
    uncached: true,
  }),

  publicRead("/api/status/rss", "Feeds", "RSS 2.0 feed of incidents and their updates", { query: schemas.feedQuery, produces: "application/rss+xml" }),
  publicRead("/api/status/atom", "Feeds", "Atom feed of incidents and their updates", { query: schemas.feedQuery, produces: "application/atom+xml" }),
  publicRead("/api/status/feed.json", "Feeds", "JSON Feed 1.1 of incidents and their updates", { query: schemas.feedQuery, produces: "application/feed+json" }),
  publicRead("/api/status/maintenance.ics", "Feeds", "iCalendar of maintenance windows (cancelled ones marked so)", { query: schemas.feedQuery, produces: "text/calendar" }),
  publicRead("/badge.svg", "Badges", "Overall status badge", { produces: "image/svg+xml" }),
  publicRead("/api/status/components/{id}/badge.svg", "Badges", "A component's status badge, or its uptime with ?metric=uptime", {
    query: schemas.badgeQuery,
    produces: "image/svg+xml",
  }),

  v2("summary.json", "Page, components, unresolved incidents, upcoming and active maintenance, and status"),
  v2("status.json", "Page and status indicator"),
  v2("components.json", "Page and components (groups as rows listing their children)"),
  v2("incidents.json", "The 50 most recent incidents, resolved ones included"),
  v2("incidents/unresolved.json", "Unresolved incidents"),
  v2("scheduled-maintenances.json", "The 50 most recent scheduled maintenances"),
  v2("scheduled-maintenances/upcoming.json", "Scheduled maintenances that have not started"),
  v2("scheduled-maintenances/active.json", "Scheduled maintenances in progress"),

  {
    method: "post",
    path: "/api/status/subscriptions",
    tag: "Subscriptions",
    summary: "Subscribe by email, SMS or webhook; confirmation (double opt-in) follows",
    body: schemas.subscribeBody,
    status: 202,
    errors: [429],
  },
  tokenLink("get", "confirm", "The confirmation page from the email (a button, so link scanners confirm nothing)", { produces: "text/html" }),
  tokenLink("post", "confirm", "Confirm an email subscription"),
  { method: "post", path: "/api/status/subscriptions/confirm/sms", tag: "Subscriptions", summary: "Confirm an SMS subscription with its 6-digit code", body: schemas.smsCodeBody, errors: [429] },
  tokenLink("get", "manage", "A subscription's preferences (HTML page, or JSON with Accept: application/json)"),
  tokenLink("patch", "manage", "Change which components a subscription follows", { body: schemas.subscriptionPreferencesBody }),
  tokenLink("post", "manage", "Save preferences from the manage page's HTML form", { produces: "text/html", bodyType: "application/x-www-form-urlencoded" }),
  tokenLink("get", "unsubscribe", "The unsubscribe page (a button)", { produces: "text/html" }),
  tokenLink("post", "unsubscribe", "One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)"),
  {
    method: "post",
    path: "/api/status/subscriptions/sms/inbound",
    tag: "Subscriptions",
    summary: "Twilio's inbound SMS webhook (STOP / START); only requests with a valid X-Twilio-Signature are believed",
    body: schemas.twilioInboundForm,
    bodyType: "application/x-www-form-urlencoded",
    produces: "text/xml",
    personal: true,
    errors: [403],
  },

  adminRoute("get", "/api/status/notifications", "Notifications", "Recent deliveries, their outcomes and subscriber counts", { query: schemas.notificationsQuery }),
  adminRoute("delete", "/api/status/notifications/subscribers/{id}", "Notifications", "Remove a subscriber (deliveries stay as history)", { status: 204 }),
  adminRoute("post", "/api/status/notifications/deliveries/{id}/retry", "Notifications", "Send a failed or ambiguous delivery again", { status: 202, errors: [409] }),

  adminRoute("post", "/api/status/incidents/create", "Incidents", "Open an incident", { body: schemas.createIncidentBody, status: 201 }),
  adminRoute("post", "/api/status/incidents/{id}/updates", "Incidents", "Post an update to an open incident", { body: schemas.incidentUpdateBody, status: 201, errors: [409] }),
  adminRoute("post", "/api/status/incidents/{id}/resolve", "Incidents", "Resolve an incident", { body: schemas.resolveIncidentBody, errors: [409] }),
  adminRoute("patch", "/api/status/incidents/{id}", "Incidents", "Edit an incident's fields", { body: schemas.editIncidentBody }),
  adminRoute("patch", "/api/status/incidents/{id}/updates/{updateId}", "Incidents", "Correct an update's text or ETA", { body: schemas.editIncidentUpdateBody }),
  adminRoute("post", "/api/status/incidents/{id}/postmortem", "Incidents", "Publish a resolved incident's postmortem", { body: schemas.postmortemBody, errors: [409] }),
  adminRoute("delete", "/api/status/incidents/{id}", "Incidents", "Delete an incident (lifts what it set)", { status: 204 }),

  adminRoute("get", "/api/status/templates", "Templates", "Saved incident templates"),
  adminRoute("get", "/api/status/templates/{id}", "Templates", "One incident template"),
  adminRoute("post", "/api/status/templates", "Templates", "Save an incident template", { body: schemas.templateBody, status: 201 }),
  adminRoute("patch", "/api/status/templates/{id}", "Templates", "Edit an incident template", { body: schemas.editTemplateBody }),
  adminRoute("delete", "/api/status/templates/{id}", "Templates", "Delete an incident template", { status: 204 }),

  adminRoute("post", "/api/status/maintenance", "Maintenance", "Schedule a maintenance window", { body: schemas.maintenanceBody, status: 201 }),
  adminRoute("patch", "/api/status/maintenance/{id}", "Maintenance", "Edit a maintenance window", { body: schemas.editMaintenanceBody, errors: [409] }),
  adminRoute("post", "/api/status/maintenance/{id}/cancel", "Maintenance", "Cancel a maintenance window", { errors: [409] }),
  adminRoute("post", "/api/status/maintenance/{id}/start", "Maintenance", "Start a scheduled window now, ahead of its time", { errors: [409] }),
  adminRoute("post", "/api/status/maintenance/{id}/complete", "Maintenance", "Complete a window in progress now, before its scheduled end", { errors: [409] }),

  adminRoute("post", "/api/status/health-check", "Checks", "Run every health check now and record the results"),

  adminRoute("get", "/api/status/admin/components/{id}", "Components", "A component as the admin sees it, monitor included"),
  adminRoute("post", "/api/status/components", "Components", "Add a component (optionally with an HTTP monitor)", { body: schemas.createComponentBody, status: 201 }),
  adminRoute("patch", "/api/status/components/{id}", "Components", "Edit a component", { body: schemas.editComponentBody }),
  adminRoute("delete", "/api/status/components/{id}", "Components", "Delete a component", { status: 204 }),
  adminRoute("post", "/api/status/components/reorder", "Components", "Set the order of components", { body: schemas.reorderComponentsBody }),
  adminRoute("post", "/api/status/groups", "Components", "Add a component group", { body: schemas.groupBody, status: 201 }),
  adminRoute("patch", "/api/status/groups/{id}", "Components", "Edit a component group", { body: schemas.editGroupBody }),
  adminRoute("delete", "/api/status/groups/{id}", "Components", "Delete a group (its components stay, ungrouped)", { status: 204 }),
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

/**
 * The documented public (non-admin, non-personal) GET route a concrete path is, if any. As in the router,
 * a literal segment beats a parameter: `/api/status/incidents/create` is the admin route, not an incident id.
 */
export function publicReadRoute(path: string): RouteDoc | null {
  patterns ??= ROUTES.map((route) => ({ route, pattern: pathPattern(route.path), params: route.path.split("{").length - 1 }));
  const matching = patterns.filter((p) => p.pattern.test(path));
  if (!matching.length) return null;
  const fewest = Math.min(...matching.map((p) => p.params));
  return matching.find((p) => p.params === fewest && p.route.method === "get" && !p.route.admin && !p.route.personal)?.route ?? null;
}

export const successType = (route: RouteDoc) => route.produces ?? JSON_TYPE;
