import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ROUTES } from "../src/openapi/routes";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS } from "./support/api";

/** A concrete URL for each documented public read (an incident's or a window's id where it names one, a component's otherwise). */
async function publicReads(): Promise<{ path: string; cached: boolean }[]> {
  const incident = await createIncident({ title: "HTTP behaviour" });
  const start = Date.now() + 86_400_000;
  const window = await (await admin("POST", "/api/status/maintenance", { title: "HTTP behaviour", scheduled_start: start, scheduled_end: start + 3_600_000, notify: false })).json<{ id: string }>();
  const idFor = (path: string) => (path.includes("/incidents/") ? incident.id : path.includes("/maintenance/") ? window.id : DEFAULT_COMPONENTS.api);
  return ROUTES.filter((r) => r.method === "get" && !r.admin && !r.personal).map((r) => ({
    path: r.path.replace("{id}", idFor(r.path)),
    cached: !r.uncached,
  }));
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "referrer-policy": "strict-origin-when-cross-origin",
};

function expectSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
  expect(["same-site", "cross-origin"]).toContain(res.headers.get("cross-origin-resource-policy"));
}

describe("HTTP behaviour of public reads", () => {
  it("every public GET has an ETag and answers If-None-Match with 304, HEAD with headers and no body", async () => {
    for (const { path, cached } of await publicReads()) {
      if (path === "/api/status/live") continue;
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      expect(body.length, path).toBeGreaterThan(0);
      if (!cached) {
        // A liveness probe must never be answered by a cache.
        expect(res.headers.get("cache-control"), path).toBe("no-store");
        continue;
      }
      expect(res.headers.get("cache-control"), path).toMatch(res.headers.get("content-type")?.startsWith("text/html") && !path.startsWith("/api/") ? /^public, no-cache/ : /public, max-age=\d+/);
      const etag = res.headers.get("etag");
      // Weak everywhere: the same representation, not necessarily the same bytes once compressed.
      expect(etag, path).toMatch(/^W\/"/);

      const again = await call("GET", path, { headers: { "if-none-match": etag! } });
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe("");
      expect(again.headers.get("etag"), path).toBe(etag);
      expect(again.headers.get("access-control-allow-origin"), path).toBe("*");
      expect((await call("GET", path, { headers: { "if-none-match": '"something-else"' } })).status, path).toBe(200);
      // The weak comparison (RFC 9110 13.1.2): with or without W/, alone or in a list, and *.
      const strong = etag!.replace(/^W\//, "");
      for (const header of [strong, `"something-else", ${strong}`, `W/"something-else",${etag}`, "*"]) {
        expect((await call("GET", path, { headers: { "if-none-match": header } })).status, `${path} ${header}`).toBe(304);
      }

      const head = await call("HEAD", path);
      expect(head.status, path).toBe(200);
      expect(head.headers.get("content-type"), path).toBe(res.headers.get("content-type"));
      expect(head.headers.get("etag"), path).toBe(etag);
      expect(await head.text(), path).toBe("");
    }
    // By date as well: Last-Modified sent back is a 304, unless If-None-Match is sent too (it wins) or the
    // date is in the future.
    const modified = (await call("GET", "/api/status")).headers.get("last-modified")!;
    expect((await call("GET", "/api/status", { headers: { "if-modified-since": modified } })).status).toBe(304);
    expect((await call("GET", "/api/status/rss", { headers: { "if-modified-since": new Date().toUTCString() } })).status).toBe(304);
    expect((await call("GET", "/api/status", { headers: { "if-modified-since": modified, "if-none-match": '"something-else"' } })).status).toBe(200);
    expect((await call("GET", "/api/status", { headers: { "if-modified-since": new Date(Date.now() + 86_400_000).toUTCString() } })).status).toBe(200);
    expect((await call("GET", "/api/status", { headers: { "if-modified-since": "yesterday" } })).status).toBe(200);
    for (const path of ["/api/openapi.json", "/api/docs"]) {
      const etag = (await call("GET", path)).headers.get("etag")!;
      expect(etag, path).toMatch(/^W\/"/);
      expect((await call("GET", path, { headers: { "if-none-match": etag } })).status, path).toBe(304);
    }
    // A page of incidents has its own ETag, compared the same way.
    const paged = await call("GET", "/api/status/incidents?limit=2");
    const pagedTag = paged.headers.get("etag")!;
    expect(pagedTag).toMatch(/^W\//);
    for (const header of [pagedTag, pagedTag.slice(2), `"x", ${pagedTag.slice(2)}`, "*"]) {
      expect((await call("GET", "/api/status/incidents?limit=2", { headers: { "if-none-match": header } })).status, header).toBe(304);
    }
  });

  it("cache lifetimes fit each kind: short for status JSON, longer for feeds and badges, never stored for admin or errors", async () => {
    const maxAge = async (path: string) => Number(/max-age=(\d+)/.exec((await call("GET", path)).headers.get("cache-control") ?? "")?.[1]);
    const statusAge = await maxAge("/api/v2/summary.json");
    expect(statusAge).toBeGreaterThan(0);
    expect(statusAge).toBeLessThanOrEqual(30);
    expect(await maxAge("/api/status")).toBeLessThanOrEqual(30);
    expect(await maxAge("/api/status/rss")).toBeGreaterThan(statusAge);
    expect(await maxAge("/api/status/atom")).toBeGreaterThan(statusAge);
    expect(await maxAge("/api/status/maintenance.ics")).toBeGreaterThan(statusAge);
    expect(await maxAge("/badge.svg")).toBeGreaterThan(statusAge);

    const adminRead = await admin("GET", `/api/status/admin/components/${DEFAULT_COMPONENTS.api}`);
    expect(adminRead.status).toBe(200);
    expect(adminRead.headers.get("cache-control")).toBe("no-store");
    const missing = await call("GET", `/api/status/components/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBe("no-store");
  });
});

describe("public reads without D1", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never query D1 on the hot path, and keep answering while D1 is down", async () => {
    const reads = (await publicReads()).filter((r) => r.cached);
    for (const { path } of reads) await call("GET", path);
    for (const { path } of reads) expect((await call("GET", path)).headers.get("x-d1-queries"), path).toBe("0");

    const outage = () => {
      throw new Error("D1_ERROR: Network connection lost.");
    };
    vi.spyOn(env.DB, "prepare").mockImplementation(outage);
    vi.spyOn(env.DB, "batch").mockImplementation(outage);
    vi.spyOn(env.DB, "withSession").mockImplementation(() => ({ prepare: outage, batch: outage, getBookmark: () => null }) as unknown as D1DatabaseSession);
    for (const { path } of reads) expect((await call("GET", path)).status, path).toBe(200);
  });
});

describe("CORS", () => {
  it("is open on public GETs and their preflight", async () => {
    for (const { path } of await publicReads()) {
      if (path === "/api/status/live") continue;
      const res = await call("GET", path, { headers: { origin: "https://elsewhere.example" } });
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(res.headers.get("access-control-expose-headers"), path).toContain("ETag");
    }
    const preflight = await call("OPTIONS", "/api/v2/summary.json", {
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "GET", "access-control-request-headers": "if-none-match" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD, OPTIONS");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-none-match");
    // A reader on another site can send back the bookmark of an old incident's read, and read it and Retry-After.
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-d1-bookmark");
    expectSecurityHeaders(preflight);
    // A plain OPTIONS (no preflight) asks what the address takes: Allow lists every method, as a 405 would.
    const plain = await call("OPTIONS", "/api/v2/summary.json");
    expect([plain.status, plain.headers.get("allow")]).toEqual([204, "GET, HEAD, OPTIONS"]);
    const writable = await call("OPTIONS", `/api/status/incidents/${crypto.randomUUID()}`);
    expect([writable.status, writable.headers.get("allow")]).toEqual([204, "GET, HEAD, PATCH, DELETE, OPTIONS"]);
    expect((await call("PUT", `/api/status/incidents/${crypto.randomUUID()}`)).headers.get("allow")).toBe("GET, HEAD, PATCH, DELETE, OPTIONS");
    expect((await call("OPTIONS", "/api/v2/nope.json")).status).toBe(404);
  });

  it("is absent on admin routes and writes, with or without a token, preflight included", async () => {
    const origin = { origin: "https://elsewhere.example" };
    const token = await adminToken();
    const checks: Response[] = [
      await call("GET", `/api/status/admin/components/${DEFAULT_COMPONENTS.api}`, { headers: origin }),
      await call("GET", `/api/status/admin/components/${DEFAULT_COMPONENTS.api}`, { headers: origin, token }),
      await call("POST", "/api/status/incidents/create", { headers: origin, body: { title: "x" } }),
      await call("POST", "/api/status/incidents/create", { headers: origin, token, body: { title: `CORS ${crypto.randomUUID()}` } }),
      await call("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.api}`, { headers: origin, body: { name: "x" } }),
      await call("DELETE", `/api/status/groups/${crypto.randomUUID()}`, { headers: origin, token }),
      await call("POST", "/api/status/health-check", { headers: origin }),
      await call("GET", "/api/status/notifications", { headers: origin, token }),
      // Personal links (a signed token in the URL) are public but never readable cross-origin.
      await call("GET", "/api/status/subscriptions/manage?token=forged", { headers: { ...origin, accept: "application/json" } }),
    ];
    expect(checks.map((r) => r.status)).toEqual([401, 200, 401, 201, 401, 404, 401, 200, 400]);
    for (const res of checks) {
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("cache-control")).toBe("no-store");
      expectSecurityHeaders(res);
    }
    for (const [path, method] of [
      ["/api/status/incidents/create", "POST"],
      [`/api/status/admin/components/${DEFAULT_COMPONENTS.api}`, "GET"],
      [`/api/status/components/${DEFAULT_COMPONENTS.api}`, "PATCH"],
    ]) {
      const preflight = await call("OPTIONS", path!, { headers: { ...origin, "access-control-request-method": method!, "access-control-request-headers": "authorization" } });
      expect(preflight.headers.get("access-control-allow-origin"), path).toBeNull();
      expect(preflight.headers.get("access-control-allow-methods") ?? "", path).not.toContain(method!);
    }
  });
});

describe("security headers", () => {
  it("are on every response: JSON, feeds, badges, HTML (with a CSP), errors and unknown routes", async () => {
    const json = await call("GET", "/api/status");
    expectSecurityHeaders(json);
    expect(json.headers.get("cross-origin-resource-policy")).toBe("same-site");
    expect(json.headers.get("content-security-policy")).toBeNull();

    for (const path of ["/api/status/rss", "/api/status/atom", "/api/status/feed.json", "/api/status/maintenance.ics", "/badge.svg"]) {
      const res = await call("GET", path);
      expectSecurityHeaders(res);
      expect(res.headers.get("cross-origin-resource-policy"), path).toBe("cross-origin");
    }

    const page = await call("GET", "/");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expectSecurityHeaders(page);
    const csp = page.headers.get("content-security-policy")!;
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources.join(" ")]));
    expect(directives).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      "style-src": "'self'",
      "frame-ancestors": "'none'",
      // Sockets only to the page's own host ('self' covers ws:/wss: there), not to any host.
      "connect-src": "'self'",
      "form-action": "'self'",
      "base-uri": "'none'",
    });
    expect(page.headers.get("x-frame-options")).toBe("DENY");

    const unknown = await call("GET", "/no/such/route");
    expect(unknown.status).toBe(404);
    expectSecurityHeaders(unknown);
    const invalid = await call("GET", "/api/status/incidents?days=0");
    expect(invalid.status).toBe(400);
    expectSecurityHeaders(invalid);
    const tooLarge = await call("POST", "/api/status/incidents/create", { body: JSON.stringify({ title: "x".repeat(70_000) }) });
    expect(tooLarge.status).toBe(413);
    expectSecurityHeaders(tooLarge);
  });
});

