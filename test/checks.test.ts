import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { runCheck, runChecks } from "../src/checks/checks";
import { startCheckRound } from "../src/checks/runner";
import { commitChange } from "../src/changes";
import { createDb } from "../src/db/client";
import { adminActor } from "../src/domain/change";
import { openIncident } from "../src/domain/incidents";
import { refreshSnapshot } from "../src/snapshot/store";
import { freshComponent } from "./support/subscribers";
import { planShards, SHARD_BUDGET_MS } from "../src/checks/plan";
import { combineProbes } from "../src/checks/probe";
import { agreeOnRound } from "../src/checks/quorum";
import { iso } from "../src/time";
import { uptimePercent } from "../src/uptime/formula";
import { admin, adminToken, BASE, call, DEFAULT_COMPONENTS, json } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";

afterEach(() => vi.restoreAllMocks());

const publicComponent = async (id: string) => (await json(await call("GET", `/api/status/components/${id}`))).component;
const adminComponent = async (id: string) => json(await admin("GET", `/api/status/admin/components/${id}`));
const results = async (componentId: string) =>
  (await env.DB.prepare("SELECT checked_at, outcome, latency_ms, error, in_maintenance FROM check_results WHERE component_id = ? ORDER BY checked_at").bind(componentId).all<any>()).results;
const rollup = async (componentId: string) =>
  (await env.DB.prepare("SELECT * FROM daily_rollups WHERE component_id = ? ORDER BY day").bind(componentId).all<any>()).results;
const changes = async (componentId: string) =>
  (await env.DB.prepare("SELECT from_status, to_status, source, at FROM status_changes WHERE component_id = ? ORDER BY id").bind(componentId).all<any>()).results;

const checksOf = async (id: string, query = "") => json(await admin("GET", `/api/status/components/${id}/checks${query}`));
const regionRows = async (componentId: string) =>
  (await env.DB.prepare("SELECT checked_at, region, outcome, latency_ms, error FROM check_region_results WHERE component_id = ? ORDER BY checked_at, region").bind(componentId).all<any>()).results;

/** The probes as deployed, except that `region`'s never answer: a partition between the cron and that region. */
function silentRegion(region: string): DurableObjectNamespace<any> {
  const probes = env.CHECK_PROBE;
  return new Proxy(probes, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
          options?.locationHint === region ? { run: () => new Promise(() => {}) } : target.get(id, options);
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The probes as deployed, except that each shard's first answer is lost on the way back: the cron delivers it again. */
function losingFirstAnswers(): DurableObjectNamespace<any> {
  const probes = env.CHECK_PROBE;
  const lost = new Set<string>();
  return new Proxy(probes, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
          const stub = target.get(id, options);
          return {
            run: async (order: any) => {
              const report = await stub.run(order);
              if (lost.has(order.shard.key)) return report;
              lost.add(order.shard.key);
              throw new Error("Network connection lost.");
            },
          };
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The round's database, except that `act` runs just before the first write batch whose SQL matches `marker`
 * commits; `batches` counts the batches that matched (a lost batch is built again and sent again).
 */
function actingBeforeFirstWrite(marker: RegExp, act: () => Promise<void>) {
  const real = createDb(env.DB);
  let batches = 0;
  const db = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== "batch") return Reflect.get(target, prop, receiver);
      return async (statements: any[]) => {
        if (statements.some((s) => marker.test(s.toSQL?.().sql ?? "")) && ++batches === 1) await act();
        return target.batch(statements as never);
      };
    },
  });
  return { db, batches: () => batches };
}

describe("a check round racing an admin", () => {
  /** A round whose first write batch an admin's incident on `target(monitored)` beats: returns the batches that claimed. */
  async function roundBeatenBy(target: (monitored: string, other: string) => string, status: string, at: number) {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const monitored = await createMonitoredComponent(url, { confirmations: 1, regions: ["weur"], quorum: 1 });
    const other = await freshComponent();
    const targetId = target(monitored.id, other);
    // An admin opens an incident just before the round's first write batch commits: after the round read the
    // statuses, before it wrote.
    const { db, batches } = actingBeforeFirstWrite(/status_guards/, async () => {
      const fresh = createDb(env.DB);
      const input = { title: "Opened during a round", severity: "major", status: "investigating", affected_components: [{ id: targetId, status }], notify: true } as never;
      await commitChange(env, fresh, await openIncident(fresh, input, adminActor({ userId: "user_local_admin" }), Date.now()));
    });

    const round = await startCheckRound(env, db, at);
    expect(round.claim).toBe("claimed");
    await round.record(at);
    expect((await results(monitored.id)).map((r: any) => [r.checked_at, r.outcome])).toEqual([[at, "major_outage"]]);
    return { batchesWithClaim: batches(), monitored: monitored.id, other };
  }

  it("builds its round again when an admin moved one of its components after it read them, and records both moves once", async () => {
    const { batchesWithClaim, monitored } = await roundBeatenBy((monitored) => monitored, "degraded", Date.UTC(2030, 5, 1, 12, 0));
    expect(batchesWithClaim).toBe(2); // the first lost to the admin's write and changed nothing; the second committed
    // One chain: the admin's incident moved it first, then the round's check, built again from there.
    expect((await changes(monitored)).map((c: any) => [c.from_status, c.to_status, c.source])).toEqual([
      ["operational", "degraded", "incident"],
      ["degraded", "major_outage", "monitor"],
    ]);
  });

  it("commits at once when the admin moved only components its checks did not", async () => {
    const { batchesWithClaim, monitored, other } = await roundBeatenBy((_, other) => other, "major_outage", Date.UTC(2030, 5, 1, 12, 1));
    expect(batchesWithClaim).toBe(1);
    expect((await changes(monitored)).map((c: any) => [c.from_status, c.to_status, c.source])).toEqual([["operational", "major_outage", "monitor"]]);
    expect((await changes(other)).map((c: any) => [c.from_status, c.to_status, c.source])).toEqual([["operational", "major_outage", "incident"]]);
  });

  it("records no recovery through an automatic incident an admin takes over after the round read it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const c = await createMonitoredComponent(url, { confirmations: 1, regions: ["weur"], quorum: 1 });
    const T = Date.UTC(2030, 5, 2, 12, 0);
    for (let i = 0; i <= 2; i++) await runCron(T + i * MINUTE);
    const link = async () => env.DB.prepare("SELECT l.incident_id, l.status, i.taken_over_at FROM incident_components l JOIN incidents i ON i.id = l.incident_id WHERE l.component_id = ?").bind(c.id).first<any>();
    const { incident_id: incident } = await link();
    expect(await link()).toMatchObject({ status: "major_outage", taken_over_at: null });

    // The checks pass again; an admin posts an update, taking the incident over, after the round read the
    // statuses and before it wrote: the incident, and what it sets, are the admin's from then on.
    targets.set(url, { status: 200 });
    const { db, batches } = actingBeforeFirstWrite(/status_guards/, async () => {
      expect((await admin("POST", `/api/status/incidents/${incident}/updates`, { message: "We are on it.", status: "identified" })).status).toBe(201);
    });
    const at = T + 3 * MINUTE;
    const round = await startCheckRound(env, db, at);
    await round.record(at);
    // The check is recorded; the component still shows what the admin's incident sets, and no move said otherwise.
    expect((await results(c.id)).at(-1)).toMatchObject({ checked_at: at, outcome: "operational" });
    expect(await link()).toMatchObject({ status: "major_outage", taken_over_at: expect.any(Number) });
    expect((await changes(c.id)).map((m: any) => [m.from_status, m.to_status, m.source])).toEqual([["operational", "major_outage", "monitor"]]);
    const moves = await env.DB.prepare("SELECT payload ->> 'to' AS \"to\" FROM events WHERE type = 'component.status' AND payload ->> 'component_id' = ?").bind(c.id).all<any>();
    expect(moves.results.map((m: any) => m.to)).toEqual(["major_outage"]);
    await refreshSnapshot(env, createDb(env.DB));
    expect((await publicComponent(c.id)).status).toBe("major_outage");
    // The round's first batch lost to the takeover and changed nothing; the second was built from it.
    expect(batches()).toBe(2);
  });

  it("lets a takeover and another admin's status write on the same component both land", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const c = await createMonitoredComponent(url, { confirmations: 1, regions: ["weur"], quorum: 1 });
    const T = Date.UTC(2030, 5, 3, 12, 0);
    for (let i = 0; i <= 2; i++) await runCron(T + i * MINUTE);
    const { incident_id: automatic } = (await env.DB.prepare("SELECT incident_id FROM incident_components WHERE component_id = ?").bind(c.id).first<any>())!;
    // One admin renames the automatic incident (taking it over) after another's new incident on the same
    // component read the statuses: the rename moves no status, so the new incident has nothing to retry for.
    const { db } = actingBeforeFirstWrite(/status_guards/, async () => {
      expect((await admin("PATCH", `/api/status/incidents/${automatic}`, { title: "Checkout is down (EU)" })).status).toBe(200);
    });
    const input = { title: "Payments degraded", severity: "minor", status: "investigating", affected_components: [{ id: c.id, status: "degraded" }], notify: false } as never;
    const opened = await openIncident(db, input, adminActor({ userId: "user_other" }), Date.now());
    await commitChange(env, db, opened);
    expect((await env.DB.prepare("SELECT taken_over_at FROM incidents WHERE id = ?").bind(automatic).first<any>())!.taken_over_at).toEqual(expect.any(Number));
    expect((await env.DB.prepare("SELECT count(*) AS n FROM incidents WHERE title = 'Payments degraded'").first<any>())!.n).toBe(1);
  });
});

