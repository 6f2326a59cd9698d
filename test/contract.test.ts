import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";

// The seed document's JSON examples (shared/reference/seed-status-page.txt), copied as they are written
// there. They are the contract on the seed's endpoints: every key they show must be present with the
// same type. Beacon may add keys. `[...]` and `"..."` are the seed's own placeholders.

const SEED_STATUS = {
  components: [{ id: "uuid", name: "API", status: "operational", last_checked: "2024-01-15T10:30:00Z" }],
  overall_status: "operational",
  recent_incidents: ["..."],
  scheduled_maintenance: ["..."],
  last_updated: "2024-01-15T10:30:00Z",
};

const SEED_COMPONENT = {
  component: { id: "uuid", name: "API", status: "operational" },
  uptime: { "30_days": 99.9, "60_days": 99.8, "90_days": 99.7 },
};

const SEED_INCIDENT = {
  id: "uuid",
  title: "Database Performance Degradation",
  description: "...",
  status: "resolved",
  severity: "major",
  started_at: "2024-01-15T08:00:00Z",
  resolved_at: "2024-01-15T10:30:00Z",
  root_cause: "...",
  resolution: "...",
  affected_components: ["..."],
  updates: ["..."],
};
const SEED_INCIDENTS = { incidents: [SEED_INCIDENT], period_days: 90 };

const SEED_MAINTENANCE_WINDOW = {
  id: "uuid",
  title: "Database Upgrade",
  description: "...",
  scheduled_start: "2024-01-20T02:00:00Z",
  scheduled_end: "2024-01-20T04:00:00Z",
  status: "scheduled",
  affected_components: ["Database"],
};
const SEED_MAINTENANCE = { maintenance_windows: [SEED_MAINTENANCE_WINDOW] };

const SEED_CREATE_REQUEST = {
  title: "Database Performance Issues",
  description: "Users experiencing slow response times",
  severity: "major",
  affected_components: ["component-uuid-1", "component-uuid-2"],
};
const SEED_CREATE_RESPONSE = { id: "uuid", title: "...", status: "investigating", severity: "major", started_at: "2024-01-15T10:30:00Z" };
const SEED_UPDATE_REQUEST = {
  message: "We have identified the issue and are working on a fix",
  status: "identified",
  estimated_resolution: "2024-01-15T12:00:00Z",
};
const SEED_RESOLVE_REQUEST = { root_cause: "Database connection pool exhaustion", resolution: "Increased connection pool size and optimized queries" };
const SEED_HEALTH_CHECK = {
  message: "Health check completed",
  results: { API: "operational", Database: "operational", "File Storage": "operational", "Email Service": "operational", Authentication: "operational" },
};

/** The seed's times: UTC to the whole second, "2024-01-15T10:30:00Z". Milliseconds are another format. */
const SEED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const STATUS_WORDS = ["operational", "degraded", "partial_outage", "major_outage", "under_maintenance"];

type Problems = string[];

/**
 * Every key of the seed's example is in `actual` with the example's type: a string where it shows a string
 * (an ISO time where it shows one), a number, an array (each element checked against the example's first
 * element unless that is a placeholder), an object (recursively). `nullable` names keys whose value may be
 * null because the state has no such thing yet (an open incident's resolved_at): only those.
 */
function contractProblems(actual: unknown, example: unknown, where: string, nullable: string[] = [], problems: Problems = []): Problems {
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) problems.push(`${where}: expected an array, got ${JSON.stringify(actual)}`);
    else if (example[0] !== "..." && example.length) actual.forEach((item, i) => contractProblems(item, example[0], `${where}[${i}]`, nullable, problems));
    return problems;
  }
  if (example !== null && typeof example === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      problems.push(`${where}: expected an object, got ${JSON.stringify(actual)}`);
      return problems;
    }
    for (const [key, value] of Object.entries(example)) {
      const path = `${where}.${key}`;
      if (!(key in actual)) problems.push(`${path}: missing`);
      else if ((actual as Record<string, unknown>)[key] === null && nullable.includes(key)) continue;
      else contractProblems((actual as Record<string, unknown>)[key], value, path, nullable, problems);
    }
    return problems;
  }
  if (typeof actual !== typeof example) problems.push(`${where}: expected a ${typeof example}, got ${JSON.stringify(actual)}`);
  else if (typeof example === "string" && SEED_TIME.test(example) && !SEED_TIME.test(actual as string)) problems.push(`${where}: expected a time like ${example}, got ${actual}`);
  return problems;
}