describe("request bodies", () => {
  it("refuses a chunked body over 64 KiB with a 413 after reading it to its end, so its connection stays usable", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
    let pulled = 0;
    let ended = false;
    // No Content-Length: the body arrives chunked and is counted as it comes.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === 12) {
          ended = true;
          controller.close();
          return;
        }
        pulled++;
        controller.enqueue(chunk);
      },
    });
    const res = await exports.default.fetch(new Request(`${BASE}/api/status/subscriptions`, { method: "POST", headers: { "content-type": "application/json" }, body }));
    expect(res.status).toBe(413);
    expect((await res.json<any>()).error.code).toBe("payload_too_large");
    await vi.waitFor(() => expect(ended).toBe(true));

    const small = await call("POST", "/api/status/subscriptions", { body: "{bad" });
    expect(small.status).toBe(400);

    // Read to its end up to the largest body the platform lets through to a worker at all (100 MB on the
    // smallest plan): 9 MiB here, which a shorter drain left cut off, breaking its connection for the next request.
    const big = new Uint8Array(64 * 1024);
    let sent = 0;
    const nine = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 9 * 1024 * 1024) controller.close();
        else {
          sent += big.byteLength;
          controller.enqueue(big);
        }
      },
    });
    const refused = await exports.default.fetch(new Request(`${BASE}/api/status/subscriptions`, { method: "POST", headers: { "content-type": "application/json" }, body: nine }));
    expect(refused.status).toBe(413);
    await vi.waitFor(() => expect(sent).toBe(9 * 1024 * 1024));

    // An admin's chunked body goes past 64 KiB (to the console's 512 KiB), read whole for the route.
    const description = "x".repeat(9_000);
    const text = new TextEncoder().encode(JSON.stringify({ title: `Chunked ${crypto.randomUUID()}`, severity: "minor", description, padding: " " }).replace('" "', `"${" ".repeat(100 * 1024)}"`));
    const parts = [text.slice(0, 40 * 1024), text.slice(40 * 1024, 80 * 1024), text.slice(80 * 1024)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const token = await adminToken();
    const bigAdmin = await exports.default.fetch(new Request(`${BASE}/api/status/incidents/create`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: stream }));
    // Read whole and judged by the route: an unknown field, not a size.
    expect(bigAdmin.status).toBe(400);
    expect((await bigAdmin.json<any>()).error.details).toEqual([expect.objectContaining({ code: "unrecognized_keys" })]);
  });
});

