import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { app } from "../src/app";
import { jsonSchemaOf } from "../src/openapi/document";
import { errorResponse } from "../src/openapi/responses";
import { ROUTES, successType } from "../src/openapi/routes";
import { createIncidentBody, maintenanceBody } from "../src/schemas";
import { tokenSigner } from "../src/notify/crypto";
import { admin, adminToken, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { activeSubscriber } from "./support/subscribers";

// HTML pages and static files are for people, not API clients: the only routes left out of the document.
const NOT_API = new Set([
  "GET /",
  "GET /history",
  "GET /incidents/{id}",
  "GET /components/{id}",
  "GET /maintenance/{id}",
  "GET /favicon.svg",
  "GET /favicon.ico",
  "GET /assets/{file}",
  // The page's no-script sign-up form and its code step; they answer with HTML and call the documented
  // POST /api/status/subscriptions and /api/status/subscriptions/confirm/{sms,webhook}.
  "POST /subscribe",
  "POST /subscribe/confirm",
]);

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Every (method, path) the Hono app actually registers, middleware left out. */
function servedRoutes(): string[] {
  const served = new Set<string>();
  for (const route of app.routes) {
    if (route.path.endsWith("*")) continue;
    const path = route.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "{$1}").replace(/(.)\/$/, "$1");
    // A route for every method (e.g. the live socket's `all`) is documented as the GET it is used as.
    const method = route.method === "ALL" ? "GET" : route.method;
    if (METHODS.includes(method)) served.add(`${method} ${path}`);
  }
  // The console at /admin is HTML for people; its forms call the documented admin routes.
  return [...served].filter((r) => !NOT_API.has(r) && !/^\w+ \/admin(\/|$)/.test(r)).sort();
}