describe("a check round racing an admin's monitor edit", { timeout: 20_000 }, () => {
  it("leaves a monitor removed while the round was checking it as the admin left it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, "hang");
    // The edit must commit while the check hangs: 5 s leaves a busy machine room for it.
    const component = await createMonitoredComponent(url, { timeout_ms: 5000, confirmations: 1 }, { auto_incidents: { enabled: false } });
    const T = Date.UTC(2030, 6, 1, 12, 0);
    const round = runCron(T);
    await vi.waitFor(() => expect(targets.requests.some((r) => r.url === url)).toBe(true), { timeout: 2500 });
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { monitor: null })).status).toBe(200);
    await round;

    // The timeout the round saw was for a monitor that no longer exists: none of it is recorded.
    expect(await publicComponent(component.id)).toMatchObject({ status: "operational", monitored: false });
    expect(await adminComponent(component.id)).toMatchObject({ check: "none", monitor: null, monitored: false, monitored_status: "operational", last_error: null });
    expect(await results(component.id)).toEqual([]);
    expect(await regionRows(component.id)).toEqual([]);
    expect(await changes(component.id)).toEqual([]);
    expect((await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === component.id).status).toBe("operational");
    // The rest of the round was recorded.
    expect((await results(DEFAULT_COMPONENTS.database)).at(-1).checked_at).toBe(T);
  });

  /** A round on a failing monitor where `act` runs just before the round's first write batch commits. */
  async function roundInterruptedBy(act: (componentId: string) => Promise<void>, at: number) {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const component = await createMonitoredComponent(url, { confirmations: 1, regions: ["weur"], quorum: 1 });
    const { db, batches } = actingBeforeFirstWrite(/write_guards/, () => act(component.id));
    const round = await startCheckRound(env, db, at);
    await round.record(at);
    // The first batch changed nothing; the second, built again without the component, recorded the rest.
    expect(batches()).toBe(2);
    expect(await results(component.id)).toEqual([]);
    expect((await results(DEFAULT_COMPONENTS.database)).at(-1).checked_at).toBe(at);
    return component.id;
  }

  it("builds its batch again without a component an admin edits after the round read it", async () => {
    const newUrl = targetUrl();
    const id = await roundInterruptedBy(async (id) => {
      expect((await admin("PATCH", `/api/status/components/${id}`, { monitor: { type: "http", url: newUrl, timeout_ms: 500 } })).status).toBe(200);
    }, Date.UTC(2030, 6, 2, 12, 0));
    // The old URL's failure says nothing about the new one, which awaits its first check.
    expect(await adminComponent(id)).toMatchObject({ monitor: { url: newUrl }, monitored: true, monitored_status: "operational", last_checked: null });
    expect(await changes(id)).toEqual([]);
  });

  it("records the rest of its round when a component is deleted while it runs", async () => {
    const id = await roundInterruptedBy(async (id) => {
      expect((await admin("DELETE", `/api/status/components/${id}`)).status).toBe(204);
    }, Date.UTC(2030, 6, 3, 12, 0));
    expect((await admin("GET", `/api/status/admin/components/${id}`)).status).toBe(404);
  });

  it("brings a seeded component's platform check back when the HTTP monitor that replaced it is removed", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const database = DEFAULT_COMPONENTS.database;
    expect(await adminComponent(database)).toMatchObject({ check: "database", platform_check: "database", monitor: null });
    expect((await admin("PATCH", `/api/status/components/${database}`, { monitor: { type: "http", url } })).status).toBe(200);
    expect(await adminComponent(database)).toMatchObject({ check: "http", platform_check: "database", monitor: { url } });

    const res = await admin("PATCH", `/api/status/components/${database}`, { monitor: null });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ check: "database", platform_check: "database", monitor: null });
    // The next round checks D1 again, and asks the old monitor's URL nothing.
    const T = Date.UTC(2030, 6, 4, 12, 0);
    await runCron(T);
    expect((await results(database)).at(-1)).toMatchObject({ checked_at: T, outcome: "operational" });
    expect(await publicComponent(database)).toMatchObject({ monitored: true, last_checked: iso(T) });
    expect(targets.requests.filter((r) => r.url === url)).toEqual([]);
    // A component made by an admin has no platform check to come back to.
    const made = await json(await admin("POST", "/api/status/components", { name: `Made ${crypto.randomUUID().slice(0, 8)}`, monitor: { type: "http", url } }));
    expect(await json(await admin("PATCH", `/api/status/components/${made.id}`, { monitor: null }))).toMatchObject({ check: "none", platform_check: null });
  });

  it("clears what the checks left behind whenever a monitor is removed, even one already gone", async () => {
    const component = await json(await admin("POST", "/api/status/components", { name: `Left behind ${crypto.randomUUID().slice(0, 8)}` }));
    // The state an earlier round wrote over a removed monitor: no check, yet a major outage.
    await env.DB.prepare("UPDATE components SET monitored = 1, monitored_status = 'major_outage', monitored_since = 1, pending_count = 1, last_error = 'HTTP 503' WHERE id = ?")
      .bind(component.id)
      .run();
    const res = await admin("PATCH", `/api/status/components/${component.id}`, { monitor: null });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ check: "none", monitored: false, monitored_status: "operational", last_error: null });
    expect(await publicComponent(component.id)).toMatchObject({ status: "operational", monitored: false });
    // The page moved back to operational: recorded as the admin's change, for those who follow it.
    expect((await changes(component.id)).map((c: any) => [c.from_status, c.to_status, c.source])).toEqual([["major_outage", "operational", "admin"]]);
  });
});