function expectContract(actual: unknown, example: unknown, where: string, nullable: string[] = []) {
  expect(contractProblems(actual, example, where, nullable), where).toEqual([]);
}

const OPEN_INCIDENT_NULLABLE = ["resolved_at", "root_cause", "resolution"];
/** Only an open incident may lack a resolution: a resolved one gives every key of the seed's example. */
const nullableFor = (i: { status: string }) => (i.status === "resolved" ? [] : OPEN_INCIDENT_NULLABLE);

/** Times a client sends in the seed's form, expected back exactly as sent. */
const ETA = "2030-01-15T12:00:00Z";
const WINDOW = { scheduled_start: "2030-01-20T02:00:00Z", scheduled_end: "2030-01-20T04:00:00Z" };

/** An incident's updates: their times (created_at, estimated_resolution when set) in the seed's form. */
function expectSeedTimes(updates: { created_at: string; estimated_resolution: string | null }[], where: string) {
  for (const [i, u] of updates.entries()) {
    expect(u.created_at, `${where}[${i}].created_at`).toMatch(SEED_TIME);
    if (u.estimated_resolution !== null) expect(u.estimated_resolution, `${where}[${i}].estimated_resolution`).toMatch(SEED_TIME);
  }
}

const etaOf = (incident: { updates: { estimated_resolution: string | null }[] }) => incident.updates.find((u) => u.estimated_resolution !== null)?.estimated_resolution;

describe("the contract checker", () => {
  it("fails on a renamed, dropped or retyped seed key, and allows added ones", () => {
    const good = { maintenance_windows: [{ ...SEED_MAINTENANCE_WINDOW, extra: 1 }], also: true };
    expect(contractProblems(good, SEED_MAINTENANCE, "m")).toEqual([]);
    expect(contractProblems({ maintenance: good.maintenance_windows }, SEED_MAINTENANCE, "m")).toEqual(["m.maintenance_windows: missing"]);
    const { scheduled_end: _, ...dropped } = SEED_MAINTENANCE_WINDOW;
    expect(contractProblems({ maintenance_windows: [dropped] }, SEED_MAINTENANCE, "m")).toEqual(["m.maintenance_windows[0].scheduled_end: missing"]);
    const objects = { maintenance_windows: [{ ...SEED_MAINTENANCE_WINDOW, affected_components: [{ id: "x", name: "Database" }] }] };
    expect(contractProblems(objects, SEED_MAINTENANCE, "m")[0]).toMatch(/affected_components\[0\]: expected a string/);
    expect(contractProblems({ ...SEED_COMPONENT, uptime: { ...SEED_COMPONENT.uptime, "30_days": "99.9" } }, SEED_COMPONENT, "c")[0]).toMatch(/30_days: expected a number/);
    expect(contractProblems({ id: "x", name: "API", status: "operational", uptime: SEED_COMPONENT.uptime }, SEED_COMPONENT, "c")).toEqual(["c.component: missing"]);
    expect(contractProblems({ ...SEED_INCIDENT, resolved_at: null }, SEED_INCIDENT, "i")[0]).toMatch(/resolved_at: expected a string/);
    expect(contractProblems({ ...SEED_INCIDENT, started_at: "yesterday" }, SEED_INCIDENT, "i")[0]).toMatch(/expected a time like/);
    expect(contractProblems({ ...SEED_INCIDENT, started_at: "2024-01-15T08:00:00.000Z" }, SEED_INCIDENT, "i")).toEqual([
      "i.started_at: expected a time like 2024-01-15T08:00:00Z, got 2024-01-15T08:00:00.000Z",
    ]);
  });
});

