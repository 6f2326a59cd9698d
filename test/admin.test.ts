import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { commitChange } from "../src/changes";
import { createDb } from "../src/db/client";
import { adminActor } from "../src/domain/change";
import { createComponent } from "../src/domain/components";
import { ApiError } from "../src/errors";
import { createComponentBody } from "../src/schemas";
import type { NotifyEventType } from "../src/notify/messages";
import { humanTime, renderEvent } from "../src/notify/render";
import { iso } from "../src/time";
import { DEFAULT_REGIONS } from "../src/checks/plan";
import { generateKeyPairPem, localSession, mintSessionToken, sessionRole, sessionSubject, sessionTtlSeconds, unsignedToken } from "../scripts/lib/session-token.mjs";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { runCron } from "./support/checks";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

/** Row counts of every table an admin write touches: a refused request must leave all of them as they were. */
async function tableCounts() {
  const tables = ["incidents", "incident_updates", "incident_components", "maintenances", "maintenance_components", "components", "component_groups", "status_changes", "events"];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    counts[table] = (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  }
  return counts;
}

const ADMIN_ROUTES: [string, string][] = [
  ["POST", "/api/status/incidents/create"],
  ["POST", `/api/status/incidents/${UNKNOWN}/updates`],
  ["POST", `/api/status/incidents/${UNKNOWN}/resolve`],
  ["PATCH", `/api/status/incidents/${UNKNOWN}`],
  ["PATCH", `/api/status/incidents/${UNKNOWN}/updates/${UNKNOWN}`],
  ["POST", `/api/status/incidents/${UNKNOWN}/postmortem`],
  ["DELETE", `/api/status/incidents/${UNKNOWN}`],
  ["POST", "/api/status/maintenance"],
  ["PATCH", `/api/status/maintenance/${UNKNOWN}`],
  ["POST", `/api/status/maintenance/${UNKNOWN}/cancel`],
  ["POST", `/api/status/maintenance/${UNKNOWN}/start`],
  ["POST", `/api/status/maintenance/${UNKNOWN}/complete`],
  ["GET", "/api/status/audit"],
  ["POST", "/api/status/components"],
  ["PATCH", `/api/status/components/${UNKNOWN}`],
  ["DELETE", `/api/status/components/${UNKNOWN}`],
  ["POST", "/api/status/components/reorder"],
  ["GET", `/api/status/admin/components/${UNKNOWN}`],
  ["POST", "/api/status/groups"],
  ["PATCH", `/api/status/groups/${UNKNOWN}`],
  ["DELETE", `/api/status/groups/${UNKNOWN}`],
];

describe("admin authentication", () => {
  const create = (token: string | null, headers: Record<string, string> = {}) =>
    call("POST", "/api/status/incidents/create", { token, headers, body: { title: "Auth probe" } });

  it("refuses a request without a token, with a JSON 401", async () => {
    const res = await create(null);
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    // A 401 names the scheme it takes, and says when the token sent was the problem.
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    for (const token of ["garbage", await adminToken({ now: Date.now() - 2 * 3600_000, ttlSeconds: 60 })]) {
      const refused = await create(token);
      expect([refused.status, refused.headers.get("www-authenticate")]).toEqual([401, 'Bearer error="invalid_token"']);
    }
    const member = await create(await adminToken({ role: "member" }));
    expect([member.status, member.headers.get("www-authenticate")]).toEqual([403, null]);
  });

  it("refuses an expired token", async () => {
    const token = await adminToken({ now: Date.now() - 2 * 3600_000, ttlSeconds: 60 });
    expect((await create(token)).status).toBe(401);
    // Expired a moment ago: refused too, though Clerk allows 5 s of clock skew on every time claim.
    const justExpired = await adminToken({ now: Date.now() - 62_000, ttlSeconds: 60 });
    expect((await create(justExpired)).status).toBe(401);
  });

  it("refuses a token signed with another key, and one whose claims were edited after signing", async () => {
    const other = await generateKeyPairPem();
    expect((await create(await mintSessionToken(other.privateKeyPem))).status).toBe(401);

    const member = await adminToken({ role: "member" });
    const [header, , signature] = member.split(".");
    const forgedPayload = btoa(JSON.stringify({ sub: "user_x", metadata: { role: "admin" }, exp: Math.floor(Date.now() / 1000) + 600 }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect((await create(`${header}.${forgedPayload}.${signature}`)).status).toBe(401);
  });

  it("refuses an unsigned (alg: none) token and garbage", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await create(unsignedToken({ sub: "user_x", iat: now, nbf: now, exp: now + 600, metadata: { role: "admin" } }))).status).toBe(401);
    expect((await create("not-a-jwt")).status).toBe(401);
    expect((await call("POST", "/api/status/incidents/create", { headers: { authorization: "Basic abc" }, body: {} })).status).toBe(401);
  });

  it("refuses a token from another application when authorized parties are configured", async () => {
    const configured = { ...env, CLERK_AUTHORIZED_PARTIES: "https://status.example.com, https://admin.example.com" };
    const send = async (azp: string) =>
      app.fetch(
        new Request(`${BASE}/api/status/incidents/create`, {
          method: "POST",
          headers: { authorization: `Bearer ${await adminToken({ azp })}`, "content-type": "application/json" },
          body: JSON.stringify({ title: "azp probe" }),
        }),
        configured,
        createExecutionContext(),
      );
    expect((await send("https://evil.example.net")).status).toBe(401);
    expect((await send("https://admin.example.com")).status).toBe(201);
  });

  it("takes, without authorized parties configured, tokens from the page's own origin only, as the console does", async () => {
    const send = async (azp: string) => call("POST", "/api/status/incidents/create", { token: await adminToken({ azp }), body: { title: `azp default ${azp}`, notify: false } });
    // PAGE_URL is https://status.example.com here.
    expect((await send("https://status.example.com")).status).toBe(201);
    for (const other of ["http://localhost:9999", "https://status.example.com.evil.example", "http://status.example.com"]) expect((await send(other)).status, other).toBe(401);
    // A PAGE_URL that is no URL opens no origin, rather than every one.
    const broken = { ...env, PAGE_URL: "not a url" };
    const res = await app.fetch(new Request(`${BASE}/api/status/audit`, { headers: { authorization: `Bearer ${await adminToken({ azp: "https://anywhere.example" })}` } }), broken, createExecutionContext());
    expect(res.status).toBe(401);
  });

  it("mints local sessions (npm run token, npm run signin-url) as the role's own user, for the server on PORT", async () => {
    expect(localSession("member", "8856")).toEqual({ sub: "user_local_member", email: "member@localhost", origin: "http://localhost:8856" });
    expect(localSession("admin", undefined)).toEqual({ sub: "user_local_admin", email: "admin@localhost", origin: "http://localhost:8787" });
    // A PORT that is no port would name a server that cannot exist (localhost:NaN): refused, as npm start refuses it.
    for (const bad of ["abc", "0", "65536", "80.5", " 8787", "8e3"]) expect(() => localSession("admin", bad), bad).toThrow(/PORT must be a port number/);
    expect(localSession("admin", "").origin).toBe("http://localhost:8787");
    // A server that names its own origin among its authorized parties takes a token minted for its port.
    const session = localSession("admin", "8856");
    const onPort = { ...env, CLERK_AUTHORIZED_PARTIES: session.origin };
    const sendAs = async (azp: string) =>
      app.fetch(
        new Request(`${BASE}/api/status/incidents/create`, {
          method: "POST",
          headers: { authorization: `Bearer ${await adminToken({ sub: session.sub, azp })}`, "content-type": "application/json" },
          body: JSON.stringify({ title: "Local session probe", notify: false }),
        }),
        onPort,
        createExecutionContext(),
      );
    expect((await sendAs(session.origin)).status).toBe(201);
    expect((await sendAs(localSession("admin").origin)).status).toBe(401);
  });

  it("reads a local session's --ttl as whole seconds, and refuses what would mint a token the server only calls expired", () => {
    expect(sessionTtlSeconds(undefined)).toBe(12 * 3600);
    expect(sessionTtlSeconds("60")).toBe(60);
    for (const bad of ["abc", "", "0", "-5", "1.5", "1e3", " 60", "60s"]) expect(() => sessionTtlSeconds(bad), bad).toThrow(/--ttl must be a whole number of seconds/);
  });

  it("reads a local session's --role as one the usage names, and refuses a misspelt one rather than mint a non-admin", () => {
    expect(sessionRole(undefined)).toBe("admin");
    for (const good of ["admin", "member", "none"]) expect(sessionRole(good), good).toBe(good);
    for (const bad of ["Admin", "memeber", "owner", "", " admin"]) expect(() => sessionRole(bad), JSON.stringify(bad)).toThrow(/--role must be admin, member or none/);
  });

  it("reads a local session's --sub as the user the server records, and refuses one it would refuse or record otherwise", async () => {
    expect(sessionSubject(undefined)).toBeUndefined();
    for (const good of ["user_2abc", "u", "ünïcode_user", "x".repeat(200)]) expect(sessionSubject(good), good).toBe(good);
    const bad = ["", " ", " user_x", "user_x ", "user\u0000x", "user\u202ex", "x".repeat(201)];
    for (const sub of bad) expect(() => sessionSubject(sub), JSON.stringify(sub)).toThrow(/--sub must be a user id/);
    // What it refuses is what the server refuses, or records as another user.
    const create = async (sub: string) =>
      (await call("POST", "/api/status/incidents/create", { token: await adminToken({ sub }), body: { title: `As ${sub.trim().slice(0, 20) || "nobody"}`, notify: false } })).status;
    expect(await create("")).toBe(401);
    expect(await create(" ")).toBe(401);
    expect(await create("user_2abc")).toBe(201);
  });

  it("answers 403 to a valid session without the admin role", async () => {
    const member = await create(await adminToken({ role: "member" }));
    expect(member.status).toBe(403);
    expect((await json(member)).error.code).toBe("forbidden");
    expect((await create(await adminToken({ role: null }))).status).toBe(403);
  });

  /** Sends a create with the given env overrides, straight to the app. */
  const createWith = async (overrides: Partial<typeof env>, token: string) =>
    app.fetch(
      new Request(`${BASE}/api/status/incidents/create`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ title: "Org probe" }),
      }),
      { ...env, ...overrides },
      createExecutionContext(),
    );

  it("never takes an organization's admin role alone: only in CLERK_ADMIN_ORG_ID, as admin or with org:status:manage", async () => {
    const orgAdmin = (id: string, extra: Record<string, unknown> = {}) => adminToken({ role: null, claims: { v: 2, o: { id, rol: "admin", ...extra } } });
    // Anyone can create an organization in Clerk and be its admin.
    expect((await create(await orgAdmin("org_self_made"))).status).toBe(403);
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await orgAdmin("org_self_made"))).status).toBe(403);
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await orgAdmin("org_status"))).status).toBe(201);
    // A member of that organization without the role needs the permission (v2: per + fpm per org feature).
    const member = (claims: Record<string, unknown>) => adminToken({ role: null, claims });
    const v2Member = { v: 2, fea: "o:status,o:billing", o: { id: "org_status", rol: "member", per: "read,manage", fpm: "1,3" } };
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await member(v2Member))).status).toBe(403);
    const v2Manager = { ...v2Member, o: { ...v2Member.o, fpm: "3,1" } };
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await member(v2Manager))).status).toBe(201);
    // Session token v1 claims.
    const v1 = (orgId: string, role: string, permissions: string[]) => member({ org_id: orgId, org_role: role, org_permissions: permissions });
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await v1("org_status", "org:member", ["org:status:manage"]))).status).toBe(201);
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await v1("org_other", "org:admin", ["org:status:manage"]))).status).toBe(403);
    expect((await createWith({ CLERK_ADMIN_ORG_ID: "org_status" }, await v1("org_status", "org:member", []))).status).toBe(403);
  });

  it("refuses what Clerk refuses as a session: no sid, a pending session, another instance's issuer", async () => {
    expect((await create(await adminToken({ claims: { sid: undefined } }))).status).toBe(401);
    expect((await create(await adminToken({ claims: { sts: "pending" } }))).status).toBe(401);
    expect((await create(await adminToken({ claims: { sts: "active" } }))).status).toBe(201);

    const issuer = "https://clerk.status.example.com";
    expect((await createWith({ CLERK_ISSUER: issuer }, await adminToken({ iss: "https://evil.clerk.accounts.dev" }))).status).toBe(401);
    expect((await createWith({ CLERK_ISSUER: issuer }, await adminToken({ iss: issuer }))).status).toBe(201);
    // Derived from the publishable key: base64 of the Frontend API host and a "$".
    const publishable = `pk_live_${btoa("clerk.status.example.com$")}`;
    expect((await createWith({ CLERK_PUBLISHABLE_KEY: publishable }, await adminToken({ iss: "https://other.clerk.accounts.dev" }))).status).toBe(401);
    expect((await createWith({ CLERK_PUBLISHABLE_KEY: publishable }, await adminToken({ iss: issuer }))).status).toBe(201);
  });

  it("guards every admin route: 401 without a token, 403 for a member", async () => {
    const member = await adminToken({ role: "member" });
    for (const [method, path] of ADMIN_ROUTES) {
      const body = method === "GET" || method === "DELETE" ? undefined : {};
      expect((await call(method, path, { body })).status, `${method} ${path} without a token`).toBe(401);
      expect((await call(method, path, { body, token: member })).status, `${method} ${path} as a member`).toBe(403);
    }
  });
});