describe("checks from several regions", { timeout: 30_000 }, () => {
  it("calls an outage only when two of three regions agree, and shows each region to admins", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { confirmations: 1 });
    targets.set(url, { status: 200, delayMs: 10 }, "wnam");
    targets.set(url, { status: 200, delayMs: 60 }, "enam");
    targets.set(url, { status: 503 }, "weur");
    const T = Date.UTC(2030, 2, 1, 12, 0);
    await runCron(T);
    // One region failing is that region's problem, not the service's.
    expect((await publicComponent(component.id)).status).toBe("operational");
    const [first] = await results(component.id);
    expect(first).toMatchObject({ outcome: "operational", error: null });
    expect(first.latency_ms).toBeGreaterThanOrEqual(10); // the median of the two that answered 200
    expect(first.latency_ms).toBeLessThan(500);

    targets.set(url, { status: 503 }, "enam");
    await runCron(T + MINUTE);
    expect((await publicComponent(component.id)).status).toBe("major_outage");
    expect((await adminComponent(component.id)).last_error).toBe("unexpected HTTP 503 from 2 of 3 regions (enam, weur)");

    const view = await checksOf(component.id);
    expect(view).toMatchObject({ component_id: component.id, regions: ["wnam", "enam", "weur"], quorum: 2 });
    expect(view.checks.map((c: any) => [c.checked_at, c.status])).toEqual([
      [iso(T + MINUTE), "major_outage"],
      [iso(T), "operational"],
    ]);
    expect(view.checks[0].regions).toEqual([
      { region: "enam", status: "major_outage", latency_ms: expect.any(Number), error: "unexpected HTTP 503" },
      { region: "weur", status: "major_outage", latency_ms: expect.any(Number), error: "unexpected HTTP 503" },
      { region: "wnam", status: "operational", latency_ms: expect.any(Number), error: null },
    ]);
    expect((await checksOf(component.id, "?limit=1")).checks).toHaveLength(1);
    // The public page says where the latest check came from and what each place saw, without error text.
    const page = await (await call("GET", `/components/${component.id}`, { headers: { "cache-control": "no-cache" }, token: await adminToken() })).text();
    expect(page).toMatch(/Checked from 3 regions: eastern North America major outage \(\d+ ms\), western Europe major outage \(\d+ ms\), western North America operational \(\d+ ms\)\./);
    expect(page).not.toContain("unexpected HTTP 503");
    // The day's rollup holds the agreed results, one per round, not one per region.
    expect(await rollup(component.id)).toMatchObject([{ day: "2030-03-01", checks: 2, failures: 1 }]);
  });

  it("probes from a monitor's own regions with its own quorum, and refuses a configuration that cannot work", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { regions: ["apac", "weur"], quorum: 1, confirmations: 1 });
    targets.set(url, { status: 500 }, "apac");
    await runCron(Date.UTC(2030, 2, 2, 12, 0));
    expect(targets.requests.filter((r) => r.url === url).map((r) => r.headers.get("beacon-probe-region")).sort()).toEqual(["apac", "weur"]);
    expect((await publicComponent(component.id)).status).toBe("major_outage");
    expect(await checksOf(component.id)).toMatchObject({ regions: ["apac", "weur"], quorum: 1 });

    for (const monitor of [
      { regions: ["mars"] },
      { regions: ["weur", "weur"] },
      { regions: [] },
      { regions: ["weur", "enam"], quorum: 3 },
      { quorum: 0 },
      // No regions: the default three run, so four can never agree.
      { quorum: 4 },
    ]) {
      const res = await admin("POST", "/api/status/components", { name: "Bad regions", monitor: { type: "http", url, ...monitor } });
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe("validation_failed");
    }
    const beyondDefaults = await admin("PATCH", `/api/status/components/${component.id}`, { monitor: { ...component.monitor, regions: null, quorum: 4 } });
    expect(beyondDefaults.status).toBe(400);
    expect((await json(beyondDefaults)).error.details).toEqual([
      { path: "monitor.quorum", code: "quorum_above_regions", message: "must be at most the number of regions: with none given, this page's 3 (wnam, enam, weur)", limit: 3 },
    ]);
    expect(await checksOf(component.id)).toMatchObject({ regions: ["apac", "weur"], quorum: 1 });
    const atDefaults = await admin("PATCH", `/api/status/components/${component.id}`, { monitor: { ...component.monitor, regions: null, quorum: 3 } });
    expect(atDefaults.status).toBe(200);
    expect((await json(atDefaults)).monitor).toMatchObject({ regions: null, quorum: 3 });
    // Back as it was: later tests count the requests each region's probes have open at once.
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { monitor: component.monitor })).status).toBe(200);
    // The page's regions are CHECK_REGIONS when set: a quorum is held to them.
    const createOn = async (checkRegions: string, quorum: number) =>
      app.fetch(
        new Request(`${BASE}/api/status/components`, {
          method: "POST",
          headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
          body: JSON.stringify({ name: `Two regions ${quorum}`, monitor: { type: "http", url: targetUrl(), timeout_ms: 500, quorum } }),
        }),
        { ...env, CHECK_REGIONS: checkRegions },
        createExecutionContext(),
      );
    expect((await createOn("weur,apac", 3)).status).toBe(400);
    const accepted = await createOn("weur,apac", 2);
    expect(accepted.status).toBe(201);
    expect((await admin("DELETE", `/api/status/components/${(await json(accepted)).id}`)).status).toBe(204);
  });

  it("gives a round no data where the regions that answered cannot decide, and no outage from a silent region", async () => {
    const targets = fakeTargets();
    const [healthy, split] = [targetUrl(), targetUrl()];
    const a = await createMonitoredComponent(healthy, { confirmations: 1 });
    const b = await createMonitoredComponent(split, { confirmations: 1 });
    const onlyWeur = await createMonitoredComponent(targetUrl(), { regions: ["weur"], confirmations: 1 });
    const T = Date.UTC(2030, 2, 3, 12, 0);
    await runCron(T - MINUTE);
    targets.set(split, { status: 503 }, "wnam");
    // weur's probes never answer this round.
    await runCron(T, { CHECK_PROBE: silentRegion("weur") });

    expect((await publicComponent(a.id)).status).toBe("operational");
    expect((await results(a.id)).map((r: any) => [r.checked_at, r.outcome])).toEqual([
      [T - MINUTE, "operational"],
      [T, "operational"],
    ]);
    // One down, one up, one silent: neither up nor down. No result, so the minute is not counted.
    expect((await results(b.id)).map((r: any) => r.checked_at)).toEqual([T - MINUTE]);
    expect((await publicComponent(b.id)).status).toBe("operational");
    expect((await regionRows(b.id)).filter((r: any) => r.checked_at === T)).toEqual([
      { checked_at: T, region: "enam", outcome: "operational", latency_ms: expect.any(Number), error: null },
      { checked_at: T, region: "weur", outcome: "no_answer", latency_ms: null, error: "the probe did not answer" },
      { checked_at: T, region: "wnam", outcome: "major_outage", latency_ms: expect.any(Number), error: "unexpected HTTP 503" },
    ]);
    expect((await checksOf(b.id)).checks[0]).toMatchObject({ checked_at: iso(T), status: null });
    // A monitor whose only shard never answered has no data at all for the round, and shows no outage.
    expect((await results(onlyWeur.id)).map((r: any) => r.checked_at)).toEqual([T - MINUTE]);
    expect(await publicComponent(onlyWeur.id)).toMatchObject({ status: "operational", last_checked: iso(T - MINUTE) });
    const run = await env.DB.prepare("SELECT summary FROM check_runs WHERE scheduled_time = ?").bind(T).first<any>();
    expect(JSON.parse(run.summary)).toMatchObject({ unanswered: expect.any(Number) });
    expect(JSON.parse(run.summary).unanswered).toBeGreaterThan(0);

    targets.set(split, { status: 200 }, "wnam");
    await runCron(T + MINUTE);
    // Excluded time: the round without data is in neither the observed nor the downtime seconds.
    const [day] = await rollup(b.id);
    expect(day).toMatchObject({ checks: 2, major_seconds: 0 });
    expect(day.observed_seconds).toBeLessThan(120);
  });

  it("records no response time for a target no region could connect to; an answer, even a 503, keeps its time", async () => {
    const targets = fakeTargets();
    const [unreachable, failing, mixed] = [targetUrl(), targetUrl(), targetUrl()];
    // The runtime's own words for a DNS or connect failure, after the 12 ms it took to find out.
    targets.set(unreachable, { throws: "internal error; reference = 7f3a", delayMs: 12 });
    targets.set(failing, { status: 503, delayMs: 12 });
    targets.set(mixed, { status: 503, delayMs: 12 });
    targets.set(mixed, "refuse", "wnam");
    const a = await createMonitoredComponent(unreachable, { confirmations: 1 });
    const b = await createMonitoredComponent(failing, { confirmations: 1 });
    const c = await createMonitoredComponent(mixed, { confirmations: 1 });
    const T = Date.UTC(2030, 2, 6, 12, 0);
    await runCron(T);

    expect(await results(a.id)).toEqual([{ checked_at: T, outcome: "major_outage", latency_ms: null, error: "could not connect from 3 of 3 regions (wnam, enam, weur)", in_maintenance: 0 }]);
    expect((await regionRows(a.id)).map((r: any) => [r.region, r.outcome, r.latency_ms])).toEqual([
      ["enam", "major_outage", null],
      ["weur", "major_outage", null],
      ["wnam", "major_outage", null],
    ]);
    expect(await publicComponent(a.id)).toMatchObject({ status: "major_outage", latency_ms: null });
    expect((await json(await call("GET", "/api/status"))).components.find((x: any) => x.id === a.id)).toMatchObject({ status: "major_outage", latency_ms: null });
    expect((await checksOf(a.id)).checks[0]).toMatchObject({ status: "major_outage", latency_ms: null });
    // Nothing answered: no response time in the rollups, only a failed check.
    const buckets = (await env.DB.prepare("SELECT count, min_ms, max_ms, sum_ms, failed_checks FROM latency_rollups WHERE component_id = ?").bind(a.id).all<any>()).results;
    expect(buckets).toHaveLength(3); // a quarter hour, an hour and a day
    for (const bucket of buckets) expect(bucket).toEqual({ count: 0, min_ms: null, max_ms: null, sum_ms: 0, failed_checks: 1 });

    // A 503 is an answer: its time stays, agreed and per region.
    expect((await results(b.id))[0]).toMatchObject({ outcome: "major_outage", latency_ms: expect.any(Number), error: "unexpected HTTP 503 from 3 of 3 regions (wnam, enam, weur)" });
    expect((await results(b.id))[0].latency_ms).toBeGreaterThanOrEqual(12);
    expect(await publicComponent(b.id)).toMatchObject({ status: "major_outage", latency_ms: expect.any(Number) });
    // Two regions answered 503 and one could not connect: the time is that of the answers only.
    expect((await results(c.id))[0].latency_ms).toBeGreaterThanOrEqual(12);
    expect((await regionRows(c.id)).map((r: any) => [r.region, r.latency_ms === null])).toEqual([
      ["enam", false],
      ["weur", false],
      ["wnam", true],
    ]);
  });

  it("counts a shard delivered twice once, and checks it once", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url);
    const T = Date.UTC(2030, 2, 4, 12, 0);
    await runCron(T, { CHECK_PROBE: losingFirstAnswers() });
    // Each region's probe was asked twice (the first answer was lost) but checked the target once.
    expect(targets.requests.filter((r) => r.url === url)).toHaveLength(3);
    expect(await results(component.id)).toEqual([{ checked_at: T, outcome: "operational", latency_ms: expect.any(Number), error: null, in_maintenance: 0 }]);
    expect((await regionRows(component.id)).map((r: any) => r.region)).toEqual(["enam", "weur", "wnam"]);
    const run = await env.DB.prepare("SELECT summary FROM check_runs WHERE scheduled_time = ?").bind(T).first<any>();
    const summary = JSON.parse(run.summary);
    expect(summary.probeCalls).toBe(2 * summary.shards);
    expect(summary.unanswered).toBe(0);
  });

  it("keeps six hung targets from starving the other monitors and the platform checks", async () => {
    const targets = fakeTargets();
    const hung = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const url = targetUrl();
        targets.set(url, "hang");
        // The longest timeout goes first in a shard: these take all six connections before the others start.
        return createMonitoredComponent(url, { timeout_ms: 1500, confirmations: 1 });
      }),
    );
    const healthy = await Promise.all(Array.from({ length: 3 }, () => createMonitoredComponent(targetUrl(), { timeout_ms: 500, confirmations: 1 })));
    await runCron(Date.UTC(2030, 2, 5, 12, 0));

    for (const c of hung) expect((await publicComponent(c.id)).status).toBe("major_outage");
    // They waited 1.5 s for a connection, three times their timeout, and were still timed from their own start.
    for (const c of healthy) expect((await publicComponent(c.id)).status).toBe("operational");
    for (const id of [DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.database]) expect((await publicComponent(id)).status).toBe("operational");
    // No probe ever had more than the six connections production allows.
    for (const region of ["wnam", "enam", "weur"]) expect(targets.maxInFlight.get(region)).toBe(6);
  });

  it("shows the checks only to admins", async () => {
    const component = await createMonitoredComponent(targetUrl());
    const path = `/api/status/components/${component.id}/checks`;
    expect((await call("GET", path)).status).toBe(401);
    expect((await call("GET", path, { token: await adminToken({ role: "member" }) })).status).toBe(403);
    expect((await admin("GET", `/api/status/components/${crypto.randomUUID()}/checks`)).status).toBe(404);
    expect((await admin("GET", `${path}?limit=0`)).status).toBe(400);
    expect((await admin("GET", "/api/status/components/not-a-uuid/checks")).status).toBe(400);
  });
});