async function document() {
  const res = await call("GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  return json(res);
}

function documented(doc: any): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]: [string, any]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("OpenAPI document", () => {
  it("documents every route the app serves, and nothing it does not", async () => {
    const doc = await document();
    const undocumented = servedRoutes().filter((r) => !documented(doc).includes(r));
    expect(undocumented, `undocumented routes: ${undocumented.join(", ")}`).toEqual([]);
    const stale = documented(doc).filter((r) => !servedRoutes().includes(r));
    expect(stale, `documented but not served: ${stale.join(", ")}`).toEqual([]);
  });

  it("is a valid OpenAPI 3.1 document: references resolve, path parameters declared, ids unique, errors described", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Beacon Test status API");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.servers).toEqual([{ url: "https://status.example.com" }]);
    expect(doc.components.securitySchemes.clerkSession).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });

    for (const ref of collectRefs(doc)) {
      expect(ref.startsWith("#/"), ref).toBe(true);
      const target = ref.slice(2).split("/").reduce((node: any, key) => node?.[key], doc);
      expect(target, `unresolved ${ref}`).toBeDefined();
    }

    const ids = new Set<string>();
    const tags = new Set(doc.tags.map((t: any) => t.name));
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries<any>(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(ids.has(op.operationId), `${where} repeats operationId`).toBe(false);
        ids.add(op.operationId);
        expect(tags.has(op.tags[0]), where).toBe(true);
        expect(op.summary.length, where).toBeGreaterThan(0);
        expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
        for (const [status, response] of Object.entries<any>(op.responses)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          expect(response.$ref ?? response.description, where).toBeTruthy();
        }
        const pathParams = (op.parameters ?? []).filter((p: any) => p.in === "path");
        expect(pathParams.map((p: any) => p.name).sort(), where).toEqual(templated);
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const p of op.parameters ?? []) expect(["path", "query", "header", "cookie"]).toContain(p.in);
        if (op.security.length) {
          expect(op.security, where).toEqual([{ clerkSession: [] }]);
          expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(["401", "403"]));
        }
        if (op.requestBody) expect(op.responses["400"], where).toBeDefined();
        // A JSON body sent as anything else is a 415, and the document says so wherever that can happen.
        if (op.requestBody?.content["application/json"]) expect(op.responses["415"], where).toBeDefined();
      }
    }
  });

  it("takes request schemas from the zod schemas that validate them; admin routes need the bearer scheme, public ones none", async () => {
    const doc = await document();
    const create = doc.paths["/api/status/incidents/create"].post;
    expect(create.security).toEqual([{ clerkSession: [] }]);
    const ref = create.requestBody.content["application/json"].schema.$ref;
    expect(ref).toBe("#/components/schemas/CreateIncidentBody");
    expect(doc.components.schemas.CreateIncidentBody).toEqual(jsonSchemaOf(createIncidentBody));
    expect(doc.components.schemas.CreateIncidentBody.properties.severity.enum).toEqual(["none", "minor", "major", "critical"]);
    expect(doc.components.schemas.CreateIncidentBody.required).toEqual(["title"]);
    expect(doc.components.schemas.MaintenanceBody).toEqual(jsonSchemaOf(maintenanceBody));
    // A window's times are required, as the handler requires them, and documented as times.
    expect(doc.components.schemas.MaintenanceBody.required).toEqual(["title", "scheduled_start", "scheduled_end"]);
    expect(JSON.stringify(doc.components.schemas.MaintenanceBody.properties.scheduled_start)).toContain('"format":"date-time"');
    // What the handler accepts is what the document says: a body the schema refuses is refused.
    expect(z.toJSONSchema(createIncidentBody, { io: "input" }).additionalProperties).toBe(false);

    const incidents = doc.paths["/api/status/incidents"].get;
    expect(incidents.security).toEqual([]);
    expect(incidents.parameters.map((p: any) => [p.name, p.required, p.schema.type])).toEqual([
      ["days", false, "integer"],
      ["limit", false, "integer"],
      ["cursor", false, "string"],
    ]);
    expect(Object.keys(incidents.responses)).toEqual(expect.arrayContaining(["200", "304", "400"]));
    expect(doc.paths["/api/v2/summary.json"].get.security).toEqual([]);
    expect(Object.keys(doc.paths["/badge.svg"].get.responses["200"].content)).toEqual(["image/svg+xml"]);
  });

  it("has a readable, self-contained reference page listing every operation", async () => {
    const doc = await document();
    const res = await call("GET", "/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!status\.example\.com)[^"<\s]*\.(js|css)/);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const op of Object.values<any>(ops)) expect(html).toContain(`id="${op.operationId}"`);
      expect(html).toContain(`<code>${path}</code>`);
    }
    // The inline stylesheet is exactly the one the policy's hash allows.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style));
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`);
  });

  it("describes every JSON answer with a schema generated from zod, and every error with the one error shape", async () => {
    const doc = await document();
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method];
      const status = String(route.status ?? 200);
      const where = `${route.method.toUpperCase()} ${route.path}`;
      if (/json/.test(successType(route)) && status !== "204" && status !== "101") {
        const ref = op.responses[status].content[successType(route)].schema.$ref;
        expect(ref, `${where} has no response schema`).toMatch(/^#\/components\/schemas\/\w+$/);
        expect(doc.components.schemas[ref.split("/").pop()].type, where).toBe("object");
      }
      for (const [code, response] of Object.entries<any>(op.responses)) {
        if (Number(code) >= 400) expect(doc.components.responses[response.$ref.split("/").pop()].content["application/json"].schema.$ref, where).toBe("#/components/schemas/Error");
      }
    }
    expect(doc.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
    const detail = doc.components.schemas.Error.properties.error.properties.details.items;
    expect(detail.required).toEqual(["path", "message", "code"]);
    expect(Object.keys(detail.properties)).toEqual(["path", "message", "code", "limit"]);
    // Seed keys are spelled out with their types, and answers stay open to added keys.
    const maintenance = doc.components.schemas.MaintenanceWindow;
    expect(maintenance.properties.affected_components).toMatchObject({ type: "array", items: { type: "string" } });
    expect(maintenance.additionalProperties).toBeUndefined();
    expect(doc.components.schemas.ComponentDetail.properties.component).toEqual({ $ref: "#/components/schemas/Component" });
    expect(doc.components.schemas.ComponentDetail.properties.uptime.required).toEqual(["30_days", "60_days", "90_days"]);
  });

  it("matches what is served: real answers parse with their route's schema, with no key left undocumented", { timeout: 20_000 }, async () => {
    const incident = await createIncident({ title: "Documented", estimated_resolution: new Date(Date.now() + 3600_000).toISOString() });
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Documented window", scheduled_start: Date.now() - 60_000, scheduled_end: Date.now() + 3600_000, affected_components: [DEFAULT_COMPONENTS.email] }),
    );
    await admin("POST", "/api/status/health-check");
    const ids: Record<string, string> = { "/api/status/incidents/{id}": incident.id, "/api/status/maintenance/{id}": window.id };
    const served: Record<string, unknown> = {};
    for (const route of ROUTES) {
      if (route.method !== "get" || route.admin || route.personal || !route.response || route.path === "/api/openapi.json") continue;
      const path = route.path.replace("{id}", ids[route.path] ?? DEFAULT_COMPONENTS.api);
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      served[route.path] = await res.json();
    }
    const adminAnswers: [string, string, string, unknown?][] = [
      ["post", "/api/status/incidents/{id}/updates", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified" }],
      ["patch", "/api/status/maintenance/{id}", `/api/status/maintenance/${window.id}`, { title: "Documented window (v2)" }],
      ["post", "/api/status/incidents/{id}/resolve", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b" }],
      ["post", "/api/status/health-check", "/api/status/health-check"],
      ["get", "/api/status/admin/components/{id}", `/api/status/admin/components/${DEFAULT_COMPONENTS.api}`],
      ["get", "/api/status/components/{id}/checks", `/api/status/components/${DEFAULT_COMPONENTS.api}/checks`],
      ["get", "/api/status/notifications", "/api/status/notifications"],
      ["get", "/api/status/subscribers", "/api/status/subscribers?limit=5"],
      ["post", "/api/status/groups", "/api/status/groups", { name: "Documented group" }],
      ["post", "/api/status/maintenance/{id}/cancel", `/api/status/maintenance/${window.id}/cancel`],
      ["get", "/api/status/audit", "/api/status/audit?limit=5"],
    ];
    for (const [method, template, path, body] of adminAnswers) {
      const res = await admin(method.toUpperCase(), path, body);
      expect(res.status, path).toBeLessThan(300);
      served[`${method} ${template}`] = await res.json();
    }
    served["post /api/status/subscriptions"] = await json(await call("POST", "/api/status/subscriptions", { body: { email: "docs@example.com" }, headers: { "cf-connecting-ip": "203.0.113.77" } }));

    for (const [key, body] of Object.entries(served)) {
      const [method, path] = key.includes(" ") ? key.split(" ") : ["get", key];
      const route = ROUTES.find((r) => r.method === method && r.path === path)!;
      const parsed = route.response!.safeParse(body);
      expect(parsed.error?.issues ?? [], key).toEqual([]);
      // zod drops keys a schema does not name: an answer equal to its parse has none undocumented.
      expect(parsed.data, key).toEqual(body);
    }
    // Errors with each kind of detail: a number limit, none, a time limit, and a conflict naming its field.
    const hourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000).toISOString();
    const errors = [
      await call("GET", "/api/status/incidents?days=0"),
      await call("GET", `/api/status/incidents/${crypto.randomUUID()}`),
      await admin("POST", "/api/status/incidents/create", {}),
      await admin("POST", "/api/status/incidents/create", { title: "Early ETA", started_at: hourAgo, estimated_resolution: "2001-01-01T00:00:00Z", notify: false }),
      // The name taken, spelled apart (the same request again would be a double submit of the first).
      await admin("POST", "/api/status/groups", { name: "DOCUMENTED GROUP" }),
    ];
    const codes: string[] = [];
    for (const res of errors) {
      const body = await res.json<any>();
      expect(errorResponse.parse(body)).toEqual(body);
      codes.push(...(body.error.details ?? []).map((d: { code: string }) => d.code));
    }
    expect(codes).toEqual(["too_small", "required", "before_start", "name_taken"]);
  });

  it("lists every status a route answers, probed with what makes each route refuse", { timeout: 120_000 }, async () => {
    const doc = await document();
    const [token, member] = [await adminToken(), await adminToken({ role: "member" })];
    // Older than the snapshot's year: its reads reach D1 and are limited per client.
    const old = await createIncident({ title: "Old", started_at: "2024-01-15T08:00:00Z", affected_components: [] });
    await admin("POST", `/api/status/incidents/${old.id}/resolve`, { root_cause: "a", resolution: "b" });
    const unknown = "00000000-0000-4000-8000-000000000000";
    const known = (path: string) => (path.startsWith("/api/status/incidents/") ? old.id : DEFAULT_COMPONENTS.api);
    const jsonBody = (value: unknown) => ({ body: JSON.stringify(value), headers: { "content-type": "application/json" } });

    interface Probe {
      name: string;
      applies: (route: (typeof ROUTES)[number]) => boolean;
      id: (path: string) => string;
      token?: string;
      body?: { body: string; headers: Record<string, string> };
      headers?: Record<string, string>;
    }
    const writes = (route: (typeof ROUTES)[number]) => route.method !== "get";
    const probes: Probe[] = [
      { name: "anonymous", applies: () => true, id: () => unknown, body: jsonBody({}) },
      { name: "admin, unknown ids", applies: () => true, id: () => unknown, token, body: jsonBody({}) },
      { name: "malformed ids", applies: (r) => r.path.includes("{"), id: () => "nope", token, body: jsonBody({}) },
      { name: "not an admin", applies: (r) => Boolean(r.admin), id: () => unknown, token: member, body: jsonBody({}) },
      { name: "over 64 KiB", applies: writes, id: () => unknown, token, body: jsonBody({ padding: "x".repeat(70_000) }) },
      { name: "a body where none is taken", applies: (r) => writes(r) && !r.body, id: () => unknown, token, body: jsonBody({ unexpected: true }) },
      {
        name: "rate limited",
        applies: (r) => !r.admin,
        id: known,
        body: jsonBody({}),
        // A read asks for a WebSocket too: the live socket's upgrade is limited per client.
        headers: { "cf-connecting-ip": "203.0.113.9" },
      },
    ];
    // Every per-client limit refuses (only requests that name their client, as Cloudflare's always do).
    for (const limiter of [env.SIGNUP_LIMITER, env.LIVE_LIMITER, env.HISTORY_LIMITER]) vi.spyOn(limiter!, "limit").mockResolvedValue({ success: false });

    const undocumented: string[] = [];
    const queue = ROUTES.flatMap((route) => probes.filter((p) => p.applies(route)).map((probe) => ({ route, probe })));
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { route, probe } = next;
          const path = route.path.replace(/\{[^}]+\}/g, () => probe.id(route.path));
          const limited = probe.name === "rate limited";
          const res = await call(route.method.toUpperCase(), path, {
            token: probe.token,
            ...(writes(route) ? probe.body : {}),
            headers: { ...(writes(route) ? probe.body?.headers : { ...(limited ? { upgrade: "websocket" } : {}) }), ...(limited ? probe.headers : {}) },
          });
          await res.arrayBuffer();
          const listed = Object.keys(doc.paths[route.path][route.method].responses);
          if (!listed.includes(String(res.status))) undocumented.push(`${route.method.toUpperCase()} ${route.path} (${probe.name}) -> ${res.status}`);
        }
      }),
    );
    expect(undocumented).toEqual([]);
  });
});

/** The media types the document gives for one answer of an operation, its `$ref` followed. */
function documentedTypes(doc: any, method: string, path: string, status: number): string[] {
  const response = doc.paths[path]?.[method]?.responses?.[String(status)];
  if (!response) return [];
  const resolved = response.$ref ? response.$ref.slice(2).split("/").reduce((node: any, key: string) => node?.[key], doc) : response;
  return Object.keys(resolved?.content ?? {});
}

/** Asserts that the document lists the answer's status and, when it has a body, its media type. */
async function expectDocumented(doc: any, method: string, path: string, res: Response, where: string) {
  await res.arrayBuffer();
  const types = documentedTypes(doc, method, path, res.status);
  expect(Object.keys(doc.paths[path][method].responses), `${where}: status ${res.status} not documented`).toContain(String(res.status));
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (type) expect(types, `${where}: ${res.status} ${type} not documented`).toContain(type);
}

describe("OpenAPI document, as integrators read it", () => {
  it("documents the 404 a feed or the calendar answers for an unknown component", async () => {
    const doc = await document();
    for (const path of ["/api/status/rss", "/api/status/atom", "/api/status/feed.json", "/api/status/maintenance.ics"]) {
      const res = await call("GET", `${path}?component=${crypto.randomUUID()}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      await expectDocumented(doc, "get", path, res, path);
    }
  });
});