describe("the seed's endpoints keep the seed's keys and types", { timeout: 20_000 }, () => {
  it("public: status, component, incidents, maintenance and RSS; admin: create, update, resolve, health check", async () => {
    // Data the examples show: a monitored component (the health check observes API and Database), uptime
    // that is a number, a resolved incident with root cause, an open one, and a planned window.
    // One an admin added, with no monitor: named in the results too, as every component is.
    const added = await json(await admin("POST", "/api/status/components", { name: `Unwatched ${crypto.randomUUID().slice(0, 8)}` }));
    const token = await admin("POST", "/api/status/health-check");
    expect(token.status).toBe(200);
    const checked = await json(token);
    expectContract(checked, SEED_HEALTH_CHECK, "POST /api/status/health-check");
    // Components no check observes (File Storage, Email, Authentication here) included: the seed's four words.
    for (const status of Object.values(checked.results)) expect(STATUS_WORDS.slice(0, 4)).toContain(status);
    const every = (await json(await call("GET", "/api/status"))).components.map((c: { name: string }) => c.name);
    expect(Object.keys(checked.results).sort()).toEqual([...every].sort());
    expect(checked.results[added.name]).toBe("operational");
    expect((await admin("DELETE", `/api/status/components/${added.id}`)).status).toBeLessThan(300);

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await env.DB.prepare("INSERT INTO daily_rollups (component_id, day, observed_seconds, checks) VALUES (?, ?, 86400, 1440)").bind(DEFAULT_COMPONENTS.database, yesterday).run();

    const createRes = await admin("POST", "/api/status/incidents/create", { ...SEED_CREATE_REQUEST, affected_components: [DEFAULT_COMPONENTS.database, DEFAULT_COMPONENTS.api] });
    expect(createRes.status).toBe(201);
    const created = await json(createRes);
    expectContract(created, SEED_CREATE_RESPONSE, "POST /api/status/incidents/create");
    expect(created).toMatchObject({ title: SEED_CREATE_REQUEST.title, status: "investigating", severity: "major" });

    // The seed's ETA is in 2024, before this incident started (refused); the same form, later.
    const updateRes = await admin("POST", `/api/status/incidents/${created.id}/updates`, { ...SEED_UPDATE_REQUEST, estimated_resolution: ETA });
    expect(updateRes.status).toBe(201);
    const updated = await json(updateRes);
    expectContract(updated, { ...SEED_INCIDENT, status: "identified" }, "POST /api/status/incidents/{id}/updates", OPEN_INCIDENT_NULLABLE);
    expect(updated.update.estimated_resolution).toBe(ETA);
    expectSeedTimes(updated.updates, "POST /api/status/incidents/{id}/updates updates");

    const open = await createIncident({ title: "Still open", severity: "minor" });

    const resolveRes = await admin("POST", `/api/status/incidents/${created.id}/resolve`, SEED_RESOLVE_REQUEST);
    expect(resolveRes.status).toBe(200);
    const resolved = await json(resolveRes);
    expectContract(resolved, SEED_INCIDENT, "POST /api/status/incidents/{id}/resolve");
    expect(resolved).toMatchObject(SEED_RESOLVE_REQUEST);

    const windowRes = await admin("POST", "/api/status/maintenance", {
      title: "Database Upgrade",
      description: "Minor version",
      scheduled_start: WINDOW.scheduled_start,
      scheduled_end: WINDOW.scheduled_end,
      affected_components: [DEFAULT_COMPONENTS.database],
    });
    expect(windowRes.status).toBe(201);
    const window = await json(windowRes);
    expectContract(window, SEED_MAINTENANCE_WINDOW, "POST /api/status/maintenance");
    expect(window).toMatchObject(WINDOW);

    const status = await json(await call("GET", "/api/status"));
    // Every component, those no check observes included, carries last_checked as a time, as the seed does.
    expectContract(status, SEED_STATUS, "GET /api/status");
    for (const c of status.components) expect(STATUS_WORDS).toContain(c.status);
    expect(STATUS_WORDS).toContain(status.overall_status);
    for (const i of status.recent_incidents) expectContract(i, SEED_INCIDENT, "GET /api/status recent_incidents[]", nullableFor(i));
    for (const i of status.recent_incidents) expectSeedTimes(i.updates, "GET /api/status recent_incidents[].updates");
    expect(etaOf(status.recent_incidents.find((i: any) => i.id === created.id))).toBe(ETA);
    expect(status.recent_incidents.map((i: any) => i.id)).toEqual(expect.arrayContaining([created.id, open.id]));
    expect(status.scheduled_maintenance.length).toBeGreaterThan(0);
    for (const m of status.scheduled_maintenance) expectContract(m, SEED_MAINTENANCE_WINDOW, "GET /api/status scheduled_maintenance[]");
    expect(status.scheduled_maintenance.find((m: any) => m.id === window.id)).toMatchObject(WINDOW);

    const component = await json(await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.database}`));
    expectContract(component, SEED_COMPONENT, "GET /api/status/components/{id}");
    // One no check has ever observed: numbers too.
    expectContract(await json(await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.storage}`)), SEED_COMPONENT, "GET /api/status/components/{unobserved}");
    expect(component.component).toMatchObject({ id: DEFAULT_COMPONENTS.database, name: "Database" });

    const incidents = await json(await call("GET", "/api/status/incidents?days=90"));
    expectContract(incidents, { ...SEED_INCIDENTS, incidents: ["..."] }, "GET /api/status/incidents");
    const resolvedListed = incidents.incidents.find((i: any) => i.id === created.id);
    expectContract(resolvedListed, SEED_INCIDENT, "GET /api/status/incidents incidents[resolved]");
    for (const i of incidents.incidents) expectContract(i, SEED_INCIDENT, "GET /api/status/incidents incidents[]", nullableFor(i));
    for (const i of incidents.incidents) expectSeedTimes(i.updates, "GET /api/status/incidents incidents[].updates");
    expect(etaOf(resolvedListed)).toBe(ETA);
    expect(etaOf(await json(await call("GET", `/api/status/incidents/${created.id}`)))).toBe(ETA);
    expect(incidents.period_days).toBe(90);

    const maintenance = await json(await call("GET", "/api/status/maintenance"));
    expectContract(maintenance, SEED_MAINTENANCE, "GET /api/status/maintenance");
    expect(maintenance.maintenance_windows.find((m: any) => m.id === window.id)).toMatchObject({ ...WINDOW, affected_components: ["Database"] });

    const rss = await call("GET", "/api/status/rss");
    expect(rss.status).toBe(200);
    expect(rss.headers.get("content-type")).toMatch(/^application\/rss\+xml/);
    expect(await rss.text()).toMatch(/^<\?xml[^>]*\?>\s*<rss version="2\.0"/);

    await admin("POST", `/api/status/incidents/${open.id}/resolve`, SEED_RESOLVE_REQUEST);
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
    await admin("POST", `/api/status/incidents/${open.id}/resolve`, { root_cause: "a", resolution: "b" });
  });
});