// Each test fires several cron runs; a loaded machine running the whole suite needs more than 5 s.
describe("the cron run", { timeout: 20_000 }, () => {
  it("checks every component, records results, and leaves unconfigured checks not monitored", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const monitor = await createMonitoredComponent(url, { keyword: "ok" });
    const T = Date.UTC(2031, 0, 1, 12, 0);
    await runCron(T);

    const api = await publicComponent(DEFAULT_COMPONENTS.api);
    expect(api).toMatchObject({ status: "operational", monitored: true, last_checked: iso(T), last_observed: iso(T) });
    expect((await publicComponent(DEFAULT_COMPONENTS.database)).monitored).toBe(true);
    for (const id of [DEFAULT_COMPONENTS.storage, DEFAULT_COMPONENTS.email, DEFAULT_COMPONENTS.auth]) {
      // No check could observe it: last_observed says so; last_checked (a time, as the seed's) is when its
      // status was last set.
      const component = await publicComponent(id);
      expect(component).toMatchObject({ monitored: false, status: "operational", last_observed: null });
      expect(component.last_checked).toMatch(/Z$/);
      expect((await results(id)).at(-1).outcome).toBe("not_monitored");
    }
    // A component nothing checks and nothing moved: its status was set when it was made, whatever was edited since.
    const plain = await json(await admin("POST", "/api/status/components", { name: `Plain ${crypto.randomUUID()}` }));
    await new Promise((resume) => setTimeout(resume, 1_100));
    expect((await admin("PATCH", `/api/status/components/${plain.id}`, { name: `Renamed ${crypto.randomUUID()}` })).status).toBe(200);
    const renamed = await publicComponent(plain.id);
    expect(renamed.last_checked).toBe(renamed.created_at);
    expect(renamed.updated_at).not.toBe(renamed.created_at);
    expect(await results(monitor.id)).toEqual([{ checked_at: T, outcome: "operational", latency_ms: expect.any(Number), error: null, in_maintenance: 0 }]);
    // The monitor was asked exactly as configured, once from each default region; the API check ran
    // in-process, not over the network.
    const sent = targets.requests.filter((r) => r.url === url);
    expect(sent.map((r) => r.headers.get("beacon-probe-region")).sort()).toEqual(["enam", "weur", "wnam"]);
    expect(sent.every((r) => r.method === "GET" && r.headers.get("user-agent") === "Beacon-Monitor/1.0")).toBe(true);
    expect(targets.requests.some((r) => r.url.includes("healthz"))).toBe(false);
    // Its first result opens today's rollup; the time it stands for is counted when the next one arrives.
    expect(await rollup(monitor.id)).toMatchObject([{ day: "2031-01-01", checks: 1, observed_seconds: 0 }]);
    await runCron(T + MINUTE);
    expect(await rollup(monitor.id)).toMatchObject([{ day: "2031-01-01", checks: 2, observed_seconds: 60, major_seconds: 0 }]);
  });

  it("cuts a target that never answers at its timeout while the others finish", async () => {
    const targets = fakeTargets();
    const [silent, trickling, healthy] = [targetUrl(), targetUrl(), targetUrl()];
    targets.set(silent, "hang");
    targets.set(trickling, "hang-body");
    const a = await createMonitoredComponent(silent, { timeout_ms: 500 });
    const b = await createMonitoredComponent(trickling, { timeout_ms: 500 });
    const c = await createMonitoredComponent(healthy);
    const T = Date.UTC(2031, 0, 2, 12, 0);
    await runCron(T);

    const timedOut = "timed out after 500 ms from 3 of 3 regions (wnam, enam, weur)";
    expect((await results(a.id))[0]).toMatchObject({ outcome: "major_outage", error: timedOut });
    expect((await results(b.id))[0]).toMatchObject({ outcome: "major_outage", error: timedOut });
    expect((await results(c.id))[0]).toMatchObject({ outcome: "operational", error: null });
    expect((await results(DEFAULT_COMPONENTS.database)).at(-1).checked_at).toBe(T);
    expect((await adminComponent(a.id)).last_error).toBe(timedOut);
  });

  it("needs N agreeing results to move a status, backdated to the first, and records the change", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url);
    const T = Date.UTC(2031, 0, 3, 12, 0);
    const at = (i: number) => T + i * MINUTE;

    // fail, pass, fail, pass: never two failures in a row, so nothing moves.
    for (const [i, status] of [503, 200, 503, 200].entries()) {
      targets.set(url, { status });
      await runCron(at(i));
      expect((await publicComponent(component.id)).status).toBe("operational");
    }
    targets.set(url, { status: 500 });
    await runCron(at(4));
    expect((await publicComponent(component.id)).status).toBe("operational");
    await runCron(at(5));
    expect((await publicComponent(component.id)).status).toBe("major_outage");
    expect(await changes(component.id)).toEqual([{ from_status: "operational", to_status: "major_outage", source: "monitor", at: at(4) }]);
    const event = await env.DB.prepare("SELECT type, payload FROM events WHERE type = 'component.status' AND component_ids LIKE ?").bind(`%${component.id}%`).first<any>();
    expect(JSON.parse(event.payload)).toMatchObject({ from: "operational", to: "major_outage", source: "monitor" });

    // Recovery also needs two passes.
    targets.set(url, { status: 200 });
    await runCron(at(6));
    expect((await publicComponent(component.id)).status).toBe("major_outage");
    await runCron(at(7));
    expect((await publicComponent(component.id)).status).toBe("operational");
    expect((await changes(component.id)).at(-1)).toEqual({ from_status: "major_outage", to_status: "operational", source: "monitor", at: at(6) });
  });

  it("honours a component's own confirmations, expected statuses, keyword and latency threshold", async () => {
    const targets = fakeTargets();
    const [once, teapot, keyword, slow] = [targetUrl(), targetUrl(), targetUrl(), targetUrl()];
    const a = await createMonitoredComponent(once, { confirmations: 1 });
    const d = await createMonitoredComponent(slow, { degraded_latency_ms: 20, confirmations: 1 });
    targets.set(slow, { status: 200, delayMs: 100 });
    const b = await createMonitoredComponent(teapot, { expected_status: [418] });
    const c = await createMonitoredComponent(keyword, { keyword: "all good" });
    targets.set(once, { status: 500 });
    targets.set(teapot, { status: 418 });
    targets.set(keyword, { status: 200, body: "something is off" });
    await runCron(Date.UTC(2031, 0, 4, 12, 0));
    expect((await publicComponent(a.id)).status).toBe("major_outage");
    expect((await results(b.id))[0].outcome).toBe("operational");
    expect((await results(c.id))[0]).toMatchObject({ outcome: "major_outage", error: "keyword not found in the response from 3 of 3 regions (wnam, enam, weur)" });
    expect(await publicComponent(d.id)).toMatchObject({ status: "degraded", latency_ms: expect.any(Number) });
    // Redirects are followed, so an expected 2xx is the page a redirect leads to...
    expect(targets.requests.find((r) => r.url === once)!.redirect).toBe("follow");
  });

  it("compares a redirect itself when the expected statuses list a 3xx, without following it", async () => {
    const targets = fakeTargets();
    const [login, moved] = [targetUrl(), targetUrl()];
    const a = await createMonitoredComponent(login, { expected_status: [302], confirmations: 1 });
    const b = await createMonitoredComponent(moved, { expected_status: [200, 301], confirmations: 1 });
    targets.spy.mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init as RequestInit);
      targets.requests.push(request);
      // A login page that sends readers on; followed, it would end at the landing page's 200.
      if (request.redirect === "follow") return new Response("landing", { status: 200 });
      return new Response(null, { status: request.url === login ? 302 : 301, headers: { location: "/landing" } });
    });
    await runCron(Date.UTC(2031, 0, 4, 13, 0));
    expect((await results(a.id))[0]).toMatchObject({ outcome: "operational", error: null });
    expect((await results(b.id))[0]).toMatchObject({ outcome: "operational", error: null });
    expect(targets.requests.filter((r) => r.url === login).map((r) => r.redirect)).toEqual(["manual", "manual", "manual"]);
  });

  it("checks a monitor added to an existing component with PATCH, and stops when it is removed", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 500 });
    const created = await json(await admin("POST", "/api/status/components", { name: `Plain ${crypto.randomUUID().slice(0, 8)}` }));
    const T = Date.UTC(2031, 0, 7, 12, 0);
    await runCron(T);
    expect(await results(created.id)).toEqual([]);

    const patched = await admin("PATCH", `/api/status/components/${created.id}`, { monitor: { type: "http", url, confirmations: 1 } });
    expect(patched.status).toBe(200);
    // Monitored from now on, with no result yet: the page says it awaits its first check.
    expect(await json(patched)).toMatchObject({ check: "http", monitored: true });
    expect(await publicComponent(created.id)).toMatchObject({ status: "operational", monitored: true, last_observed: null, last_checked: expect.stringMatching(/Z$/) });
    const row = (html: string) => new RegExp(`<li class="comp" data-component="${created.id}">((?!</li>)[\\s\\S])*`).exec(html)![0];
    const awaiting = row(await (await call("GET", "/")).text());
    expect(awaiting).toContain("awaiting first check");
    expect(awaiting).not.toContain("not monitored");
    expect(await (await call("GET", `/components/${created.id}`)).text()).toContain("Monitored, awaiting its first automatic check");
    await runCron(T + MINUTE);
    expect(await publicComponent(created.id)).toMatchObject({ status: "major_outage", monitored: true });
    expect(row(await (await call("GET", "/")).text())).not.toContain("awaiting first check");

    expect((await admin("PATCH", `/api/status/components/${created.id}`, { monitor: null })).status).toBe(200);
    expect(await publicComponent(created.id)).toMatchObject({ status: "operational", monitored: false });
    await runCron(T + 2 * MINUTE);
    expect((await results(created.id)).map((r: any) => r.checked_at)).toEqual([T + MINUTE]);
  });

  it("does nothing the second time the same scheduled time is delivered", async () => {
    fakeTargets();
    const component = await createMonitoredComponent(targetUrl());
    const T = Date.UTC(2031, 0, 5, 12, 0);
    await runCron(T);
    await runCron(T + MINUTE);
    const before = { results: await results(component.id), rollup: await rollup(component.id), view: await adminComponent(component.id) };
    await runCron(T + MINUTE);
    expect(await results(component.id)).toEqual(before.results);
    expect(await rollup(component.id)).toEqual(before.rollup);
    expect(await adminComponent(component.id)).toEqual(before.view);
  });

  it("does not check twice when a run starts while the previous one is still going", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, "hang");
    // The hanging check keeps the first run busy for 5 s: the second run must start inside that window.
    const component = await createMonitoredComponent(url, { timeout_ms: 5000 });
    const T = Date.UTC(2031, 0, 6, 12, 0);
    const first = runCron(T);
    await vi.waitFor(() => expect(targets.requests.some((r) => r.url === url)).toBe(true), { timeout: 2500 });
    await runCron(T + MINUTE);
    await first;
    expect((await results(component.id)).map((r: any) => r.checked_at)).toEqual([T]);
    expect(targets.requests.filter((r) => r.url === url)).toHaveLength(3); // once per region
    // Once it has finished, the next run checks again.
    targets.set(url, { status: 200 });
    await runCron(T + 2 * MINUTE);
    expect((await results(component.id)).map((r: any) => r.checked_at)).toEqual([T, T + 2 * MINUTE]);
  });

  it("prunes raw results past the retention and keeps the rollups", async () => {
    fakeTargets();
    const component = await createMonitoredComponent(targetUrl());
    // Retention counts from the wall clock: results from eight days before today's noon are past seven days.
    const T = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 12 * 3_600_000;
    const old = T - 8 * 86_400_000;
    await runCron(old, { CHECK_RETENTION_DAYS: "30" });
    await runCron(old + MINUTE, { CHECK_RETENTION_DAYS: "30" });
    expect(await results(component.id)).toHaveLength(2);
    await runCron(T, { CHECK_RETENTION_DAYS: "7" });
    expect((await results(component.id)).map((r: any) => r.checked_at)).toEqual([T]);
    // What each region saw goes with them.
    const regionTimes = (await env.DB.prepare("SELECT DISTINCT checked_at FROM check_region_results WHERE component_id = ?").bind(component.id).all<any>()).results;
    expect(regionTimes.map((r: any) => r.checked_at)).toEqual([T]);
    // The run at T closes the last old result: it stands for its capped 90 s, however late the next one comes.
    expect((await rollup(component.id))[0]).toMatchObject({ observed_seconds: 150, checks: 2 });
  });
});

