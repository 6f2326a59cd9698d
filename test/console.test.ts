import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { frontendApiHost } from "../src/auth/console-session";
import { renderMarkdown } from "../src/text/markdown";
import { renderEvent } from "../src/notify/render";
import { errorBody } from "../src/errors";
import { COMPONENT_FIELDS, GROUP_FIELDS, MAINTENANCE_FIELDS, OPEN_INCIDENT_FIELDS, plainProblems } from "../src/console/forms";
import { generateKeyPairPem, mintSessionToken, unsignedToken } from "../scripts/lib/session-token.mjs";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { activeSubscriber, db, unique } from "./support/subscribers";
import { deliveries } from "../src/db/schema";
import { eq } from "drizzle-orm";

// The console as a browser uses it: the local sign-in link, the session cookie, forms posted with their
// CSRF token from the console's own origin, and everything a page on another site might try instead.

// The tests run with LOCAL_DEV on, as `npm start` does; a deploy never has it.
const LOCAL = { LOCAL_DEV: "true" };
const DEPLOYED = { LOCAL_DEV: undefined };
type Overrides = Partial<Record<string, string | undefined>>;

function send(path: string, init: RequestInit & { cookie?: string } = {}, overrides: Overrides = LOCAL) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", `__session=${init.cookie}`);
  return app.fetch(new Request(BASE + path, { ...init, headers, redirect: "manual" }), { ...env, ...overrides }, createExecutionContext());
}

const session = (options: Parameters<typeof mintSessionToken>[1] = {}) =>
  mintSessionToken(env.TEST_CLERK_PRIVATE_KEY, { azp: BASE, sid: `sess_${crypto.randomUUID()}`, claims: { email: "ops@example.com" }, ...options });

async function csrfOf(token: string, path = "/admin/incidents") {
  const html = await (await send(path, { cookie: token })).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

/** A form post as the console's own page sends it (same origin), unless headers say otherwise. */
function post(path: string, token: string, fields: Record<string, string>, headers: Record<string, string> = { origin: BASE, "sec-fetch-site": "same-origin" }, overrides: Overrides = LOCAL) {
  return send(path, { method: "POST", cookie: token, headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() }, overrides);
}

const unescapeHtml = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** What a browser sends for the form posting to `action` on a console page, as drawn: values, choices, ticks. */
function drawnForm(html: string, action: string): [string, string][] {
  const form = new RegExp(`<form[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html)![1]!;
  const fields: [string, string][] = [];
  for (const [, attrs] of form.matchAll(/<input\b([^>]*)>/g)) {
    const name = /\bname="([^"]*)"/.exec(attrs!)?.[1];
    const type = /\btype="([^"]*)"/.exec(attrs!)?.[1] ?? "text";
    if (!name || (type === "checkbox" && !/\bchecked/.test(attrs!))) continue;
    fields.push([name, unescapeHtml(/\bvalue="([^"]*)"/.exec(attrs!)?.[1] ?? (type === "checkbox" ? "on" : ""))]);
  }
  for (const [, name, text] of form.matchAll(/<textarea\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.push([name!, unescapeHtml(text!)]);
  for (const [, name, options] of form.matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const chosen = /<option value="([^"]*)" selected/.exec(options!) ?? /<option value="([^"]*)"/.exec(options!);
    fields.push([name!, unescapeHtml(chosen![1]!)]);
  }
  return fields;
}

/** A drawn form sent as the console's own page sends it, with some fields changed (or added). */
function postDrawn(path: string, token: string, fields: [string, string][], changes: Record<string, string> = {}) {
  const sent = new URLSearchParams(fields.filter(([name]) => !(name in changes)));
  for (const [name, value] of Object.entries(changes)) sent.append(name, value);
  return send(path, { method: "POST", cookie: token, headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" }, body: sent.toString() });
}

async function incidentCount() {
  return (await env.DB.prepare("SELECT count(*) AS n FROM incidents").first<{ n: number }>())!.n;
}

describe("signing in to the console", () => {
  it("signs a browser in from a local sign-in link, only where the local setting is on", async () => {
    const token = await session();
    expect((await send(`/admin/sign-in/local?token=${token}`, {}, DEPLOYED)).status).toBe(404);

    const res = await send(`/admin/sign-in/local?token=${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^__session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/);

    const local = await app.fetch(new Request(`http://localhost:8787/admin/sign-in/local?token=${await session({ azp: "http://localhost:8787" })}`), { ...env, ...LOCAL, PAGE_URL: "http://localhost:8787" }, createExecutionContext());
    expect(local.status).toBe(303);
    expect(local.headers.get("set-cookie")).not.toMatch(/Secure/);

    const home = await send("/admin", { cookie: token });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("Signed in as ops@example.com");
    expect(home.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    expect(home.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses expired, forged, unsigned and foreign-party links and cookies", async () => {
    const other = await generateKeyPairPem();
    const bad = [
      await session({ ttlSeconds: -60 }),
      await mintSessionToken(other.privateKeyPem, { azp: BASE }),
      unsignedToken({ sub: "user_x", sid: "sess_x", azp: BASE, metadata: { role: "admin" }, exp: Math.floor(Date.now() / 1000) + 600 }),
      await session({ azp: "https://evil.example" }),
      await session({ sid: "" }),
    ];
    for (const token of bad) {
      const link = await send(`/admin/sign-in/local?token=${encodeURIComponent(token)}`);
      expect(link.status).toBe(401);
      expect(link.headers.get("set-cookie")).toBeNull();
      const page = await send("/admin", { cookie: token });
      expect(page.status).toBe(401);
      expect(await page.text()).toContain("Sign in to the console");
    }
    // A form sent after its session ended changes nothing, and gives back what it had written.
    const before = await incidentCount();
    const late = await post("/admin/incidents", await session({ ttlSeconds: -60 }), { _csrf: "x", title: "Checkout down", message: "Typed\r\nafter the session ended", severity: "major" });
    expect(late.status).toBe(401);
    const lateHtml = await late.text();
    expect(lateHtml).toContain("Signed out: nothing was saved");
    expect(lateHtml).toContain("<li>Checkout down</li>");
    expect(lateHtml).toContain("<li>Typed\nafter the session ended</li>");
    expect(await incidentCount()).toBe(before);
    // Too long to show back (a long postmortem): said so, rather than the plain sign-in page.
    const long = await post("/admin/incidents", await session({ ttlSeconds: -60 }), { _csrf: "x", title: "Long", message: "w".repeat(70_000) });
    expect(long.status).toBe(401);
    expect(await long.text()).toContain("too long to show back here");
    // Without the local setting and without Clerk, even a good cookie signs nobody in.
    expect((await send("/admin", { cookie: await session() }, DEPLOYED)).status).toBe(401);
  });

  it("shows a signed-in non-admin a 403 page, never the console, and lets none of their posts through", async () => {
    const member = await session({ role: "member", sub: "user_member" });
    const page = await send("/admin/incidents", { cookie: member });
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain("You are signed in, but not an admin");
    expect(html).toContain("user_member");
    expect(html).not.toContain("Open an incident");
    const before = await incidentCount();
    const res = await post("/admin/incidents", member, { title: "Not allowed", _csrf: "x" });
    expect(res.status).toBe(403);
    expect(await incidentCount()).toBe(before);

    // The API's rule: an organization's admin is no admin unless CLERK_ADMIN_ORG_ID names that organization.
    const orgAdmin = await session({ role: null, claims: { o: { id: "org_beacon", rol: "admin" } } });
    expect((await send("/admin", { cookie: orgAdmin })).status).toBe(403);
    expect((await send("/admin", { cookie: orgAdmin }, { ...LOCAL, CLERK_ADMIN_ORG_ID: "org_beacon" })).status).toBe(200);
  });

  it("keeps the JSON API on bearer tokens: a console cookie alone is no admin credential there", async () => {
    const token = await session();
    const res = await send("/api/status/incidents/create", { method: "POST", cookie: token, headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "x" }) });
    expect(res.status).toBe(401);
    expect((await admin("GET", "/api/status/templates")).status).toBe(200);
  });
});

describe("Clerk sign-in for the console", () => {
  const host = "clerk.status.example.com";
  const CLERK = { CLERK_PUBLISHABLE_KEY: `pk_live_${btoa(`${host}$`)}`, CLERK_SECRET_KEY: "sk_live_console_test" };

  it("reads the Frontend API host from the publishable key and opens the CSP to exactly that host", async () => {
    expect(frontendApiHost(CLERK.CLERK_PUBLISHABLE_KEY)).toBe(host);
    expect(frontendApiHost(`pk_test_${btoa("evil.example/x' 'unsafe-eval$")}`)).toBeNull();
    expect(frontendApiHost("sk_live_abc")).toBeNull();
    expect(frontendApiHost(undefined)).toBeNull();

    const signedOut = await send("/admin", {}, CLERK);
    expect(signedOut.status).toBe(401);
    const csp = signedOut.headers.get("content-security-policy")!;
    expect(csp).toContain(`script-src 'self' https://${host}`);
    expect(csp.match(/https:\/\/[^\s;]+/g)!.every((h) => h === `https://${host}`)).toBe(true);
    const html = await signedOut.text();
    expect(html).toContain(`src="https://${host}/npm/@clerk/clerk-js@5/dist/clerk.browser.js"`);
    expect(html).toContain('id="clerk-sign-in"');

    const plain = await send("/admin", {}, DEPLOYED);
    expect(plain.headers.get("content-security-policy")).not.toMatch(/https:/);

    // Sockets go to the page's own host only ('self' covers ws:/wss: there), never to any host.
    const connectSrc = (res: Response) => /(?:^|; )connect-src ([^;]*)/.exec(res.headers.get("content-security-policy")!)![1];
    expect(connectSrc(signedOut)).toBe(`'self' https://${host}`);
    expect(connectSrc(plain)).toBe("'self'");
    const page = await call("GET", "/");
    for (const res of [signedOut, plain, page]) expect(res.headers.get("content-security-policy")).not.toMatch(/\bwss?:/);
  });

  it("authenticates Clerk's session cookie without network, and asks for a handshake when it has expired", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = await session({ iss: `https://${host}` });
      const cookie = `__session=${token}; __client_uat=${now - 30}`;
      const ok = await send("/admin", { headers: { cookie, "sec-fetch-dest": "document" } }, CLERK);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("Signed in as ops@example.com");

      const expired = await session({ iss: `https://${host}`, ttlSeconds: -30, now: Date.now() - 60_000 });
      const res = await send("/admin", { headers: { cookie: `__session=${expired}; __client_uat=${now - 120}`, "sec-fetch-dest": "document", accept: "text/html" } }, CLERK);
      expect(res.status).toBe(307);
      expect(res.headers.get("location")).toMatch(new RegExp(`^https://${host.replace(/\./g, "\\.")}/v1/client/handshake\\?`));
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("refuses through Clerk's cookie what the API refuses: a pending session, another instance's issuer, no role", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cookieOf = (token: string) => ({ cookie: `__session=${token}; __client_uat=${now - 30}`, "sec-fetch-dest": "document" });
    const cases: [string, string, number][] = [
      ["pending", await session({ iss: `https://${host}`, claims: { email: "ops@example.com", sts: "pending" } }), 401],
      ["foreign issuer", await session({ iss: "https://evil.clerk.accounts.dev" }), 401],
      ["member", await session({ iss: `https://${host}`, role: "member" }), 403],
    ];
    for (const [what, token, status] of cases) {
      const res = await send("/admin", { headers: cookieOf(token) }, CLERK);
      expect(res.status, what).toBe(status);
      expect(await res.text(), what).not.toContain("Signed in as");
    }
    // Nor may such a session post a form.
    const pending = await session({ iss: `https://${host}`, claims: { email: "ops@example.com", sts: "pending" } });
    const before = await incidentCount();
    const res = await send("/admin/incidents", { method: "POST", headers: { ...cookieOf(pending), "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" }, body: "title=Pending&_csrf=x" }, CLERK);
    expect(res.status).toBe(401);
    expect(await incidentCount()).toBe(before);
  });
});

