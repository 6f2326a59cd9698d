import * as z from "zod";
import { BODY_METHODS } from "../http/body-limit";
import * as schemas from "../schemas";
import type { PageInfo } from "../snapshot/types";
import { responseSchemas } from "./responses";
import { ROUTES, successType, type RouteDoc } from "./routes";

// The OpenAPI 3.1 document, generated from the route table and the very zod schemas the handlers
// validate with (zod's own JSON Schema output is draft 2020-12, which is what OpenAPI 3.1 uses).

const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: {
    name: "BadRequest",
    description:
      "Invalid input, or a body sent to a route that takes none: `details` lists each problem as `{path, message, code}` (an unknown id at its place in the list sent, e.g. `affected_components.0`)",
  },
  401: { name: "Unauthorized", description: "No bearer token, or an expired, forged or unverifiable one" },
  403: { name: "Forbidden", description: "A valid session without the admin role" },
  404: { name: "NotFound", description: "No such resource" },
  409: {
    name: "Conflict",
    description:
      "The resource is not in a state that allows this, or it changed while the request was being made (a lost race changes nothing); a name another component or group has is named in `details` (`name`, code `name_taken`)",
  },
  413: { name: "PayloadTooLarge", description: "Request body over 64 KiB, or over 512 KiB from an admin (checked on every POST, PUT, PATCH and DELETE, whether or not the route takes a body)" },
  415: { name: "UnsupportedMediaType", description: "A body sent without `Content-Type: application/json` to a route that takes JSON" },
  422: { name: "IdempotencyKeyReused", description: "This Idempotency-Key was already used (by this admin, within 24 hours) for a different request" },
  426: { name: "UpgradeRequired", description: "Needs a WebSocket upgrade" },
  429: { name: "RateLimited", description: "Too many requests; try again later" },
  503: { name: "Unavailable", description: "The database cannot be reached (a public read answers this only when no earlier data is at hand either)" },
};

/** Refusals a link opened in a browser gives as an HTML page, and as JSON with `Accept: application/json`. */
const PAGE_ERRORS = [400, 409];
const pageError = (status: number) => ({
  name: `${ERROR_RESPONSES[status]!.name}OrPage`,
  description: `${ERROR_RESPONSES[status]!.description}. A browser (no \`Accept: application/json\`) gets it as an HTML page`,
});

const SCHEMA_NAMES = new Map<unknown, string>(
  Object.entries(schemas).map(([name, schema]) => [schema, name.charAt(0).toUpperCase() + name.slice(1)]),
);

type JsonSchema = Record<string, unknown>;

/**
 * Every named response schema, as `#/components/schemas` entries referring to each other. Objects leave
 * `additionalProperties` open: Beacon may add keys to an answer, never rename, drop or retype one.
 */
function responseComponents(): Record<string, JsonSchema> {
  const { schemas: generated } = z.toJSONSchema(responseSchemas, {
    io: "output",
    unrepresentable: "any",
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      if (ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
    },
  }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(generated).map(([name, { $schema: _, $id: __, ...json }]) => [name, json]));
}

/** The component name of a route's response schema. */
function responseName(schema: z.ZodType): string {
  const meta = responseSchemas.get(schema);
  if (!meta) throw new Error("a route's response schema must be one of the named schemas in src/openapi/responses.ts");
  return meta.id;
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // "input": what a client sends (before transforms and defaults are applied).
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12", override: wholeNumberParam }) as JsonSchema;
  return json;
}

/**
 * A whole-number query parameter is checked as digits and read as a number: described as that integer, its
 * bounds and its default, as a coerced number is (zod would give the string, and drop the default of a
 * transforming schema's input).
 */
function wholeNumberParam({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }) {
  const bounds = schemas.wholeNumberParams.get(zodSchema);
  if (bounds) {
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    Object.assign(jsonSchema, { type: "integer", ...bounds });
  }
  if (zodSchema instanceof z.ZodDefault && schemas.wholeNumberParams.has(zodSchema.unwrap())) jsonSchema.default = zodSchema.def.defaultValue;
}

const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