describe("uptime through the recorded path", { timeout: 20_000 }, () => {
  it("counts a failure's capped span when the next result comes after missed runs (1 - 90/210 = 57.14)", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { confirmations: 1 });
    const T = Date.UTC(2031, 2, 3, 12, 0);
    await runCron(T);
    targets.set(url, { status: 500 });
    await runCron(T + MINUTE);
    // Nine runs are missed; the service is back by the next one.
    targets.set(url, { status: 200 });
    await runCron(T + 10 * MINUTE);
    await runCron(T + 11 * MINUTE);
    const [day] = await rollup(component.id);
    expect(day).toMatchObject({ day: "2031-03-03", observed_seconds: 210, major_seconds: 90, checks: 4, worst_status: "major_outage" });
    // The same figure the formula's own test expects for this case.
    expect(uptimePercent({ observedSeconds: day.observed_seconds, partialSeconds: day.partial_seconds, majorSeconds: day.major_seconds })).toBe(57.14);
  });

  it("looks maintenance up over the whole span it closes, however late the next result is", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { confirmations: 1 });
    const T = Date.UTC(2031, 2, 4, 12, 0);
    // A window covers the component for the minute after the failure, and ended long before the next run.
    await env.DB.batch([
      env.DB.prepare("INSERT INTO maintenances (id, title, status, scheduled_start, scheduled_end, started_at, completed_at, created_at, updated_at) VALUES (?, 'Past window', 'completed', ?, ?, ?, ?, ?, ?)").bind(
        component.id, T + 60_000, T + 120_000, T + 60_000, T + 120_000, T, T,
      ),
      env.DB.prepare("INSERT INTO maintenance_components (maintenance_id, component_id) VALUES (?, ?)").bind(component.id, component.id),
    ]);
    targets.set(url, { status: 500 });
    await runCron(T + 30_000);
    targets.set(url, { status: 200 });
    await runCron(T + 30 * MINUTE);
    // 30 s of outage before the window, 60 s inside it (not downtime); nothing counted past the 90 s cap.
    expect((await rollup(component.id))[0]).toMatchObject({ observed_seconds: 30, major_seconds: 30, maintenance_seconds: 60 });
  });
});