describe("incidents", () => {
  it("creates an incident with the seed's fields and a first update", async () => {
    const res = await admin("POST", "/api/status/incidents/create", {
      title: "Slow sign-ins",
      description: "Sign-in takes up to 30 s.",
      severity: "minor",
      affected_components: [DEFAULT_COMPONENTS.auth],
    });
    expect(res.status).toBe(201);
    const incident = await json(res);
    expect(incident).toMatchObject({ title: "Slow sign-ins", status: "investigating", severity: "minor" });
    expect(incident.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(incident.started_at)).toBeLessThanOrEqual(Date.now());
    expect(incident.affected_components).toEqual([{ id: DEFAULT_COMPONENTS.auth, name: "Authentication", status: "degraded" }]);
    expect(incident.updates).toHaveLength(1);
    expect(incident.updates[0]).toMatchObject({ status: "investigating", message: "Sign-in takes up to 30 s." });
  });

  it("tells subscribers what fixed it: the resolution under its own label, beside a resolve's message or as its text", async () => {
    const resolvedWith = async (body: Record<string, unknown>) => {
      const incident = await createIncident({ title: `Logins failing ${crypto.randomUUID()}`, notify: false });
      expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, body)).status).toBe(200);
      const event = await env.DB.prepare("SELECT type, payload FROM events WHERE type = 'incident.resolved' AND json_extract(payload, '$.incident_id') = ?").bind(incident.id).first<{ type: "incident.resolved"; payload: string }>();
      return renderEvent(event!.type, JSON.parse(event!.payload), { pageName: "B", pageUrl: "https://s", unsubscribeUrl: "u", manageUrl: "m" });
    };
    const withMessage = await resolvedWith({ root_cause: "Expired cert", resolution: "Renewed the certificate", message: "All logins work again." });
    expect(withMessage.text).toContain("Root cause: Expired cert\nResolution: Renewed the certificate");
    expect(withMessage.text).toContain("All logins work again.");
    expect(withMessage.html).toContain("Renewed the certificate");
    expect(withMessage.sms).toContain("Resolution: Renewed the certificate All logins work again.");
    // A long message is what a text cuts, not the resolution before it.
    const long = await resolvedWith({ root_cause: "Expired cert", resolution: "Renewed the certificate", message: "All logins work again. ".repeat(20) });
    expect(long.sms).toContain("Resolution: Renewed the certificate");
    // Without a message the resolution is the update's text: said once, labelled.
    const alone = await resolvedWith({ root_cause: "Expired cert", resolution: "Renewed the certificate" });
    expect(alone.text.split("Renewed the certificate")).toHaveLength(2);
    expect(alone.text).toContain("Resolution: Renewed the certificate");
    expect(alone.sms).toContain("Resolution: Renewed the certificate");
  });

  it("keeps an ETA through updates that give none, and drops it for one that withdraws it (null), page and subscribers told", async () => {
    const incident = await createIncident({ title: `Withdrawn ETA ${crypto.randomUUID()}`, notify: false });
    const path = `/api/status/incidents/${incident.id}`;
    const eta = "2030-01-01T12:00:00Z";
    expect((await admin("POST", `${path}/updates`, { message: "Fix on its way", status: "identified", estimated_resolution: eta, notify: false })).status).toBe(201);
    expect((await admin("POST", `${path}/updates`, { message: "Still rolling out", status: "identified" })).status).toBe(201);
    const lastEvent = async () => {
      const event = await env.DB.prepare("SELECT type, payload FROM events WHERE json_extract(payload, '$.incident_id') = ? ORDER BY created_at DESC, rowid DESC LIMIT 1").bind(incident.id).first<{ type: "incident.updated"; payload: string }>();
      return renderEvent(event!.type, JSON.parse(event!.payload), { pageName: "B", pageUrl: "https://s", unsubscribeUrl: "u", manageUrl: "m" });
    };
    // An update that gives none tells subscribers the ETA that still stands.
    expect((await lastEvent()).text).toContain("Expected resolution: Tue, 01 Jan 2030 12:00 UTC");
    let shown = await json(await call("GET", path));
    expect(shown.estimated_resolution).toBe(eta);
    expect(await (await call("GET", `/incidents/${incident.id}`)).text()).toContain("Estimated resolution");

    const withdrawn = await json(await admin("POST", `${path}/updates`, { message: "The fix did not hold.", status: "investigating", estimated_resolution: null }));
    expect(withdrawn.update).toMatchObject({ estimated_resolution: null, eta_withdrawn: true });
    shown = await json(await call("GET", path));
    expect(shown.estimated_resolution).toBeNull();
    expect(shown.updates.map((u: any) => u.eta_withdrawn)).toEqual([true, false, false, false]);
    expect(await (await call("GET", `/incidents/${incident.id}`)).text()).not.toContain("Estimated resolution");
    // Subscribers who were told the ETA are told it no longer holds.
    const said = await lastEvent();
    expect(said.text).toContain("Expected resolution: No estimate for now (the earlier one no longer holds)");
    expect(said.sms).toContain(", no ETA for now");
    // Given an ETA by an edit, that update gives one instead of withdrawing it.
    const edited = await json(await admin("PATCH", `${path}/updates/${withdrawn.update.id}`, { estimated_resolution: "2031-01-01T00:00:00Z" }));
    expect(edited.updates[0]).toMatchObject({ estimated_resolution: "2031-01-01T00:00:00Z", eta_withdrawn: false });
    expect((await json(await call("GET", path))).estimated_resolution).toBe("2031-01-01T00:00:00Z");
    // Resolved, no ETA stands.
    expect((await admin("POST", `${path}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);
  });

  it("posts updates with an ETA, which show on the public API, then resolves with root cause and resolution", async () => {
    const incident = await createIncident({ affected_components: [{ id: DEFAULT_COMPONENTS.storage, status: "partial_outage" }] });
    const eta = "2030-01-01T12:00:00Z";
    const update = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Fix identified", status: "identified", estimated_resolution: eta });
    expect(update.status).toBe(201);
    expect((await json(update)).update).toMatchObject({ status: "identified", message: "Fix identified", estimated_resolution: eta });

    const listed = await json(await call("GET", "/api/status/incidents?days=1"));
    const shown = listed.incidents.find((i: any) => i.id === incident.id);
    expect(shown.status).toBe("identified");
    expect(shown.updates[0]).toMatchObject({ message: "Fix identified", estimated_resolution: eta });

    const resolved = await json(await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A bad deploy", resolution: "Rolled back" }));
    expect(resolved).toMatchObject({ status: "resolved", root_cause: "A bad deploy", resolution: "Rolled back" });
    expect(Date.parse(resolved.resolved_at)).not.toBeNaN();
    const { component } = await json(await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.storage}`));
    expect(component.status).toBe("operational");

    const late = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "More", status: "monitoring" });
    expect(late.status).toBe(409);
  });

  it("lets an admin fix typos, publish a postmortem, and delete an incident", async () => {
    const incident = await createIncident({ title: "Elevated erors" });
    const edited = await json(await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Elevated errors" }));
    expect(edited.title).toBe("Elevated errors");
    const updateId = edited.updates[0].id;
    const fixed = await json(await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${updateId}`, { message: "Some requests fail (fixed typo)" }));
    expect(fixed.updates[0].message).toBe("Some requests fail (fixed typo)");
    // Saved again as it is, it writes nothing: no audit entry, and nobody's open form goes stale.
    const audited = async () => (await json(await admin("GET", `/api/status/audit?entity_id=${incident.id}`))).entries.length;
    const entries = await audited();
    const same = await json(await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${updateId}`, { message: "Some requests fail (fixed typo)" }));
    expect([same.updated_at, same.updates[0].updated_at]).toEqual([fixed.updated_at, fixed.updates[0].updated_at]);
    expect(await audited()).toBe(entries);

    expect((await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "Too early" })).status).toBe(409);
    const resolved = await json(await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y" }));
    // The update that resolved it takes no expected resolution: the incident is over.
    const resolving = resolved.updates.find((u: any) => u.status === "resolved").id;
    const late = await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${resolving}`, { estimated_resolution: "2031-01-01T00:00:00Z" });
    expect([late.status, (await json(late)).error.details]).toEqual([400, [expect.objectContaining({ path: "estimated_resolution", code: "not_applicable" })]]);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).updates.every((u: any) => u.estimated_resolution === null)).toBe(true);
    const pm = await json(await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "What happened, and what we changed." }));
    // Still "resolved" to the seed's clients: the published postmortem is said by its own fields.
    expect(pm).toMatchObject({ status: "resolved", postmortem: "What happened, and what we changed.", postmortem_published_at: expect.any(String) });
    const published = await audited();
    const republished = await json(await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "What happened, and what we changed." }));
    expect(republished.updated_at).toBe(pm.updated_at);
    expect(await audited()).toBe(published);
    const listed = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: any) => i.id === incident.id);
    expect(listed.status).toBe("resolved");
    expect((await json(await call("GET", "/api/v2/incidents.json"))).incidents.find((i: any) => i.id === incident.id).status).toBe("postmortem");

    expect((await admin("DELETE", `/api/status/incidents/${incident.id}`)).status).toBe(204);
    expect((await call("GET", `/api/status/incidents/${incident.id}`)).status).toBe(404);
  });

  it("takes a root cause and resolution only once the incident is resolved", async () => {
    const incident = await createIncident({ title: "Not over yet", notify: false });
    for (const body of [{ root_cause: "Premature" }, { resolution: "Premature" }]) {
      const res = await admin("PATCH", `/api/status/incidents/${incident.id}`, body);
      expect(res.status).toBe(409);
      expect((await json(res)).error.message).toContain("still open");
    }
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).root_cause).toBeNull();
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A", resolution: "B", notify: false })).status).toBe(200);
    expect((await json(await admin("PATCH", `/api/status/incidents/${incident.id}`, { root_cause: "A full disk" }))).root_cause).toBe("A full disk");
  });

  it("refuses to delete an open incident subscribers were told of, and deletes one nobody heard of", async () => {
    const told = await createIncident({ title: "Announced outage" });
    const refused = await admin("DELETE", `/api/status/incidents/${told.id}`);
    expect(refused.status).toBe(409);
    const { error } = await json(refused);
    expect(error.message).toContain('"Announced outage" is open and subscribers were told of it: resolve it first');
    expect(error.details).toEqual([{ path: "id", message: "is an open incident subscribers were told of", code: "announced" }]);
    expect((await call("GET", `/api/status/incidents/${told.id}`)).status).toBe(200);
    // Resolved (they hear it ended), it can go.
    expect((await admin("POST", `/api/status/incidents/${told.id}/resolve`, { root_cause: "Opened by mistake", resolution: "Nothing was wrong" })).status).toBe(200);
    expect((await admin("DELETE", `/api/status/incidents/${told.id}`)).status).toBe(204);
    // Opened without telling anyone, it can go at once.
    const quiet = await createIncident({ title: "Quiet mistake", notify: false });
    expect((await admin("DELETE", `/api/status/incidents/${quiet.id}`)).status).toBe(204);
  });

  it("names unknown component ids in a 400 and writes nothing", async () => {
    const before = await tableCounts();
    const res = await admin("POST", "/api/status/incidents/create", { title: "x", affected_components: [DEFAULT_COMPONENTS.api, UNKNOWN] });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.message).toContain(UNKNOWN);
    expect(body.error.details).toEqual([{ path: "affected_components.1", message: `unknown component ${UNKNOWN}`, code: "unknown_component" }]);
    expect(await tableCounts()).toEqual(before);
  });

  it("keeps an incident's times in order: started_at not after now, resolved_at or an ETA, no ETA before the start", async () => {
    const incident = await createIncident({ started_at: Date.now() - 3600_000 });
    const resolved = await json(await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b" }));
    const resolvedAt = Date.parse(resolved.resolved_at);
    // Each rule by its code; the one about resolved_at carries that time as its limit. A start a second after
    // the resolution is in the future until that second has passed, so wait for it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, resolvedAt + 1100 - Date.now())));
    const afterResolution = { path: "started_at", message: `must not be after resolved_at (${resolved.resolved_at})`, code: "after_resolution", limit: resolved.resolved_at };
    const inFuture = { path: "started_at", message: "must not be in the future", code: "in_future" };
    // A minute ahead is a client clock ahead of Beacon's: taken as now, which is after the resolution here.
    for (const [started_at, detail] of [[resolvedAt + 1000, afterResolution], [Date.now() + 60_000, afterResolution], [Date.now() + 600_000, inFuture]] as const) {
      const res = await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at });
      expect(res.status).toBe(400);
      expect((await json(res)).error.details).toEqual([detail]);
    }
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at: resolvedAt - 60_000 })).status).toBe(200);

    const eta = { estimated_resolution: "2001-01-01T00:00:00Z" };
    const before = await tableCounts();
    const opened = await admin("POST", "/api/status/incidents/create", { title: "ETA probe", ...eta });
    expect(opened.status).toBe(400);
    const [tooEarly] = (await json(opened)).error.details;
    expect(tooEarly).toEqual({ path: "estimated_resolution", message: `must not be before started_at (${tooEarly.limit})`, code: "before_start", limit: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(Math.abs(Date.parse(tooEarly.limit) - Date.now())).toBeLessThan(60_000);
    expect(await tableCounts()).toEqual(before);
    const open = await createIncident({ started_at: Date.now() - 600_000 });
    expect((await admin("POST", `/api/status/incidents/${open.id}/updates`, { status: "identified", message: "m", estimated_resolution: Date.now() - 1200_000 })).status).toBe(400);
    expect((await admin("PATCH", `/api/status/incidents/${open.id}/updates/${open.updates[0].id}`, eta)).status).toBe(400);
    // Created a minute ahead, it starts now: never after it was opened, or resolved; nor moved there later.
    const ahead = await createIncident({ started_at: Date.now() + 60_000, notify: false });
    expect(Date.parse(ahead.started_at)).toBeLessThanOrEqual(Date.parse(ahead.created_at));
    await new Promise((resume) => setTimeout(resume, Math.max(0, Date.parse(ahead.created_at) + 1100 - Date.now())));
    const later = await admin("PATCH", `/api/status/incidents/${ahead.id}`, { started_at: Date.now() });
    expect(later.status).toBe(400);
    expect((await json(later)).error.details).toEqual([{ path: "started_at", message: `must not be after it was opened (${ahead.created_at})`, code: "after_opened", limit: ahead.created_at }]);
    // A start moved past an ETA the incident was given is refused, as that ETA would be.
    const withEta = await createIncident({ started_at: Date.now() - 7200_000, estimated_resolution: Date.now() - 3600_000, notify: false });
    const moved = await admin("PATCH", `/api/status/incidents/${withEta.id}`, { started_at: Date.now() - 1800_000 });
    expect(moved.status).toBe(400);
    expect((await json(moved)).error.details).toEqual([{ path: "started_at", message: `must not be after its earliest ETA (${withEta.updates[0].estimated_resolution})`, code: "after_eta", limit: withEta.updates[0].estimated_resolution }]);
    // An ETA that has just passed is still a real one (the fix took longer than hoped).
    expect((await admin("POST", `/api/status/incidents/${open.id}/updates`, { status: "identified", message: "m", estimated_resolution: Date.now() - 60_000 })).status).toBe(201);
  });

  it("answers 404 for an unknown incident and 400 for an id that is not a UUID", async () => {
    const res = await admin("POST", `/api/status/incidents/${UNKNOWN}/updates`, { message: "m", status: "identified" });
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
    expect((await admin("POST", "/api/status/incidents/42/resolve", { root_cause: "a", resolution: "b" })).status).toBe(400);
    expect((await call("GET", "/api/status/incidents/not-an-id")).status).toBe(400);
  });

  it("refuses bad bodies with clear 400s and changes nothing", async () => {
    const token = await adminToken();
    const before = await tableCounts();
    const post = (body: string, contentType = "application/json") =>
      call("POST", "/api/status/incidents/create", { token, body, headers: { "content-type": contentType } });

    const broken = await post('{"title": "x",');
    expect(broken.status).toBe(400);
    expect((await json(broken)).error.message).toMatch(/JSON/);
    const wrongType = await post(JSON.stringify({ title: "x" }), "text/plain");
    expect(wrongType.status).toBe(415);
    expect((await json(wrongType)).error).toMatchObject({ code: "unsupported_media_type", message: expect.stringMatching(/Content-Type/) });

    const invalid = await post(JSON.stringify({ title: "", severity: "catastrophic", extra: 1 }));
    expect(invalid.status).toBe(400);
    const details = (await json(invalid)).error.details.map((d: any) => d.path);
    expect(details).toEqual(expect.arrayContaining(["title", "severity"]));

    expect((await post("[]")).status).toBe(400);
    expect((await post("null")).status).toBe(400);
    // Each refusal says what is wrong by the code the README's table gives it.
    const codes = async (res: Response) => [res.status, (await json(res)).error.details?.map((d: any) => `${d.path} ${d.code}`)];
    for (const blank of ["   ", "\u200b", " \t "]) {
      expect(await codes(await post(JSON.stringify({ title: blank }))), JSON.stringify(blank)).toEqual([400, ["title nothing_visible"]]);
      expect(await codes(await admin("POST", "/api/status/components", { name: blank })), JSON.stringify(blank)).toEqual([400, ["name nothing_visible"]]);
    }
    expect(await codes(await post(JSON.stringify({ title: "" })))).toEqual([400, ["title too_short"]]);
    for (const early of [0, -1, -8.64e15]) {
      expect(await codes(await post(JSON.stringify({ title: "Early", started_at: early }))), String(early)).toEqual([400, ["started_at out_of_range"]]);
    }
    // A monitor's URL and keyword are text like any other: no control characters, no half surrogate pairs.
    const monitor = (m: object) => admin("POST", "/api/status/components", { name: `Watched ${crypto.randomUUID()}`, monitor: { type: "http", url: "https://example.com/health", ...m } });
    expect(await codes(await monitor({ url: "https://example.com/a\u0000b" }))).toEqual([400, ["monitor.url invalid_url"]]);
    expect(await codes(await monitor({ url: "https://example.com/\ud800" }))).toEqual([400, ["monitor.url invalid_url"]]);
    expect(await codes(await monitor({ keyword: "\ud800ok" }))).toEqual([400, ["monitor.keyword ill_formed_text"]]);
    // A user name or password in the URL would never be sent: refused, and not kept where admins read it.
    for (const url of ["https://user:secret@example.com/health", "https://user@example.com/health", "https://:secret@example.com/health"]) {
      expect(await codes(await monitor({ url })), url).toEqual([400, ["monitor.url invalid_url"]]);
    }
    // An informational status is never a final answer: a monitor expecting one could never pass.
    const informational = await monitor({ expected_status: [200, 101] });
    expect(informational.status).toBe(400);
    expect((await json(informational)).error.details).toEqual([expect.objectContaining({ path: "monitor.expected_status.1", message: "must be a final status, 200 to 599" })]);
    expect((await admin("POST", `/api/status/incidents/${UNKNOWN}/updates`, { message: "m", status: "resolved" })).status).toBe(400);
    expect(await tableCounts()).toEqual(before);
    // A keyword is cleaned as any text is.
    const kept = await json(await monitor({ keyword: " ok\u0000 " }));
    expect(kept.monitor.keyword).toBe("ok");
    await admin("DELETE", `/api/status/components/${kept.id}`);
  });

  it("takes up to 512 KiB from an admin, what the longest texts need in any script, and 64 KiB from anyone else", async () => {
    // 50,000 characters of a script that takes 3 bytes each, every one escaped as JSON allows: 300 KB.
    const text = "\\u754c".repeat(50_000);
    const incident = await createIncident({ title: `Long postmortem ${crypto.randomUUID()}` });
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y" });
    const body = `{"postmortem":"${text}"}`;
    expect(body.length).toBeGreaterThan(300_000);
    const published = await call("POST", `/api/status/incidents/${incident.id}/postmortem`, { token: await adminToken(), body });
    expect(published.status).toBe(200);
    expect((await json(published)).postmortem).toBe("界".repeat(50_000));

    // Anyone else is refused past 64 KiB before the body is read: no token, a forged one, a member's session.
    const large = JSON.stringify({ title: "big", description: "x".repeat(70 * 1024) });
    const forged = (await adminToken()).replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    for (const token of [null, forged, await adminToken({ role: "member" })]) {
      const res = await call("POST", "/api/status/incidents/create", { token, body: large });
      expect(res.status, String(token)).toBe(413);
      expect((await json(res)).error).toMatchObject({ code: "payload_too_large", message: "Request body must be at most 65536 bytes" });
    }
    // An admin's body is judged by its fields' own limits up to 512 KiB, and refused past it.
    expect((await call("POST", "/api/status/incidents/create", { token: await adminToken(), body: large })).status).toBe(400);
    const huge = await call("POST", "/api/status/incidents/create", { token: await adminToken(), body: JSON.stringify({ title: "big", description: "x".repeat(600 * 1024) }) });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error.message).toBe("Request body must be at most 524288 bytes");
  });
});

describe("maintenance", () => {
  it("plans, edits and cancels a window, shown with its component names", async () => {
    const start = Date.now() + 3600_000;
    const res = await admin("POST", "/api/status/maintenance", {
      title: "Database upgrade",
      description: "Minor version upgrade",
      scheduled_start: new Date(start).toISOString(),
      scheduled_end: new Date(start + 1800_000).toISOString(),
      affected_components: [DEFAULT_COMPONENTS.database],
    });
    expect(res.status).toBe(201);
    const m = await json(res);
    // The seed's shape: names in affected_components; ids beside them in components.
    expect(m).toMatchObject({ status: "scheduled", affected_components: ["Database"], components: [{ id: DEFAULT_COMPONENTS.database, name: "Database" }] });

    const listed = await json(await call("GET", "/api/status/maintenance"));
    expect(Object.keys(listed)).not.toContain("maintenance");
    expect(listed.maintenance_windows.find((x: any) => x.id === m.id)).toMatchObject({ title: "Database upgrade", affected_components: ["Database"] });
    const status = await json(await call("GET", "/api/status"));
    expect(status.scheduled_maintenance.find((x: any) => x.id === m.id).affected_components).toEqual(["Database"]);

    const edited = await json(
      await admin("PATCH", `/api/status/maintenance/${m.id}`, { title: "Database upgrade (v2)", affected_components: [DEFAULT_COMPONENTS.database, DEFAULT_COMPONENTS.api] }),
    );
    expect(edited.title).toBe("Database upgrade (v2)");
    expect(edited.affected_components).toEqual(["API", "Database"]);
    // `components` is still accepted as an alias; both at once is refused and changes nothing.
    const aliased = await json(await admin("PATCH", `/api/status/maintenance/${m.id}`, { components: [DEFAULT_COMPONENTS.api] }));
    expect(aliased.affected_components).toEqual(["API"]);
    const both = await admin("PATCH", `/api/status/maintenance/${m.id}`, { components: [DEFAULT_COMPONENTS.api], affected_components: [DEFAULT_COMPONENTS.email] });
    expect(both.status).toBe(400);
    expect((await json(both)).error.details[0]).toMatchObject({ path: "components", message: expect.stringMatching(/not both/) });
    expect((await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.find((x: any) => x.id === m.id).affected_components).toEqual(["API"]);

    const cancelled = await json(await admin("POST", `/api/status/maintenance/${m.id}/cancel`));
    expect(cancelled.status).toBe("cancelled");
    expect((await admin("POST", `/api/status/maintenance/${m.id}/cancel`)).status).toBe(409);
    expect((await admin("PATCH", `/api/status/maintenance/${m.id}`, { title: "again" })).status).toBe(409);
    const after = await json(await call("GET", "/api/status/maintenance"));
    expect(after.maintenance_windows.map((x: any) => x.id)).not.toContain(m.id);
  });

  it("puts components under maintenance when a window is in progress, unless an incident says worse", async () => {
    const now = Date.now();
    const res = await admin("POST", "/api/status/maintenance", {
      title: "Email provider switch",
      scheduled_start: now - 60_000,
      scheduled_end: now + 3600_000,
      affected_components: [DEFAULT_COMPONENTS.email],
    });
    const window = await json(res);
    expect(window.status).toBe("in_progress");
    let status = await json(await call("GET", "/api/status"));
    expect(status.components.find((c: any) => c.id === DEFAULT_COMPONENTS.email).status).toBe("under_maintenance");

    const incident = await createIncident({ affected_components: [{ id: DEFAULT_COMPONENTS.email, status: "major_outage" }] });
    status = await json(await call("GET", "/api/status"));
    expect(status.components.find((c: any) => c.id === DEFAULT_COMPONENTS.email).status).toBe("major_outage");
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b" });
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
    status = await json(await call("GET", "/api/status"));
    expect(status.components.find((c: any) => c.id === DEFAULT_COMPONENTS.email).status).toBe("operational");
  });

  it("refuses to start a window whose end has passed; the cron gives one it missed entirely its start and its end", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Missed window", scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage] }));
    // No cron ran while it was due: its start and end have both passed.
    const [from, to] = [Date.now() - 600_000, Date.now() - 300_000];
    await env.DB.prepare("UPDATE maintenances SET scheduled_start = ?, scheduled_end = ? WHERE id = ?").bind(from, to, m.id).run();
    const refused = await admin("POST", `/api/status/maintenance/${m.id}/start`);
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.message).toMatch(/^The window's end .* has passed/);
    await runCron(Date.now());
    const row = await env.DB.prepare("SELECT status, started_at, completed_at FROM maintenances WHERE id = ?").bind(m.id).first();
    expect(row).toEqual({ status: "completed", started_at: from, completed_at: to });
    const events = await env.DB.prepare("SELECT type FROM events WHERE payload ->> 'maintenance_id' = ? ORDER BY created_at, rowid").bind(m.id).all<{ type: string }>();
    expect(events.results.map((e) => e.type)).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.completed"]);
    const moves = await env.DB.prepare("SELECT from_status, to_status, at FROM status_changes WHERE reference_id = ? ORDER BY at, id").bind(m.id).all();
    expect(moves.results).toEqual([
      { from_status: "operational", to_status: "under_maintenance", at: from },
      { from_status: "under_maintenance", to_status: "operational", at: to },
    ]);

    // An admin's edit of another such window, before the cron sees it, moves it the same way.
    const edited = await json(await admin("POST", "/api/status/maintenance", { title: "Missed too", scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.email] }));
    await env.DB.prepare("UPDATE maintenances SET scheduled_start = ?, scheduled_end = ? WHERE id = ?").bind(from, to, edited.id).run();
    expect(await json(await admin("PATCH", `/api/status/maintenance/${edited.id}`, { title: "Missed, renamed" }))).toMatchObject({ status: "completed", started_at: iso(from), completed_at: iso(to) });
    const told = await env.DB.prepare("SELECT type FROM events WHERE payload ->> 'maintenance_id' = ? ORDER BY created_at, rowid").bind(edited.id).all<{ type: string }>();
    expect(told.results.map((e) => e.type)).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.completed"]);
  });

  it("starts a scheduled window now and completes it early, each once", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(
      await admin("POST", "/api/status/maintenance", { title: "Cache flush", scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage] }),
    );
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(409);
    const started = await json(await admin("POST", `/api/status/maintenance/${m.id}/start`));
    expect(started).toMatchObject({ status: "in_progress", affected_components: ["File Storage"], components: [{ id: DEFAULT_COMPONENTS.storage, name: "File Storage" }] });
    expect(Date.parse(started.started_at)).toBeLessThan(start);
    let status = await json(await call("GET", "/api/status"));
    expect(status.components.find((c: any) => c.id === DEFAULT_COMPONENTS.storage).status).toBe("under_maintenance");
    expect((await admin("POST", `/api/status/maintenance/${m.id}/start`)).status).toBe(409);

    const completed = await json(await admin("POST", `/api/status/maintenance/${m.id}/complete`));
    expect(completed.status).toBe("completed");
    expect(completed.completed_at).not.toBeNull();
    status = await json(await call("GET", "/api/status"));
    expect(status.components.find((c: any) => c.id === DEFAULT_COMPONENTS.storage).status).toBe("operational");
    const events = await env.DB.prepare("SELECT type FROM events WHERE payload ->> 'maintenance_id' = ? ORDER BY created_at").bind(m.id).all<{ type: string }>();
    expect(events.results.map((e) => e.type)).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.completed"]);
  });

  it("lists a window started early before those still to come, as the page does", async () => {
    const soon = Date.now() + 2 * 86_400_000;
    const later = Date.now() + 10 * 86_400_000;
    const planned = await json(await admin("POST", "/api/status/maintenance", { title: "Planned for soon", scheduled_start: soon, scheduled_end: soon + 3600_000, notify: false }));
    const early = await json(await admin("POST", "/api/status/maintenance", { title: "Started early", scheduled_start: later, scheduled_end: later + 3600_000, notify: false }));
    expect((await admin("POST", `/api/status/maintenance/${early.id}/start`)).status).toBe(200);
    const order = (list: { id: string }[]) => list.map((m) => m.id).filter((id) => id === planned.id || id === early.id);
    expect(order((await json(await call("GET", "/api/status/maintenance"))).maintenance_windows)).toEqual([early.id, planned.id]);
    expect(order((await json(await call("GET", "/api/status"))).scheduled_maintenance)).toEqual([early.id, planned.id]);
    const page = await (await call("GET", "/")).text();
    expect(page.indexOf(early.id)).toBeLessThan(page.indexOf(planned.id));
    for (const m of [planned, early]) await admin("POST", `/api/status/maintenance/${m.id}/cancel`);
  });

  it("refuses a window that ends before it starts, or unknown components", async () => {
    const start = Date.now() + 3600_000;
    const bad = await admin("POST", "/api/status/maintenance", { title: "x", scheduled_start: start, scheduled_end: start - 1 });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details[0].path).toBe("scheduled_end");
    const unknown = await admin("POST", "/api/status/maintenance", { title: "x", scheduled_start: start, scheduled_end: start + 1_000, components: [UNKNOWN] });
    expect(unknown.status).toBe(400);
    // A component named twice is a 400 naming the field, on create and on edit, under either name.
    for (const field of ["affected_components", "components"]) {
      const repeated = await admin("POST", "/api/status/maintenance", { title: "x", scheduled_start: start, scheduled_end: start + 1_000, [field]: [DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.api] });
      expect(repeated.status).toBe(400);
      expect((await json(repeated)).error.details).toEqual([{ path: field, message: "must not repeat", code: "duplicate" }]);
    }
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Repeat probe", scheduled_start: start, scheduled_end: start + 60_000, affected_components: [DEFAULT_COMPONENTS.api] }));
    const edit = await admin("PATCH", `/api/status/maintenance/${m.id}`, { affected_components: [DEFAULT_COMPONENTS.database, DEFAULT_COMPONENTS.database] });
    expect(edit.status).toBe(400);
    expect((await json(edit)).error.details[0]).toEqual({ path: "affected_components", message: "must not repeat", code: "duplicate" });
    expect((await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.find((x: any) => x.id === m.id).affected_components).toEqual(["API"]);
    expect((await admin("POST", `/api/status/maintenance/${UNKNOWN}/cancel`)).status).toBe(404);
  });
});

describe("maintenance edits and quiet windows", () => {
  const windowRow = (id: string) => env.DB.prepare("SELECT status, scheduled_start, scheduled_end, started_at, revision FROM maintenances WHERE id = ?").bind(id).first();
  const noticesOf = async (id: string) =>
    (await env.DB.prepare("SELECT type FROM events WHERE type LIKE 'maintenance.%' AND payload ->> 'maintenance_id' = ? ORDER BY created_at, rowid").bind(id).all<{ type: string }>()).results.map((e) => e.type);

  it("applies scheduling's rules to an edit: a window cannot be moved into the past, nor started backdated", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Edit test", scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage] }));
    const before = await windowRow(m.id);

    // A year typed wrong (2020 for 2030): refused as scheduling refuses it, nothing started or completed.
    const past = await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_start: "2020-01-01T05:00:00Z", scheduled_end: "2020-01-01T06:00:00Z" });
    expect(past.status).toBe(400);
    expect((await json(past)).error).toMatchObject({ code: "bad_request", message: "scheduled_end must be in the future", details: [{ path: "scheduled_end", message: "must be in the future", code: "in_past" }] });
    const endOnly = await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_end: "2020-01-01T06:00:00Z" });
    expect(endOnly.status).toBe(400);
    expect((await json(endOnly)).error.details).toEqual([{ path: "scheduled_end", message: "must be after scheduled_start", code: "end_before_start" }]);
    // A start moved past the kept end is the start's problem: the console marks the field that was changed.
    const startOnly = await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_start: start + 5 * 3600_000 });
    expect([startOnly.status, (await json(startOnly)).error.details]).toEqual([400, [{ path: "scheduled_start", message: "must be before scheduled_end", code: "end_before_start" }]]);
    expect(await windowRow(m.id)).toEqual(before);
    expect(await noticesOf(m.id)).toEqual(["maintenance.scheduled"]);

    // A start moved into the past starts the window now, not years back.
    const asked = Date.now();
    const started = await json(await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_start: "2020-01-01T05:00:00Z" }));
    expect(started.status).toBe("in_progress");
    // The API shows it to the second.
    expect(Date.parse(started.started_at)).toBeGreaterThanOrEqual(Math.floor(asked / 1000) * 1000);
    const change = await env.DB.prepare("SELECT at FROM status_changes WHERE reference_id = ? ORDER BY at").bind(m.id).first<{ at: number }>();
    expect(change!.at).toBeGreaterThanOrEqual(asked);

    // In progress, the end may move, but not to now or before (completing is what ends a window now).
    const early = await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_end: Date.now() - 1000 });
    expect(early.status).toBe(400);
    expect((await json(early)).error.message).toMatch(/must be in the future; to end the window now, complete it/);
    const later = await json(await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_end: start + 7200_000 }));
    expect(later).toMatchObject({ status: "in_progress", scheduled_end: iso(start + 7200_000) });
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(200);
  });

  it("tells subscribers once of a window written with its start already past: it is in progress, not scheduled", async () => {
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Emergency patch", scheduled_start: Date.now() - 600_000, scheduled_end: Date.now() + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage] }));
    expect(m.status).toBe("in_progress");
    const events = await env.DB.prepare("SELECT type FROM events WHERE payload ->> 'maintenance_id' = ? ORDER BY created_at, rowid").bind(m.id).all<{ type: string }>();
    expect(events.results.map((e) => e.type)).toEqual(["maintenance.started"]);
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(200);
  });

  it("lets a window started early end before its planned start, as long as after it began", async () => {
    const start = Date.now() + 150 * 86_400_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Started months early", scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage], notify: false }));
    expect((await admin("POST", `/api/status/maintenance/${m.id}/start`)).status).toBe(200);
    const inTwoHours = Date.now() + 7200_000;
    const shortened = await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_end: inTwoHours });
    expect(shortened.status).toBe(200);
    // Its planned start becomes the time it began: no reader is shown a window ending before it starts.
    const shortenedWindow = await json(shortened);
    expect(shortenedWindow).toMatchObject({ status: "in_progress", scheduled_end: iso(inTwoHours), scheduled_start: shortenedWindow.started_at });
    const listed = (await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.find((w: any) => w.id === m.id);
    expect(Date.parse(listed.scheduled_start)).toBeLessThan(Date.parse(listed.scheduled_end));
    const v2 = (await json(await call("GET", "/api/v2/scheduled-maintenances/active.json"))).scheduled_maintenances.find((w: any) => w.id === m.id);
    expect(Date.parse(v2.scheduled_for)).toBeLessThan(Date.parse(v2.scheduled_until));
    // Not before it began, nor in the past.
    expect((await admin("PATCH", `/api/status/maintenance/${m.id}`, { scheduled_end: Date.now() - 1000 })).status).toBe(400);
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(200);
  });

  it("tells subscribers when a window really started and completed, not only what was planned", async () => {
    const start = Date.now() + 20 * 86_400_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Early upgrade", scheduled_start: start, scheduled_end: start + 3 * 3600_000, affected_components: [DEFAULT_COMPONENTS.storage] }));
    expect((await admin("POST", `/api/status/maintenance/${m.id}/start`)).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(200);
    const row = (await env.DB.prepare("SELECT started_at AS startedAt, completed_at AS completedAt FROM maintenances WHERE id = ?").bind(m.id).first<{ startedAt: number; completedAt: number }>())!;
    const notices = (
      await env.DB.prepare("SELECT type, payload FROM events WHERE type LIKE 'maintenance.%' AND payload ->> 'maintenance_id' = ? ORDER BY created_at, rowid").bind(m.id).all<{ type: string; payload: string }>()
    ).results.map((e) => ({ type: e.type as NotifyEventType, payload: JSON.parse(e.payload) as Record<string, unknown> }));
    expect(notices.map((n) => n.type)).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.completed"]);
    const [, started, completed] = notices;
    expect(started!.payload).toMatchObject({ started_at: iso(row.startedAt), completed_at: null });
    // Named by id as well as by name, as an incident's components are.
    expect(started!.payload.affected_components).toEqual([{ id: DEFAULT_COMPONENTS.storage, name: "File Storage" }]);
    expect(completed!.payload).toMatchObject({ started_at: iso(row.startedAt), completed_at: iso(row.completedAt) });
    const links = { pageName: "Beacon", pageUrl: BASE, unsubscribeUrl: `${BASE}/u`, manageUrl: `${BASE}/m` };
    const said = (n: (typeof notices)[number]) => renderEvent(n.type, n.payload, links).text;
    expect(said(started!)).toContain(`Started: ${humanTime(row.startedAt)}`);
    expect(said(started!)).toContain(`Planned end: ${humanTime(start + 3 * 3600_000)}`);
    expect(said(completed!)).toContain(`Completed: ${humanTime(row.completedAt)}`);
    expect(said(completed!)).not.toContain("Window:");
  });

  it("keeps a window scheduled with notify:false quiet when it starts, completes or is cancelled", async () => {
    const start = Date.now() + 3600_000;
    const quiet = { scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [DEFAULT_COMPONENTS.storage], notify: false };
    const a = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet window", ...quiet }));
    expect((await admin("POST", `/api/status/maintenance/${a.id}/start`)).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${a.id}/complete`)).status).toBe(200);
    expect(await noticesOf(a.id)).toEqual([]);

    const b = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet window 2", ...quiet }));
    expect((await admin("POST", `/api/status/maintenance/${b.id}/cancel`)).status).toBe(200);
    expect(await noticesOf(b.id)).toEqual([]);

    // A window that told subscribers it was coming tells them it was called off.
    const c = await json(await admin("POST", "/api/status/maintenance", { title: "Loud window", ...quiet, notify: true }));
    expect((await admin("POST", `/api/status/maintenance/${c.id}/cancel`)).status).toBe(200);
    expect(await noticesOf(c.id)).toEqual(["maintenance.scheduled", "maintenance.cancelled"]);

    // Scheduled quietly, then made public: announced then, as if scheduled that moment (with the times the
    // same edit gives), so its followers hear of its start as of something they were told was coming.
    const d = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet, then announced", ...quiet }));
    const later = { scheduled_start: start + 3600_000, scheduled_end: start + 7200_000 };
    expect(await json(await admin("PATCH", `/api/status/maintenance/${d.id}`, { notify: true, ...later }))).toMatchObject({ id: d.id, status: "scheduled" });
    expect(await noticesOf(d.id)).toEqual(["maintenance.scheduled"]);
    const announced = await env.DB.prepare("SELECT payload FROM events WHERE type = 'maintenance.scheduled' AND payload ->> 'maintenance_id' = ?").bind(d.id).first<{ payload: string }>();
    expect(JSON.parse(announced!.payload)).toMatchObject({ status: "scheduled", scheduled_start: iso(later.scheduled_start), scheduled_end: iso(later.scheduled_end) });
    expect(JSON.parse(announced!.payload)).not.toHaveProperty("previous_start");
    // Saying so again announces nothing more.
    expect((await admin("PATCH", `/api/status/maintenance/${d.id}`, { notify: true, title: "Quiet, then announced, renamed" })).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${d.id}/start`)).status).toBe(200);
    expect(await noticesOf(d.id)).toEqual(["maintenance.scheduled", "maintenance.started"]);

    // Made public while in progress: told it is in progress, then that it completed.
    const e = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet, announced midway", ...quiet }));
    expect((await admin("POST", `/api/status/maintenance/${e.id}/start`)).status).toBe(200);
    expect((await admin("PATCH", `/api/status/maintenance/${e.id}`, { notify: true })).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${e.id}/complete`)).status).toBe(200);
    expect(await noticesOf(e.id)).toEqual(["maintenance.started", "maintenance.completed"]);

    // Public, made quiet, then public again: its followers were told of it already, so it is not announced
    // twice; a move made while it is public again is told as a move.
    const f = await json(await admin("POST", "/api/status/maintenance", { title: "Loud, quiet, loud", ...quiet, notify: true }));
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: false })).status).toBe(200);
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: true })).status).toBe(200);
    expect(await noticesOf(f.id)).toEqual(["maintenance.scheduled"]);
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: false })).status).toBe(200);
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: true, scheduled_end: start + 7200_000 })).status).toBe(200);
    expect(await noticesOf(f.id)).toEqual(["maintenance.scheduled", "maintenance.rescheduled"]);
    expect((await admin("POST", `/api/status/maintenance/${f.id}/start`)).status).toBe(200);
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: false })).status).toBe(200);
    expect((await admin("PATCH", `/api/status/maintenance/${f.id}`, { notify: true })).status).toBe(200);
    expect(await noticesOf(f.id)).toEqual(["maintenance.scheduled", "maintenance.rescheduled", "maintenance.started"]);
    expect((await admin("POST", `/api/status/maintenance/${f.id}/cancel`)).status).toBe(200);
  });

  it("refuses a body on transitions that take none, and changes nothing", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Bodiless", scheduled_start: start, scheduled_end: start + 3600_000 }));
    for (const action of ["cancel", "start", "complete"]) {
      const res = await admin("POST", `/api/status/maintenance/${m.id}/${action}`, { notify: false });
      expect(res.status, action).toBe(400);
      expect((await json(res)).error).toMatchObject({ code: "validation_failed", details: [{ path: "", message: expect.stringContaining("notify"), code: "unrecognized_keys" }] });
      const text = await call("POST", `/api/status/maintenance/${m.id}/${action}`, { token: await adminToken(), body: "please", headers: { "content-type": "text/plain" } });
      expect(text.status, action).toBe(400);
    }
    for (const [method, path] of [["DELETE", `/api/status/incidents/${UNKNOWN}`], ["DELETE", `/api/status/components/${DEFAULT_COMPONENTS.api}`], ["POST", "/api/status/health-check"]] as const) {
      expect((await admin(method, path, { force: true })).status, path).toBe(400);
    }
    expect((await windowRow(m.id))!.status).toBe("scheduled");
    expect((await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.api}`)).status).toBe(200);
    // No body, or an empty object, is what they take.
    expect((await admin("POST", `/api/status/maintenance/${m.id}/start`, {})).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${m.id}/complete`)).status).toBe(200);
  });
});