describe("routing", () => {
  it("tells a literal segment from an id for every method; a method a path does not take is a JSON 405 with Allow", async () => {
    // POST has the seed's /incidents/create beside /incidents/{id}/...: both reach their own handler.
    const incident = await createIncident({ title: `Routing ${crypto.randomUUID()}` });
    const update = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Still looking", status: "investigating" });
    expect(update.status).toBe(201);
    const allowed: Record<string, string> = {
      "/api/status": "GET, HEAD, OPTIONS",
      [`/api/status/incidents/${incident.id}`]: "GET, HEAD, PATCH, DELETE, OPTIONS",
      // A fixed action is its own path under every method, not an {id} that is not a UUID.
      "/api/status/incidents/create": "POST, OPTIONS",
      "/api/status/components/reorder": "POST, OPTIONS",
      "/api/v2/summary.json": "GET, HEAD, OPTIONS",
      "/badge.svg": "GET, HEAD, OPTIONS",
      "/history": "GET, HEAD, OPTIONS",
      "/api/status/maintenance.ics": "GET, HEAD, OPTIONS",
    };
    for (const method of ["GET", "PUT", "PATCH", "PROPFIND", "MKCOL", "DELETE"]) {
      for (const [path, allow] of Object.entries(allowed)) {
        if (allow.includes(method)) continue;
        const res = await call(method, path);
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
        expect((await res.json<any>()).error.code).toBe("method_not_allowed");
        expectSecurityHeaders(res);
      }
      const unknown = await call(method, "/no/such/route");
      expect(unknown.status).toBe(404);
      expect((await unknown.json<any>()).error.code).toBe("not_found");
    }
    const headOnAction = await call("HEAD", "/api/status/components/reorder");
    expect(headOnAction.status).toBe(405);
    expect(headOnAction.headers.get("allow")).toBe("POST, OPTIONS");
    const post = await call("POST", "/api/status", { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    // HEAD is GET without the body.
    const head = await call("HEAD", "/api/status");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});

describe("query strings", () => {
  it("refuse what a read would silently ignore or misread: bad percent-encoding, a repeated page, a badge's misplaced metric or window", async () => {
    const refused = async (path: string, detail?: { path: string; code: string; message?: string }) => {
      const res = await call("GET", path, { headers: { accept: "application/json" } });
      expect(res.status, path).toBe(400);
      if (detail) expect((await res.json<any>()).error.details[0], path).toMatchObject(detail);
    };
    // Not UTF-8 once decoded: a badge would draw "%FF" as its label.
    for (const label of ["%FF", "%ED%A0%80", "abc%E2%82"]) await refused(`/badge.svg?label=${label}`);
    await refused(`/api/status/incidents?days=30&x=%C0`);
    const check = await call("GET", "/badge.svg?label=%E2%9C%93%20ok");
    expect(check.status).toBe(200);
    expect(await check.text()).toContain(">✓ ok<");
    // The overall badge shows the status; uptime, with its window, is a component's.
    // Refused as the component badge refuses a window it cannot use: a value of its kind, not for this badge.
    await refused("/badge.svg?metric=uptime", { path: "metric", code: "not_applicable" });
    await refused("/badge.svg?days=30", { path: "days", code: "not_applicable" });
    await refused("/badge.svg?metric=uptime&days=30", { path: "metric", code: "not_applicable" });
    // Not a metric at all, or not a window at all, is a plain bad value.
    await refused("/badge.svg?metric=latency", { path: "metric", code: "invalid_value", message: 'must be "status": uptime badges are per component' });
    expect((await call("GET", "/badge.svg?metric=status")).status).toBe(200);
    const component = `/api/status/components/${DEFAULT_COMPONENTS.api}/badge.svg`;
    await refused(`${component}?days=30`, { path: "days", code: "not_applicable" });
    await refused(`${component}?metric=status&days=60`, { path: "days", code: "not_applicable" });
    expect(await (await call("GET", `${component}?metric=uptime&days=60`)).text()).toContain("uptime 60d");
    expect(await (await call("GET", `${component}?metric=uptime`)).text()).toContain("uptime 30d");
    // A page of history asked for twice is a mistake, said in the site's layout.
    const twice = await call("GET", "/history?page=1&page=2", { headers: { accept: "text/html" } });
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain("Not a page of history");
  });
});