describe("rounds that arrive late", { timeout: 30_000 }, () => {
  const incidentStatuses = async (componentId: string) =>
    (
      await env.DB.prepare("SELECT i.status FROM incidents i JOIN incident_components l ON l.incident_id = i.id WHERE l.component_id = ? ORDER BY i.created_at")
        .bind(componentId)
        .all<any>()
    ).results.map((i: any) => i.status);

  it("change nothing for a component that already has a newer result", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { confirmations: 1 });
    const T0 = Date.UTC(2031, 2, 5, 12, 0);
    // Eleven rounds a minute apart, failing at minutes 2 to 4: 180 s down of 600 s; the automatic incident
    // opens at minute 4 and resolves after five passing minutes.
    for (let k = 0; k <= 10; k++) {
      targets.set(url, { status: k >= 2 && k <= 4 ? 503 : 200 });
      await runCron(T0 + k * MINUTE);
    }
    const snapshot = async () => ({
      results: await results(component.id),
      regions: await regionRows(component.id),
      rollup: await rollup(component.id),
      latency: (await env.DB.prepare("SELECT * FROM latency_rollups WHERE component_id = ? ORDER BY span_ms, start").bind(component.id).all<any>()).results,
      changes: await changes(component.id),
      view: await adminComponent(component.id),
      incidents: await incidentStatuses(component.id),
    });
    const before = await snapshot();
    expect(before.rollup).toMatchObject([{ observed_seconds: 600, major_seconds: 180 }]);
    expect(before.incidents).toEqual(["resolved"]);
    expect(before.view).toMatchObject({ monitored_status: "operational", last_checked: iso(T0 + 10 * MINUTE) });

    // A round scheduled between two recorded ones, then three failing ones, all delivered after the newest.
    targets.set(url, { status: 200 });
    await runCron(T0 + 150_000);
    targets.set(url, { status: 503 });
    for (const late of [T0 + 450_000, T0 + 510_000, T0 + 570_000, T0 + 10 * MINUTE - 40 * 86_400_000]) await runCron(late);

    // No span counted twice, no status or last check moved back, no incident reopened.
    expect(await snapshot()).toEqual(before);
    expect((await publicComponent(component.id)).status).toBe("operational");

    // The next round in order counts exactly its own minute.
    targets.set(url, { status: 200 });
    await runCron(T0 + 11 * MINUTE);
    expect(await rollup(component.id)).toMatchObject([{ observed_seconds: 660, major_seconds: 180 }]);
  });

  it("builds its batch again without a component whose newer result landed after the round read it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const component = await createMonitoredComponent(url, { confirmations: 1, regions: ["weur"], quorum: 1 });
    const at = Date.UTC(2031, 2, 6, 12, 0);
    const newer = at + 30_000;
    // A newer round's result for the component lands first.
    const { db, batches } = actingBeforeFirstWrite(/write_guards/, async () => {
      await env.DB.prepare("INSERT INTO check_results (component_id, checked_at, outcome, in_maintenance) VALUES (?, ?, 'operational', 0)").bind(component.id, newer).run();
    });
    const round = await startCheckRound(env, db, at);
    await round.record(at);
    expect(batches()).toBe(2);
    expect((await results(component.id)).map((r: any) => r.checked_at)).toEqual([newer]);
    expect(await rollup(component.id)).toEqual([]);
    expect(await adminComponent(component.id)).toMatchObject({ monitored_status: "operational", last_checked: null });
    expect(await changes(component.id)).toEqual([]);
  });
});

describe("maintenance on time", { timeout: 20_000 }, () => {
  it("starts and completes a window, shows under_maintenance, and keeps its failures out of downtime", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 500 });
    const component = await createMonitoredComponent(url);
    const T = Date.UTC(2031, 1, 1, 12, 0);
    const res = await admin("POST", "/api/status/maintenance", {
      title: "Database upgrade",
      scheduled_start: T + 30_000,
      scheduled_end: T + 150_000,
      components: [component.id],
    });
    expect(res.status).toBe(201);
    const maintenance = await json(res);

    await runCron(T);
    expect((await publicComponent(component.id)).status).toBe("operational");
    await runCron(T + MINUTE);
    expect((await publicComponent(component.id)).status).toBe("under_maintenance");
    let listed = await json(await call("GET", "/api/status/maintenance"));
    expect(listed.maintenance_windows.find((m: any) => m.id === maintenance.id)).toMatchObject({ status: "in_progress", started_at: iso(T + 30_000) });
    await runCron(T + 2 * MINUTE);
    expect((await publicComponent(component.id)).status).toBe("under_maintenance");
    await runCron(T + 3 * MINUTE);
    // The window is over and the service is still failing: the page says so at once.
    expect((await publicComponent(component.id)).status).toBe("major_outage");

    expect((await results(component.id)).map((r: any) => r.in_maintenance)).toEqual([0, 1, 1, 0]);
    expect((await rollup(component.id))[0]).toMatchObject({ observed_seconds: 60, major_seconds: 60, maintenance_seconds: 120 });
    expect(await changes(component.id)).toEqual([
      { from_status: "operational", to_status: "under_maintenance", source: "maintenance", at: T + 30_000 },
      { from_status: "under_maintenance", to_status: "major_outage", source: "maintenance", at: T + 150_000 },
    ]);
    const types = (await env.DB.prepare("SELECT type FROM events WHERE payload LIKE ? ORDER BY created_at").bind(`%${maintenance.id}%`).all<any>()).results.map((e: any) => e.type);
    expect(types).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.completed"]);
  });
});