describe("OpenAPI document: the overall badge", () => {
  it("documents its label as the component badge does, and the 400 for one out of bounds", async () => {
    const doc = await document();
    const op = doc.paths["/badge.svg"].get;
    const label = op.parameters?.find((p: any) => p.name === "label");
    const componentLabel = doc.paths["/api/status/components/{id}/badge.svg"].get.parameters.find((p: any) => p.name === "label");
    expect(label).toEqual(componentLabel);
    expect(label.schema).toMatchObject({ type: "string", minLength: 1, maxLength: 60 });
    const ok = await call("GET", `/badge.svg?label=${"x".repeat(60)}`);
    expect(ok.status).toBe(200);
    await expectDocumented(doc, "get", "/badge.svg", ok, "60 characters");
    for (const bad of ["", "x".repeat(61)]) {
      const res = await call("GET", `/badge.svg?label=${bad}`);
      expect(res.status, `label of ${bad.length}`).toBe(400);
      await expectDocumented(doc, "get", "/badge.svg", res, `label of ${bad.length}`);
    }
  });
});

describe("OpenAPI document: whole-number query parameters", () => {
  it("gives each as an integer with the bounds and default the server applies, as coerced ones are", async () => {
    const doc = await document();
    const param = (path: string, name: string) => doc.paths[path].get.parameters.find((p: any) => p.name === name).schema;
    const uptime = `/api/status/components/${DEFAULT_COMPONENTS.api}/uptime`;
    const cases: [string, string, string, { minimum: number; maximum: number; default?: number }, (n: number | null) => Promise<Response>][] = [
      ["/api/status/incidents", "days", "integer", { minimum: 1, maximum: 365, default: 90 }, (n) => call("GET", `/api/status/incidents${n === null ? "" : `?days=${n}`}`)],
      ["/api/status/incidents", "limit", "integer", { minimum: 1, maximum: 100 }, (n) => call("GET", `/api/status/incidents${n === null ? "" : `?limit=${n}`}`)],
      ["/api/status/components/{id}/uptime", "days", "integer", { minimum: 1, maximum: 90, default: 90 }, (n) => call("GET", `${uptime}${n === null ? "" : `?days=${n}`}`)],
      ["/api/status/audit", "limit", "integer", { minimum: 1, maximum: 200, default: 50 }, (n) => admin("GET", `/api/status/audit${n === null ? "" : `?limit=${n}`}`)],
    ];
    for (const [path, name, type, bounds, ask] of cases) {
      const where = `${path} ${name}`;
      expect(param(path, name), where).toEqual({ ...(name === "limit" && path === "/api/status/incidents" ? { description: expect.any(String) } : {}), type, ...bounds });
      // The bounds are the server's: each is taken, one past either is refused.
      for (const n of [bounds.minimum, bounds.maximum]) expect((await ask(n)).status, `${where}=${n}`).toBe(200);
      for (const n of [bounds.minimum - 1, bounds.maximum + 1]) expect((await ask(n)).status, `${where}=${n}`).toBe(400);
    }
    // The defaults are the server's.
    expect((await json(await call("GET", "/api/status/incidents"))).period_days).toBe(90);
    expect((await json(await call("GET", uptime))).period_days).toBe(90);
    for (let i = 0; i < 51; i++) await admin("POST", "/api/status/groups", { name: `Audited ${i}` });
    expect((await json(await admin("GET", "/api/status/audit"))).entries).toHaveLength(50);
    // Those coerced from the start were already described so.
    expect(param("/api/status/notifications", "limit")).toEqual({ type: "integer", minimum: 1, maximum: 500, default: 100 });
  });
});