describe("console writes", () => {
  it("refuses a cross-site form post, even with a valid cookie and token, and changes nothing", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const before = await incidentCount();
    const fields = { _csrf: csrf, title: "Forged incident", severity: "critical" };
    for (const headers of <Record<string, string>[]>[
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      { origin: "https://evil.example" },
      { "sec-fetch-site": "same-site" },
      { origin: "null" },
    ]) {
      const res = await post("/admin/incidents", token, fields, headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("came from another site");
    }
    expect((await post("/admin/incidents", token, { ...fields, _csrf: "" })).status).toBe(403);
    expect((await post("/admin/incidents", token, { ...fields, _csrf: await csrfOf(await session()) })).status).toBe(403);
    expect(await incidentCount()).toBe(before);
  });

  it("answers OPTIONS and methods it does not take as every other address does, signed in or not", async () => {
    const token = await session();
    for (const path of ["/admin", "/admin/incidents", "/admin/sign-in/local"]) {
      for (const cookie of [undefined, token]) {
        const options = await send(path, { method: "OPTIONS", cookie });
        expect([options.status, options.headers.get("allow")], path).toEqual([204, expect.stringMatching(/^GET, HEAD, (POST, )?OPTIONS$/)]);
        const put = await send(path, { method: "PUT", cookie });
        expect([put.status, put.headers.get("allow"), (await json(put)).error.code], path).toEqual([405, options.headers.get("allow"), "method_not_allowed"]);
      }
    }
  });

  it("opens, updates and resolves an incident through the forms, keeping the text as written", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const message = "First paragraph\nsecond line.\n\n- one\n- two <script>alert(1)</script>";
    // A browser sends a textarea's line breaks as CRLF; the API keeps them as the JSON API writes them, LF.
    const crlf = (text: string) => text.replace(/\n/g, "\r\n");
    const opened = await post("/admin/incidents", token, {
      _csrf: csrf,
      title: "Checkout errors",
      message: crlf(message),
      severity: "major",
      status: "investigating",
      [`component:${DEFAULT_COMPONENTS.database}`]: "major_outage",
      eta_in: "60",
      notify: "on",
    });
    expect(opened.status).toBe(303);
    const location = opened.headers.get("location")!;
    const id = /\/admin\/incidents\/([0-9a-f-]{36})\?done=opened$/.exec(location)![1]!;
    const view = await json(await call("GET", "/api/status/incidents?days=1"));
    const row = view.incidents.find((i: { id: string }) => i.id === id);
    expect(row.description).toBe(message);
    expect(row.affected_components).toEqual([{ id: DEFAULT_COMPONENTS.database, name: expect.any(String), status: "major_outage" }]);

    const page = await (await send(`/admin/incidents/${id}?done=opened`, { cookie: token })).text();
    expect(page).toContain("Incident opened.");
    expect(page).toContain("<p>First paragraph<br>second line.</p><ul><li>one</li><li>two &lt;script&gt;alert(1)&lt;/script&gt;</li></ul>");

    const eta = new Date(Date.now() + 7_200_000);
    const local = eta.toISOString().slice(0, 16);
    const updated = await post(`/admin/incidents/${id}/updates`, token, { _csrf: csrf, status: "identified", message: "Found it.", eta: local, tz_offset: "0", [`component:${DEFAULT_COMPONENTS.database}`]: "partial_outage" });
    expect(updated.status).toBe(303);
    const afterUpdate = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: { id: string }) => i.id === id);
    expect(afterUpdate.status).toBe("identified");
    expect(afterUpdate.affected_components[0].status).toBe("partial_outage");
    expect(afterUpdate.updates[0].estimated_resolution).toBe(`${local}:00Z`);
    // A time and "Remove the estimate" at once say two things: refused, beside the field, and nothing posted.
    const both = await post(`/admin/incidents/${id}/updates`, token, { _csrf: csrf, status: "identified", message: "Contradicts itself.", eta: local, eta_in: "clear", tz_offset: "0" });
    expect(both.status).toBe(400);
    const bothHtml = await both.text();
    expect(bothHtml).toMatch(/role="alert"[^>]*>[\s\S]*Expected resolution must be a time or a choice from the list, not both/);
    expect((await json(await call("GET", `/api/status/incidents/${id}`))).updates).toHaveLength(afterUpdate.updates.length);

    const resolved = await post(`/admin/incidents/${id}/resolve`, token, { _csrf: csrf, root_cause: "A full disk.", resolution: "Freed space." });
    expect(resolved.status).toBe(303);
    const again = await post(`/admin/incidents/${id}/resolve`, token, { _csrf: csrf, root_cause: "x", resolution: "y" });
    expect(again.status).toBe(409);
    // Resolved meanwhile (here by this very form, sent twice): what the second send had written is given back.
    const againHtml = await again.text();
    expect(againHtml).toContain("This incident is already resolved, so nothing was saved.");
    expect(againHtml).toContain("<li>x</li>");
    expect(againHtml).toContain("<li>y</li>");
    // An update written on the screen as it was before another admin resolved it: not posted, said so, and
    // what was written given back to copy, with the way back to the incident.
    const late = await post(`/admin/incidents/${id}/updates`, token, { _csrf: csrf, status: "identified", status_was: "identified", message: "Typed while it was resolved" });
    expect(late.status).toBe(409);
    const lateHtml = await late.text();
    expect(lateHtml).toContain("This incident was resolved while the update was being written, so nothing was posted.");
    expect(lateHtml).toContain("<li>Typed while it was resolved</li>");
    expect(lateHtml).toContain(`href="/admin/incidents/${id}"`);

    const editor = await (await send(`/admin/incidents/${id}/postmortem`, { cookie: token })).text();
    expect(editor).toContain("**Timeline**");
    expect(editor).toMatch(/- \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, identified: Found it\./);
    // An update of several lines keeps them, indented under its item, so the draft renders them as written.
    expect(editor).toMatch(/- \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, investigating: First paragraph\n {4}second line\.\n {4}- one\n {4}- two &lt;script&gt;/);
    expect(editor).toContain("A full disk.");
    const preview = await post(`/admin/incidents/${id}/postmortem`, token, { _csrf: csrf, action: "preview", postmortem: "**Summary**\nDisk *filled*." });
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain("<p><strong>Summary</strong><br>Disk <em>filled</em>.</p>");
    expect((await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: { id: string }) => i.id === id).postmortem).toBeNull();
    const published = await post(`/admin/incidents/${id}/postmortem`, token, { _csrf: csrf, action: "publish", postmortem: crlf("**Summary**\nDisk *filled*.") });
    expect(published.status).toBe(303);
    expect((await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: { id: string }) => i.id === id).postmortem).toBe("**Summary**\nDisk *filled*.");
    const publicPage = await (await call("GET", `/incidents/${id}`, { headers: { "cache-control": "no-cache" } })).text();
    expect(publicPage).toContain("<p><strong>Summary</strong><br>Disk <em>filled</em>.</p>");
  });

  it("takes a form sent twice (a double click, a browser resending it) as one submission: one incident, one notification", async () => {
    const token = await session();
    const html = await (await send("/admin/incidents", { cookie: token })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const submissions = [...html.matchAll(/name="_submission" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    expect(new Set(submissions).size).toBe(submissions.length); // every form on the page has its own
    const title = `Double click ${crypto.randomUUID()}`;
    const form = { _csrf: csrf, _submission: submissions[0]!, title, severity: "minor", status: "investigating", notify: "on" };
    const countOf = async (t: string) => (await env.DB.prepare("SELECT count(*) AS n FROM incidents WHERE title = ?").bind(t).first<{ n: number }>())!.n;
    const eventsFor = async (t: string) =>
      (await env.DB.prepare("SELECT count(*) AS n FROM events e JOIN incidents i ON json_extract(e.payload, '$.incident_id') = i.id WHERE i.title = ?").bind(t).first<{ n: number }>())!.n;

    const first = await post("/admin/incidents", token, form);
    const second = await post("/admin/incidents", token, { ...form, tz_offset: "-60" });
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(await countOf(title)).toBe(1);
    expect(await eventsFor(title)).toBe(1);

    // Racing, as two clicks in flight at once: one commits, the other gets its answer.
    const raced = `Raced ${crypto.randomUUID()}`;
    const racing = await Promise.all([1, 2, 3].map(() => post("/admin/incidents", token, { ...form, _submission: submissions[1]!, title: raced })));
    expect(racing.map((r) => r.status)).toEqual([303, 303, 303]);
    expect(new Set(racing.map((r) => r.headers.get("location"))).size).toBe(1);
    expect(await countOf(raced)).toBe(1);
    expect(await eventsFor(raced)).toBe(1);

    // Back, changed, sent again: a new request, not a replay.
    const changed = await post("/admin/incidents", token, { ...form, title: `${title} (second)` });
    expect(changed.headers.get("location")).not.toBe(first.headers.get("location"));
    expect(await countOf(`${title} (second)`)).toBe(1);
  });

  it("brings a refused form back as the same screen: what was typed, and why, next to the field, and changes nothing", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const before = await incidentCount();
    const alertOf = (html: string) => /<div class="error" role="alert" tabindex="-1" autofocus="" data-form-error="true">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "";
    const submissionsOf = (html: string) => [...html.matchAll(/name="_submission" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);

    const res = await post("/admin/incidents", token, { _csrf: csrf, _submission: crypto.randomUUID(), title: "", message: "A long, carefully worded update.", severity: "catastrophic", [`component:${DEFAULT_COMPONENTS.api}`]: "degraded", eta: "2030-01-02T03:04", notify: "on" });
    expect(res.status).toBe(400);
    let html = await res.text();
    expect(html).toContain("<h1>Incidents</h1>");
    expect(alertOf(html)).toContain("Title must not be empty");
    expect(alertOf(html)).toContain("Severity is not one of the choices");
    expect(html).toMatch(/<p class="field-error" id="f-title-error">Title must not be empty<\/p><input type="text" id="f-title" name="title" value="" required="" maxlength="200" aria-invalid="true" aria-describedby="f-title-error"/);
    expect(html).toContain(">A long, carefully worded update.</textarea>");
    expect(html).toMatch(new RegExp(`name="component:${DEFAULT_COMPONENTS.api}"><option value="">Not affected</option>.*?<option value="degraded" selected=""`));
    expect(html).toContain('name="eta" value="2030-01-02T03:04"');
    expect(html).not.toContain("Back button");
    expect(await incidentCount()).toBe(before);

    // A past ETA on an update: the screen's words and a time in the page's zone, not the API's paths.
    const incident = await createIncident();
    const startedAt = Date.parse(incident.started_at ?? incident.created_at);
    const sent = crypto.randomUUID();
    const update = await post(`/admin/incidents/${incident.id}/updates`, token, { _csrf: csrf, _submission: sent, status: "monitoring", message: "Carefully worded.\n\nSecond paragraph.", eta: "2020-01-01T10:00", tz_offset: "0", notify: "on" });
    expect(update.status).toBe(400);
    html = await update.text();
    const started = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" }).format(startedAt);
    expect(alertOf(html)).toContain(`Expected resolution must be after the incident started (${started} UTC)`);
    expect(alertOf(html)).not.toMatch(/estimated_resolution|started_at|\d{4}-\d{2}-\d{2}T/);
    expect(html).toContain(">Carefully worded.\n\nSecond paragraph.</textarea>");
    expect(html).toMatch(/id="u-status" name="status">.*?<option value="monitoring" selected="">/);
    expect(html).toMatch(/<input type="datetime-local" id="u-eta" name="eta" value="2020-01-01T10:00" aria-invalid="true" aria-describedby="u-eta-error"/);
    // Only the refused form is refilled; a fresh submission key, the session's token, so it can be sent again.
    expect(html).toContain('id="r-root" name="root_cause" required=""></textarea>');
    expect(submissionsOf(html)).not.toContain(sent);
    expect(html).toContain(`name="_csrf" value="${csrf}"`);
    expect((await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: { id: string }) => i.id === incident.id).updates).toHaveLength(1);
    const fixed = await post(`/admin/incidents/${incident.id}/updates`, token, { _csrf: csrf, _submission: submissionsOf(html)[1]!, status: "monitoring", message: "Carefully worded.", eta_in: "60", notify: "on" });
    expect(fixed.status).toBe(303);

    const resolve = await post(`/admin/incidents/${incident.id}/resolve`, token, { _csrf: csrf, root_cause: " ", resolution: "Restarted the pool." });
    expect(resolve.status).toBe(400);
    html = await resolve.text();
    expect(alertOf(html)).toContain("Root cause must not be empty");
    expect(html).toContain(">Restarted the pool.</textarea>");

    // Maintenance, scheduled and edited: the times and the ticked components as typed.
    const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    const earlier = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    const maint = await post("/admin/maintenance", token, { _csrf: csrf, title: "Disk swap", description: "Read-only.", scheduled_start: start, scheduled_end: earlier, components: DEFAULT_COMPONENTS.storage });
    expect(maint.status).toBe(400);
    html = await maint.text();
    expect(alertOf(html)).toContain("Ends must be after the start");
    expect(html).toContain('value="Disk swap"');
    expect(html).toContain(`name="scheduled_start" value="${start}"`);
    expect(html).toMatch(/id="ms-end" name="scheduled_end" value="[^"]+" required="" aria-invalid="true" aria-describedby="ms-end-error"/);
    expect(html).toContain(`value="${DEFAULT_COMPONENTS.storage}" checked=""`);
    expect(html).not.toMatch(/name="notify" checked/);
    const end = new Date(Date.now() + 90_000_000).toISOString().slice(0, 16);
    const scheduled = await post("/admin/maintenance", token, { _csrf: csrf, title: "Disk swap", scheduled_start: start, scheduled_end: end });
    const mid = /maintenance\/([0-9a-f-]{36})/.exec(scheduled.headers.get("location")!)![1]!;
    const edit = await post(`/admin/maintenance/${mid}`, token, { _csrf: csrf, title: "Disk swap, both racks", scheduled_start: start, scheduled_end: earlier });
    expect(edit.status).toBe(400);
    html = await edit.text();
    expect(alertOf(html)).toContain("Ends must be after the start");
    expect(html).toContain('value="Disk swap, both racks"');
    // A component deleted while the form was open: said in the screen's words, on the components.
    const stale = await post("/admin/maintenance", token, { _csrf: csrf, title: "Disk swap", scheduled_start: start, scheduled_end: end, components: crypto.randomUUID() });
    expect(stale.status).toBe(400);
    expect(alertOf(await stale.text())).toContain("A chosen component no longer exists; reload the page to see the current ones.");

    // Components: a taken name (a conflict) and a monitor address that is not http(s).
    const taken = (await json(await call("GET", "/api/status"))).components.find((c: { id: string }) => c.id === DEFAULT_COMPONENTS.database).name;
    const rename = await post(`/admin/components/${DEFAULT_COMPONENTS.api}`, token, { _csrf: csrf, name: taken, description: "Typed description" });
    expect(rename.status).toBe(409);
    html = await rename.text();
    expect(alertOf(html)).toContain(`There is already a component named`);
    expect(html).toMatch(/id="ec-name" name="name" value="[^"]+" required="" maxlength="100" aria-invalid="true"/);
    expect(html).toContain(">Typed description</textarea>");
    const create = await post("/admin/components", token, { _csrf: csrf, name: "Shop front", monitor_url: "ftp://shop.example.com" });
    expect(create.status).toBe(400);
    html = await create.text();
    expect(alertOf(html)).toContain("URL must be a web address starting with http:// or https://");
    expect(html).toContain('id="nc-name" name="name" value="Shop front"');
    expect(html).toMatch(/id="nc-url" name="monitor_url" value="ftp:\/\/shop.example.com" aria-invalid="true"/);
    // A taken name and a bad URL in one form: both said at once, not one refusal after the other.
    html = await (await post("/admin/components", token, { _csrf: csrf, name: taken.toUpperCase(), monitor_url: "ftp://shop.example.com" })).text();
    expect(html).toMatch(/id="nc-name" name="name" value="[^"]+" required="" maxlength="100" aria-invalid="true"/);
    expect(html).toMatch(/id="nc-url" name="monitor_url" value="ftp:\/\/shop.example.com" aria-invalid="true"/);
    // Each said in words of its own, not the refusal's general "Invalid form".
    expect(alertOf(html)).toContain("Name is taken by another component");
    expect(alertOf(html)).toContain("URL must be a web address starting with http:// or https://");
    expect(alertOf(html)).not.toContain("Invalid form");

    const template = await post("/admin/templates", token, { _csrf: csrf, name: "", title: "Slow API", message: "Typed message", severity: "major" });
    expect(template.status).toBe(400);
    html = await template.text();
    expect(alertOf(html)).toContain("Template name must not be empty");
    expect(html).toContain('id="tn-title" name="title" value="Slow API"');
    expect(html).toMatch(/id="tn-severity" name="severity">.*?<option value="major" selected="">/);
  });

  it("points each refusal at the field it is about, in that field's words, and says a missing time is required", async () => {
    const token = await session();
    const csrf = await csrfOf(token, "/admin/components");
    const alertOf = (html: string) => /<div class="error" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "";
    const shop = await json(await admin("POST", "/api/status/components", { name: `Shop ${crypto.randomUUID().slice(0, 8)}` }));
    const monitor = { _csrf: csrf, name: shop.name, monitor_url: "https://shop.example.com/health" };
    let html = await (await post(`/admin/components/${shop.id}`, token, { ...monitor, expected_status: "200, 999" })).text();
    expect(alertOf(html)).toContain("Expected status codes must be at most 599");
    expect(alertOf(html)).not.toContain("URL");
    expect(html).toMatch(/name="expected_status" value="200, 999"[^>]*aria-invalid="true"/);
    expect(html).not.toMatch(/name="monitor_url"[^>]*aria-invalid/);
    html = await (await post(`/admin/components/${shop.id}`, token, { ...monitor, timeout_ms: "-5" })).text();
    expect(alertOf(html)).toContain("Timeout must be at least 500");
    // Every problem at once, rules between fields included: not one more each time the form is sent.
    // (No region ticked: the page's own, fewer than 5.)
    const everything = await post(`/admin/components/${shop.id}`, token, { ...monitor, monitor_method: "HEAD", keyword: "xyz", timeout_ms: "50", expected_status: "200, 999", quorum: "5" });
    expect(everything.status).toBe(400);
    html = alertOf(await everything.text());
    for (const said of ["Timeout must be at least 500", "Expected status codes must be at most 599", "Keyword needs a response body", "Regions that must see a failure must be at most 3, the number of regions it is checked from"]) expect(html).toContain(said);
    expect(html).not.toContain("wnam");

    const empty = await post("/admin/maintenance", token, { _csrf: csrf, title: "Disk swap", scheduled_start: "", scheduled_end: "" });
    expect(empty.status).toBe(400);
    html = await empty.text();
    expect(alertOf(html)).toContain("Starts is required");
    expect(alertOf(html)).toContain("Ends is required");
    expect(alertOf(html)).not.toContain("after the start");
    const start = Date.now() + 86_400_000;
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Rack move", scheduled_start: start, scheduled_end: start + 3_600_000, notify: false }));
    html = await (await post(`/admin/maintenance/${window.id}`, token, { _csrf: csrf, title: "Rack move", scheduled_start: new Date(start).toISOString().slice(0, 16), scheduled_end: "" })).text();
    expect(alertOf(html)).toContain("Ends is required");

    // A component still the only one of an open incident: the reason once, in words, and the way back to it.
    const cdn = await json(await admin("POST", "/api/status/components", { name: `CDN ${crypto.randomUUID().slice(0, 8)}` }));
    await createIncident({ title: "CDN slow", affected_components: [cdn.id] });
    const refused = await post(`/admin/components/${cdn.id}/delete`, token, { _csrf: csrf, confirm: "1" });
    expect(refused.status).toBe(409);
    html = await refused.text();
    expect(html).toContain(`${cdn.name} is the only component of the open incident &quot;CDN slow&quot;`);
    expect(html).not.toContain("id: is the only component");
    expect(html).toContain(`<a href="/admin/components/${cdn.id}">Go back</a>`);
  });

  it("words a refusal by each problem's code, whatever the API's message says, and shows a problem it has no words for as sent", () => {
    const at = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    // Messages reworded (or in another language): the console's words follow the code and its limit.
    const incident = plainProblems(
      {
        message: "Invalid request body",
        details: [
          { path: "title", message: "darf nicht leer sein", code: "too_short", limit: 1 },
          { path: "severity", message: "pick another", code: "invalid_value" },
          { path: "estimated_resolution", message: "ETA precedes the start", code: "before_start", limit: "2026-01-02T03:04:05Z" },
          { path: "affected_components.0", message: "gone", code: "unknown_component" },
          { path: "affected_components.2", message: "gone too", code: "unknown_component" },
          { path: "title", message: "must rhyme", code: "a_rule_added_later" },
          { path: "description", message: "has no code" },
        ],
      },
      OPEN_INCIDENT_FIELDS,
      at,
    );
    expect(incident).toEqual([
      { field: "title", text: "Title must not be empty" },
      { field: "severity", text: "Severity is not one of the choices" },
      { field: "eta", text: "Expected resolution must be after the incident started (2026-01-02 03:04 UTC)" },
      { field: "components", text: "A chosen component no longer exists; reload the page to see the current ones." },
      { field: "title", text: "Title must rhyme" },
      { field: "message", text: "What is happening has no code" },
    ]);
    const window = plainProblems({ details: [{ path: "scheduled_end", message: "end <= start", code: "end_before_start" }, { path: "title", message: "way too long", code: "too_long", limit: 200 }] }, MAINTENANCE_FIELDS, at);
    expect(window).toEqual([
      { field: "scheduled_end", text: "Ends must be after the start" },
      { field: "title", text: "Title must be at most 200 characters" },
    ]);
    // Only the start moved past the end: said at the start, the other way round.
    expect(plainProblems({ details: [{ path: "scheduled_start", message: "must be before scheduled_end", code: "end_before_start" }] }, MAINTENANCE_FIELDS, at)).toEqual([
      { field: "scheduled_start", text: "Starts must be before the end" },
    ]);
    // A web address refused for a pasted control character is not told to start with http://.
    const urls = [
      { path: "monitor.url", message: "must be an http(s) URL", code: "invalid_url" },
      { path: "monitor.url", message: "must not hold control characters or half of a surrogate pair", code: "invalid_url" },
    ];
    expect(plainProblems({ details: urls }, COMPONENT_FIELDS, at).map((p) => p.text)).toEqual([
      "URL must be a web address starting with http:// or https://",
      "URL must not hold control characters or half of a surrogate pair",
    ]);
    // A bound the detail does not carry: the API's message rather than words with a hole in them.
    expect(plainProblems({ details: [{ path: "title", message: "is far too long", code: "too_long" }] }, MAINTENANCE_FIELDS, at)).toEqual([{ field: "title", text: "Title is far too long" }]);
    // A taken name is about the name field because the detail says so, and is said in the conflict's own words.
    const taken = 'There is already a group named "Edge"; give this one another name.';
    expect(plainProblems({ message: taken, details: [{ path: "name", message: "is in use", code: "name_taken" }] }, GROUP_FIELDS, at)).toEqual([{ field: "name", text: taken }]);
  });

  it("saves templates in the console and the API, and opens an incident from one", async () => {
    const created = await admin("POST", "/api/status/templates", { name: "Database down", title: "Database unavailable", message: "We are looking into it.", severity: "critical", components: [{ id: DEFAULT_COMPONENTS.database, status: "major_outage" }] });
    expect(created.status).toBe(201);
    const template = await json(created);
    expect((await admin("POST", "/api/status/templates", { name: "x", title: "y", components: [{ id: "00000000-0000-4000-8000-000000000000", status: "degraded" }] })).status).toBe(400);
    expect((await admin("PATCH", `/api/status/templates/${template.id}`, { title: "Database is unavailable" })).status).toBe(200);

    const token = await session();
    const form = await (await send(`/admin/incidents?template=${template.id}`, { cookie: token })).text();
    expect(form).toContain('value="Database is unavailable"');
    expect(form).toMatch(new RegExp(`name="component:${DEFAULT_COMPONENTS.database}"><option value="">Not affected</option>.*?<option value="major_outage" selected=""`));

    const csrf = await csrfOf(token, "/admin/templates");
    expect((await post("/admin/templates", token, { _csrf: csrf, name: "API slow", title: "Slow API", severity: "minor", [`component:${DEFAULT_COMPONENTS.api}`]: "degraded" })).status).toBe(303);
    const list = await json(await admin("GET", "/api/status/templates"));
    expect(list.templates.map((t: { name: string }) => t.name)).toEqual(["API slow", "Database down"]);
    expect((await post(`/admin/templates/${template.id}/delete`, token, { _csrf: csrf, confirm: "1" })).status).toBe(303);
    expect((await admin("GET", `/api/status/templates/${template.id}`)).status).toBe(404);
  });

  it("takes a template's components by id alone, showing what its severity implies as an incident's do", async () => {
    const { api, database, storage } = DEFAULT_COMPONENTS;
    const created = await admin("POST", "/api/status/templates", { name: "Mixed", title: "Mixed components", severity: "major", components: [api, { id: database, status: "degraded" }] });
    expect(created.status).toBe(201);
    const template = await json(created);
    expect(template.components).toEqual([{ id: api, status: "partial_outage" }, { id: database, status: "degraded" }]);
    // An incident opened with the same ids shows the same.
    const incident = await createIncident({ severity: "major", affected_components: [api], notify: false });
    expect(incident.affected_components).toEqual([expect.objectContaining({ id: api, status: "partial_outage" })]);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
    // In an edit, an id alone takes the severity the template will have after it.
    const edited = await admin("PATCH", `/api/status/templates/${template.id}`, { severity: "critical", components: [storage] });
    expect((await json(edited)).components).toEqual([{ id: storage, status: "major_outage" }]);
    expect((await json(await admin("PATCH", `/api/status/templates/${template.id}`, { components: [api] }))).components).toEqual([{ id: api, status: "major_outage" }]);
    // Refused as an incident's list is: a repeat however written, an unknown id.
    for (const components of [[api, { id: api, status: "degraded" }], ["00000000-0000-4000-8000-000000000000"], ["not-an-id"]]) {
      const res = await admin("POST", "/api/status/templates", { name: "Refused", title: "t", components });
      expect(res.status, JSON.stringify(components)).toBe(400);
      expect((await json(res)).error.details[0].path, JSON.stringify(components)).toMatch(/^components/);
    }
    await admin("DELETE", `/api/status/templates/${template.id}`);
  });

  it("asks on a page of its own before deleting or cancelling when the browser runs no script", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const incident = await createIncident({ title: "Flaky logins", notify: false });
    await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Looking.", status: "identified", notify: false });
    const component = await json(await admin("POST", "/api/status/components", { name: "Doomed component" }));
    const group = await json(await admin("POST", "/api/status/groups", { name: "Doomed group" }));
    const template = await json(await admin("POST", "/api/status/templates", { name: "Doomed template", title: "x" }));
    const subscriber = await activeSubscriber("email", { address: "leaving@example.com" });
    const start = Date.now() + 86_400_000;
    const maintenance = await json(await admin("POST", "/api/status/maintenance", { title: "Doomed window", scheduled_start: new Date(start).toISOString(), scheduled_end: new Date(start + 3_600_000).toISOString(), notify: false }));
    const cases: [path: string, question: string, keep: string, gone: () => Promise<boolean>][] = [
      [`/admin/incidents/${incident.id}/delete`, "Delete &quot;Flaky logins&quot; and its 2 updates for good?", `/admin/incidents/${incident.id}`, async () => (await call("GET", `/api/status/incidents/${incident.id}`, { headers: { "cache-control": "no-cache" } })).status === 404],
      [`/admin/components/${component.id}/delete`, "Delete &quot;Doomed component&quot; and its history for good? It disappears from the status page, and whoever followed it alone is told.", `/admin/components/${component.id}`, async () => (await admin("GET", `/api/status/admin/components/${component.id}`)).status === 404],
      [`/admin/groups/${group.id}/delete`, "Delete the group &quot;Doomed group&quot;? Its components stay, ungrouped.", "/admin/components", async () => !(await env.DB.prepare("SELECT 1 FROM component_groups WHERE id = ?").bind(group.id).first())],
      [`/admin/templates/${template.id}/delete`, "Delete the template &quot;Doomed template&quot;?", `/admin/templates/${template.id}`, async () => (await admin("GET", `/api/status/templates/${template.id}`)).status === 404],
      [`/admin/subscribers/${subscriber.id}/delete`, "Remove leaving@example.com?", "/admin/subscribers?q=leaving", async () => !(await env.DB.prepare("SELECT 1 FROM subscribers WHERE id = ? AND status = 'active'").bind(subscriber.id).first())],
      [`/admin/maintenance/${maintenance.id}/cancel`, "Cancel &quot;Doomed window&quot;?", `/admin/maintenance/${maintenance.id}`, async () => (await env.DB.prepare("SELECT status FROM maintenances WHERE id = ?").bind(maintenance.id).first<{ status: string }>())!.status === "cancelled"],
    ];
    // The script's dialog has the browser's OK and Cancel: the question says which keeps the window.
    expect(await (await send(`/admin/maintenance/${maintenance.id}`, { cookie: token })).text()).toContain('data-confirm="Call off this maintenance window for good? OK calls it off; Cancel keeps it."');
    for (const [path, question, keep, gone] of cases) {
      const asked = await post(path, token, { _csrf: csrf, q: "leaving" });
      expect(asked.status, path).toBe(200);
      const html = await asked.text();
      expect(html, path).toContain(question);
      expect(html, path).toContain(`<a href="${keep.replace(/&/g, "&amp;")}">Keep it</a>`);
      const form = new RegExp(`<form method="post" autocomplete="off" action="${path}"><input type="hidden" name="_csrf" value="${csrf}"/><input type="hidden" name="_submission" value="([0-9a-f-]{36})"/><input type="hidden" name="confirm" value="1"/>`).exec(html);
      expect(form, path).not.toBeNull();
      expect(await gone(), path).toBe(false);
      const done = await post(path, token, { _csrf: csrf, _submission: form![1]!, confirm: "1", q: "leaving" });
      expect(done.status, path).toBe(303);
      expect(await gone(), path).toBe(true);
    }
    // An incident subscribers were told of is not deleted: the refusal leads back to it, to resolve it.
    const announced = await createIncident({ title: "Told to everyone" });
    // Its screen offers no Delete button, and says why; a post is refused without asking first.
    const screen = await (await send(`/admin/incidents/${announced.id}`, { cookie: token })).text();
    expect(screen).not.toContain(`action="/admin/incidents/${announced.id}/delete"`);
    expect(screen).toContain("Subscribers were told of this incident: to delete it, resolve it first");
    for (const fields of [{ _csrf: csrf, confirm: "1" }, { _csrf: csrf }] as Record<string, string>[]) {
      const refused = await post(`/admin/incidents/${announced.id}/delete`, token, fields);
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain(`<a href="/admin/incidents/${announced.id}">Go back</a>`);
    }
    await admin("POST", `/api/status/incidents/${announced.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
  });

  it("leads a form's address opened with GET (a refused form reloaded, or shared) to the screen the form was on", async () => {
    const token = await session();
    const id = crypto.randomUUID();
    for (const [address, screen] of [
      [`/admin/incidents/${id}/updates`, `/admin/incidents/${id}`],
      [`/admin/incidents/${id}/resolve`, `/admin/incidents/${id}`],
      [`/admin/incidents/${id}/updates/${crypto.randomUUID()}`, `/admin/incidents/${id}`],
      [`/admin/maintenance/${id}/start`, `/admin/maintenance/${id}`],
      [`/admin/components/${id}/check`, `/admin/components/${id}`],
      [`/admin/components/${id}/move`, "/admin/components"],
      ["/admin/groups", "/admin/components"],
      [`/admin/deliveries/${id}/retry`, "/admin/subscribers"],
    ]) {
      const res = await send(address!, { cookie: token });
      expect([address, res.status, res.headers.get("location")]).toEqual([address, 303, screen]);
    }
    // Not a form's address: a 404 in the console's own layout, signed in; the sign-in page, signed out.
    const mistyped = await send("/admin/nothing-here", { cookie: token });
    expect(mistyped.status).toBe(404);
    const html = await mistyped.text();
    expect(html).toContain("There is no console screen at this address.");
    expect(html).toContain('action="/admin/sign-out"');
    expect((await send("/admin/nothing-here")).status).toBe(401);
  });

  it("sends a failed delivery again from the subscribers screen, and finds subscribers by address", async () => {
    const sub = await activeSubscriber("email", { address: "pat@findme.example" });
    const id = crypto.randomUUID();
    const now = Date.now();
    await db().insert(deliveries).values({ id, eventId: crypto.randomUUID(), subscriberId: sub.id, channel: "email", recipient: sub.address, subject: "s", bodyText: "b", status: "failed", attempts: 9, lastError: "dead-lettered", createdAt: now, updatedAt: now });
    const token = await session();
    const page = await (await send("/admin/subscribers?q=FINDME", { cookie: token })).text();
    expect(page).toContain("pat@findme.example");
    // Real addresses are longer than the 50 bytes D1 allows a LIKE pattern; a search that is only wildcards finds nothing.
    const long = "firstname.lastname.of.someone@subsidiary.example-company.com";
    await activeSubscriber("email", { address: long });
    const found = await send(`/admin/subscribers?q=${encodeURIComponent(long.toUpperCase())}`, { cookie: token });
    expect([found.status, found.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"]);
    expect(await found.text()).toContain(long);
    const wildcards = await send(`/admin/subscribers?q=${"%25".repeat(30)}`, { cookie: token });
    expect(wildcards.status).toBe(200);
    expect(await wildcards.text()).not.toContain(long);
    expect(errorBody(new Error("D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR")).status).toBe(500);
    expect(page).toContain("dead-lettered");
    // One still being retried is listed with its last error, as retrying: not "every delivery went out".
    const retrying = crypto.randomUUID();
    await db().insert(deliveries).values({ id: retrying, eventId: crypto.randomUUID(), subscriberId: sub.id, channel: "webhook", recipient: "https://hooks.nowhere.example/x", subject: "s", bodyText: "b", status: "pending", attempts: 3, lastError: "could not connect", createdAt: now, updatedAt: now });
    const listed = await (await send("/admin/subscribers", { cookie: token })).text();
    expect(listed).not.toContain("Every delivery went out.");
    expect(listed).toMatch(/https:\/\/hooks\.nowhere\.example\/x[\s\S]*?<td>retrying<\/td>\s*<td class="num">3<\/td>\s*<td>could not connect<\/td>/);
    expect(listed).not.toContain("Retry the delivery to https://hooks.nowhere.example/x");
    await db().delete(deliveries).where(eq(deliveries.id, retrying));
    const res = await post(`/admin/deliveries/${id}/retry`, token, { _csrf: await csrfOf(token, "/admin/subscribers") });
    expect(res.status).toBe(303);
    const row = await db().select().from(deliveries).where(eq(deliveries.id, id)).get();
    expect(row!.status).not.toBe("failed");
    expect((await admin("POST", `/api/status/notifications/deliveries/${id}/retry`)).status).toBe(409);
  });

  it("schedules, starts and completes maintenance, and reorders and checks components from their screens", async () => {
    const token = await session();
    const csrf = await csrfOf(token, "/admin/maintenance");
    const start = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    const end = new Date(Date.now() + 90_000_000).toISOString().slice(0, 16);
    const scheduled = await post("/admin/maintenance", token, { _csrf: csrf, title: "Disk swap", description: "Read-only.", scheduled_start: start, scheduled_end: end, components: DEFAULT_COMPONENTS.storage, notify: "on" });
    expect(scheduled.status).toBe(303);
    const id = /maintenance\/([0-9a-f-]{36})/.exec(scheduled.headers.get("location")!)![1]!;
    const planned = await (await send(`/admin/maintenance/${id}`, { cookie: token })).text();
    expect(planned).toContain("Start now");
    expect(planned).toContain(`value="${start}"`);
    expect((await post(`/admin/maintenance/${id}/complete`, token, { _csrf: csrf })).status).toBe(409);
    expect((await post(`/admin/maintenance/${id}/start`, token, { _csrf: csrf })).status).toBe(303);
    // Started again from a screen drawn before (another tab): refused, with the way back to the window.
    const again = await post(`/admin/maintenance/${id}/start`, token, { _csrf: csrf });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain(`<a href="/admin/maintenance/${id}">Go back</a>`);
    const started = await (await send(`/admin/maintenance/${id}`, { cookie: token })).text();
    expect(started).toContain("in progress · planned");
    // Started by hand a day early: the screen and the list say when it really started, as the page does.
    const startedAt = Date.parse(/<p class="meta">Started <time datetime="([^"]+)">/.exec(started)![1]!);
    expect(Math.abs(startedAt - Date.now())).toBeLessThan(60_000);
    const listed = /<time datetime="([^"]+)">/.exec((await (await send("/admin/maintenance", { cookie: token })).text()).split(`/admin/maintenance/${id}"`)[1]!)![1]!;
    expect(Date.parse(listed)).toBe(startedAt);
    expect((await post(`/admin/maintenance/${id}/complete`, token, { _csrf: csrf })).status).toBe(303);
    const completed = await (await send(`/admin/maintenance/${id}`, { cookie: token })).text();
    expect(completed).toContain("This window is completed");
    expect(completed).toMatch(/<p class="meta">Started <time datetime="[^"]+">[^<]+<\/time>, completed <time datetime="[^"]+">/);

    const order = async () => (await json(await call("GET", "/api/status", { headers: { "cache-control": "no-cache" } }))).components.map((c: { id: string }) => c.id);
    const first = (await order())[0];
    const moved = await post(`/admin/components/${first}/move`, token, { _csrf: csrf, direction: "down" });
    expect(moved.headers.get("location")).toBe(`/admin/components?moved=${first}:down&done=moved`);
    expect((await order())[1]).toBe(first);
    expect(await (await send(`/admin/components?moved=${first}:down`, { cookie: token })).text()).toMatch(new RegExp(`aria-label="Move [^"]+ down"[^>]*autofocus`));

    const created = await post("/admin/components", token, { _csrf: csrf, name: "Shop", monitor_url: "https://shop.example.com/health" });
    const componentId = /comp-([0-9a-f-]{36})/.exec(created.headers.get("location")!)![1]!;
    expect((await post(`/admin/components/${componentId}`, token, { _csrf: csrf, name: "Shop", monitor_url: "https://shop.example.com/health", automatic_incidents_was: "off", automatic_incidents: "on" })).status).toBe(303);
    expect((await json(await admin("GET", `/api/status/admin/components/${componentId}`))).auto_incidents).toMatchObject({ enabled: true });
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = input instanceof Request ? input.url : String(input);
      return url.startsWith("https://shop.example.com/") ? new Response("ok", { status: 503 }) : new Response("ok");
    });
    try {
      // An unknown id is refused before any check runs.
      const lastChecked = async () => (await env.DB.prepare("SELECT max(last_checked_at) AS at FROM components").first<{ at: number | null }>())!.at;
      const before = await lastChecked();
      expect((await post(`/admin/components/${crypto.randomUUID()}/check`, token, { _csrf: csrf })).status).toBe(404);
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(await lastChecked()).toBe(before);
      const checked = await post(`/admin/components/${componentId}/check`, token, { _csrf: csrf });
      expect(checked.status).toBe(200);
      expect(await checked.text()).toMatch(/<h2>Check result<\/h2><p>major outage, \d+ ms: /);
      expect(fetchSpy.mock.calls.some(([input]) => (input instanceof Request ? input.url : String(input)) === "https://shop.example.com/health")).toBe(true);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("edits a window whose times have seconds without moving them, in progress included", async () => {
    const token = await session();
    const atSeconds = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000 + 17_000).toISOString().replace(".000", "");
    // A start already past starts the window at once; through the API, times keep their seconds.
    const running = await json(await admin("POST", "/api/status/maintenance", { title: "Seconds, running", scheduled_start: atSeconds(Date.now() - 600_000), scheduled_end: atSeconds(Date.now() + 3_600_000), notify: false }));
    const planned = await json(await admin("POST", "/api/status/maintenance", { title: "Seconds, planned", scheduled_start: atSeconds(Date.now() + 86_400_000), scheduled_end: atSeconds(Date.now() + 90_000_000), notify: false }));
    expect(running.status).toBe("in_progress");
    for (const window of [running, planned]) {
      const path = `/admin/maintenance/${window.id}`;
      const html = await (await send(path, { cookie: token })).text();
      // In progress, it keeps its start: the field says so and cannot be changed.
      expect(/<input[^>]*id="me-start"[^>]*>/.exec(html)![0].includes("readonly"), window.title).toBe(window.status === "in_progress");
      const drawn = drawnForm(html, path);
      const res = await postDrawn(path, token, drawn, { title: `${window.title}, renamed`, description: "Only the words change." });
      expect(res.status, window.title).toBe(303);
      const now = (await json(await call("GET", "/api/status/maintenance", { headers: { "cache-control": "no-cache" } }))).maintenance_windows.find((m: { id: string }) => m.id === window.id);
      expect(now).toMatchObject({ title: `${window.title}, renamed`, scheduled_start: window.scheduled_start, scheduled_end: window.scheduled_end });
    }
    // A minute typed in the form is that minute.
    const path = `/admin/maintenance/${planned.id}`;
    const moved = new Date(Date.parse(planned.scheduled_end) + 3_600_000 - 17_000).toISOString().slice(0, 16);
    expect((await postDrawn(path, token, drawnForm(await (await send(path, { cookie: token })).text(), path), { scheduled_end: moved, tz_offset: "0" })).status).toBe(303);
    expect((await json(await call("GET", "/api/status/maintenance", { headers: { "cache-control": "no-cache" } }))).maintenance_windows.find((m: { id: string }) => m.id === planned.id).scheduled_end).toBe(`${moved}:00Z`);
  });

  it("refuses a value no control of the form sends, instead of reading it as another change", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const incident = await createIncident({ title: `Form values ${crypto.randomUUID()}`, affected_components: [{ id: DEFAULT_COMPONENTS.api, status: "partial_outage" }], notify: false });
    const shown = async () => (await json(await admin("GET", `/api/status/incidents/${incident.id}`))) as any;
    const before = await shown();
    const update = (fields: Record<string, string>) =>
      post(`/admin/incidents/${incident.id}/updates`, token, { _csrf: csrf, components_was: `${DEFAULT_COMPONENTS.api}=partial_outage`, status: "identified", message: "m", notify: "off", ...fields });
    for (const fields of [{ [`component:${DEFAULT_COMPONENTS.api}`]: "bogus" }, { [`component:${DEFAULT_COMPONENTS.api}`]: "partial_outage", eta_in: "soon" }, { eta_in: "99999999999999" }]) {
      const res = await update(fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(await res.text()).toContain('name="message"');
    }
    // Nothing changed: the component is still on it, no update was added.
    const after = await shown();
    expect(after.affected_components).toEqual(before.affected_components);
    expect(after.updates).toHaveLength(before.updates.length);

    const components = await csrfOf(token, "/admin/components");
    const order = async () => (await json(await call("GET", "/api/status", { headers: { "cache-control": "no-cache" } }))).components.map((c: { id: string }) => c.id);
    const was = await order();
    for (const direction of ["sideways", ""]) expect((await post(`/admin/components/${was[0]}/move`, token, { _csrf: components, direction })).status, direction).toBe(400);
    expect(await order()).toEqual(was);
  });

  it("answers hostile form input on every console form with a page that says what is wrong, never a 500", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const incident = await createIncident();
    const fields = {
      _csrf: csrf,
      title: "\u0000\uFFFF\uD800".repeat(3),
      message: "x".repeat(20_000),
      severity: "apocalyptic",
      status: "resolved",
      eta: "2100-99-99T99:99",
      eta_in: "-5",
      tz_offset: "99999",
      scheduled_start: "yesterday",
      scheduled_end: "1999-01-01T00:00",
      components: "../../etc/passwd",
      [`component:${DEFAULT_COMPONENTS.api}`]: "on_fire",
      "component:not-a-uuid": "degraded",
      monitor_url: "javascript:alert(1)",
      expected_status: "abc, 999",
      confirmations: "9999999",
      timeout_ms: "-1",
      direction: "sideways",
      postmortem: "",
      action: "publish",
      name: "",
    };
    const paths = new Set<string>();
    for (const route of app.routes) {
      if (route.method !== "POST" || !route.path.startsWith("/admin/") || route.path === "/admin/sign-out") continue;
      for (const id of [incident.id, "00000000-0000-4000-8000-000000000000", "..%2F%00"]) {
        paths.add(route.path.replace(/:updateId/, id).replace(/:action\{[^}]+\}/, "start").replace(/:id/, id));
      }
    }
    expect(paths.size).toBeGreaterThan(40);
    for (const path of paths) {
      const res = await post(path, token, fields);
      expect(res.status, path).toBeLessThan(500);
      if (res.status >= 400) expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
    }

    // A garbled multipart body, and one larger than any form within its fields' limits: pages, not JSON.
    const origin = { origin: BASE, "sec-fetch-site": "same-origin" };
    const garbled = await send("/admin/incidents", { method: "POST", cookie: token, headers: { ...origin, "content-type": "multipart/form-data; boundary=xyz" }, body: '--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello' });
    expect(garbled.status).toBe(400);
    expect(garbled.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await garbled.text()).toContain("The form arrived garbled, so nothing changed.");
    const huge = await post(`/admin/incidents/${incident.id}/updates`, token, { _csrf: csrf, status: "identified", message: "x".repeat(600_000) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await huge.text()).toContain("The form was larger than the console takes (512 KB), so nothing changed.");
    // Someone not signed in is sent to sign in: the console's larger limit is only for an admin's forms.
    const anonymous = await send(`/admin/incidents/${incident.id}/updates`, {
      method: "POST",
      headers: { ...origin, "content-type": "application/x-www-form-urlencoded" },
      body: `message=${"x".repeat(600_000)}`,
    });
    expect(anonymous.status).toBe(401);
  });

  it("takes every text its fields allow in any script, though form-encoded it is far above 64 KiB", async () => {
    const token = await session();
    const csrf = await csrfOf(token);
    const incident = await createIncident();
    // 10,000 characters of Japanese are 90 KB form-encoded (%E3%81%82 each), 50,000 for a postmortem 450 KB.
    const message = "障害".repeat(5_000);
    const update = await post(`/admin/incidents/${incident.id}/updates`, token, { _csrf: csrf, status: "identified", message });
    expect(update.status).toBe(303);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).updates[0].message).toBe(message);
    expect((await post(`/admin/incidents/${incident.id}/resolve`, token, { _csrf: csrf, root_cause: "原因", resolution: "対応" })).status).toBe(303);
    const postmortem = "振り返り".repeat(12_500);
    expect((await post(`/admin/incidents/${incident.id}/postmortem`, token, { _csrf: csrf, postmortem, action: "publish" })).status).toBe(303);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).postmortem).toBe(postmortem);
    // The API takes as much from an admin; anyone else is still refused past 64 KiB.
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { status: "identified", message: "x".repeat(70_000) })).status).toBe(400);
    expect((await call("POST", `/api/status/incidents/${incident.id}/updates`, { body: { status: "identified", message: "x".repeat(70_000) } })).status).toBe(413);
  });

  it("shows on the audit screen who opened an incident through a console form, paged and filtered", async () => {
    const token = await session({ sub: "user_auditor", claims: { email: "auditor@example.com", name: "Ada Auditor" } });
    const csrf = await csrfOf(token);
    const opened = await post("/admin/incidents", token, { _csrf: csrf, title: "Audited outage", severity: "minor", status: "investigating" });
    const id = /\/admin\/incidents\/([0-9a-f-]{36})/.exec(opened.headers.get("location")!)![1]!;
    await post(`/admin/incidents/${id}/resolve`, token, { _csrf: csrf, root_cause: "A loose cable.", resolution: "Plugged it in." });

    const res = await send("/admin/audit?entity_type=incident", { cookie: token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<a href="/admin/audit" aria-current="page">Audit log</a>');
    const listed = [...html.matchAll(/<li data-audit="([^"]+)">([\s\S]*?)<\/li>\s*(?=<li data-audit|<\/ol>)/g)];
    const entries = listed.map((m) => m[2]!);
    // Newest first: the resolve, then the open, each with who did it and a link to the incident.
    expect(entries[0]).toContain("<strong>incident.resolve</strong>");
    expect(entries[0]).toMatch(/<code>status<\/code>: <del>&quot;investigating&quot;<\/del> → <ins>&quot;resolved&quot;<\/ins>/);
    expect(entries[1]).toContain("<strong>incident.open</strong>");
    for (const entry of entries.slice(0, 2)) {
      expect(entry).toContain(`<a href="/admin/incidents/${id}">`);
      expect(entry).toContain("<strong>Ada Auditor</strong> (auditor@example.com)");
      expect(entry).toContain('<code class="who-id">user_auditor</code>');
      expect(entry).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+Z">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M UTC<\/time>/);
    }
    // Both records are a click away, on the entry's own screen.
    const openId = listed[1]![1]!;
    expect(entries[1]).toContain(`<a href="/admin/audit/${openId}">Before and after</a>`);
    expect(entries[1]).not.toContain("&quot;title&quot;: &quot;Audited outage&quot;");
    const entry = await send(`/admin/audit/${openId.toUpperCase()}`, { cookie: token });
    expect(entry.status).toBe(200);
    const entryHtml = await entry.text();
    expect(entryHtml).toContain("<strong>incident.open</strong>");
    expect(entryHtml).toContain("<strong>Ada Auditor</strong> (auditor@example.com)");
    expect(entryHtml).toMatch(/<h2>Before<\/h2><pre class="json">null<\/pre>/);
    expect(entryHtml).toContain("&quot;title&quot;: &quot;Audited outage&quot;");
    // Times in the records as the API answers them: ISO 8601 UTC to the second, not epoch milliseconds.
    expect(entryHtml).toMatch(/&quot;started_at&quot;: &quot;\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z&quot;/);
    expect(entries[0]).toMatch(/<code>resolved_at<\/code>: <del>null<\/del> → <ins>&quot;\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z&quot;<\/ins>/);
    expect((await send(`/admin/audit/${crypto.randomUUID()}`, { cookie: token })).status).toBe(404);
    expect((await send("/admin/audit/nope", { cookie: token })).status).toBe(404);
    expect((await send(`/admin/audit/${openId}`)).status).toBe(401);

    // An id is taken in either case, in the filter as everywhere.
    expect(await (await send(`/admin/audit?entity_id=${id.toUpperCase()}`, { cookie: token })).text()).toContain("incident.resolve");
    expect((await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${id.toUpperCase()}`))).entries).toHaveLength(2);

    // Another type's filter leaves the incident out; the API's own cursor pages through, one entry at a time.
    expect(await (await send("/admin/audit?entity_type=template", { cookie: token })).text()).not.toContain(id);
    const first = await (await send(`/admin/audit?entity_type=incident&entity_id=${id}&limit=1`, { cookie: token })).text();
    expect(first).toContain("incident.resolve");
    expect(first).not.toContain("incident.open");
    const older = /<a href="([^"]+)" rel="next">Older<\/a>/.exec(first)![1]!.replace(/&amp;/g, "&");
    expect(older).toMatch(/^\/admin\/audit\?entity_type=incident&entity_id=[0-9a-f-]{36}&cursor=/);
    const second = await (await send(older, { cookie: token })).text();
    expect(second).toContain("incident.open");
    expect(second).not.toContain("incident.resolve");
    expect(second).toContain('<a href="/admin/audit?entity_type=incident&amp;entity_id=');

    // Deleted, the incident is named in its entries but no longer linked (the link would be a 404).
    expect((await admin("DELETE", `/api/status/incidents/${id}`)).status).toBe(204);
    const afterDelete = await (await send(`/admin/audit?entity_type=incident&entity_id=${id}`, { cookie: token })).text();
    expect(afterDelete).toContain("incident.open");
    expect(afterDelete).not.toContain(`<a href="/admin/incidents/${id}">`);
    expect(afterDelete).toContain("(since deleted)");
    expect(await (await send(`/admin/audit/${openId}`, { cookie: token })).text()).not.toContain(`<a href="/admin/incidents/${id}">`);

    // The "All" choice is no filter; nonsense in the address is a 400 page that says what is wrong.
    expect((await send("/admin/audit?entity_type=&cursor=", { cookie: token })).status).toBe(200);
    for (const q of ["cursor=bm9wZQ", "cursor=%00%FF", `cursor=${"x".repeat(500)}`, "entity_type=planet", "entity_type=incident&entity_id=" + "x".repeat(200), "limit=0", "limit=abc"]) {
      const bad = await send(`/admin/audit?${q}`, { cookie: token });
      expect(bad.status, q).toBe(400);
      expect(bad.headers.get("content-type"), q).toMatch(/^text\/html/);
      expect(await bad.text(), q).toContain("Cannot show that");
    }

    const member = await session({ role: "member", sub: "user_member" });
    const refused = await send("/admin/audit", { cookie: member });
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("incident.open");
    expect((await send("/admin/audit")).status).toBe(401);
  });

  it("records and shows a session's user id, name and email without control characters, and bounded", async () => {
    const sub = `user_\u0000odd\u001b[2J${"x".repeat(5_000)}`;
    const claims = { name: "Eve\u0007 Ops\u0085\n<b>", email: "eve\u0000@example.com\u2028" };
    const token = await session({ sub, claims });
    // Through the API, with a bearer token holding the same claims.
    const viaApi = await call("POST", "/api/status/groups", { token: await adminToken({ sub, claims }), body: { name: `Claims ${crypto.randomUUID().slice(0, 8)}` } });
    expect(viaApi.status).toBe(201);
    const [entry] = (await json(await admin("GET", `/api/status/audit?entity_type=group&entity_id=${(await json(viaApi)).id}`))).entries;
    expect(entry.actor).toEqual({ kind: "admin", user_id: `user_odd[2J${"x".repeat(189)}`, name: "Eve Ops<b>", email: "eve@example.com" });
    // Through the console: the same record, and no control character reaches its pages.
    const csrf = await csrfOf(token);
    const opened = await post("/admin/incidents", token, { _csrf: csrf, title: "Claims probe", severity: "minor", status: "investigating" });
    const id = /\/admin\/incidents\/([0-9a-f-]{36})/.exec(opened.headers.get("location")!)![1]!;
    const [open] = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${id}`))).entries;
    expect(open.actor).toEqual(entry.actor);
    const html = await (await send(`/admin/audit?entity_id=${id}`, { cookie: token })).text();
    expect(html).toContain("<strong>Eve Ops&lt;b&gt;</strong> (eve@example.com)");
    expect(html).toContain('<code class="who-id">user_odd[2Jxxx');
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028]/);
    await admin("POST", `/api/status/incidents/${id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
  });

  it("serves every screen to an admin within the first-load budget", async () => {
    const token = await session();
    const incident = await createIncident();
    // Audit entries that each carry a whole component record, before and after.
    for (let i = 0; i < 25; i++) {
      const res = await admin("POST", "/api/status/components", { name: `Budget ${i} ${crypto.randomUUID().slice(0, 8)}`, description: "d".repeat(500) });
      expect(res.status).toBe(201);
    }
    // The longest description the API takes, edited a few times: each entry holds it before and after.
    const long = await createIncident({ title: "Long story", description: `${"Details. ".repeat(1_111)}x` });
    for (const title of ["Long story, edited", "Long story, edited again", "Long story, final"]) {
      expect((await admin("PATCH", `/api/status/incidents/${long.id}`, { title })).status).toBe(200);
    }
    // The worst an audit screen can hold: twenty entries whose records carry every long text an incident has
    // (each past the 300 characters a record shows), in characters that escaping makes five or six bytes each,
    // by an admin whose claims are long too.
    const escaped = (n: number) => `<&"'`.repeat(n).slice(0, n);
    const worst = await createIncident({ title: escaped(200), description: escaped(400), notify: false });
    const wordy = await adminToken({ claims: { name: escaped(300), email: `${"e".repeat(200)}@example.com` } });
    expect((await admin("POST", `/api/status/incidents/${worst.id}/resolve`, { root_cause: escaped(400), resolution: escaped(400), notify: false }, wordy)).status).toBe(200);
    expect((await admin("POST", `/api/status/incidents/${worst.id}/postmortem`, { postmortem: escaped(400) }, wordy)).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const edit = { title: `${escaped(190)} ${i}`, description: `${escaped(390)} ${i}`, root_cause: `${escaped(390)} ${i}`, resolution: `${escaped(390)} ${i}` };
      expect((await admin("PATCH", `/api/status/incidents/${worst.id}`, edit, wordy)).status).toBe(200);
    }
    const newest = (await json(await admin("GET", `/api/status/audit?entity_id=${worst.id}&limit=1`))).entries[0].id;
    for (const path of ["/admin", "/admin/incidents", `/admin/incidents/${incident.id}`, "/admin/templates", "/admin/maintenance", "/admin/components", `/admin/components/${DEFAULT_COMPONENTS.api}`, "/admin/subscribers", "/admin/audit", `/admin/audit/${newest}`]) {
      const res = await send(path, { cookie: token });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      // Bytes, as they go over the wire: escaped text and other scripts take more than one per character.
      let bytes = new TextEncoder().encode(html).length;
      for (const asset of html.matchAll(/(?:href|src)="(\/admin\/assets\/[^"]+)"/g)) bytes += new TextEncoder().encode(await (await send(asset[1]!)).text()).length;
      // Uncompressed: what goes over the wire gzip-compressed is a fraction of this.
      expect(bytes, path).toBeLessThan(60 * 1024);
      for (const label of html.matchAll(/<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"/g)) {
        expect(html, `${path}: a label for #${label[1]}`).toContain(`for="${label[1]}"`);
      }
    }
    // The list shows twenty entries, each with its first changes cut short; the entry's screen cuts long
    // texts and says so; the API keeps every record whole.
    expect([...(await (await send("/admin/audit", { cookie: token })).text()).matchAll(/<li data-audit=/g)]).toHaveLength(20);
    const [longest] = (await json(await admin("GET", `/api/status/audit?entity_id=${long.id}&limit=1`))).entries;
    const screen = await (await send(`/admin/audit/${longest.id}`, { cookie: token })).text();
    expect(screen).toContain("… (10,000 characters in full)");
    // The API keeps every record whole.
    const { entries } = await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${long.id}`));
    expect(entries.at(-1).after.description).toHaveLength(10_000);
  }, 20_000);
});

describe("component settings in the console", () => {
  it("shows whether automatic incidents apply to a component, default included, and turns them off in one save", async () => {
    const token = await session();
    const component = await json(await admin("POST", "/api/status/components", { name: `Checkout ${crypto.randomUUID()}`, monitor: { type: "http", url: "https://checkout.example.com/health" } }));
    const box = async (overrides: Overrides = LOCAL) => {
      const html = await (await send(`/admin/components/${component.id}`, { cookie: token }, overrides)).text();
      return { checked: /<input[^>]*id="ec-auto"[^>]*>/.exec(html)![0].includes("checked"), was: /name="automatic_incidents_was" value="(on|off)"/.exec(html)![1]!, html };
    };
    // Nothing set on the component: the page-wide default (on) applies, and the box says so.
    expect((await json(await admin("GET", `/api/status/admin/components/${component.id}`))).auto_incidents.enabled).toBe(true);
    const shown = await box();
    expect(shown).toMatchObject({ checked: true, was: "on" });
    expect(shown.html).toContain("default (AUTO_INCIDENTS) says, until you change it here");
    expect(await box({ ...LOCAL, AUTO_INCIDENTS: "off" })).toMatchObject({ checked: false, was: "off" });

    // Unticking it and saving once turns them off; saving again unchanged keeps them off.
    const csrf = await csrfOf(token, `/admin/components/${component.id}`);
    const form = { _csrf: csrf, name: component.name, monitor_url: "https://checkout.example.com/health" };
    expect((await post(`/admin/components/${component.id}`, token, { ...form, automatic_incidents_was: shown.was })).status).toBe(303);
    expect((await json(await admin("GET", `/api/status/admin/components/${component.id}`))).auto_incidents.enabled).toBe(false);
    const off = await box();
    expect(off).toMatchObject({ checked: false, was: "off" });
    expect(off.html).toContain("Set for this component");
    expect((await post(`/admin/components/${component.id}`, token, { ...form, automatic_incidents_was: off.was })).status).toBe(303);
    expect((await json(await admin("GET", `/api/status/admin/components/${component.id}`))).auto_incidents.enabled).toBe(false);
  });
});

describe("forms drawn before another change", () => {
  const STALE = "after this form was opened, so nothing was saved";

  it("keeps an open postmortem editor valid through edits of what it does not edit, not through another postmortem", async () => {
    const token = await session();
    const incident = await createIncident({ title: "Slow checkout", notify: false });
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    const path = `/admin/incidents/${incident.id}/postmortem`;
    const editor = drawnForm(await (await send(path, { cookie: token })).text(), path);
    // Another admin fixes the title meanwhile: the postmortem is still the one the editor was opened on.
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Slow checkout in EU" })).status).toBe(200);
    expect((await postDrawn(path, token, editor, { postmortem: "What happened, and what we changed." })).status).toBe(303);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).postmortem).toBe("What happened, and what we changed.");
    // Another postmortem published since this editor was opened: refused, the text kept to send again.
    const stale = drawnForm(await (await send(path, { cookie: token })).text(), path);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "A colleague's version." })).status).toBe(200);
    const refused = await postDrawn(path, token, stale, { postmortem: "Mine, written meanwhile." });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Mine, written meanwhile.");
  });

  it("refuses an edit drawn before another admin's change, comes back as the record is now with what was typed kept, and saves that", async () => {
    const token = await session();
    const incident = await createIncident({ title: "Stale form", severity: "minor", description: "As first written." });
    const path = `/admin/incidents/${incident.id}`;
    const stale = await (await send(path, { cookie: token })).text();
    expect((await admin("PATCH", path.replace("/admin", "/api/status"), { title: "Renamed elsewhere" })).status).toBe(200);

    // The tab drawn before the rename changes only the severity (the script says which fields were typed into).
    const refused = await postDrawn(`${path}/edit`, token, drawnForm(stale, `${path}/edit`), { severity: "major", _touched: "severity" });
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain(STALE);
    expect(await json(await call("GET", `/api/status/incidents/${incident.id}`))).toMatchObject({ title: "Renamed elsewhere", severity: "minor" });
    // The other admin's title, this admin's severity, the current version: sent again, it saves both.
    expect(page).toContain("<h1>Renamed elsewhere</h1>");
    const again = drawnForm(page, `${path}/edit`);
    expect(again).toContainEqual(["severity", "major"]);
    expect(again).toContainEqual(["title", "Renamed elsewhere"]);
    expect((await postDrawn(`${path}/edit`, token, again)).status).toBe(303);
    expect(await json(await call("GET", `/api/status/incidents/${incident.id}`))).toMatchObject({ title: "Renamed elsewhere", severity: "major" });

    // Without the script nothing says what was typed: every field shows the incident as it is now, and what was
    // sent is listed to copy back. Sent again unchanged, it puts back nothing.
    const drawnBefore = await (await send(path, { cookie: token })).text();
    expect((await admin("PATCH", path.replace("/admin", "/api/status"), { description: "Rewritten elsewhere." })).status).toBe(200);
    const blind = await postDrawn(`${path}/edit`, token, drawnForm(drawnBefore, `${path}/edit`), { title: "Renamed here" });
    expect(blind.status).toBe(409);
    const blindPage = await blind.text();
    const listed = /<div class="error" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(blindPage)?.[1] ?? "";
    expect(listed).toContain("What you sent, to copy back where it still applies:");
    expect(listed).toContain("Renamed here");
    const resent = drawnForm(blindPage, `${path}/edit`);
    expect(resent).toContainEqual(["title", "Renamed elsewhere"]);
    expect((await postDrawn(`${path}/edit`, token, resent)).status).toBe(303);
    expect(await json(await call("GET", `/api/status/incidents/${incident.id}`))).toMatchObject({ title: "Renamed elsewhere", description: "Rewritten elsewhere.", severity: "major" });

    // An update's text: another update posted meanwhile does not make it stale; an edit of that same update does.
    const drawn = await (await send(path, { cookie: token })).text();
    const updateId = incident.updates[0].id;
    const updateForm = drawnForm(drawn, `${path}/updates/${updateId}`);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Another one", status: "identified", notify: false })).status).toBe(201);
    expect((await postDrawn(`${path}/updates/${updateId}`, token, updateForm, { message: "First fix" })).status).toBe(303);
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${updateId}`, { message: "Second fix, elsewhere" })).status).toBe(200);
    const late = await postDrawn(`${path}/updates/${updateId}`, token, updateForm, { message: "Third fix" });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain(STALE);
    const updates = (await json(await call("GET", `/api/status/incidents/${incident.id}`))).updates;
    expect(updates.find((u: { id: string }) => u.id === updateId).message).toBe("Second fix, elsewhere");
  });

  it("says on an incident opened quietly that its first notified update announces it", async () => {
    const token = await session();
    const incident = await createIncident({ title: "Opened quietly", severity: "minor", notify: false });
    const path = `/admin/incidents/${incident.id}`;
    const hint = "Opened quietly: subscribers have not been told of this incident.";
    expect(await (await send(path, { cookie: token })).text()).toContain(hint);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Now they know.", status: "identified" })).status).toBe(201);
    expect(await (await send(path, { cookie: token })).text()).not.toContain(hint);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
  });

  it("keeps an incident's edit form valid across an update another responder posts, which changes nothing it edits", async () => {
    const token = await session();
    const incident = await createIncident({ title: "Two responders, one typo", severity: "minor", description: "As first written." });
    const path = `/admin/incidents/${incident.id}`;
    const drawn = drawnForm(await (await send(path, { cookie: token })).text(), `${path}/edit`);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it.", status: "identified", notify: false })).status).toBe(201);
    expect((await postDrawn(`${path}/edit`, token, drawn, { title: "Two responders, no typo", _touched: "title" })).status).toBe(303);
    expect(await json(await call("GET", `/api/status/incidents/${incident.id}`))).toMatchObject({ title: "Two responders, no typo", status: "identified" });
    // Its start, which the form has no field for, moved through the API: the form is as valid as before.
    const redrawn = drawnForm(await (await send(path, { cookie: token })).text(), `${path}/edit`);
    const earlier = new Date(Date.parse(incident.started_at) - 3_600_000).toISOString();
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at: earlier })).status).toBe(200);
    expect((await postDrawn(`${path}/edit`, token, redrawn, { message: "As corrected.", _touched: "message" })).status).toBe(303);
    expect(await json(await call("GET", `/api/status/incidents/${incident.id}`))).toMatchObject({ description: "As corrected.", started_at: earlier.replace(".000Z", "Z") });
    // What the form edits, changed by another admin meanwhile, still makes it stale.
    const last = drawnForm(await (await send(path, { cookie: token })).text(), `${path}/edit`);
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { severity: "major" })).status).toBe(200);
    expect((await postDrawn(`${path}/edit`, token, last, { description: "Late", _touched: "description" })).status).toBe(409);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
  });

  it("keeps a component's form valid across a reorder of the page, which its form does not set, but not across an edit", async () => {
    const token = await session();
    const component = await json(await admin("POST", "/api/status/components", { name: `Reordered ${crypto.randomUUID()}` }));
    const path = `/admin/components/${component.id}`;
    const drawn = drawnForm(await (await send(path, { cookie: token }, LOCAL)).text(), path);
    // Another admin moves it to the top of the page meanwhile.
    const order = async () => (await env.DB.prepare("SELECT id FROM components ORDER BY position, created_at").all<{ id: string }>()).results.map((r) => r.id);
    const first = (await order())[0]!;
    expect((await admin("POST", "/api/status/components/reorder", { ids: [component.id, first] })).status).toBe(200);
    expect((await order())[0]).toBe(component.id);
    expect((await postDrawn(path, token, drawn, { description: "Saved after the reorder" })).status).toBe(303);
    const now = await json(await admin("GET", `/api/status/admin/components/${component.id}`));
    expect(now).toMatchObject({ description: "Saved after the reorder" });
    expect((await order())[0]).toBe(component.id);
    // An edit of the component itself still makes the form stale.
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { description: "Another admin's words" })).status).toBe(200);
    expect((await postDrawn(path, token, drawn, { description: "Late" })).status).toBe(409);
  });

  it("keeps a form refused for what it says on the version it was drawn from, so once corrected it is refused as stale", async () => {
    const token = await session();
    const start = Date.now() + 86_400_000;
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Original title", scheduled_start: new Date(start).toISOString(), scheduled_end: new Date(start + 3_600_000).toISOString(), notify: false }));
    const path = `/admin/maintenance/${window.id}`;
    const drawn = drawnForm(await (await send(path, { cookie: token })).text(), path);
    expect((await admin("PATCH", `/api/status/maintenance/${window.id}`, { title: "Renamed by another admin" })).status).toBe(200);
    // Refused for its too-long description, before anyone checks whether it is stale.
    const refused = await postDrawn(path, token, drawn, { description: "x".repeat(10_001), _touched: "description" });
    expect(refused.status).toBe(400);
    const again = drawnForm(await refused.text(), path);
    expect(again).toContainEqual(["_version", drawn.find(([name]) => name === "_version")![1]]);
    // Corrected and sent again: refused as stale, the other admin's title kept.
    const stale = await postDrawn(path, token, again, { description: "Short now." });
    expect(stale.status).toBe(409);
    const listed = (await json(await call("GET", "/api/status/maintenance", { headers: { "cache-control": "no-cache" } }))).maintenance_windows;
    expect(listed.find((m: { id: string }) => m.id === window.id)).toMatchObject({ title: "Renamed by another admin", description: "" });
  });

  it("posts an update from a tab drawn before another admin's, changing only the components and status this admin changed", async () => {
    const token = await session();
    const { api, database, storage } = DEFAULT_COMPONENTS;
    const incident = await createIncident({ title: "Two responders", affected_components: [{ id: database, status: "degraded" }], notify: false });
    const path = `/admin/incidents/${incident.id}`;
    const stale = drawnForm(await (await send(path, { cookie: token })).text(), `${path}/updates`);
    const worse = [{ id: api, status: "degraded" }, { id: database, status: "major_outage" }];
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Worse now.", status: "identified", affected_components: worse, notify: false })).status).toBe(201);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const linksOf = async () =>
      (await json(await call("GET", `/api/status/incidents/${incident.id}`))).affected_components.map((c: { id: string; status: string }) => ({ id: c.id, status: c.status })).sort(byId);

    // Its picker untouched: the message goes out, the other admin's component changes stay.
    expect((await postDrawn(`${path}/updates`, token, stale, { message: "Still on it." })).status).toBe(303);
    expect(await linksOf()).toEqual([...worse].sort(byId));
    // One component changed in its picker: that one changes, the rest stay as they are now.
    expect((await postDrawn(`${path}/updates`, token, stale, { message: "Storage too.", [`component:${storage}`]: "partial_outage" })).status).toBe(303);
    expect(await linksOf()).toEqual([...worse, { id: storage, status: "partial_outage" }].sort(byId));

    // Its status left as drawn: the incident stays where the other admin moved it, and the update says so.
    const statusOf = async () => {
      const now = await json(await call("GET", `/api/status/incidents/${incident.id}`));
      return [now.status, now.updates[0].status, now.updates[0].message];
    };
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Fix deployed.", status: "monitoring", notify: false })).status).toBe(201);
    expect((await postDrawn(`${path}/updates`, token, stale, { message: "Watching the error rate." })).status).toBe(303);
    expect(await statusOf()).toEqual(["monitoring", "monitoring", "Watching the error rate."]);
    // Chosen in the form, a status is what the admin asked for, whatever it was drawn at.
    expect((await postDrawn(`${path}/updates`, token, stale, { message: "Errors are back.", status: "identified" })).status).toBe(303);
    expect(await statusOf()).toEqual(["identified", "identified", "Errors are back."]);
    // Refused for its message and sent again, a form drawn before that keeps saying the status was left alone.
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Fixed again.", status: "monitoring", notify: false })).status).toBe(201);
    const refused = await postDrawn(`${path}/updates`, token, stale, { message: "" });
    expect(refused.status).toBe(400);
    expect((await postDrawn(`${path}/updates`, token, drawnForm(await refused.text(), `${path}/updates`), { message: "Still watching." })).status).toBe(303);
    expect(await statusOf()).toEqual(["monitoring", "monitoring", "Still watching."]);
  });

  it("refuses a postmortem from an editor opened before another admin published one, previews included", async () => {
    const token = await session();
    const incident = await createIncident({ title: "Two writers", notify: false });
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);
    const path = `/admin/incidents/${incident.id}/postmortem`;
    const editor = drawnForm(await (await send(path, { cookie: token })).text(), path);
    expect((await admin("POST", path.replace("/admin", "/api/status"), { postmortem: "Written by the other admin." })).status).toBe(200);
    // A preview keeps the version the editor was opened with, and counts the previewed text as typed; publishing
    // is then refused, the text kept.
    const previewed = drawnForm(await (await postDrawn(path, token, editor, { postmortem: "Mine.", action: "preview" })).text(), path);
    expect(previewed).toContainEqual(["_touched", "postmortem"]);
    const refused = await postDrawn(path, token, previewed, { action: "publish" });
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain(STALE);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).postmortem).toBe("Written by the other admin.");
    expect((await postDrawn(path, token, drawnForm(page, path), { action: "publish" })).status).toBe(303);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).postmortem).toBe("Mine.");
    // Refused without a word of what was typed, the editor shows the published text and lists what was sent.
    const another = drawnForm(await (await send(path, { cookie: token })).text(), path);
    expect((await admin("POST", path.replace("/admin", "/api/status"), { postmortem: "Rewritten by the other admin." })).status).toBe(200);
    const blind = await (await postDrawn(path, token, another, { postmortem: "Mine, again.", action: "publish" })).text();
    expect(drawnForm(blind, path)).toContainEqual(["postmortem", "Rewritten by the other admin."]);
    expect(/<div class="error" role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(blind)?.[1]).toContain("Mine, again.");
  });

  it("keeps a monitor another admin added when a component form drawn before it is saved, and a maintenance edit", async () => {
    const token = await session();
    const component = await json(await admin("POST", "/api/status/components", { name: `Stale ${crypto.randomUUID().slice(0, 8)}` }));
    const path = `/admin/components/${component.id}`;
    const stale = drawnForm(await (await send(path, { cookie: token })).text(), path);
    const monitor = { type: "http", url: "https://stale.example.com/health" };
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { monitor })).status).toBe(200);
    // Its URL field was empty when drawn: sent as it was, the form would remove the monitor.
    const refused = await postDrawn(path, token, stale, { description: "Edited in a stale tab", _touched: "description" });
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain(STALE);
    expect(await json(await admin("GET", `/api/status/admin/components/${component.id}`))).toMatchObject({ monitor: { url: monitor.url }, description: null });
    // It comes back with the monitor, and the description as typed: saved, both stay.
    expect((await postDrawn(path, token, drawnForm(page, path))).status).toBe(303);
    expect(await json(await admin("GET", `/api/status/admin/components/${component.id}`))).toMatchObject({ monitor: { url: monitor.url }, description: "Edited in a stale tab" });

    const start = new Date(Date.now() + 86_400_000).toISOString();
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Stale window", scheduled_start: start, scheduled_end: new Date(Date.now() + 90_000_000).toISOString(), notify: false }));
    const drawn = drawnForm(await (await send(`/admin/maintenance/${window.id}`, { cookie: token })).text(), `/admin/maintenance/${window.id}`);
    expect((await admin("PATCH", `/api/status/maintenance/${window.id}`, { description: "Read-only meanwhile." })).status).toBe(200);
    const late = await postDrawn(`/admin/maintenance/${window.id}`, token, drawn, { title: "Stale window, renamed" });
    expect(late.status).toBe(409);
    expect(await json(await call("GET", "/api/status/maintenance"))).toMatchObject({ maintenance_windows: expect.arrayContaining([expect.objectContaining({ id: window.id, title: "Stale window", description: "Read-only meanwhile." })]) });
  });
});