describe("POST /api/status/health-check", { timeout: 20_000 }, () => {
  it("runs every check now and answers with each component's status", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 502 });
    const component = await createMonitoredComponent(url);
    const unwatched = await json(await admin("POST", "/api/status/components", { name: `Unwatched ${crypto.randomUUID()}` }));
    const res = await admin("POST", "/api/status/health-check");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.message).toEqual(expect.any(String));
    // The seed's four statuses only: a component no check observes reads as it stands; details say why.
    expect(body.results).toMatchObject({
      API: "operational",
      Database: "operational",
      "File Storage": "operational",
      "Email Service": "operational",
      Authentication: "operational",
      [component.name]: "major_outage",
    });
    expect(body.details.find((d: any) => d.name === "File Storage")).toMatchObject({ status: "not_monitored", error: expect.stringContaining("S3") });
    // Every component in results has its details, one nothing watches too.
    expect(body.details.map((d: any) => d.name)).toEqual(Object.keys(body.results));
    expect(body.details.find((d: any) => d.component_id === unwatched.id)).toEqual({
      component_id: unwatched.id,
      name: unwatched.name,
      status: "not_monitored",
      latency_ms: null,
      error: "no check configured: add a monitor to have it checked",
      recorded: false,
    });
    expect(body.recorded).toBe(true);
    expect(body.details.find((d: any) => d.component_id === component.id).recorded).toBe(true);
    expect((await adminComponent(component.id)).last_error).toBe("unexpected HTTP 502 from 3 of 3 regions (wnam, enam, weur)");
    expect(body.details.find((d: any) => d.component_id === component.id).regions).toEqual(
      ["wnam", "enam", "weur"].map((region) => ({ region, status: "major_outage", latency_ms: expect.any(Number), error: "unexpected HTTP 502" })),
    );
  });

  it("says it recorded nothing when every component already has a newer result, as after rounds played ahead", async () => {
    const targets = fakeTargets();
    const component = await createMonitoredComponent(targetUrl());
    const ahead = Math.floor(Date.now() / MINUTE) * MINUTE + 3 * MINUTE;
    await runCron(ahead);
    expect((await adminComponent(component.id)).last_checked).toBe(iso(ahead));

    const body = await json(await admin("POST", "/api/status/health-check"));
    expect(body.recorded).toBe(false);
    expect(body.message).toBe("Health check completed; every component already has a newer result, so these results were not recorded");
    expect(body.details.every((d: any) => d.recorded === false)).toBe(true);
    expect(body.results[component.name]).toBe("operational");
    expect(targets.requests.length).toBeGreaterThan(0);
    expect((await adminComponent(component.id)).last_checked).toBe(iso(ahead));
  });

  it("refuses anyone who is not an admin", async () => {
    expect((await call("POST", "/api/status/health-check")).status).toBe(401);
    expect((await call("POST", "/api/status/health-check", { token: await adminToken({ ttlSeconds: -120 }) })).status).toBe(401);
    expect((await call("POST", "/api/status/health-check", { token: "not.a.jwt" })).status).toBe(401);
    expect((await call("POST", "/api/status/health-check", { token: await adminToken({ role: "member" }) })).status).toBe(403);
  });
});