describe("components and groups", () => {
  it("creates, groups, reorders, edits and deletes components", async () => {
    const group = await json(await admin("POST", "/api/status/groups", { name: "Edge" }));
    expect(group.name).toBe("Edge");
    const created = await admin("POST", "/api/status/components", { name: "CDN", description: "Static assets", group_id: group.id });
    expect(created.status).toBe(201);
    const cdn = await json(created);
    expect(cdn).toMatchObject({ name: "CDN", group_id: group.id, check: "none", monitored: false });

    let status = await json(await call("GET", "/api/status"));
    expect(status.components.map((c: any) => c.name)).toContain("CDN");
    expect(status.groups.find((g: any) => g.id === group.id).components).toEqual([cdn.id]);

    const all = status.components.map((c: any) => c.id);
    const order = [cdn.id, ...all.filter((id: string) => id !== cdn.id)];
    expect((await admin("POST", "/api/status/components/reorder", { ids: order })).status).toBe(200);
    status = await json(await call("GET", "/api/status"));
    expect(status.components[0].id).toBe(cdn.id);

    const renamed = await json(await admin("PATCH", `/api/status/components/${cdn.id}`, { name: "Edge CDN", group_id: null }));
    expect(renamed).toMatchObject({ name: "Edge CDN", group_id: null });
    expect((await admin("DELETE", `/api/status/groups/${group.id}`)).status).toBe(204);
    expect((await admin("DELETE", `/api/status/components/${cdn.id}`)).status).toBe(204);
    status = await json(await call("GET", "/api/status"));
    expect(status.components.map((c: any) => c.id)).not.toContain(cdn.id);
    expect((await call("GET", `/api/status/components/${cdn.id}`)).status).toBe(404);
  });

  it("reorders a partial list where the first of them stood, keeping every position unique", async () => {
    const page = async () => (await json(await call("GET", "/api/status"))).components as { id: string; position: number }[];
    const before = (await page()).map((c) => c.id);
    const [first, second, ...middle] = before;
    const last = middle.pop()!;
    // The last one asked to come before the second: both land where the second was, the rest keep their order.
    const res = await admin("POST", "/api/status/components/reorder", { ids: [last, second] });
    expect(res.status).toBe(200);
    const expected = [first, last, second, ...middle];
    expect((await json(res)).ids).toEqual(expected);
    const after = await page();
    expect(after.map((c) => c.id)).toEqual(expected);
    expect(after.map((c) => c.position)).toEqual(expected.map((_, i) => i + 1));
    const repeated = await admin("POST", "/api/status/components/reorder", { ids: [first, first] });
    expect(repeated.status).toBe(400);
    expect((await json(repeated)).error.details).toEqual([{ path: "ids", message: "must not repeat", code: "duplicate" }]);
  });

  it("refuses a second component with a name already in use, case aside, so none hides another", async () => {
    for (const name of ["API", "api", " Database "]) {
      const res = await admin("POST", "/api/status/components", { name, monitor: { type: "http", url: "http://127.0.0.1:1/", timeout_ms: 1000 } });
      expect(res.status, name).toBe(409);
      expect((await json(res)).error).toEqual({
        code: "conflict",
        message: expect.stringMatching(/^There is already a component named "(API|Database)"/),
        details: [{ path: "name", message: "is taken by another component", code: "name_taken" }],
      });
    }
    expect((await json(await call("GET", "/api/status"))).components.filter((c: any) => c.name.toLowerCase() === "api")).toHaveLength(1);
    // Refused for something else too, the name is said in the same answer, not in the next one.
    const both = await admin("POST", "/api/status/components", { name: "api", monitor: { type: "http", url: "ftp://shop.example.com" } });
    expect(both.status).toBe(400);
    expect((await json(both)).error.details).toEqual([
      expect.objectContaining({ path: "monitor.url" }),
      { path: "name", message: "is taken by another component", code: "name_taken" },
    ]);
    const clash = await admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.database}`, { name: "API", description: 5 });
    expect((await json(clash)).error.details.map((d: any) => d.code)).toEqual([expect.any(String), "name_taken"]);
    // Case aside in every script, and names that read the same written another way: fullwidth, decomposed.
    const cafe = await admin("POST", "/api/status/groups", { name: "Café Ünïcode" });
    expect(cafe.status).toBe(201);
    for (const lookalike of ["CAFÉ ÜNÏCODE", "Cafe\u0301 U\u0308ni\u0308code", "ｃａｆé ünïcode"]) {
      const res = await admin("POST", "/api/status/groups", { name: lookalike });
      expect(res.status, lookalike).toBe(409);
      expect((await json(res)).error.details).toEqual([{ path: "name", message: "is taken by another group", code: "name_taken" }]);
    }
    expect((await admin("POST", "/api/status/components", { name: "ＡＰＩ" })).status).toBe(409);
    // Characters that show nothing, and spaces a page shows as one, make no new name; nor does full case folding.
    expect((await admin("POST", "/api/status/groups", { name: "Data tier" })).status).toBe(201);
    for (const lookalike of ["A\u200bPI", "API\u200e", "AP\u00adI", "\u2060API", "API\ufe0f", "\u2066API\u2069"]) {
      expect((await admin("POST", "/api/status/components", { name: lookalike })).status, JSON.stringify(lookalike)).toBe(409);
    }
    // Bidi formatting is no part of a name: "\u202EIPA" would show as "API" beside the real one.
    const reversed = await admin("POST", "/api/status/components", { name: "\u202eIPA" });
    expect(reversed.status).toBe(201);
    const { id: reversedId, name: shown } = await json(reversed);
    expect(shown).toBe("IPA");
    const isolated = await json(await admin("POST", "/api/status/groups", { name: "Edge \u2067tier\u2069" }));
    expect(isolated.name).toBe("Edge tier");
    expect((await json(await admin("PATCH", `/api/status/groups/${isolated.id}`, { name: "\u202aEdge\u202c layer" }))).name).toBe("Edge layer");
    expect((await admin("DELETE", `/api/status/components/${reversedId}`)).status).toBe(204);
    expect((await admin("DELETE", `/api/status/groups/${isolated.id}`)).status).toBe(204);
    // Measured as stored: 99 characters between two bidi marks (101 as sent) fit the 100 a name may have.
    const full = await admin("POST", "/api/status/groups", { name: `‮${"g".repeat(98)}z‬` });
    expect(full.status).toBe(201);
    expect((await admin("DELETE", `/api/status/groups/${(await json(full)).id}`)).status).toBe(204);
    for (const lookalike of ["Data  tier", "Data\ttier", "Data\u00a0tier"]) {
      expect((await admin("POST", "/api/status/groups", { name: lookalike })).status, JSON.stringify(lookalike)).toBe(409);
    }
    expect((await admin("POST", "/api/status/groups", { name: "Straße" })).status).toBe(201);
    expect((await admin("POST", "/api/status/groups", { name: "STRASSE" })).status).toBe(409);
    expect((await admin("DELETE", `/api/status/groups/${(await json(cafe)).id}`)).status).toBe(204);

    const name = `Search ${crypto.randomUUID()}`;
    // Spelled apart: the very same request twice would be one double submit.
    const racing = await Promise.all([name, name.toUpperCase()].map(async (spelled) => admin("POST", "/api/status/components", { name: spelled })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    // Whether the loser read the winner's row or only met its guard in the batch, the refusal is about the name.
    expect((await json(racing.find((r) => r.status === 409)!)).error.details).toEqual([{ path: "name", message: "is taken by another component", code: "name_taken" }]);
    const search = await json(racing.find((r) => r.status === 201)!);
    const renamed = await admin("PATCH", `/api/status/components/${search.id}`, { name: "authentication" });
    expect(renamed.status).toBe(409);
    expect((await json(renamed)).error.details).toEqual([{ path: "name", message: "is taken by another component", code: "name_taken" }]);
    // Its own name, in another case, or another field with the name resent: not a clash.
    expect((await json(await admin("PATCH", `/api/status/components/${search.id}`, { name: name.toUpperCase() }))).name).toBe(name.toUpperCase());
    expect((await admin("PATCH", `/api/status/components/${search.id}`, { name: name.toUpperCase(), description: "Finds things" })).status).toBe(200);
    expect((await admin("DELETE", `/api/status/components/${search.id}`)).status).toBe(204);
  });

  it("refuses a name another admin took between the check and the save as a name taken", async () => {
    const name = `Race ${crypto.randomUUID()}`;
    const db = createDb(env.DB);
    const change = await createComponent(db, createComponentBody.parse({ name }), adminActor({ userId: "user_a" }), Date.now(), DEFAULT_REGIONS);
    expect((await admin("POST", "/api/status/components", { name: name.toLowerCase() })).status).toBe(201);
    const refused = await commitChange(env, db, change).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, message: expect.stringMatching(/was added while this request was being made/), details: [{ path: "name", message: "is taken by another component", code: "name_taken" }] });
    expect((await json(await call("GET", "/api/status"))).components.filter((c: any) => c.name.toLowerCase() === name.toLowerCase())).toHaveLength(1);
  });

  it("validates component input", async () => {
    expect((await admin("POST", "/api/status/components", { name: "" })).status).toBe(400);
    expect((await admin("POST", "/api/status/components", { name: "x", group_id: UNKNOWN })).status).toBe(400);
    expect((await admin("POST", "/api/status/components", { name: "x", monitor: { type: "http", url: "ftp://example.com" } })).status).toBe(400);
    expect((await admin("PATCH", `/api/status/components/${UNKNOWN}`, { name: "x" })).status).toBe(404);
    expect((await admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.api}`, {})).status).toBe(400);
    expect((await admin("POST", "/api/status/components/reorder", { ids: [UNKNOWN] })).status).toBe(400);
    // A whole number past 2^53 is refused once, by the field's own bound; a fraction is still not a whole number.
    const refusal = async (body: Record<string, unknown>) => (await json(await admin("POST", "/api/status/components", { name: `Bounds ${crypto.randomUUID()}`, ...body }))).error.details;
    expect(await refusal({ position: 1e20 })).toEqual([{ path: "position", message: "Too big: expected number to be <=100000", code: "too_big", limit: 100_000 }]);
    expect(await refusal({ position: -1e20 })).toEqual([{ path: "position", message: "Too small: expected number to be >=0", code: "too_small", limit: 0 }]);
    expect(await refusal({ confirmations: 1e20 })).toEqual([{ path: "confirmations", message: "Too big: expected number to be <=10", code: "too_big", limit: 10 }]);
    // Flap damping's count given both beside the monitor and inside it: one would be dropped without a word, so
    // it is refused as an alias given with the field it stands for is, on a create and on an edit.
    const both = { confirmations: 4, monitor: { type: "http", url: "https://example.com", confirmations: 5 } };
    const conflict = [{ path: "monitor.confirmations", message: "give confirmations or the monitor's confirmations, not both", code: "alias_conflict" }];
    expect(await refusal(both)).toEqual(conflict);
    const edit = await admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.api}`, both);
    expect(edit.status).toBe(400);
    expect((await json(edit)).error.details).toEqual(conflict);
    expect((await json(await admin("GET", `/api/status/admin/components/${DEFAULT_COMPONENTS.api}`))).monitor).toBeNull();
    expect(await refusal({ auto_incidents: { open_after_seconds: 1e20 } })).toEqual([{ path: "auto_incidents.open_after_seconds", message: "must be at most 86400", code: "too_big", limit: 86_400 }]);
    expect(await refusal({ position: 123_456.5 })).toEqual([{ path: "position", message: "Invalid input: expected int, received number", code: "invalid_type" }]);
    // Past a double's range JSON reads a number as infinite: still refused by the field's bound, with its limit.
    const token = await adminToken();
    const raw = async (body: string) => (await json(await call("POST", "/api/status/components", { token, body, headers: { "content-type": "application/json" } }))).error.details;
    const name = JSON.stringify(`Bounds ${crypto.randomUUID()}`);
    expect(await raw(`{"name":${name},"position":1e400}`)).toEqual([{ path: "position", message: "Too big: expected number to be <=100000", code: "too_big", limit: 100_000 }]);
    expect(await raw(`{"name":${name},"position":-1e400}`)).toEqual([{ path: "position", message: "Too small: expected number to be >=0", code: "too_small", limit: 0 }]);
    expect(await raw(`{"name":${name},"monitor":{"type":"http","url":"https://example.com","timeout_ms":1e400}}`)).toEqual([
      { path: "monitor.timeout_ms", message: "Too big: expected number to be <=30000", code: "too_big", limit: 30_000 },
    ]);
    // And in a query string, however many digits.
    const days = await json(await call("GET", `/api/status/incidents?days=${"9".repeat(400)}`));
    expect(days.error.details).toEqual([{ path: "days", message: "must be at most 365", code: "too_big", limit: 365 }]);
  });
});

describe("dates", () => {
  it("takes an ISO 8601 time to the minute, as to the second", async () => {
    const window = await admin("POST", "/api/status/maintenance", { title: "To the minute", scheduled_start: "2031-03-04T05:06Z", scheduled_end: "2031-03-04T07:08+01:00", notify: false });
    expect(window.status).toBe(201);
    expect(await json(window)).toMatchObject({ scheduled_start: "2031-03-04T05:06:00Z", scheduled_end: "2031-03-04T06:08:00Z" });
    // Still a time in its form: no hour without minutes, no time without its offset.
    for (const scheduled_start of ["2031-03-04T05Z", "2031-03-04T05:06", "2031-03-04T5:06Z"]) {
      const res = await admin("POST", "/api/status/maintenance", { title: "x", scheduled_start, scheduled_end: "2031-03-04T07:08:00Z" });
      expect(res.status, scheduled_start).toBe(400);
      // A local time is ISO 8601 too, but names no instant: the refusal says what form is taken.
      expect((await json(res)).error.details, scheduled_start).toEqual([
        { path: "scheduled_start", message: "must be an ISO 8601 time with its offset (2024-01-15T10:30:00Z, 2024-01-15T12:30:00+02:00) or epoch milliseconds", code: "invalid_format" },
      ]);
    }
  });

  it("refuses dates no status page means, instead of failing later", async () => {
    for (const started_at of [99_999_999_999_999_999, "0001-01-01T00:00:00Z", "2020-02-30T00:00:00Z", "yesterday", new Date(Date.now() + 86_400_000).toISOString()]) {
      const res = await admin("POST", "/api/status/incidents/create", { title: "Date probe", started_at });
      expect(res.status, String(started_at)).toBe(400);
      expect((await json(res)).error.details[0].path).toBe("started_at");
    }
    // Milliseconds past 2^53 are refused by the date's own bound, not by zod's safe-integer range.
    const farOff = await admin("POST", "/api/status/incidents/create", { title: "Date probe", started_at: 1e20 });
    expect((await json(farOff)).error.details.map((d: any) => d.code)).toEqual(["out_of_range", "in_future"]);
    const window = await admin("POST", "/api/status/maintenance", { title: "x", scheduled_start: "2030-01-01T00:00:00Z", scheduled_end: 8.64e15 });
    expect(window.status).toBe(400);
    // A time that is not one is the one error: no "must be after the start" beside it, for either end.
    for (const times of [{ scheduled_start: "tomorrow", scheduled_end: "2030-01-01T00:00:00Z" }, { scheduled_start: "2030-01-01T00:00:00Z", scheduled_end: "later" }]) {
      const res = await admin("POST", "/api/status/maintenance", { title: "x", ...times });
      expect(res.status).toBe(400);
      expect((await json(res)).error.details.map((d: any) => d.code), JSON.stringify(times)).toEqual(["invalid_format"]);
    }
    expect((await call("GET", "/api/status")).status).toBe(200);
  });
});