function queryParameters(query: z.ZodType) {
  const json = jsonSchemaOf(query) as { properties?: Record<string, JsonSchema & { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

const operationId = (route: RouteDoc) =>
  route.method +
  route.path
    .replace(/\{([^}]+)\}/g, "by-$1")
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

const isAdminWrite = (route: RouteDoc) => Boolean(route.admin && route.idempotent);

const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Any string of 1 to 255 visible ASCII characters, new for each new request. A retry with the same key (same admin, within 24 hours) gets the first answer again (status and body, with `Idempotent-Replayed: true`) and changes nothing; the same key with a different request is refused with 422. Without one, a request that adds something (an incident, an update, a window, a component, a group, a template) sent again unchanged by the same admin within a minute, with nothing else written in between, is taken as a double submit and answered the same way.",
  schema: { type: "string", minLength: 1, maxLength: 255 },
};

const STATIC_ROUTES = new Set(["/healthz", "/api/openapi.json", "/api/docs"]);

/** Requests that may carry a body pass the body limit, whether or not their route takes one. */
const passesBodyLimit = (route: RouteDoc) => BODY_METHODS.includes(route.method.toUpperCase());

function errorStatuses(route: RouteDoc): number[] {
  const statuses = new Set(route.errors ?? []);
  // A write without a body schema takes none and refuses one (`noBody`); the others validate what they take.
  if (route.query || route.body || pathParams(route.path).length || passesBodyLimit(route)) statuses.add(400);
  if (route.admin) [401, 403].forEach((s) => statuses.add(s));
  if (isAdminWrite(route)) [409, 422].forEach((s) => statuses.add(s));
  if (pathParams(route.path).length) statuses.add(404);
  if (passesBodyLimit(route)) statuses.add(413);
  if (route.body && !route.bodyType) statuses.add(415);
  // Only the worker's own liveness and its API description answer without any data behind them.
  if (!STATIC_ROUTES.has(route.path) && route.status !== 101) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

const HTML_PAGE = { "text/html": { schema: { type: "string" } } };

function successContent(route: RouteDoc): Record<string, unknown> {
  const json = route.response ? { [successType(route)]: { schema: { $ref: `#/components/schemas/${responseName(route.response)}` } } } : null;
  // A browser gets a page; a client that asks for JSON, the JSON answer.
  if (route.pages && json) return { ...HTML_PAGE, ...json };
  return json ?? { [successType(route)]: { schema: {} } };
}

function operation(route: RouteDoc, schemaRefs: Map<string, JsonSchema>) {
  const status = route.status ?? 200;
  const parameters = [
    ...pathParams(route.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string", format: "uuid" } })),
    ...(route.query ? queryParameters(route.query) : []),
    ...(isAdminWrite(route) ? [IDEMPOTENCY_KEY] : []),
  ];
  let requestBody: unknown;
  if (route.body) {
    const name = SCHEMA_NAMES.get(route.body) ?? operationId(route) + "Body";
    schemaRefs.set(name, jsonSchemaOf(route.body));
    requestBody = { required: true, content: { [route.bodyType ?? "application/json"]: { schema: { $ref: `#/components/schemas/${name}` } } } };
  }
  const responses: Record<string, unknown> = {
    [status]:
      status === 204
        ? { description: "Done; no body" }
        : status === 101
          ? { description: "Switching protocols to a WebSocket" }
          : { description: "OK", content: successContent(route) },
  };
  if (route.method === "get" && !route.admin && !route.uncached && !route.personal) responses["304"] = { description: "Not modified (If-None-Match matched the ETag)" };
  for (const s of errorStatuses(route)) {
    const name = route.pages && PAGE_ERRORS.includes(s) ? pageError(s).name : ERROR_RESPONSES[s]!.name;
    responses[s] = { $ref: `#/components/responses/${name}` };
  }
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: route.admin ? [{ clerkSession: [] }] : [],
  };
}

export function openApiDocument(page: PageInfo) {
  const schemaRefs = new Map<string, JsonSchema>();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route, schemaRefs);
  return {
    openapi: "3.1.0",
    info: {
      title: `${page.name} status API`,
      version: "1.0.0",
      description:
        "Public reads need no credentials, support ETag/If-None-Match and CORS. Admin routes need a Clerk session token with the admin role in `Authorization: Bearer`. Errors are `{ error: { code, message, details? } }`. Also served: a Statuspage-compatible v2 API, RSS/Atom/JSON feeds, an iCalendar of maintenance, and badges.",
    },
    servers: [{ url: page.url }],
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        clerkSession: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A Clerk session JWT whose `metadata.role` is `admin` (or, with `CLERK_ADMIN_ORG_ID` set, an admin or `org:status:manage` holder in that organization).",
        },
      },
      schemas: Object.fromEntries([...Object.entries(responseComponents()), ...schemaRefs].sort(([a], [b]) => a.localeCompare(b))),
      responses: Object.fromEntries([
        ...Object.values(ERROR_RESPONSES).map(({ name, description }) => [
          name,
          { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
        ...PAGE_ERRORS.map(pageError).map(({ name, description }) => [
          name,
          { description, content: { ...HTML_PAGE, "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
      ]),
    },
  };
}