describe("the built-in checks", () => {
  const target = (checkKind: "storage" | "email" | "auth" | "api") => ({ id: "x", name: "x", checkKind, monitor: null });

  it("signs a HeadBucket for file storage with aws4fetch and no retries", async () => {
    const targets = fakeTargets();
    targets.set("https://s3.example.test/beacon-assets", { status: 503 });
    const config = { S3_ENDPOINT: "https://s3.example.test", S3_BUCKET: "beacon-assets", S3_REGION: "eu-west-1", S3_ACCESS_KEY_ID: "AKIDEXAMPLE", S3_SECRET_ACCESS_KEY: "secret" };
    const result = await runCheck({ ...env, ...config }, target("storage"));
    expect(result).toMatchObject({ outcome: "major_outage", error: "HTTP 503" });
    expect(targets.requests).toHaveLength(1); // a 503 is not retried
    const [sent] = targets.requests;
    expect(sent!.method).toBe("HEAD");
    expect(sent!.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
    expect(await runCheck(env, target("storage"))).toMatchObject({ outcome: "not_monitored" });
  });

  it("reads Resend's API with the configured key; a sending-only key still proves it is up", async () => {
    const targets = fakeTargets();
    targets.set("https://api.resend.com/domains", { status: 401, body: '{"name":"restricted_api_key","message":"This API key is restricted to only send emails"}' });
    const result = await runCheck({ ...env, RESEND_API_KEY: "re_test_123" }, target("email"));
    expect(result.outcome).toBe("operational");
    expect(targets.requests[0]!.headers.get("authorization")).toBe("Bearer re_test_123");
    targets.set("https://api.resend.com/domains", { status: 401, body: '{"name":"validation_error"}' });
    expect((await runCheck({ ...env, RESEND_API_KEY: "re_bad" }, target("email"))).outcome).toBe("major_outage");
    // RESEND_API_URL moves the check with the sender, to the same base.
    targets.set("http://127.0.0.1:8852/resend/domains", { status: 200, body: '{"data":[]}' });
    const local = await runCheck({ ...env, RESEND_API_KEY: "re_test_123", RESEND_API_URL: "http://127.0.0.1:8852/resend/" }, target("email"));
    expect(local.outcome).toBe("operational");
    expect(targets.requests.at(-1)!.url).toBe("http://127.0.0.1:8852/resend/domains");
  });

  it("reports a partial outage when one of Clerk's two endpoints fails", async () => {
    const targets = fakeTargets();
    const jwks = JSON.stringify({ keys: [{ kid: "k1", kty: "RSA" }] });
    targets.set("https://clerk.example.test/.well-known/jwks.json", { status: 200, body: jwks });
    targets.set("https://api.clerk.com/v1/jwks", { status: 500 });
    const config = { CLERK_JWKS_URL: "https://clerk.example.test/.well-known/jwks.json", CLERK_SECRET_KEY: "sk_test_123" };
    expect(await runCheck({ ...env, ...config }, target("auth"))).toMatchObject({ outcome: "partial_outage", error: "HTTP 500" });
    targets.set("https://api.clerk.com/v1/jwks", { status: 200, body: jwks });
    expect((await runCheck({ ...env, ...config }, target("auth"))).outcome).toBe("operational");
    expect(targets.requests.find((r) => r.url === "https://api.clerk.com/v1/jwks")!.headers.get("authorization")).toBe("Bearer sk_test_123");
  });

  it("probes the listed API URLs when API_HEALTH_URL is set; some failing is a partial outage", async () => {
    const targets = fakeTargets();
    targets.set("https://eu.api.example.test/healthz", { status: 200 });
    targets.set("https://us.api.example.test/healthz", "refuse");
    const config = { API_HEALTH_URL: "https://eu.api.example.test/healthz, https://us.api.example.test/healthz" };
    expect((await runCheck({ ...env, ...config }, target("api"))).outcome).toBe("partial_outage");
    targets.set("https://us.api.example.test/healthz", { status: 200 });
    expect((await runCheck({ ...env, ...config }, target("api"))).outcome).toBe("operational");
  });

  it("shares the invocation's six connections among the platform checks, each timed from when its request starts", async () => {
    const targets = fakeTargets();
    const hung = Array.from({ length: 5 }, (_, i) => `https://api-${i}.example.test/healthz`);
    for (const url of hung) targets.set(url, "hang");
    const jwks = JSON.stringify({ keys: [{ kid: "k1", kty: "RSA" }] });
    targets.set("https://clerk.example.test/.well-known/jwks.json", { status: 200, body: jwks });
    targets.set("https://api.clerk.com/v1/jwks", { status: 200, body: jwks });
    const config = {
      API_HEALTH_URL: hung.join(","),
      CHECK_TIMEOUT_MS: "500",
      RESEND_API_KEY: "re_test_123",
      CLERK_JWKS_URL: "https://clerk.example.test/.well-known/jwks.json",
      CLERK_SECRET_KEY: "sk_test_123",
      S3_ENDPOINT: "https://s3.example.test",
      S3_BUCKET: "beacon-assets",
      S3_ACCESS_KEY_ID: "AKIDEXAMPLE",
      S3_SECRET_ACCESS_KEY: "secret",
    };
    const kinds = ["api", "database", "storage", "email", "auth"] as const;
    const results = await runChecks({ ...env, ...config }, kinds.map((checkKind) => ({ id: checkKind, name: checkKind, checkKind, monitor: null })));
    // Nine requests, never more than six waiting at once, as production allows one invocation.
    expect(targets.maxInFlight.get("")).toBe(6);
    expect(results.get("api")).toEqual({ outcome: "major_outage", latencyMs: null, error: "timed out after 500 ms" });
    // The others waited for the hung ones' connections and were still timed from their own start: not an outage.
    for (const kind of ["database", "storage", "email", "auth"]) expect(results.get(kind)?.outcome, kind).toBe("operational");
    expect(targets.requests).toHaveLength(9);
  });

  it("forgets what a check saw once its configuration is gone, so it comes back as a new check", async () => {
    const targets = fakeTargets();
    const resend = "https://api.resend.com/domains";
    const withKey = { RESEND_API_KEY: "re_test_123" };
    const T = Date.UTC(2031, 5, 1, 12, 0);
    targets.set(resend, { status: 503 });
    await runCron(T, withKey);
    await runCron(T + MINUTE, withKey);
    expect((await publicComponent(DEFAULT_COMPONENTS.email)).status).toBe("major_outage");
    // The key is taken away: nothing observes the service, so its checks say nothing about it.
    await runCron(T + 2 * MINUTE);
    expect(await publicComponent(DEFAULT_COMPONENTS.email)).toMatchObject({ status: "operational", monitored: false });
    expect(await adminComponent(DEFAULT_COMPONENTS.email)).toMatchObject({ monitored: false, monitored_status: "operational" });
    // Put back with the service answering: operational, and no outage is announced on the way.
    targets.set(resend, { status: 200, body: '{"data":[]}' });
    await runCron(T + 3 * MINUTE, withKey);
    expect(await publicComponent(DEFAULT_COMPONENTS.email)).toMatchObject({ status: "operational", monitored: true });
    expect((await changes(DEFAULT_COMPONENTS.email)).filter((c: any) => c.at >= T)).toEqual([
      { from_status: "operational", to_status: "major_outage", source: "monitor", at: T },
      { from_status: "major_outage", to_status: "operational", source: "monitor", at: T + 2 * MINUTE },
    ]);
    // Put back failing, it is a new failure: confirmed as any other, dated to its first result.
    targets.set(resend, { status: 503 });
    await runCron(T + 4 * MINUTE);
    await runCron(T + 5 * MINUTE, withKey);
    expect((await publicComponent(DEFAULT_COMPONENTS.email)).status).toBe("operational");
    await runCron(T + 6 * MINUTE, withKey);
    expect((await publicComponent(DEFAULT_COMPONENTS.email)).status).toBe("major_outage");
    expect((await changes(DEFAULT_COMPONENTS.email)).at(-1)).toEqual({ from_status: "operational", to_status: "major_outage", source: "monitor", at: T + 5 * MINUTE });
    await runCron(T + 7 * MINUTE);
  });

  it("turns probes into a status: slow is degraded, some failing partial, all failing major", () => {
    const ok = (latencyMs: number) => ({ ok: true, latencyMs });
    const failed = { ok: false, latencyMs: 10, error: "HTTP 500" };
    expect(combineProbes([ok(100), ok(200)], 1000)).toEqual({ outcome: "operational", latencyMs: 200, error: null });
    expect(combineProbes([ok(100), ok(1200)], 1000)).toEqual({ outcome: "degraded", latencyMs: 1200, error: "slower than 1000 ms" });
    expect(combineProbes([ok(100), failed], 1000)).toMatchObject({ outcome: "partial_outage", error: "HTTP 500" });
    expect(combineProbes([failed, failed], 1000)).toMatchObject({ outcome: "major_outage" });
    // A probe that got no response has no time: the check's is that of the probes that got one, or none.
    const unanswered = { ok: false, latencyMs: null, error: "could not connect" };
    expect(combineProbes([ok(100), unanswered], 1000)).toMatchObject({ outcome: "partial_outage", latencyMs: 100 });
    expect(combineProbes([unanswered, unanswered], 1000)).toEqual({ outcome: "major_outage", latencyMs: null, error: "could not connect" });
  });
});

describe("planning a round", () => {
  const monitor = (timeout_ms: number, regions: string[] | null = null) =>
    ({ type: "http", url: "https://x.example.test", method: "GET", expected_status: null, keyword: null, timeout_ms, degraded_latency_ms: null, regions }) as any;

  it("shards every monitor in each of its regions so six connections finish a shard within the budget", () => {
    const tasks = Array.from({ length: 2000 }, (_, i) => ({ componentId: `m${i}`, monitor: monitor(i % 10 === 0 ? 30_000 : 10_000, i % 7 === 0 ? ["apac"] : null) }));
    const shards = planShards(tasks, ["wnam", "enam", "weur"]);
    for (const shard of shards) {
      const slowest = Math.max(...shard.tasks.map((t) => t.monitor.timeout_ms));
      // Even if every check runs to its timeout, six at a time, the shard ends within the budget.
      expect(Math.ceil(shard.tasks.length / 6) * slowest).toBeLessThanOrEqual(SHARD_BUDGET_MS);
      expect(shard.worstCaseMs).toBeLessThanOrEqual(SHARD_BUDGET_MS);
    }
    const placed = shards.flatMap((s) => s.tasks.map((t) => `${s.region} ${t.componentId}`));
    const expected = tasks.flatMap((t) => (t.monitor.regions ?? ["wnam", "enam", "weur"]).map((r: string) => `${r} ${t.componentId}`));
    expect(placed.sort()).toEqual(expected.sort());
    expect(new Set(shards.map((s) => s.key)).size).toBe(shards.length);
  });

  it("agrees on a round from what the regions saw", () => {
    const r = (region: string, outcome: any, latencyMs: number | null = 100, error: string | null = null) => ({ region, outcome, latencyMs, error });
    const up = [r("wnam", "operational", 100), r("enam", "operational", 300), r("weur", "operational", 200)];
    expect(agreeOnRound(up, 2, null)).toMatchObject({ outcome: "operational", latencyMs: 200 });
    expect(agreeOnRound(up, 2, 150)).toMatchObject({ outcome: "degraded", error: "slower than 150 ms" });
    const twoDown = [r("wnam", "major_outage", 5, "timed out"), r("enam", "major_outage", 5, "timed out"), r("weur", "operational")];
    expect(agreeOnRound(twoDown, 2, null)).toMatchObject({ outcome: "major_outage", error: "timed out from 2 of 3 regions (wnam, enam)" });
    // A quorum of all three: the one region that saw it up proves it is not down everywhere.
    expect(agreeOnRound(twoDown, 3, null)).toMatchObject({ outcome: "operational", latencyMs: 100 });
    expect(agreeOnRound([r("wnam", "major_outage"), r("enam", "operational"), r("weur", "no_answer", null)], 2, null)).toBeNull();
    expect(agreeOnRound([r("wnam", "operational"), r("enam", "operational"), r("weur", "no_answer", null)], 2, null)).toMatchObject({ outcome: "operational" });
    expect(agreeOnRound([r("wnam", "no_answer", null), r("enam", "no_answer", null), r("weur", "operational")], 2, null)).toBeNull();
  });
});