describe("OpenAPI document: links from subscription messages", () => {
  it("documents the HTML a browser gets and the JSON a client asking for it gets, refusals included", { timeout: 20_000 }, async () => {
    const doc = await document();
    const JSON_ACCEPT = { accept: "application/json" };
    const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
    const manageToken = async () => encodeURIComponent(await (await tokenSigner(env)).manageToken((await activeSubscriber("email")).id));
    const links: [string, string][] = [
      ["get", "confirm"],
      ["post", "confirm"],
      ["get", "manage"],
      ["post", "manage"],
      ["get", "unsubscribe"],
      ["post", "unsubscribe"],
    ];
    for (const [method, link] of links) {
      const path = `/api/status/subscriptions/${link}`;
      for (const [accept, type] of [[JSON_ACCEPT, "application/json"], [BROWSER, "text/html"], [{}, "application/json"]] as const) {
        const where = `${method.toUpperCase()} ${link}, a wrong token, accept ${accept.accept ?? "(none)"}`;
        const res = await call(method.toUpperCase(), `${path}?token=not-a-token`, { headers: accept });
        expect(res.status, where).toBe(400);
        expect(res.headers.get("content-type"), where).toMatch(new RegExp(`^${type}`));
        if (type === "application/json") expect(errorResponse.safeParse(await res.clone().json()).success, where).toBe(true);
        await expectDocumented(doc, method, path, res, where);
      }
    }
    // What a working link answers, a browser and a client that asks for JSON.
    for (const [accept, type] of [[{}, "text/html"], [JSON_ACCEPT, "application/json"]] as const) {
      for (const [method, link] of [["get", "manage"], ["post", "unsubscribe"]] as const) {
        const where = `${method.toUpperCase()} ${link}, accept ${accept.accept ?? "(none)"}`;
        const res = await call(method.toUpperCase(), `/api/status/subscriptions/${link}?token=${await manageToken()}`, { headers: accept });
        expect(res.status, where).toBe(200);
        expect(res.headers.get("content-type"), where).toMatch(new RegExp(`^${type}`));
        await expectDocumented(doc, method, `/api/status/subscriptions/${link}`, res, where);
      }
    }
    // Preferences of an address that left are refused, as a page to a browser or as JSON.
    for (const [accept, type] of [[BROWSER, "text/html"], [JSON_ACCEPT, "application/json"], [{}, "application/json"]] as const) {
      const token = await manageToken();
      await call("POST", `/api/status/subscriptions/unsubscribe?token=${token}`, { headers: JSON_ACCEPT });
      const left = await call("POST", `/api/status/subscriptions/manage?token=${token}`, { headers: accept });
      expect(left.status).toBe(409);
      expect(left.headers.get("content-type")).toMatch(new RegExp(`^${type}`));
      await expectDocumented(doc, "post", "/api/status/subscriptions/manage", left, `409, accept ${accept.accept ?? "(none)"}`);
    }
  });
});