describe("times read from the API and sent back", { timeout: 20_000 }, () => {
  it("mean the instant they were read as, though stored times carry milliseconds the API does not show", async () => {
    // Started now: stored with the milliseconds of the time Beacon took itself. A client's own times are
    // stored to the second, epoch ms too.
    const before = Date.now();
    const incident = await createIncident({ title: "Round trip", severity: "minor", affected_components: [] });
    expect(Date.parse(incident.started_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const startedMs = Math.floor(Date.now() / 1000) * 1000 - 60_000 + 737;
    // "Expected back by the time it started" is the earliest ETA allowed: the shown start is that time.
    const updated = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Back soon", status: "identified", estimated_resolution: incident.started_at });
    expect(updated.status).toBe(201);
    const update = (await json(updated)).update;
    expect(update.estimated_resolution).toBe(incident.started_at);
    const edited = await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${update.id}`, { estimated_resolution: incident.started_at });
    expect(edited.status).toBe(200);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, SEED_RESOLVE_REQUEST)).status).toBe(200);

    // A window in progress keeps its start: the start as read, sent back with a new end, is that start.
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Round trip window", scheduled_start: startedMs, scheduled_end: Date.now() + 3600_000, affected_components: [] }),
    );
    expect(window.status).toBe("in_progress");
    const newEnd = new Date(Math.floor(Date.now() / 1000) * 1000 + 7200_000).toISOString().replace(".000Z", "Z");
    const moved = await admin("PATCH", `/api/status/maintenance/${window.id}`, { scheduled_start: window.scheduled_start, scheduled_end: newEnd });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toMatchObject({ scheduled_start: window.scheduled_start, scheduled_end: newEnd });
    expect((await admin("POST", `/api/status/maintenance/${window.id}/complete`)).status).toBe(200);
  });
});

describe("error details", { timeout: 20_000 }, () => {
  it("are one list of {path, message, code} in every 400: fields, unknown components and groups, SMS countries", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    const named = (path: string) => [{ path, message: `unknown component ${unknown}`, code: "unknown_component" }];
    const incident = await createIncident({ title: "Details", severity: "minor", affected_components: [] });
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Details window", scheduled_start: "2030-02-01T02:00:00Z", scheduled_end: "2030-02-01T03:00:00Z", affected_components: [] }),
    );
    const refusals: [string, Promise<Response>, unknown][] = [
      ["validation", admin("POST", "/api/status/incidents/create", { ...SEED_CREATE_REQUEST, affected_components: [DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.api] }), [{ path: "affected_components", message: "components must not repeat", code: "duplicate" }]],
      ["open", admin("POST", "/api/status/incidents/create", { ...SEED_CREATE_REQUEST, affected_components: [DEFAULT_COMPONENTS.api, unknown] }), named("affected_components.1")],
      ["update", admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "m", status: "identified", affected_components: [{ id: unknown, status: "degraded" }] }), named("affected_components.0")],
      ["schedule", admin("POST", "/api/status/maintenance", { title: "t", scheduled_start: "2030-02-01T02:00:00Z", scheduled_end: "2030-02-01T03:00:00Z", affected_components: [unknown] }), named("affected_components.0")],
      ["edit window", admin("PATCH", `/api/status/maintenance/${window.id}`, { affected_components: [DEFAULT_COMPONENTS.email, unknown] }), named("affected_components.1")],
      ["reorder", admin("POST", "/api/status/components/reorder", { ids: [unknown, DEFAULT_COMPONENTS.api] }), named("ids.0")],
      ["template", admin("POST", "/api/status/templates", { name: "Details", title: "t", message: "m", components: [{ id: unknown, status: "degraded" }] }), named("components.0")],
      ["group", admin("POST", "/api/status/components", { name: `Details ${crypto.randomUUID()}`, group_id: unknown }), [{ path: "group_id", message: `unknown group ${unknown}`, code: "unknown_group" }]],
      ["regroup", admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.auth}`, { group_id: unknown }), [{ path: "group_id", message: `unknown group ${unknown}`, code: "unknown_group" }]],
      // A taken name beside it is said in the same answer, so both are fixed at once.
      ["group and name", admin("POST", "/api/status/components", { name: "api", group_id: unknown }), [{ path: "group_id", message: `unknown group ${unknown}`, code: "unknown_group" }, { path: "name", message: "is taken by another component", code: "name_taken" }]],
      ["regroup and rename", admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.auth}`, { name: "API", group_id: unknown }), [{ path: "group_id", message: `unknown group ${unknown}`, code: "unknown_group" }, { path: "name", message: "is taken by another component", code: "name_taken" }]],
      ["subscribe", call("POST", "/api/status/subscriptions", { body: { email: "details@example.com", components: [unknown] } }), named("components.0")],
      ["sms country", call("POST", "/api/status/subscriptions", { body: { phone: "+447700900123" } }), [{ path: "phone", message: "SMS goes only to country codes +1 (the United States and Canada)", code: "sms_country_not_allowed" }]],
    ];
    for (const [what, pending, details] of refusals) {
      const res = await pending;
      expect(res.status, what).toBe(400);
      const { error } = await json(res);
      expect(error.details, what).toEqual(details);
    }
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, SEED_RESOLVE_REQUEST);
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
  });

  it("name what is wrong by a code: zod's finding for malformed input, one code per rule of Beacon's, with the bound it crossed", async () => {
    const create = (body: Record<string, unknown>) => admin("POST", "/api/status/incidents/create", { title: "Codes", notify: false, ...body });
    const component = (monitor: Record<string, unknown>) => admin("POST", "/api/status/components", { name: `Codes ${crypto.randomUUID()}`, monitor: { type: "http", url: "https://shop.example.com/", ...monitor } });
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000).toISOString().replace(".000Z", "Z");
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Codes window", scheduled_start: "2030-03-01T02:00:00Z", scheduled_end: "2030-03-01T03:00:00Z", notify: false }),
    );
    const open = await json(await create({ title: "Codes incident" }));
    const refusals: [string, Promise<Response>, unknown][] = [
      // From validation: the code follows zod's issue (a missing key is `required`; sizes say what was measured).
      ["required", admin("POST", "/api/status/incidents/create", {}), [{ path: "title", message: "Invalid input: expected string, received undefined", code: "required" }]],
      ["required (one of a list)", admin("POST", `/api/status/incidents/${open.id}/updates`, { message: "No status" }), [{ path: "status", message: expect.stringMatching(/^must be investigating/), code: "required" }]],
      ["invalid_type", create({ title: 42 }), [{ path: "title", message: "Invalid input: expected string, received number", code: "invalid_type" }]],
      ["too_short", create({ title: "" }), [{ path: "title", message: "must not be empty", code: "too_short", limit: 1 }]],
      ["too_long", create({ title: "x".repeat(201) }), [{ path: "title", message: "must be at most 200 characters", code: "too_long", limit: 200 }]],
      ["invalid_value", create({ severity: "catastrophic" }), [{ path: "severity", message: expect.stringMatching(/^Invalid option/), code: "invalid_value" }]],
      ["invalid_format", create({ started_at: "yesterday" }), [{ path: "started_at", message: expect.stringMatching(/^must be an ISO 8601 time with its offset/), code: "invalid_format" }]],
      ["unrecognized_keys", create({ colour: "red" }), [{ path: "", message: 'Unrecognized key: "colour"', code: "unrecognized_keys" }]],
      ["too_small", call("GET", "/api/status/incidents?days=0"), [{ path: "days", message: "must be at least 1", code: "too_small", limit: 1 }]],
      ["too_small", call("GET", "/api/status/incidents?days=-1"), [{ path: "days", message: "must be at least 1", code: "too_small", limit: 1 }]],
      ["too_big", component({ timeout_ms: 60_000 }), [{ path: "monitor.timeout_ms", message: "Too big: expected number to be <=30000", code: "too_big", limit: 30_000 }]],
      ["too_many", admin("POST", "/api/status/components/reorder", { ids: Array.from({ length: 501 }, () => crypto.randomUUID()) }), [{ path: "ids", message: "at most 500 ids", code: "too_many", limit: 500 }]],
      ["invalid_url", component({ url: "ftp://shop.example.com/" }), [{ path: "monitor.url", message: "must be an http(s) URL", code: "invalid_url" }]],
      // A field of several forms: what the form the value is of refused in it, or which kinds the field takes.
      ["one form's refusal", create({ affected_components: [{ id: DEFAULT_COMPONENTS.api, status: "under_maintenance" }] }), [{ path: "affected_components.0.status", message: expect.stringMatching(/^Invalid option: expected one of "operational"/), code: "invalid_value" }]],
      ["one form's missing key", create({ affected_components: [{ status: "degraded" }] }), [{ path: "affected_components.0.id", message: "must be a UUID", code: "required" }]],
      ["no form's kind", create({ started_at: true }), [{ path: "started_at", message: "Invalid input: expected string or number", code: "invalid_union" }]],
      // Beacon's own rules, each with its code.
      ["out_of_range", create({ started_at: "1999-12-31T23:00:00Z" }), [{ path: "started_at", message: "must be in the year 2000 or later", code: "out_of_range", limit: "2000-01-01T00:00:00Z" }]],
      ["in_future", create({ started_at: Date.now() + 3600_000 }), [{ path: "started_at", message: "must not be in the future", code: "in_future" }]],
      ["before_start", create({ started_at: startedAt, estimated_resolution: "2001-01-01T00:00:00Z" }), [{ path: "estimated_resolution", message: `must not be before started_at (${startedAt})`, code: "before_start", limit: startedAt }]],
      ["line_break", create({ title: "Two\nlines" }), [{ path: "title", message: "must be a single line (no line breaks)", code: "line_break" }]],
      ["nothing_to_change", admin("PATCH", `/api/status/maintenance/${window.id}`, {}), [{ path: "", message: "nothing to change", code: "nothing_to_change" }]],
      ["end_before_start", admin("POST", "/api/status/maintenance", { title: "t", scheduled_start: "2030-03-01T03:00:00Z", scheduled_end: "2030-03-01T02:00:00Z" }), [{ path: "scheduled_end", message: "must be after scheduled_start", code: "end_before_start" }]],
      ["end_before_start (edit)", admin("PATCH", `/api/status/maintenance/${window.id}`, { scheduled_end: "2030-03-01T01:00:00Z" }), [{ path: "scheduled_end", message: "must be after scheduled_start", code: "end_before_start" }]],
      ["in_past", admin("PATCH", `/api/status/maintenance/${window.id}`, { scheduled_start: "2020-03-01T02:00:00Z", scheduled_end: "2020-03-01T03:00:00Z" }), [{ path: "scheduled_end", message: "must be in the future", code: "in_past" }]],
      ["alias_conflict", admin("PATCH", `/api/status/maintenance/${window.id}`, { affected_components: [], components: [] }), [{ path: "components", message: "give affected_components or its alias components, not both", code: "alias_conflict" }]],
      ["quorum_above_regions", component({ regions: ["weur"], quorum: 2 }), [{ path: "monitor.quorum", message: "must be at most the number of regions", code: "quorum_above_regions" }]],
      ["not_below_timeout", component({ timeout_ms: 5000, degraded_latency_ms: 5000 }), [{ path: "monitor.degraded_latency_ms", message: "must be below timeout_ms (5000): a check that slow fails instead", code: "not_below_timeout", limit: 5000 }]],
      ["not_below_timeout (default timeout)", component({ degraded_latency_ms: 15_000 }), [{ path: "monitor.degraded_latency_ms", message: "must be below timeout_ms (10000): a check that slow fails instead", code: "not_below_timeout", limit: 10_000 }]],
      ["not_applicable", component({ method: "HEAD", keyword: "ok" }), [{ path: "monitor.keyword", message: "needs a response body: use GET or POST with a keyword", code: "not_applicable" }]],
      ["invalid_cursor", call("GET", "/api/status/incidents?limit=5&cursor=nonsense"), [{ path: "cursor", message: "must be a next_cursor from a previous page", code: "invalid_cursor" }]],
    ];
    for (const [what, pending, details] of refusals) {
      const res = await pending;
      expect(res.status, what).toBe(400);
      expect((await json(res)).error.details, what).toEqual(details);
    }
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
    await admin("POST", `/api/status/incidents/${open.id}/resolve`, { root_cause: "a", resolution: "b" });
  });
});

const INDICATOR: Record<string, string> = { operational: "none", under_maintenance: "maintenance", degraded: "minor", partial_outage: "major", major_outage: "critical" };

/** What every view says the overall status is; they must all agree. */
async function everyView() {
  const api = (await json(await call("GET", "/api/status"))).overall_status as string;
  const html = await (await call("GET", "/")).text();
  const banner = /<section id="banner" class="banner b-([a-z_]+)"/.exec(html)?.[1];
  const words = /<span id="overall" class="st s-([a-z_]+)">([^<]*)</.exec(html);
  const iconHref = /<link rel="icon" type="image\/svg\+xml" href="(\/assets\/favicon-([a-z_]+)\.[^"]+)"/.exec(html);
  const favicon = iconHref?.[2];
  const pageIcon = iconHref ? await (await call("GET", iconHref[1]!)).text() : "";
  const faviconSvg = await (await call("GET", "/favicon.svg")).text();
  const badge = await (await call("GET", "/badge.svg")).text();
  const v2 = (await json(await call("GET", "/api/v2/status.json"))).status;
  const incidentsLine = /<p id="banner-incidents"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "";
  return { api, banner, overallClass: words?.[1], overallWords: words?.[2], favicon, pageIcon, faviconSvg, badge, v2, incidentsLine };
}

/** v2 agrees on the indicator and words it in Statuspage's vocabulary, where the page has its own. */
async function expectAgreement(status: string, words: string, badgeText: string, v2Words = words) {
  const views = await everyView();
  expect(views).toMatchObject({ api: status, banner: status, overallClass: status, overallWords: words, favicon: status });
  // /favicon.svg (for clients that ask for it by name) is the very icon the page links, and /favicon.ico,
  // which browsers ask for on a page that links none (a feed opened in a tab), leads to it.
  expect(views.faviconSvg).toBe(views.pageIcon);
  const ico = await call("GET", "/favicon.ico");
  expect([ico.status, await ico.text()]).toEqual([200, views.faviconSvg]);
  expect(views.badge).toContain(`>${badgeText}<`);
  expect(views.v2).toEqual({ indicator: INDICATOR[status], description: v2Words });
  return views;
}

describe("one overall status: API, banner, favicon, badge and v2 agree", { timeout: 20_000 }, () => {
  it("with no incident, an incident without components, one on a green component, maintenance plus an incident, and once resolved", async () => {
    await expectAgreement("operational", "All Systems Operational", "operational");

    // An incident that names no component still turns the page: major -> partial outage.
    const bare = await createIncident({ title: "Logins fail for some", severity: "major", affected_components: [] });
    let views = await expectAgreement("partial_outage", "Partial System Outage", "partial outage");
    expect(views.incidentsLine).toContain(`<a href="/incidents/${bare.id}" data-severity="major">Logins fail for some</a>`);

    // On a component an admin kept green, a critical incident still says major outage overall.
    const green = await createIncident({ title: "Data loss risk", severity: "critical", affected_components: [{ id: DEFAULT_COMPONENTS.storage, status: "operational" }] });
    views = await expectAgreement("major_outage", "Major System Outage", "major outage", "Major Service Outage");
    expect((await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === DEFAULT_COMPONENTS.storage).status).toBe("operational");
    // Worst first.
    expect(views.incidentsLine.indexOf(green.id)).toBeLessThan(views.incidentsLine.indexOf(bare.id));

    await admin("POST", `/api/status/incidents/${green.id}/resolve`, SEED_RESOLVE_REQUEST);
    await admin("POST", `/api/status/incidents/${bare.id}/resolve`, SEED_RESOLVE_REQUEST);
    views = await expectAgreement("operational", "All Systems Operational", "operational");
    expect(views.incidentsLine).toBe("");

    // Maintenance in progress shows as such, and any incident ranks above it.
    const now = Date.now();
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Mail relay swap", scheduled_start: now - 60_000, scheduled_end: now + 3600_000, affected_components: [DEFAULT_COMPONENTS.email] }),
    );
    expect(window.status).toBe("in_progress");
    await expectAgreement("under_maintenance", "Service Under Maintenance", "under maintenance");
    const minor = await createIncident({ title: "Slow dashboards", severity: "minor", affected_components: [] });
    // A minor incident on no degraded component: Statuspage's "Minor Service Outage".
    await expectAgreement("degraded", "Degraded Performance", "degraded performance", "Minor Service Outage");

    // Resolved: the incident no longer counts; the window still does until it ends.
    await admin("POST", `/api/status/incidents/${minor.id}/resolve`, SEED_RESOLVE_REQUEST);
    await expectAgreement("under_maintenance", "Service Under Maintenance", "under maintenance");
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
    await expectAgreement("operational", "All Systems Operational", "operational");
  });
});
