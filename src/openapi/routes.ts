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

const v2 = (path: string, summary: string) => publicRead(`/api/v2/${path}`, "Statuspage v2", summary);

export const ROUTES: RouteDoc[] = [
  publicRead("/healthz", "Meta", "Liveness of the worker itself (touches nothing else)"),
  publicRead("/api/openapi.json", "Meta", "This OpenAPI 3.1 document"),
  publicRead("/api/docs", "Meta", "A readable reference of this API", { produces: "text/html" }),

  publicRead("/api/status", "Status", "Overall status, components, groups, recent incidents and upcoming maintenance"),
  publicRead("/api/status/components/{id}", "Status", "One component with its 30/60/90-day uptime", { errors: [404] }),
  publicRead("/api/status/incidents", "Status", "Incidents started within the last `days` days", { query: schemas.incidentListQuery }),
  publicRead("/api/status/incidents/{id}", "Status", "One incident with its updates"),
  publicRead("/api/status/maintenance", "Status", "Upcoming and in-progress maintenance windows"),

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

  adminRoute("post", "/api/status/incidents/create", "Incidents", "Open an incident", { body: schemas.createIncidentBody, status: 201 }),
  adminRoute("post", "/api/status/incidents/{id}/updates", "Incidents", "Post an update to an open incident", { body: schemas.incidentUpdateBody, status: 201, errors: [409] }),
  adminRoute("post", "/api/status/incidents/{id}/resolve", "Incidents", "Resolve an incident", { body: schemas.resolveIncidentBody, errors: [409] }),
  adminRoute("patch", "/api/status/incidents/{id}", "Incidents", "Edit an incident's fields", { body: schemas.editIncidentBody }),
  adminRoute("patch", "/api/status/incidents/{id}/updates/{updateId}", "Incidents", "Correct an update's text or ETA", { body: schemas.editIncidentUpdateBody }),
  adminRoute("post", "/api/status/incidents/{id}/postmortem", "Incidents", "Publish a resolved incident's postmortem", { body: schemas.postmortemBody, errors: [409] }),
  adminRoute("delete", "/api/status/incidents/{id}", "Incidents", "Delete an incident (lifts what it set)", { status: 204 }),

  adminRoute("post", "/api/status/maintenance", "Maintenance", "Schedule a maintenance window", { body: schemas.maintenanceBody, status: 201 }),
  adminRoute("patch", "/api/status/maintenance/{id}", "Maintenance", "Edit a maintenance window", { body: schemas.editMaintenanceBody, errors: [409] }),
  adminRoute("post", "/api/status/maintenance/{id}/cancel", "Maintenance", "Cancel a maintenance window", { errors: [409] }),

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

let publicReadPatterns: RegExp[] | null = null;

/** Whether a concrete path is one of the documented public (non-admin) GET routes. */
export function isPublicRead(path: string): boolean {
  publicReadPatterns ??= ROUTES.filter((r) => r.method === "get" && !r.admin).map((r) => pathPattern(r.path));
  return publicReadPatterns.some((pattern) => pattern.test(path));
}

export const successType = (route: RouteDoc) => route.produces ?? JSON_TYPE;