describe("an automatic incident in the console", () => {
  it("says Beacon runs it until a person acts, who took it over, and takes the root cause Beacon left out", async () => {
    const token = await session({ sub: "user_night_shift" });
    const incident = await createIncident({ title: "Checkout is down", notify: false });
    // As the checks open one (auto-incidents.test.ts plays the rounds that do): Beacon's own, not yet taken over.
    await env.DB.prepare("UPDATE incidents SET automatic = 1, created_by = NULL WHERE id = ?").bind(incident.id).run();
    const path = `/admin/incidents/${incident.id}`;
    const running = await (await send(path, { cookie: token })).text();
    expect(running).toContain("<strong>Detected automatically.</strong> Beacon keeps it up to date and resolves it once its checks pass. Posting an update, resolving it or editing it makes it yours, and Beacon stops.");

    const csrf = await csrfOf(token, path);
    expect((await post(`${path}/updates`, token, { _csrf: csrf, status: "identified", message: "We are on it." })).status).toBe(303);
    const taken = await (await send(path, { cookie: token })).text();
    // Named as their session names them (the test session's email), beside their user id.
    expect(taken).toMatch(/Taken over by ops@example\.com \(<code>user_night_shift<\/code>\) <time datetime="[^"]+">[^<]+<\/time>: Beacon no longer updates or resolves it\./);

    // Resolved by Beacon, which leaves the root cause for a person: the edit form takes it.
    await env.DB.prepare("UPDATE incidents SET status = 'resolved', resolved_at = ?, root_cause = NULL, resolution = NULL, taken_over_at = NULL, taken_over_by = NULL WHERE id = ?").bind(Date.now(), incident.id).run();
    const resolved = await (await send(path, { cookie: token })).text();
    expect(resolved).toContain("Beacon resolved it when its checks passed.");
    expect(resolved).toContain("No root cause yet: add it under &quot;Edit the incident&quot;.");
    expect((await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`))).missing).toEqual(["root_cause"]);
    // An admin's edit answers what is written (the public answer words it as not written up yet), so that
    // sending that answer back writes no placeholder.
    expect(await json(await admin("PATCH", `/api/status/incidents/${incident.id}`, { severity: "critical" }))).toMatchObject({ root_cause: null, resolution: null });
    const edit = drawnForm((await (await send(path, { cookie: token })).text()), `${path}/edit`);
    expect(edit.map(([name]) => name)).toEqual(expect.arrayContaining(["root_cause", "resolution"]));
    expect((await postDrawn(`${path}/edit`, token, edit, { root_cause: "A full disk on the checkout database." })).status).toBe(303);
    const after = await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`));
    expect(after).toMatchObject({ root_cause: "A full disk on the checkout database.", resolution: null, missing: [] });
    const written = await (await send(path, { cookie: token })).text();
    expect(written).not.toContain("No root cause yet");
    // Written once, it is required: emptied, the edit is refused rather than "saved" with the root cause kept.
    const emptied = await postDrawn(`${path}/edit`, token, drawnForm(written, `${path}/edit`), { root_cause: "", message: "Checkout failed for 20 minutes." });
    expect(emptied.status).toBe(400);
    expect(await emptied.text()).toMatch(/role="alert"[^>]*>[\s\S]*Root cause must not be empty/);
    expect(await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`))).toMatchObject({ root_cause: "A full disk on the checkout database.", description: "Some requests fail." });
  });
});

describe("components that share a position", () => {
  it("are listed in one order everywhere: page API, v2, the console, an incident's and a window's components", async () => {
    const token = await session();
    // Created one after the other, named so that their names sort the other way, all at one position.
    const tag = crypto.randomUUID().slice(0, 6);
    const ids: string[] = [];
    for (const name of [`Tie ${tag} C`, `Tie ${tag} B`, `Tie ${tag} A`]) {
      const res = await admin("POST", "/api/status/components", { name, position: 0 });
      expect(res.status).toBe(201);
      ids.push((await json(res)).id);
    }
    const tied = (list: string[]) => list.filter((id) => ids.includes(id));
    const fresh = { headers: { "cache-control": "no-cache" } };
    const page = tied((await json(await call("GET", "/api/status", fresh))).components.map((c: { id: string }) => c.id));
    expect(page).toHaveLength(3);
    expect(tied((await json(await call("GET", "/api/v2/components.json", fresh))).components.map((c: { id: string }) => c.id))).toEqual(page);
    const consoleOrder = [...(await (await send("/admin/components", { cookie: token })).text()).matchAll(/<li id="comp-([0-9a-f-]{36})">/g)].map((m) => m[1]!);
    expect(tied(consoleOrder)).toEqual(page);

    const reversed = [...page].reverse();
    const incident = await createIncident({ affected_components: reversed, notify: false });
    expect(incident.affected_components.map((c: { id: string }) => c.id)).toEqual(page);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).affected_components.map((c: { id: string }) => c.id)).toEqual(page);
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Tied", scheduled_start: new Date(Date.now() + 86_400_000).toISOString(), scheduled_end: new Date(Date.now() + 90_000_000).toISOString(), affected_components: reversed, notify: false }));
    expect(window.components.map((c: { id: string }) => c.id)).toEqual(page);

    // Up in the console moves it above its neighbour as the page shows them, and the page follows.
    expect((await post(`/admin/components/${page[1]}/move`, token, { _csrf: await csrfOf(token, "/admin/components"), direction: "up" })).status).toBe(303);
    expect(tied((await json(await call("GET", "/api/status", fresh))).components.map((c: { id: string }) => c.id))).toEqual([page[1], page[0], page[2]]);
  });
});

describe("the components screen", () => {
  it("lists and moves components as the page shows them, a group's members together", async () => {
    const token = await session();
    const group = await json(await admin("POST", "/api/status/groups", { name: unique("Edge") }));
    const make = async (name: string, grouped: boolean) => (await json(await admin("POST", "/api/status/components", { name: unique(name), ...(grouped ? { group_id: group.id } : {}) }))).id as string;
    // Added one after another: CDN and Workers in the group, Search between them outside it.
    const [cdn, search, workers] = [await make("CDN", true), await make("Search", false), await make("Workers", true)];
    const mine = (ids: string[]) => ids.filter((id) => [cdn, search, workers].includes(id));
    const onPage = async () => mine([...(await (await call("GET", "/", { headers: { "cache-control": "no-cache", authorization: `Bearer ${await adminToken()}` } })).text()).matchAll(/data-component="([0-9a-f-]{36})"/g)].map((m) => m[1]!));
    const inConsole = async () => mine([...(await (await send("/admin/components", { cookie: token })).text()).matchAll(/<li id="comp-([0-9a-f-]{36})">/g)].map((m) => m[1]!));
    const move = async (id: string, direction: "up" | "down") => {
      expect((await post(`/admin/components/${id}/move`, token, { _csrf: await csrfOf(token, "/admin/components"), direction })).status).toBe(303);
    };
    expect(await onPage()).toEqual([cdn, workers, search]);
    expect(await inConsole()).toEqual([cdn, workers, search]);
    // The page's subscribe form lists them in the same order.
    const form = await (await call("GET", "/", { headers: { "cache-control": "no-cache", authorization: `Bearer ${await adminToken()}` } })).text();
    expect(mine([...form.matchAll(/name="components" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!))).toEqual([cdn, workers, search]);
    // Up from below the group: above the whole group, in one press.
    await move(search, "up");
    expect(await onPage()).toEqual([search, cdn, workers]);
    expect(await inConsole()).toEqual([search, cdn, workers]);
    // A member moves within its group.
    await move(cdn, "down");
    expect(await onPage()).toEqual([search, workers, cdn]);
    // Past its group's edge, a member takes the whole group along: groups move too, even side by side.
    await move(workers, "up");
    expect(await onPage()).toEqual([workers, cdn, search]);
    await move(cdn, "down");
    expect(await onPage()).toEqual([search, workers, cdn]);
  });

  it("draws the groups list only when there are groups, so no empty box sits above the new group form", async () => {
    const token = await session();
    const groups = async () => {
      const html = await (await send("/admin/components", { cookie: token })).text();
      return html.slice(html.indexOf('<h2 id="groups-h">'), html.indexOf('id="ng-name"'));
    };
    // A page without groups (other tests here make some).
    for (const g of (await json(await call("GET", "/api/status"))).groups) await admin("DELETE", `/api/status/groups/${g.id}`);
    expect(await groups()).not.toContain("<ul");
    await admin("POST", "/api/status/groups", { name: "Edge" });
    expect(await groups()).toMatch(/<ul class="card lines"><li>[^]*value="Edge"/);
  });
});

describe("a component's monitor in the console", () => {
  it("shows the regions and quorum set through the API, keeps them on a save that does not touch them, and sets them", async () => {
    const token = await session();
    const monitor = { type: "http", url: "https://regional.example.com/health", regions: ["weur", "enam"], quorum: 1 };
    const component = await json(await admin("POST", "/api/status/components", { name: `Regional ${crypto.randomUUID().slice(0, 8)}`, monitor }));
    const path = `/admin/components/${component.id}`;
    const monitorOf = async () => (await json(await admin("GET", `/api/status/admin/components/${component.id}`))).monitor;
    const html = await (await send(path, { cookie: token })).text();
    const drawn = drawnForm(html, path);
    expect(drawn.filter(([name]) => name === "regions").map(([, value]) => value).sort()).toEqual(["enam", "weur"]);
    expect(drawn).toContainEqual(["quorum", "1"]);
    expect(html).toContain("(none ticked: western North America, eastern North America, western Europe)");

    // Only the description changes: where it is checked from stays as it was.
    expect((await postDrawn(path, token, drawn, { description: "Checked from two regions" })).status).toBe(303);
    expect(await monitorOf()).toMatchObject({ regions: ["weur", "enam"], quorum: 1 });

    // Ticked and typed in the console, as the API takes them; refused in the console's words.
    const now = drawnForm(await (await send(path, { cookie: token })).text(), path).filter(([name]) => name !== "regions");
    const tooMany = await postDrawn(path, token, [...now, ["regions", "apac"]], { quorum: "2" });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toContain("Regions that must see a failure must be at most the number of regions");
    expect((await postDrawn(path, token, [...now, ["regions", "apac"], ["regions", "oc"]], { quorum: "2" })).status).toBe(303);
    expect(await monitorOf()).toMatchObject({ regions: ["apac", "oc"], quorum: 2 });
    // None ticked and no quorum: back to the page's default regions and a majority.
    const latest = drawnForm(await (await send(path, { cookie: token })).text(), path).filter(([name]) => name !== "regions");
    expect((await postDrawn(path, token, latest, { quorum: "" })).status).toBe(303);
    expect(await monitorOf()).toMatchObject({ regions: null, quorum: null });
    // With none ticked, the quorum is held to the page's regions, the ones that will run.
    const defaults = drawnForm(await (await send(path, { cookie: token })).text(), path).filter(([name]) => name !== "regions");
    const beyond = await postDrawn(path, token, defaults, { quorum: "4" });
    expect(beyond.status).toBe(400);
    expect(await beyond.text()).toContain("Regions that must see a failure must be at most 3, the number of regions it is checked from");
    expect(await monitorOf()).toMatchObject({ regions: null, quorum: null });
  });
});

describe("the notify choice", () => {
  const eventsOf = async (incidentId: string) =>
    (await env.DB.prepare("SELECT type FROM events WHERE json_extract(payload, '$.incident_id') = ? ORDER BY created_at").bind(incidentId).all<{ type: string }>()).results.map((r) => r.type);

  it("posts without notifying subscribers when the admin says notify: false, in the API and in the console", async () => {
    const quiet = await createIncident({ notify: false });
    expect(await eventsOf(quiet.id)).toEqual([]);
    expect((await admin("POST", `/api/status/incidents/${quiet.id}/updates`, { message: "Typo fixed.", status: "identified", notify: false })).status).toBe(201);
    expect((await admin("POST", `/api/status/incidents/${quiet.id}/updates`, { message: "Real news.", status: "monitoring" })).status).toBe(201);
    // The first news subscribers get of it announces it.
    expect(await eventsOf(quiet.id)).toEqual(["incident.created"]);
    expect((await admin("POST", "/api/status/incidents/create", { title: "x", notify: "no" })).status).toBe(400);

    const token = await session();
    const csrf = await csrfOf(token);
    const unticked = await post("/admin/incidents", token, { _csrf: csrf, title: "Quiet one", severity: "minor", status: "investigating" });
    const id = /incidents\/([0-9a-f-]{36})/.exec(unticked.headers.get("location")!)![1]!;
    expect(await eventsOf(id)).toEqual([]);
    await post(`/admin/incidents/${id}/resolve`, token, { _csrf: csrf, root_cause: "r", resolution: "s", notify: "on" });
    expect(await eventsOf(id)).toEqual(["incident.resolved"]);
  });

  it("shows a window's own choice on its edit form: unticked, a move is told to nobody and the window stays quiet", async () => {
    const token = await session();
    const windowEvents = async (id: string) =>
      (await env.DB.prepare("SELECT type FROM events WHERE json_extract(payload, '$.maintenance_id') = ? ORDER BY created_at").bind(id).all<{ type: string }>()).results.map((r) => r.type);
    const notifies = async (id: string) => (await env.DB.prepare("SELECT notify FROM maintenances WHERE id = ?").bind(id).first<{ notify: number }>())!.notify;
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 86_400_000;
    const loud = await json(await admin("POST", "/api/status/maintenance", { title: "Loud window", scheduled_start: start, scheduled_end: start + 3_600_000 }));
    const quiet = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet window", scheduled_start: start, scheduled_end: start + 3_600_000, notify: false }));
    const drawn = async (id: string) => drawnForm(await (await send(`/admin/maintenance/${id}`, { cookie: token })).text(), `/admin/maintenance/${id}`);
    expect(await drawn(loud.id)).toContainEqual(["notify", "on"]);
    expect(await drawn(quiet.id)).not.toContainEqual(["notify", "on"]);

    const later = new Date(start + 7_200_000).toISOString().slice(0, 16);
    const unticked = (await drawn(loud.id)).filter(([name]) => name !== "notify");
    expect((await postDrawn(`/admin/maintenance/${loud.id}`, token, unticked, { scheduled_end: later })).status).toBe(303);
    expect(await windowEvents(loud.id)).toEqual(["maintenance.scheduled"]);
    expect(await notifies(loud.id)).toBe(0);
    // Ticked on a quiet window: its start, completion or cancellation is told from now on.
    expect((await postDrawn(`/admin/maintenance/${quiet.id}`, token, await drawn(quiet.id), { notify: "on" })).status).toBe(303);
    expect(await notifies(quiet.id)).toBe(1);
  });
});

describe("text as written", () => {
  it("renders the Markdown subset and lets no HTML, script or foreign link through", () => {
    expect(renderMarkdown("a\nb\n\nc")).toBe("<p>a<br>b</p><p>c</p>");
    expect(renderMarkdown("Steps:\n1. look\n2. fix")).toBe("<p>Steps:</p><ol><li>look</li><li>fix</li></ol>");
    // A bare URL keeps a closing bracket that closes one of its own, and leaves one that closes the sentence's.
    const link = (url: string) => `<a href="${url}" rel="nofollow noopener noreferrer">${url}</a>`;
    expect(renderMarkdown("See https://en.wikipedia.org/wiki/X_(y) now")).toBe(`<p>See ${link("https://en.wikipedia.org/wiki/X_(y)")} now</p>`);
    expect(renderMarkdown("(see https://example.com/a_(b)).")).toBe(`<p>(see ${link("https://example.com/a_(b)")}).</p>`);
    expect(renderMarkdown("(see https://example.com/status)")).toBe(`<p>(see ${link("https://example.com/status")})</p>`);
    // What only starts like a URL is text, and markup right after it is still read.
    expect(renderMarkdown("see http://host:port/`cfg` now")).toBe("<p>see http://host:port/<code>cfg</code> now</p>");
    expect(renderMarkdown("http://a:b[docs](https://x.com)")).toBe(`<p>http://a:b<a href="https://x.com/" rel="nofollow noopener noreferrer">docs</a></p>`);
    expect(renderMarkdown("**b** *i* _i_ `x<y>` [docs](https://example.com/a?b=1&c=2)")).toBe(
      '<p><strong>b</strong> <em>i</em> <em>i</em> <code>x&lt;y&gt;</code> <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">docs</a></p>',
    );
    const hostile = [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x]( javascript:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD4=)",
      "[x](vbscript:msgbox)",
      '[x](https://a.example/"onmouseover="alert(1))',
      "**<b onclick=alert(1)>x</b>**",
      "`</code><script>x</script>`",
      "<a href='javascript:alert(1)'>x</a>",
      "&lt;script&gt; &#x3C;",
      "[[x](https://a.example)](javascript:alert(1))",
      "https://a.example/<script>",
      "<!-- x --> <![CDATA[ y ]]> <style>*{}</style>",
    ];
    for (const text of hostile) {
      const html = renderMarkdown(text);
      for (const [, tag, attributes] of html.matchAll(/<\/?([^\s>]*)([^>]*)>/g)) {
        expect(["p", "br", "ul", "ol", "li", "strong", "em", "code", "a"], text).toContain(tag);
        expect(attributes, text).toMatch(/^(\s(href|rel|start)="[^"<>]*")*$/);
      }
      for (const href of html.matchAll(/href="([^"]*)"/g)) expect(href[1], text).toMatch(/^(https?:|mailto:)/);
    }
    expect(renderMarkdown("&lt;")).toBe("<p>&amp;lt;</p>");
  });

  it("keeps a refused link's words as written, and a target's own parentheses inside the link", () => {
    expect(renderMarkdown("[bad](javascript:alert(1))")).toBe("<p>bad</p>");
    expect(renderMarkdown("See [the log](javascript:void(0)) (details) and [x](data:text/html,a).")).toBe("<p>See the log (details) and x.</p>");
    expect(renderMarkdown("[page](/relative) then")).toBe("<p>page then</p>");
    // Never closed: nothing was a link, so all of it reads as written.
    expect(renderMarkdown("[bad](javascript:alert(1)")).toBe("<p>[bad](javascript:alert(1)</p>");
    expect(renderMarkdown("[X](https://en.wikipedia.org/wiki/X_(y)), next")).toBe(
      '<p><a href="https://en.wikipedia.org/wiki/X_(y)" rel="nofollow noopener noreferrer">X</a>, next</p>',
    );
  });

  it("renders messages in HTML email and keeps them as written in plain text and SMS", () => {
    const message = "Paragraph one.\n\n- **bold** item\n- <b>tag</b>";
    const out = renderEvent("incident.updated", { incident_id: "i", title: "T", status: "identified", message }, { pageName: "P", pageUrl: "https://p", unsubscribeUrl: "https://u", manageUrl: "https://m" });
    expect(out.html).toContain("<p>Paragraph one.</p><ul><li><strong>bold</strong> item</li><li>&lt;b&gt;tag&lt;/b&gt;</li></ul>");
    expect(out.text).toContain(message);
    expect(out.sms).toContain("Paragraph one.");
  });
});

describe("the dashboard's reasons", () => {
  it("says a failing check is not confirmed yet, rather than calling it an operational last check", async () => {
    const { reasonsFor } = await import("../src/console/dashboard");
    const component = { id: "c1", monitored: true, awaiting_first_check: false } as never;
    const snapshot = { maintenances: [], incidents: [] } as never;
    const row = { checkKind: "http", lastCheckedAt: Date.now(), monitoredStatus: "operational", pendingStatus: "major_outage", pendingCount: 1, confirmations: 2, lastLatencyMs: null, lastError: "could not connect from 3 of 3 regions" } as never;
    expect(reasonsFor(component, row, snapshot)).toEqual(["Checks: Operational until confirmed; last check Major Outage (1 of 2 to confirm it): could not connect from 3 of 3 regions"]);
    const calm = { checkKind: "http", lastCheckedAt: Date.now(), monitoredStatus: "operational", pendingStatus: null, pendingCount: 0, confirmations: 2, lastLatencyMs: 12, lastError: null } as never;
    expect(reasonsFor(component, calm, snapshot)).toEqual(["Checks: last check Operational, 12 ms"]);
  });
});

describe("the dashboard's maintenance", () => {
  it("gives a window started early the time it really started, not the one it was planned for", async () => {
    const token = await session();
    const planned = Date.now() + 7 * 86_400_000;
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: `Started early ${crypto.randomUUID()}`, scheduled_start: new Date(planned).toISOString(), scheduled_end: new Date(planned + 3_600_000).toISOString(), notify: false }),
    );
    const started = await json(await admin("POST", `/api/status/maintenance/${window.id}/start`));
    expect(started.status).toBe("in_progress");
    const html = await (await send("/admin", { cookie: token })).text();
    const item = new RegExp(`<li><a href="/admin/maintenance/${window.id}">.*?</li>`).exec(html)![0];
    // As the maintenance list and the public page say it: in progress since it started, until its planned end.
    expect(item).toContain(`datetime="${started.started_at.slice(0, 19)}`);
    expect(item).not.toContain(`datetime="${new Date(planned).toISOString().slice(0, 19)}`);
    expect(item).toContain(`datetime="${new Date(planned + 3_600_000).toISOString().slice(0, 19)}`);
  });
});
