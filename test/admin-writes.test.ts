import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pruneAdminHistory } from "../src/cron";
import { runBatch } from "../src/db/batch";
import { createDb } from "../src/db/client";
import { isGuardFailure } from "../src/db/queries/guards";
import { commitChange } from "../src/changes";
import { adminActor } from "../src/domain/change";
import { createComponent, createGroup, deleteComponent, editComponent, editGroup, reorderComponents } from "../src/domain/components";
import { findGroup } from "../src/db/queries/component-admin";
import { moveMaintenanceOnTime } from "../src/domain/maintenance";
import { openIncident } from "../src/domain/incidents";
import { DEFAULT_REGIONS } from "../src/checks/plan";
import { admin, adminToken, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { activeSubscriber, deliveriesFor, freshComponent } from "./support/subscribers";

afterEach(() => vi.restoreAllMocks());

const count = async (sql: string, ...params: unknown[]) => (await env.DB.prepare(sql).bind(...params).first<{ n: number }>())!.n;
const eventsOf = (type: string, key: string, id: string) => count(`SELECT count(*) AS n FROM events WHERE type = ? AND payload ->> ? = ?`, type, key, id);
const RESOLVE = { root_cause: "A bad deploy", resolution: "Rolled back" };

describe("concurrent admin writes", () => {
  it("lets exactly one of many concurrent resolves win: the rest answer 409, one event, one email per subscriber", async () => {
    const component = await freshComponent();
    const reader = await activeSubscriber("email", { components: [component] });
    const incident = await createIncident({ affected_components: [component] });
    const token = await adminToken();

    const responses = await Promise.all(Array.from({ length: 6 }, () => call("POST", `/api/status/incidents/${incident.id}/resolve`, { token, body: RESOLVE })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    const refused = await json(responses.find((r) => r.status === 409)!);
    expect(refused.error).toEqual({ code: "conflict", message: expect.stringMatching(/already resolved|changed while/) });

    expect(await eventsOf("incident.resolved", "incident_id", incident.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM incident_updates WHERE incident_id = ? AND status = 'resolved'", incident.id)).toBe(1);
    // The two events' fan-outs may run side by side, so their deliveries may be written in either order.
    await vi.waitFor(async () => {
      const subjects = (await deliveriesFor(reader.id)).map((d) => d.subject);
      expect(subjects).toHaveLength(2);
      expect(subjects.filter((s) => s.includes("Resolved"))).toHaveLength(1);
    }, { timeout: 20_000 });
  });

  it("never leaves an incident identified with resolved_at set when a resolve races an update", async () => {
    for (let round = 0; round < 5; round++) {
      const incident = await createIncident();
      const token = await adminToken();
      const [resolve, update] = await Promise.all([
        call("POST", `/api/status/incidents/${incident.id}/resolve`, { token, body: RESOLVE }),
        call("POST", `/api/status/incidents/${incident.id}/updates`, { token, body: { status: "identified", message: "Found it" } }),
      ]);
      expect(resolve.status === 200 || resolve.status === 409).toBe(true);
      expect(update.status === 201 || update.status === 409).toBe(true);
      const row = await env.DB.prepare("SELECT status, resolved_at FROM incidents WHERE id = ?").bind(incident.id).first<{ status: string; resolved_at: number | null }>();
      // Either one lost (409, nothing written), or the update landed before the resolve read the incident.
      if (resolve.status === 200) expect(row).toMatchObject({ status: "resolved", resolved_at: expect.any(Number) });
      else expect(row).toEqual({ status: "identified", resolved_at: null });
      const updates = await env.DB.prepare("SELECT status FROM incident_updates WHERE incident_id = ? ORDER BY created_at, rowid").bind(incident.id).all<{ status: string }>();
      expect(updates.results.map((u) => u.status).slice(-1)).toEqual([row!.status]);
    }
  });

  it("sends one 'in progress' notice when several edits move a window's start into the past at once", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Failover drill", scheduled_start: start, scheduled_end: start + 3600_000 }));
    const token = await adminToken();
    const responses = await Promise.all(
      [1, 2, 3].map((i) => call("PATCH", `/api/status/maintenance/${m.id}`, { token, body: { title: `Failover drill ${i}`, scheduled_start: Date.now() - 1000 } })),
    );
    // An edit that read the window after another one started it is a plain edit; one that read it
    // before loses the race and changes nothing.
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(await eventsOf("maintenance.started", "maintenance_id", m.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE entity_id = ? AND action = 'maintenance.start'", m.id)).toBe(1);
    expect((await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.find((x: any) => x.id === m.id).status).toBe("in_progress");
  });

  it("does not let the cron revive a window an admin cancelled while the cron was moving it", async () => {
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Storage migration", scheduled_start: start, scheduled_end: start + 3600_000 }));
    const db = createDb(env.DB);
    // The cron reads the window as due to start...
    const due = await moveMaintenanceOnTime(db, start + 1000);
    expect(due.result.moved).toBeGreaterThanOrEqual(1);
    // ...an admin cancels it before the cron commits...
    expect((await admin("POST", `/api/status/maintenance/${m.id}/cancel`)).status).toBe(200);
    // ...and the cron's batch then changes nothing.
    const failure = await runBatch(db, due.statements).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isGuardFailure(failure)).toBe(true);
    const row = await env.DB.prepare("SELECT status, started_at FROM maintenances WHERE id = ?").bind(m.id).first();
    expect(row).toEqual({ status: "cancelled", started_at: null });
    expect(await eventsOf("maintenance.started", "maintenance_id", m.id)).toBe(0);
  });

  it("keeps a component's status history one chain when two writes move it at once: the stale one answers 409", async () => {
    const component = await freshComponent();
    const db = createDb(env.DB);
    const actor = adminActor({ userId: "user_local_admin" });
    const open = (title: string, status: string) =>
      openIncident(db, { title, severity: "minor", status: "investigating", affected_components: [{ id: component, status }], notify: true } as never, actor, Date.now());
    const history = async () =>
      (await env.DB.prepare("SELECT from_status AS f, to_status AS t FROM status_changes WHERE component_id = ? ORDER BY id").bind(component).all<{ f: string; t: string }>()).results;
    const shown = async () => (await json(await call("GET", `/api/status/components/${component}`, { headers: { "cache-control": "no-cache" }, token: await adminToken() }))).component.status;

    // Both read the component as operational; each would record a move from there.
    const outage = await open("Outage", "major_outage");
    const slowdown = await open("Slowdown", "partial_outage");
    await commitChange(env, db, outage);
    await expect(commitChange(env, db, slowdown)).rejects.toMatchObject({ status: 409, code: "conflict" });
    expect(await count("SELECT count(*) AS n FROM incidents WHERE id = ?", slowdown.result.id)).toBe(0);

    // Made again from what is there now, it commits, and the history stays a chain ending where the page is.
    await commitChange(env, db, await open("Slowdown", "partial_outage"));
    const rows = await history();
    expect(rows).toEqual([{ f: "operational", t: "major_outage" }]);
    expect(await shown()).toBe("major_outage");
    expect(await eventsOf("component.status", "component_id", component)).toBe(rows.length);
  });

  it("lets a write through when only writes that move no status ran since it read, and answers 409 when one did", async () => {
    const component = await freshComponent();
    const db = createDb(env.DB);
    const actor = adminActor({ userId: "user_local_admin" });
    const input = { title: "Stale read", severity: "minor", status: "investigating", affected_components: [{ id: component, status: "degraded" }], notify: true } as never;

    // A write whose read nothing moved since commits, however many writes that moved nothing ran meanwhile.
    const quiet = await openIncident(db, input, actor, Date.now());
    expect((await admin("PATCH", `/api/status/components/${component}`, { description: "Renamed nothing" })).status).toBe(200);
    await commitChange(env, db, quiet);

    // One whose read another write's move made stale does not.
    const stale = await openIncident(db, { ...(input as object), title: "Stale read 2" } as never, actor, Date.now());
    expect((await admin("POST", `/api/status/incidents/${quiet.result.id}/resolve`, RESOLVE)).status).toBe(200);
    await expect(commitChange(env, db, stale)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("status moved") });
  });

  it("lets two writes that read the same state through when they move different components", async () => {
    const [first, second] = [await freshComponent(), await freshComponent()];
    const db = createDb(env.DB);
    const actor = adminActor({ userId: "user_local_admin" });
    const open = (component: string) =>
      openIncident(db, { title: `Only ${component}`, severity: "minor", status: "investigating", affected_components: [{ id: component, status: "degraded" }], notify: true } as never, actor, Date.now());
    // Both read before either commits; neither touches what the other's component is derived from.
    const [one, two] = [await open(first), await open(second)];
    await commitChange(env, db, one);
    await commitChange(env, db, two);
    for (const component of [first, second]) {
      const rows = (await env.DB.prepare("SELECT from_status AS f, to_status AS t FROM status_changes WHERE component_id = ?").bind(component).all()).results;
      expect(rows).toEqual([{ f: "operational", t: "degraded" }]);
    }
    // Moves of its own component still make a read stale.
    const stale = await open(first);
    await commitChange(env, db, await open(first));
    await expect(commitChange(env, db, stale)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("status moved") });
  });

  it("answers 409 to an edit of a component deleted while it was being made, and changes nothing", async () => {
    const created = await json(await admin("POST", "/api/status/components", { name: "Search" }));
    const db = createDb(env.DB);
    const edit = await editComponent(db, created.id, { name: "Search API" }, adminActor({ userId: "user_local_admin" }), Date.now(), DEFAULT_REGIONS);
    expect((await admin("DELETE", `/api/status/components/${created.id}`)).status).toBe(204);
    await expect(commitChange(env, db, edit)).rejects.toMatchObject({ status: 409, code: "conflict" });
    expect(await count("SELECT count(*) AS n FROM components WHERE id = ?", created.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE entity_id = ? AND action = 'component.edit'", created.id)).toBe(0);
  });
  it("keeps the only component of an open incident or a coming window, which would otherwise read as the whole page", async () => {
    const named = async () => json(await admin("POST", "/api/status/components", { name: `Reports ${crypto.randomUUID().slice(0, 8)}` }));
    const reports = await named();
    const incident = await createIncident({ title: "Reports fail", affected_components: [reports.id] });
    const refused = await admin("DELETE", `/api/status/components/${reports.id}`);
    expect(refused.status).toBe(409);
    expect((await json(refused)).error).toMatchObject({
      code: "conflict",
      message: `${reports.name} is the only component of the open incident "Reports fail": name another component on it, or resolve it, before deleting ${reports.name}.`,
      details: [{ path: "id", code: "component_in_use" }],
    });
    expect((await admin("GET", `/api/status/admin/components/${reports.id}`)).status).toBe(200);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y" });

    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Reports upgrade", scheduled_start: Date.now() + 3_600_000, scheduled_end: Date.now() + 7_200_000, affected_components: [reports.id], notify: false }),
    );
    expect((await json(await admin("DELETE", `/api/status/components/${reports.id}`))).error.details[0].code).toBe("component_in_use");
    expect((await admin("POST", `/api/status/maintenance/${window.id}/cancel`)).status).toBe(200);
    expect((await admin("DELETE", `/api/status/components/${reports.id}`)).status).toBe(204);

    // An incident opened about it while the delete was being made stops the delete in its batch.
    const exports = await named();
    const db = createDb(env.DB);
    const removal = await deleteComponent(db, exports.id, adminActor({ userId: "user_local_admin" }), Date.now());
    await createIncident({ title: "Exports fail", affected_components: [exports.id] });
    await expect(commitChange(env, db, removal)).rejects.toMatchObject({ status: 409 });
    expect((await admin("GET", `/api/status/admin/components/${exports.id}`)).status).toBe(200);
  });

  it("answers 409 to a reorder made from an order another reorder changed, and keeps every position unique", async () => {
    const [a, b, c] = [await freshComponent(), await freshComponent(), await freshComponent()];
    const db = createDb(env.DB);
    const positions = async () => (await env.DB.prepare("SELECT id, position FROM components ORDER BY position").all<{ id: string; position: number }>()).results;
    // Both read the same order; each would renumber from it.
    const first = await reorderComponents(db, [c, a], adminActor({ userId: "user_local_admin" }), Date.now());
    const second = await reorderComponents(db, [b, a], adminActor({ userId: "user_second_admin" }), Date.now());
    await commitChange(env, db, first);
    const after = await positions();
    await expect(commitChange(env, db, second)).rejects.toMatchObject({ status: 409, code: "conflict", message: expect.stringContaining("order changed") });
    expect(await positions()).toEqual(after);
    expect(new Set(after.map((r) => r.position)).size).toBe(after.length);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'component.reorder'")).toBe(1);

    // Sent at once through the API: each either read the other's order or lost; no place is ever shared.
    const token = await adminToken();
    const sent = await Promise.all([[a, c], [c, b], [b, a]].map((ids) => call("POST", "/api/status/components/reorder", { token, body: { ids } })));
    for (const r of sent) expect([200, 409]).toContain(r.status);
    const now = await positions();
    expect(new Set(now.map((r) => r.position)).size).toBe(now.length);
  });

  it("keeps names unique as readers tell them apart: a second one is a 409, and of racing creates or renames one wins", async () => {
    const first = await admin("POST", "/api/status/groups", { name: "Storage tier" });
    expect(first.status).toBe(201);
    const again = await admin("POST", "/api/status/groups", { name: "STORAGE TIER" });
    expect(again.status).toBe(409);
    expect((await json(again)).error).toEqual({
      code: "conflict",
      message: 'There is already a group named "Storage tier"; give this one another name.',
      details: [{ path: "name", message: "is taken by another group", code: "name_taken" }],
    });
    const other = await json(await admin("POST", "/api/status/groups", { name: "Network tier" }));
    const renamed = await admin("PATCH", `/api/status/groups/${other.id}`, { name: "storage Tier" });
    expect(renamed.status).toBe(409);
    expect((await json(renamed)).error.details).toEqual([{ path: "name", message: "is taken by another group", code: "name_taken" }]);
    expect((await admin("PATCH", `/api/status/groups/${other.id}`, { name: "Network Tier" })).status).toBe(200);

    const token = await adminToken();
    const name = `Edge ${crypto.randomUUID()}`;
    // Each spelled its own way (the same request again would be a double submit of the first).
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => call("POST", "/api/status/groups", { token, body: { name: `${i % 2 ? name.toUpperCase() : name}${" ".repeat(i)}` } })));
    expect(sent.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await count("SELECT count(*) AS n FROM component_groups WHERE lower(name) = lower(?)", name)).toBe(1);

    // Made from the same read, the later create loses in its batch.
    const db = createDb(env.DB);
    const actor = adminActor({ userId: "user_local_admin" });
    const [one, two] = [await createGroup(db, { name: "Racing" }, actor, Date.now()), await createGroup(db, { name: "racing" }, actor, Date.now())];
    await commitChange(env, db, one);
    await expect(commitChange(env, db, two)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('A group named "racing" was added') });

    // Names readers cannot tell apart, though SQLite's lower() can: fullwidth beside ASCII, and a rename into it.
    const [wide, narrow] = [await createComponent(db, { name: "ＱＵＥＵＥ" }, actor, Date.now(), DEFAULT_REGIONS), await createComponent(db, { name: "Queue" }, actor, Date.now(), DEFAULT_REGIONS)];
    await commitChange(env, db, wide);
    await expect(commitChange(env, db, narrow)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('A component named "Queue" was added') });
    const spare = await commitChange(env, db, await createGroup(db, { name: "Spare" }, actor, Date.now()));
    const [cafe, rename] = [await createGroup(db, { name: "Café" }, actor, Date.now()), await editGroup(db, spare.id, { name: "CAFÉ" }, actor, Date.now())];
    await commitChange(env, db, cafe);
    await expect(commitChange(env, db, rename)).rejects.toMatchObject({ status: 409 });
    expect((await findGroup(db, spare.id))?.name).toBe("Spare");
    const [spaced, single] = [await createGroup(db, { name: "Edge  tier" }, actor, Date.now()), await createGroup(db, { name: "Edge tier" }, actor, Date.now())];
    await commitChange(env, db, spaced);
    await expect(commitChange(env, db, single)).rejects.toMatchObject({ status: 409 });
    // Another name appearing meanwhile, in ASCII beside an ASCII name, is no reason to refuse.
    const [alpha, beta] = [await createGroup(db, { name: "Alpha tier" }, actor, Date.now()), await createGroup(db, { name: "Beta tier" }, actor, Date.now())];
    await commitChange(env, db, alpha);
    await commitChange(env, db, beta);
  });
});

describe("Idempotency-Key", () => {
  const withKey = async (method: string, path: string, key: string, body?: unknown, token?: string) =>
    call(method, path, { body, token: token ?? (await adminToken()), headers: { "idempotency-key": key } });

  it("answers a retry with the first answer and opens the incident once", async () => {
    const key = crypto.randomUUID();
    const body = { title: "Login failures", severity: "major" };
    const first = await withKey("POST", "/api/status/incidents/create", key, body);
    const retry = await withKey("POST", "/api/status/incidents/create", key, body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [await json(first), await json(retry)];
    expect(b).toEqual(a);
    expect(await count("SELECT count(*) AS n FROM incidents WHERE title = 'Login failures'")).toBe(1);
    expect(await eventsOf("incident.created", "incident_id", a.id)).toBe(1);
  });

  it("answers concurrent retries with one answer and does the work once", async () => {
    const key = crypto.randomUUID();
    const token = await adminToken();
    const body = { title: `Checkout errors ${key}` };
    const responses = await Promise.all([1, 2, 3, 4].map(() => withKey("POST", "/api/status/incidents/create", key, body, token)));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    expect(await count("SELECT count(*) AS n FROM incidents WHERE title = ?", body.title)).toBe(1);
  });

  it("takes the same keyless update, incident or template sent again within a minute as a double submit: one of each, one email", async () => {
    const component = await freshComponent();
    const reader = await activeSubscriber("email", { components: [component] });
    const incident = await createIncident({ title: `Double submit ${crypto.randomUUID()}`, affected_components: [component] });
    const token = await adminToken();
    const update = { message: "Same update", status: "identified" };
    const path = `/api/status/incidents/${incident.id}/updates`;
    const racing = await Promise.all(Array.from({ length: 6 }, () => call("POST", path, { token, body: update })));
    const again = await call("POST", path, { token, body: update });
    expect([...racing, again].map((r) => r.status)).toEqual(Array(7).fill(201));
    expect(new Set(await Promise.all([...racing, again].map(async (r) => JSON.stringify(await json(r))))).size).toBe(1);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await count("SELECT count(*) AS n FROM incident_updates WHERE incident_id = ? AND message = 'Same update'", incident.id)).toBe(1);
    expect(await eventsOf("incident.updated", "incident_id", incident.id)).toBe(1);
    // Another message is another update; so is the same one from another admin.
    expect((await call("POST", path, { token, body: { ...update, message: "Next update" } })).status).toBe(201);
    expect((await call("POST", path, { token: await adminToken({ sub: "user_second_admin" }), body: update })).status).toBe(201);
    expect(await count("SELECT count(*) AS n FROM incident_updates WHERE incident_id = ?", incident.id)).toBe(4);
    await vi.waitFor(async () => expect((await deliveriesFor(reader.id)).filter((d) => /Same update|Identified/.test(d.subject)).length).toBeGreaterThan(0), { timeout: 20_000 });

    const title = `Opened twice ${crypto.randomUUID()}`;
    const opened = await Promise.all([1, 2, 3].map(() => call("POST", "/api/status/incidents/create", { token, body: { title, notify: false } })));
    expect(opened.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await count("SELECT count(*) AS n FROM incidents WHERE title = ?", title)).toBe(1);
    const name = `Saved twice ${crypto.randomUUID()}`;
    const saved = await Promise.all([1, 2, 3].map(() => call("POST", "/api/status/templates", { token, body: { name, title: "t" } })));
    expect(saved.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await count("SELECT count(*) AS n FROM incident_templates WHERE name = ?", name)).toBe(1);

    // Not a double submit once the admin wrote anything in between: the same request is a new one.
    const template = await json(saved[0]!);
    expect((await call("DELETE", `/api/status/templates/${template.id}`, { token })).status).toBe(204);
    const remade = await call("POST", "/api/status/templates", { token, body: { name, title: "t" } });
    expect(remade.status).toBe(201);
    expect(remade.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(remade)).id).not.toBe(template.id);
    const down = { message: "Down again", status: "identified" };
    expect((await call("POST", path, { token, body: down })).status).toBe(201);
    expect((await call("POST", path, { token, body: { message: "Up", status: "monitoring" } })).status).toBe(201);
    expect((await call("POST", path, { token, body: down })).headers.get("idempotent-replayed")).toBeNull();
    expect(await count("SELECT count(*) AS n FROM incident_updates WHERE incident_id = ? AND message = 'Down again'", incident.id)).toBe(2);
    // Nor once another admin wrote in between.
    const other = `Shared ${crypto.randomUUID()}`;
    const made = await json(await call("POST", "/api/status/templates", { token, body: { name: other, title: "t" } }));
    expect((await call("DELETE", `/api/status/templates/${made.id}`, { token: await adminToken({ sub: "user_second_admin" }) })).status).toBe(204);
    const remadeByOther = await call("POST", "/api/status/templates", { token, body: { name: other, title: "t" } });
    expect(remadeByOther.headers.get("idempotent-replayed")).toBeNull();
    expect(await count("SELECT count(*) AS n FROM incident_templates WHERE name = ?", other)).toBe(1);
  });

  it("still takes a keyless double submit as one after a round played ahead of the clock wrote an entry dated later", async () => {
    // A round played for a future time (as the README's walkthrough does) leaves audit entries dated after now.
    const ahead = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO audit_log (id, at, actor_kind, action, entity_type, entity_id) VALUES (?, ?, 'automation', 'component.updated', 'component', 'played')")
      .bind(ahead, Date.now() + 3600_000)
      .run();
    try {
      const incident = await createIncident({ title: `Played ahead ${crypto.randomUUID()}` });
      const token = await adminToken();
      const path = `/api/status/incidents/${incident.id}/updates`;
      const update = { message: "Once only", status: "identified", notify: false };
      const racing = await Promise.all([1, 2, 3].map(() => call("POST", path, { token, body: update })));
      const again = await call("POST", path, { token, body: update });
      expect([...racing, again].map((r) => r.status)).toEqual([201, 201, 201, 201]);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await count("SELECT count(*) AS n FROM incident_updates WHERE incident_id = ? AND message = 'Once only'", incident.id)).toBe(1);
      // A write in between still makes the same request a new one.
      expect((await call("POST", path, { token, body: { message: "Between", status: "monitoring", notify: false } })).status).toBe(201);
      expect((await call("POST", path, { token, body: update })).headers.get("idempotent-replayed")).toBeNull();
    } finally {
      await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(ahead).run();
    }
  });

  it("replays a resolve instead of answering 409 to its retry", async () => {
    const incident = await createIncident();
    const key = crypto.randomUUID();
    const first = await withKey("POST", `/api/status/incidents/${incident.id}/resolve`, key, RESOLVE);
    const retry = await withKey("POST", `/api/status/incidents/${incident.id}/resolve`, key, RESOLVE);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(await json(retry)).toEqual(await json(first));
    // Ids in the body in another case, keys in another order: the same request.
    const openKey = crypto.randomUUID();
    const opened = await withKey("POST", "/api/status/incidents/create", openKey, { title: "Retried open", affected_components: [DEFAULT_COMPONENTS.api], notify: false });
    const reopened = await withKey("POST", "/api/status/incidents/create", openKey, { notify: false, affected_components: [DEFAULT_COMPONENTS.api.toUpperCase()], title: "Retried open" });
    expect([opened.status, reopened.status, reopened.headers.get("idempotent-replayed")]).toEqual([201, 201, "true"]);
    expect((await json(reopened)).id).toBe((await json(opened)).id);
    const deleteKey = crypto.randomUUID();
    expect((await withKey("DELETE", `/api/status/incidents/${incident.id}`, deleteKey)).status).toBe(204);
    const again = await withKey("DELETE", `/api/status/incidents/${incident.id}`, deleteKey);
    expect(again.status).toBe(204);
    expect(await again.text()).toBe("");
  });

  it("replays a retry that read the incident just after its first attempt resolved or deleted it, instead of a 409 or 404", async () => {
    for (const [method, suffix, body] of [["POST", "/resolve", RESOLVE], ["DELETE", "", undefined]] as const) {
      const incident = await createIncident({ notify: false });
      const path = `/api/status/incidents/${incident.id}${suffix}`;
      const key = crypto.randomUUID();
      const token = await adminToken();
      const first = await withKey(method, path, key, body, token);
      expect(first.status).toBe(method === "DELETE" ? 204 : 200);
      // The retry looked for a stored answer before the first attempt committed (it found none), and read the
      // incident after.
      const withSession = env.DB.withSession.bind(env.DB);
      vi.spyOn(env.DB, "withSession").mockImplementationOnce((constraint) => {
        const session = withSession(constraint);
        let looked = false;
        return new Proxy(session, {
          get(target, prop) {
            const value = Reflect.get(target, prop, target);
            if (prop !== "prepare") return typeof value === "function" ? value.bind(target) : value;
            return (query: string) => {
              if (looked || !/^select .* from "idempotency_keys" where \(/.test(query)) return target.prepare(query);
              looked = true;
              return target.prepare(query.replace('from "idempotency_keys" where (', 'from "idempotency_keys" where 0 and ('));
            };
          },
        });
      });
      const retry = await withKey(method, path, key, body, token);
      expect([retry.status, retry.headers.get("idempotent-replayed")]).toEqual([first.status, "true"]);
      expect(await retry.text()).toBe(await first.text());
      vi.restoreAllMocks();
    }
  });

  it("refuses the same key with a different request (422), a malformed key (400), and keeps keys per admin", async () => {
    const key = crypto.randomUUID();
    expect((await withKey("POST", "/api/status/incidents/create", key, { title: "Queue backlog" })).status).toBe(201);
    const reused = await withKey("POST", "/api/status/incidents/create", key, { title: "Something else" });
    expect(reused.status).toBe(422);
    expect((await json(reused)).error).toEqual({ code: "idempotency_key_reused", message: expect.stringContaining("different request") });
    expect(await count("SELECT count(*) AS n FROM incidents WHERE title = 'Something else'")).toBe(0);

    const bad = await withKey("POST", "/api/status/incidents/create", "has spaces in it", { title: "x" });
    expect(bad.status).toBe(400);

    const other = await withKey("POST", "/api/status/incidents/create", key, { title: "Queue backlog" }, await adminToken({ sub: "user_other_admin" }));
    expect(other.status).toBe(201);
    expect(await count("SELECT count(*) AS n FROM incidents WHERE title = 'Queue backlog'")).toBe(2);
  });

  it("replays a faithful retry that spells the id in upper case or orders the body's keys differently", async () => {
    const incident = await createIncident({ title: "Retried resolve" });
    const key = crypto.randomUUID();
    const first = await withKey("POST", `/api/status/incidents/${incident.id}/resolve`, key, { root_cause: "a", resolution: "b" });
    expect(first.status).toBe(200);
    const upper = await withKey("POST", `/api/status/incidents/${incident.id.toUpperCase()}/resolve`, key, { root_cause: "a", resolution: "b" });
    const reordered = await withKey("POST", `/api/status/incidents/${incident.id}/resolve`, key, { resolution: "b", root_cause: "a" });
    for (const retry of [upper, reordered]) {
      expect([retry.status, retry.headers.get("idempotent-replayed")]).toEqual([200, "true"]);
      expect(await json(retry)).toEqual(await json(first.clone()));
    }
    expect((await withKey("POST", `/api/status/incidents/${incident.id}/resolve`, key, { resolution: "c", root_cause: "a" })).status).toBe(422);
  });

  it("covers saved incidents too: a retried create makes one template, concurrent edits give one winner", async () => {
    const key = crypto.randomUUID();
    const body = { name: `idem ${key}`, title: "t", message: "m" };
    const [first, retry] = [await withKey("POST", "/api/status/templates", key, body), await withKey("POST", "/api/status/templates", key, body)];
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const template = await json(first);
    expect((await json(retry)).id).toBe(template.id);
    expect(await count("SELECT count(*) AS n FROM incident_templates WHERE name = ?", body.name)).toBe(1);
    expect((await withKey("POST", "/api/status/templates", "bad key with spaces", body)).status).toBe(400);

    const token = await adminToken();
    const edits = await Promise.all([1, 2, 3, 4, 5].map((i) => call("PATCH", `/api/status/templates/${template.id}`, { token, body: { name: `n${i}` } })));
    const statuses = edits.map((r) => r.status);
    expect(statuses.every((st) => st === 200 || st === 409)).toBe(true);
    expect(statuses.filter((st) => st === 409).length).toBeGreaterThan(0);
    expect((await json(edits.find((r) => r.status === 409)!)).error.message).toMatch(/template changed while/);
    // One chain in the audit log: each edit starts from what the one before it wrote.
    const { entries } = await json(await admin("GET", `/api/status/audit?entity_id=${template.id}`));
    const chain = entries.reverse().map((e: any) => [e.before?.name ?? null, e.after.name]);
    expect(chain).toHaveLength(1 + statuses.filter((st) => st === 200).length);
    for (let i = 1; i < chain.length; i++) expect(chain[i][0]).toBe(chain[i - 1][1]);

    const deleteKey = crypto.randomUUID();
    expect((await withKey("DELETE", `/api/status/templates/${template.id}`, deleteKey)).status).toBe(204);
    const again = await withKey("DELETE", `/api/status/templates/${template.id}`, deleteKey);
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("covers sending a failed delivery again: retries with one key get the first 202, and it is queued once", async () => {
    const sub = await activeSubscriber("email");
    const id = crypto.randomUUID();
    const now = Date.now();
    await env.DB.prepare("INSERT INTO deliveries (id, event_id, subscriber_id, channel, recipient, subject, body_text, status, attempts, last_error, created_at, updated_at) VALUES (?, ?, ?, 'email', ?, 's', 'b', 'failed', 9, 'gave up', ?, ?)")
      .bind(id, crypto.randomUUID(), sub.id, sub.address, now, now)
      .run();
    const send = vi.spyOn(env.NOTIFY_QUEUE, "sendBatch");
    const token = await adminToken();
    const key = crypto.randomUUID();
    const path = `/api/status/notifications/deliveries/${id}/retry`;
    const responses = await Promise.all([1, 2, 3, 4].map(() => withKey("POST", path, key, undefined, token)));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(3);
    const again = await withKey("POST", path, key, undefined, token);
    expect([again.status, again.headers.get("idempotent-replayed"), await json(again)]).toEqual([202, "true", { id, status: "pending" }]);
    expect(send.mock.calls.flatMap(([batch]) => [...batch]).filter((m) => JSON.stringify(m.body).includes(id))).toHaveLength(1);
    // Without the key, a second sending is told plainly why nothing happened.
    const refused = await call("POST", path, { token });
    expect(refused.status).toBe(409);
  });

  it("does not store a refused request, so its retry runs", async () => {
    const key = crypto.randomUUID();
    const unknown = "00000000-0000-4000-8000-000000000000";
    const body = { title: "Degraded", affected_components: [unknown] };
    expect((await withKey("POST", "/api/status/incidents/create", key, body)).status).toBe(400);
    expect(await count("SELECT count(*) AS n FROM idempotency_keys WHERE key = ?", key)).toBe(0);
  });
});

describe("answers from what the commit wrote", () => {
  /** D1 works until the batch that inserts into `table` commits; every statement after it fails. */
  function failReadsAfterCommitOf(table: string) {
    const withSession = env.DB.withSession.bind(env.DB);
    const state = { committed: false };
    vi.spyOn(env.DB, "withSession").mockImplementation((constraint?: string) => {
      const session = withSession(constraint);
      let writing = false;
      const outage = () => {
        throw new Error("D1_ERROR: Network connection lost.");
      };
      return new Proxy(session, {
        get(target, prop) {
          if (prop === "prepare") {
            return (query: string) => {
              if (state.committed) outage();
              if (query.startsWith(`insert into "${table}"`)) writing = true;
              return target.prepare(query);
            };
          }
          if (prop === "batch") {
            return async (statements: D1PreparedStatement[]) => {
              if (state.committed) outage();
              const results = await target.batch(statements);
              if (writing) state.committed = true;
              return results;
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    });
    return state;
  }

  it("answers 201 with the incident when every read after the commit fails", async () => {
    const state = failReadsAfterCommitOf("incidents");
    const res = await admin("POST", "/api/status/incidents/create", { title: "Webhooks delayed", description: "Deliveries lag by minutes", severity: "minor" });
    expect(state.committed).toBe(true);
    expect(res.status).toBe(201);
    const body = await json(res);
    vi.restoreAllMocks();
    expect(body).toMatchObject({ title: "Webhooks delayed", status: "investigating", severity: "minor", updates: [{ message: "Deliveries lag by minutes" }] });
    // Committed as answered (the public page catches up at the next snapshot refresh).
    const stored = await env.DB.prepare("SELECT i.title, u.id AS update_id FROM incidents i JOIN incident_updates u ON u.incident_id = i.id WHERE i.id = ?").bind(body.id).first();
    expect(stored).toEqual({ title: "Webhooks delayed", update_id: body.updates[0].id });
  });

  it("answers a posted update the same way", async () => {
    const incident = await createIncident();
    const state = failReadsAfterCommitOf("incident_updates");
    const res = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { status: "monitoring", message: "Fix deployed" });
    expect(state.committed).toBe(true);
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({ id: incident.id, status: "monitoring", update: { status: "monitoring", message: "Fix deployed" } });
    expect(body.updates).toHaveLength(2);
  });
});

describe("audit log", () => {
  it("records nothing for a save that changes nothing, and leaves others' open forms valid", async () => {
    const incident = await createIncident({ title: "Unchanged by a save" });
    const before = await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`));
    const same = await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Unchanged by a save", severity: incident.severity });
    expect(same.status).toBe(200);
    expect(await json(same)).toMatchObject({ title: "Unchanged by a save", updated_at: before.updated_at });
    const entries = async () => (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries.map((e: any) => e.action);
    expect(await entries()).toEqual(["incident.open"]);
    // Its start sent back as the API showed it (to the second) is the stored instant, milliseconds and all.
    await env.DB.prepare("UPDATE incidents SET started_at = (started_at / 1000) * 1000 - 877 WHERE id = ?").bind(incident.id).run();
    const shown = await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`));
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at: shown.started_at, title: "Unchanged by a save" })).status).toBe(200);
    expect(await entries()).toEqual(["incident.open"]);
    expect((await env.DB.prepare("SELECT started_at % 1000 AS ms FROM incidents WHERE id = ?").bind(incident.id).first<{ ms: number }>())!.ms).toBe(123);
    // A real change is recorded as before.
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Changed by a save" })).status).toBe(200);
    expect(await entries()).toEqual(["incident.edit", "incident.open"]);

    // The same for a component and a group.
    const group = await json(await admin("POST", "/api/status/groups", { name: `Unchanged group ${crypto.randomUUID()}` }));
    const component = await json(await admin("POST", "/api/status/components", { name: `Unchanged ${crypto.randomUUID()}`, description: "As it was", group_id: group.id }));
    const sameComponent = await admin("PATCH", `/api/status/components/${component.id}`, { name: component.name, description: "As it was", group_id: group.id });
    expect(sameComponent.status).toBe(200);
    expect((await json(sameComponent)).updated_at).toBe(component.updated_at);
    // No settings of its own, said as {} or as null, is the page-wide defaults either way.
    for (const auto_incidents of [{}, null, {}]) {
      expect((await json(await admin("PATCH", `/api/status/components/${component.id}`, { auto_incidents }))).updated_at, JSON.stringify(auto_incidents)).toBe(component.updated_at);
    }
    const sameGroup = await admin("PATCH", `/api/status/groups/${group.id}`, { name: group.name });
    expect(sameGroup.status).toBe(200);
    expect((await json(sameGroup)).updated_at).toBe(group.updated_at);
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Unchanged window", scheduled_start: "2031-05-01T02:00:00Z", scheduled_end: "2031-05-01T03:00:00Z", notify: false }));
    const sameWindow = await admin("PATCH", `/api/status/maintenance/${window.id}`, { title: "Unchanged window", scheduled_start: "2031-05-01T02:00:00Z", affected_components: [] });
    expect(sameWindow.status).toBe(200);
    expect((await json(sameWindow)).updated_at).toBe(window.updated_at);
    expect((await json(await admin("GET", `/api/status/audit?entity_type=maintenance&entity_id=${window.id}`))).entries).toHaveLength(1);
    const template = await json(await admin("POST", "/api/status/templates", { name: `Unchanged template ${crypto.randomUUID()}`, title: "t", message: "m" }));
    const sameTemplate = await admin("PATCH", `/api/status/templates/${template.id}`, { name: template.name, title: "t" });
    expect(sameTemplate.status).toBe(200);
    expect((await json(sameTemplate)).updated_at).toBe(template.updated_at);
    for (const [type, id, created] of [["component", component.id, "component.create"], ["group", group.id, "group.create"], ["template", template.id, "template.create"]]) {
      const audit = (await json(await admin("GET", `/api/status/audit?entity_type=${type}&entity_id=${id}`))).entries.map((e: any) => e.action);
      expect(audit).toEqual([created]);
    }
  });

  it("records who did what, before and after, newest first, paged and filtered", async () => {
    const token = await adminToken({ sub: "user_ada", claims: { name: "Ada Lovelace", email: "ada@example.com" } });
    const created = await json(await call("POST", "/api/status/incidents/create", { token, body: { title: "DNS errors", severity: "major" } }));
    await call("POST", `/api/status/incidents/${created.id}/updates`, { token, body: { status: "identified", message: "A resolver is down" } });
    await call("POST", `/api/status/incidents/${created.id}/resolve`, { token: await adminToken(), body: RESOLVE });

    const res = await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${created.id}`);
    expect(res.status).toBe(200);
    const page = await json(res);
    expect(page.entries.map((e: any) => e.action)).toEqual(["incident.resolve", "incident.update", "incident.open"]);
    const [resolve, update, open] = page.entries;
    expect(open).toMatchObject({
      actor: { kind: "admin", user_id: "user_ada", name: "Ada Lovelace", email: "ada@example.com" },
      entity_type: "incident",
      entity_id: created.id,
      before: null,
      after: { title: "DNS errors", status: "investigating", severity: "major" },
    });
    expect(Date.parse(open.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(update).toMatchObject({ before: { status: "investigating" }, after: { status: "identified", update: { message: "A resolver is down" } } });
    expect(resolve).toMatchObject({ actor: { user_id: "user_local_admin", name: null, email: null }, before: { status: "identified" }, after: { status: "resolved", root_cause: "A bad deploy" } });

    const first = await json(await admin("GET", `/api/status/audit?entity_id=${created.id}&limit=2`));
    expect(first.entries).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await json(await admin("GET", `/api/status/audit?entity_id=${created.id}&limit=2&cursor=${first.next_cursor}`));
    expect(second.entries.map((e: any) => e.action)).toEqual(["incident.open"]);
    expect(second.next_cursor).toBeNull();
    // An id that cannot be one is refused, not answered with an empty page; ids are taken in either case.
    const refused = await admin("GET", "/api/status/audit?entity_id=nope");
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.details[0]).toMatchObject({ path: "entity_id" });
    expect((await json(await admin("GET", `/api/status/audit?entity_id=${created.id.toUpperCase()}`))).entries).toHaveLength(3);
  });

  it("records maintenance, component and group writes, and nothing for a refused write", async () => {
    const before = await count("SELECT count(*) AS n FROM audit_log");
    expect((await admin("POST", "/api/status/components", { name: "Bad\nname" })).status).toBe(400);
    expect(await count("SELECT count(*) AS n FROM audit_log")).toBe(before);

    const group = await json(await admin("POST", "/api/status/groups", { name: "Edge" }));
    const component = await json(await admin("POST", "/api/status/components", { name: "CDN", group_id: group.id }));
    await admin("PATCH", `/api/status/components/${component.id}`, { name: "Edge CDN" });
    const start = Date.now() + 3600_000;
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Edge upgrade", scheduled_start: start, scheduled_end: start + 60_000, components: [component.id] }));
    await admin("POST", `/api/status/maintenance/${m.id}/cancel`);

    const edits = await json(await admin("GET", `/api/status/audit?entity_type=component&entity_id=${component.id}`));
    expect(edits.entries.map((e: any) => e.action)).toEqual(["component.edit", "component.create"]);
    expect(edits.entries[0]).toMatchObject({ before: { name: "CDN" }, after: { name: "Edge CDN" } });
    const windows = await json(await admin("GET", `/api/status/audit?entity_type=maintenance&entity_id=${m.id}`));
    expect(windows.entries.map((e: any) => e.action)).toEqual(["maintenance.cancel", "maintenance.schedule"]);
    expect(windows.entries[0]).toMatchObject({ before: { status: "scheduled" }, after: { status: "cancelled" } });
    const groups = await json(await admin("GET", `/api/status/audit?entity_type=group&entity_id=${group.id}`));
    expect(groups.entries.map((e: any) => e.action)).toEqual(["group.create"]);
  });

  it("answers the times in its records as ISO 8601 to the second, as every answer does; other numbers stay numbers", async () => {
    const SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
    const incident = await createIncident({ title: "Audited times", severity: "minor", affected_components: [], started_at: "2026-12-01T10:00:00Z", estimated_resolution: "2030-01-01T12:00:00Z", notify: false });
    await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at: "2026-12-01T09:30:00Z" });
    const incidentEntries = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries;
    const [edit, open] = incidentEntries;
    expect(open.after).toMatchObject({ started_at: "2026-12-01T10:00:00Z", resolved_at: null, update_count: 1, update: { estimated_resolution: "2030-01-01T12:00:00Z" } });
    expect(open.after.created_at).toMatch(SECOND);
    expect(open.after.update.created_at).toMatch(SECOND);
    expect(edit.before.started_at).toBe("2026-12-01T10:00:00Z");
    expect(edit.after.started_at).toBe("2026-12-01T09:30:00Z");

    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Audited window", scheduled_start: "2030-04-01T02:00:00Z", scheduled_end: "2030-04-01T03:00:00Z", notify: false }));
    await admin("POST", `/api/status/maintenance/${m.id}/cancel`);
    const [cancel] = (await json(await admin("GET", `/api/status/audit?entity_type=maintenance&entity_id=${m.id}`))).entries;
    expect(cancel.after).toMatchObject({ scheduled_start: "2030-04-01T02:00:00Z", scheduled_end: "2030-04-01T03:00:00Z", started_at: null, revision: expect.any(Number) });
    expect(cancel.after.cancelled_at).toMatch(SECOND);

    // Component rows, kept with their column names (createdAt, groupId), are answered in snake_case like the
    // rest; a monitor's durations are no times. Each entry names what it is about.
    const component = await json(await admin("POST", "/api/status/components", { name: `Audited ${crypto.randomUUID()}`, monitor: { type: "http", url: "https://shop.example.com/", timeout_ms: 5000 } }));
    const [created] = (await json(await admin("GET", `/api/status/audit?entity_type=component&entity_id=${component.id}`))).entries;
    expect(created.entity_name).toBe(component.name);
    expect(created.after.created_at).toMatch(SECOND);
    expect(created.after.updated_at).toMatch(SECOND);
    expect(created.after).toHaveProperty("group_id", null);
    expect(created.after).not.toHaveProperty("groupId");
    expect(created.after.monitor.timeout_ms).toBe(5000);
    expect(created.after.position).toEqual(expect.any(Number));
    expect(cancel.entity_name).toBe("Audited window");

    // No time anywhere in these records is left as a number.
    const text = JSON.stringify([...incidentEntries, cancel, created]);
    expect(text).not.toMatch(/"(\w*(_at|At|_since|Since)|scheduled_(start|end)|estimated_resolution)":\d/);
  });

  it("records the removal of a subscriber", async () => {
    const reader = await activeSubscriber("email");
    expect((await admin("DELETE", `/api/status/notifications/subscribers/${reader.id}`)).status).toBe(204);
    const page = await json(await admin("GET", `/api/status/audit?entity_type=subscriber&entity_id=${reader.id}`));
    expect(page.entries).toEqual([
      expect.objectContaining({ action: "subscriber.remove", before: { id: reader.id, channel: "email", address: reader.address, status: "active" }, after: null }),
    ]);
  });

  it("is for admins only and refuses a cursor it did not issue", async () => {
    expect((await call("GET", "/api/status/audit")).status).toBe(401);
    expect((await call("GET", "/api/status/audit", { token: await adminToken({ role: "member" }) })).status).toBe(403);
    const bad = await admin("GET", "/api/status/audit?cursor=not-a-cursor");
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe("validation_failed");
    // A limit is a whole number as written, as on every other list.
    for (const limit of ["1e1", "0x14", "%205", "5.0", "0", "201"]) expect((await admin("GET", `/api/status/audit?limit=${limit}`)).status, limit).toBe(400);
    expect((await json(await admin("GET", "/api/status/audit?limit=200"))).entries.length).toBeLessThanOrEqual(200);
  });

  it("keeps a year of entries and a day of idempotency keys (the cron prunes the rest)", async () => {
    const now = Date.now();
    const day = 86_400_000;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO audit_log (id, at, actor_kind, action, entity_type, entity_id) VALUES (?, ?, 'automation', 'maintenance.start', 'maintenance', 'old')").bind(crypto.randomUUID(), now - 366 * day),
      env.DB.prepare("INSERT INTO audit_log (id, at, actor_kind, action, entity_type, entity_id) VALUES (?, ?, 'automation', 'maintenance.start', 'maintenance', 'recent')").bind(crypto.randomUUID(), now - 364 * day),
      env.DB.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES ('u', 'old', 'h', 201, '{}', ?)").bind(now - 25 * 3600_000),
      env.DB.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES ('u', 'recent', 'h', 201, '{}', ?)").bind(now - 23 * 3600_000),
    ]);
    await pruneAdminHistory(createDb(env.DB), now);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE entity_id IN ('old', 'recent')")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE entity_id = 'recent'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM idempotency_keys WHERE user_id = 'u'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM idempotency_keys WHERE key = 'recent'")).toBe(1);
  });
});

describe("single-line fields", () => {
  it("refuses line breaks in titles and names, and keeps them in messages and descriptions", async () => {
    const refused = await admin("POST", "/api/status/incidents/create", { title: "Outage\r\nBcc: everyone@example.com" });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.details).toEqual([{ path: "title", message: "must be a single line (no line breaks)", code: "line_break" }]);

    const incident = await createIncident({ title: "Outage", description: "First paragraph.\n\nSecond paragraph." });
    expect(incident.description).toBe("First paragraph.\n\nSecond paragraph.");
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Two\nlines" })).status).toBe(400);
    const start = Date.now() + 3600_000;
    expect((await admin("POST", "/api/status/maintenance", { title: "a\nb", scheduled_start: start, scheduled_end: start + 1000 })).status).toBe(400);
    expect((await admin("POST", "/api/status/components", { name: "a\rb" })).status).toBe(400);
    expect((await admin("POST", "/api/status/groups", { name: "a\u2028b" })).status).toBe(400);

    // Saved incidents fill in an incident's title, so their title and name are single lines too.
    for (const body of [{ name: "NL template", title: "line1\nline2" }, { name: "NL\r\ntemplate", title: "t" }]) {
      const res = await admin("POST", "/api/status/templates", body);
      expect(res.status).toBe(400);
      expect((await json(res)).error.details[0].message).toBe("must be a single line (no line breaks)");
    }
    const template = await json(await admin("POST", "/api/status/templates", { name: "One line", title: "Checkout failing" }));
    expect((await admin("PATCH", `/api/status/templates/${template.id}`, { title: "a\u2029b" })).status).toBe(400);
    expect((await json(await admin("GET", `/api/status/templates/${template.id}`))).title).toBe("Checkout failing");
  });

  it("takes a deleted component out of the templates that name it, so one never opens an incident with it", async () => {
    const doomed = await json(await admin("POST", "/api/status/components", { name: `Doomed ${crypto.randomUUID().slice(0, 8)}` }));
    const keeps = { id: DEFAULT_COMPONENTS.api, status: "degraded" };
    const naming = await json(await admin("POST", "/api/status/templates", { name: "Names it", title: "Doomed is down", components: [{ id: doomed.id, status: "major_outage" }, keeps] }));
    expect((await admin("DELETE", `/api/status/components/${doomed.id}`)).status).toBe(204);
    const left = await json(await admin("GET", `/api/status/templates/${naming.id}`));
    expect(left.components).toEqual([keeps]);
    expect((await admin("POST", "/api/status/incidents/create", { title: left.title, affected_components: left.components, notify: false })).status).toBe(201);
  });

  it("refuses NEL as a line break, titles of nothing visible, and half of a surrogate pair in any text", async () => {
    const detail = async (res: Response) => {
      const first = (await json(res)).error.details?.[0];
      return [res.status, first?.message, first?.code];
    };
    expect(await detail(await admin("POST", "/api/status/incidents/create", { title: "Outage\u0085Second line", notify: false }))).toEqual([400, "must be a single line (no line breaks)", "line_break"]);
    // Variation selectors and the combining grapheme joiner show nothing on their own either.
    for (const title of ["\u200b\u200d", "\u202e", "\ufeff \u2800", "\u034f\ufe0f", "\u180b"]) {
      expect(await detail(await admin("POST", "/api/status/incidents/create", { title, notify: false }))).toEqual([400, "must not be empty (it has nothing visible)", "nothing_visible"]);
    }
    expect((await admin("POST", "/api/status/components", { name: "\u3164" })).status).toBe(400);
    // Nor longer text: an update that says nothing would go out to every subscriber as a blank message.
    const open = await json(await admin("POST", "/api/status/incidents/create", { title: "Says something", notify: false }));
    for (const [path, body] of [
      [`/api/status/incidents/${open.id}/updates`, { message: "   \u200b ", status: "identified", notify: false }],
      [`/api/status/incidents/${open.id}/resolve`, { root_cause: "\u2800", resolution: "Fixed", notify: false }],
      [`/api/status/incidents/${open.id}/resolve`, { root_cause: "r", resolution: "s", message: "\u200d\u200b", notify: false }],
      ["/api/status/incidents/create", { title: "Blank", description: "\u3164", notify: false }],
    ] as const) {
      expect(await detail(await admin("POST", path, body)), `${path} ${JSON.stringify(body)}`).toEqual([400, "must not be empty (it has nothing visible)", "nothing_visible"]);
    }
    expect((await json(await call("GET", `/api/status/incidents/${open.id}`))).updates).toHaveLength(1);
    await admin("POST", `/api/status/incidents/${open.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    // C1 controls are taken out like C0 ones: a CSI (U+009B) would start a terminal escape in a log or an SMS.
    const csi = await json(await admin("POST", "/api/status/incidents/create", { title: "Sev\u009b31m edit\u001b[0m", description: "a\u0080b\u009fc", notify: false }));
    expect([csi.title, csi.description]).toEqual(["Sev31m edit[0m", "abc"]);
    // Bidi formatting is taken out of a line (it would reverse what a feed or a subject line puts after the
    // title), not out of longer text, where a paragraph in two scripts may need it.
    const bidi = await json(await admin("POST", "/api/status/incidents/create", { title: "Checkout down \u202e", description: "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 hi", notify: false }));
    expect([bidi.title, bidi.description]).toEqual(["Checkout down", "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 hi"]);
    expect((await json(await call("GET", `/api/status/incidents/${bidi.id}`))).title).toBe("Checkout down");
    const maintenanceStart = Date.now() + 3_600_000;
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "\u202dDB\u202c upgrade", scheduled_start: maintenanceStart, scheduled_end: maintenanceStart + 60_000, notify: false }));
    expect(window.title).toBe("DB upgrade");
    await admin("POST", `/api/status/maintenance/${window.id}/cancel`);
    await admin("POST", `/api/status/incidents/${bidi.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });

    // What D1 would store as U+FFFD is refused, in titles, names and longer text alike; a whole pair is a character.
    const halves = [
      ["/api/status/components", { name: "Surr \ud800" }],
      ["/api/status/components", { name: "Surr \udbff x" }],
      ["/api/status/incidents/create", { title: "Outage", description: "bad \udc00 text", notify: false }],
      ["/api/status/templates", { name: "Half", title: "t", message: "\ud83d" }],
    ] as const;
    for (const [path, body] of halves) {
      const res = await admin("POST", path, body);
      expect(res.status, path).toBe(400);
      expect((await json(res)).error.details[0], path).toMatchObject({ message: "must be valid text (it holds half of a UTF-16 surrogate pair)", code: "ill_formed_text" });
    }
    const emoji = await admin("POST", "/api/status/components", { name: "Payments \ud83d\udcb3" });
    expect(emoji.status).toBe(201);
    expect((await json(emoji)).name).toBe("Payments \u{1F4B3}");
  });
});
