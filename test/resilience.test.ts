import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { renderCacheStats } from "../src/snapshot/respond";
import { forgetLocalSnapshot } from "../src/snapshot/store";
import { admin, adminToken, BASE, call, createIncident, json } from "./support/api";

afterEach(() => vi.restoreAllMocks());

const outage = () => {
  throw new Error("D1_ERROR: Network connection lost.");
};

/** D1 down: every statement fails the way a D1 outage surfaces, on the binding and on its sessions. */
function breakD1() {
  vi.spyOn(env.DB, "prepare").mockImplementation(outage);
  vi.spyOn(env.DB, "batch").mockImplementation(outage);
  vi.spyOn(env.DB, "withSession").mockImplementation(() => ({ prepare: outage, batch: outage, getBookmark: () => null }) as unknown as D1DatabaseSession);
}

/** Counts statements prepared against D1 (directly or through a session) while public reads are served. */
function countD1() {
  const counter = { count: 0 };
  const withSession = env.DB.withSession.bind(env.DB);
  vi.spyOn(env.DB, "withSession").mockImplementation((constraint?: string) => {
    const session = withSession(constraint);
    return new Proxy(session, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "prepare") counter.count++;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  });
  const prepare = env.DB.prepare.bind(env.DB);
  vi.spyOn(env.DB, "prepare").mockImplementation((query: string) => {
    counter.count++;
    return prepare(query);
  });
  return counter;
}

const PUBLIC_READS = ["/api/status", "/api/status/incidents?days=365", "/api/status/maintenance", "/api/status/rss"];

describe("public reads without D1", () => {
  it("serve a warm hit with no D1 query", async () => {
    const incident = await createIncident({ title: "Warm hit probe" });
    await call("GET", "/api/status");
    const d1 = countD1();
    for (const path of [...PUBLIC_READS, `/api/status/components/${incident.affected_components[0].id}`]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-d1-queries"), path).toBe("0");
    }
    expect(d1.count).toBe(0);
  });

  it("keep answering 200 from the last-known-good snapshot while D1 is down, even in a fresh isolate", async () => {
    const incident = await createIncident({ title: "Before the outage" });
    breakD1();
    // A fresh isolate has nothing in memory: the StatusHub's stored copy must carry it.
    forgetLocalSnapshot();
    for (const path of PUBLIC_READS) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
    }
    const body = await json(await call("GET", "/api/status"));
    expect(body.recent_incidents.map((i: any) => i.id)).toContain(incident.id);
    expect(body.data).toMatchObject({ stale: false, age_seconds: expect.any(Number) });
  });

  it("shows the snapshot's age and flags it stale when it could not be rebuilt for minutes", async () => {
    await createIncident({ title: "Ageing snapshot" });
    breakD1();
    forgetLocalSnapshot();
    const later = Date.now() + 10 * 60_000;
    vi.spyOn(Date, "now").mockReturnValue(later);
    const res = await call("GET", "/api/status");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data.stale).toBe(true);
    expect(body.data.age_seconds).toBeGreaterThanOrEqual(600);
  });

  it("answers an admin write during a D1 outage with a JSON 503, not a stack trace", async () => {
    breakD1();
    const res = await admin("POST", "/api/status/incidents/create", { title: "During the outage" });
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ error: { code: "unavailable", message: expect.stringMatching(/database/i) } });
  });
});

/** The worker's env with a StatusHub whose getSnapshot calls are counted and, until released, held. */
function watchedHub(opts: { hang?: boolean } = {}) {
  let release!: () => void;
  const held = opts.hang ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const calls = { getSnapshot: 0 };
  const namespace = env.STATUS_HUB;
  const STATUS_HUB = {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id);
      return new Proxy(stub, {
        get(target, prop) {
          if (prop === "getSnapshot") {
            return async (known?: number) => {
              calls.getSnapshot++;
              await held;
              return target.getSnapshot(known);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  } as unknown as typeof env.STATUS_HUB;
  const send = (path: string, headers: Record<string, string> = {}) => app.fetch(new Request(BASE + path, { headers }), { ...env, STATUS_HUB }, createExecutionContext());
  return { calls, send, release: () => release?.() };
}

describe("the StatusHub is not a choke point", () => {
  it("never holds reads behind a slow hub: one revalidation per isolate, the others answer from memory", async () => {
    await call("GET", "/api/status");
    // Past the one-second window, so the next read revalidates.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const hub = watchedHub({ hang: true });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => hub.send("/api/status")));
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hub.calls.getSnapshot).toBe(1);
    hub.release();
  });

  it("forces a revalidation (no-cache) only for an admin, so anonymous clients cannot make every read a hub call", async () => {
    const hub = watchedHub();
    const adminRead = await hub.send("/api/status", { "cache-control": "no-cache", authorization: `Bearer ${await adminToken()}` });
    expect(adminRead.status).toBe(200);
    expect(hub.calls.getSnapshot).toBe(1);
    const member = await adminToken({ role: "member" });
    for (let i = 0; i < 5; i++) {
      expect((await hub.send("/api/status", { "cache-control": "no-cache" })).status).toBe(200);
      expect((await hub.send("/api/status/maintenance", { pragma: "no-cache" })).status).toBe(200);
      expect((await hub.send("/", { "cache-control": "no-cache", authorization: `Bearer ${member}` })).status).toBe(200);
    }
    expect(hub.calls.getSnapshot).toBe(1);
  });
});

describe("D1 sessions", () => {
  it("ignores a garbage bookmark instead of failing", async () => {
    // An unknown incident id is a public read that goes to D1 (it may be older than the snapshot).
    const path = "/api/status/incidents/00000000-0000-4000-8000-000000000000";
    for (const bookmark of ["garbage", "../../etc", "x".repeat(5000), "00000085-ffffffff-00004f27-" + "f".repeat(64)]) {
      const res = await call("GET", path, { headers: { "x-d1-bookmark": bookmark } });
      expect(res.status, bookmark.slice(0, 20)).toBe(404);
      expect((await json(res)).error.code).toBe("not_found");
    }
  });

  it("returns a bookmark to a writer", async () => {
    const res = await call("POST", "/api/status/incidents/create", {
      token: await adminToken(),
      body: { title: "Bookmark probe" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-d1-bookmark")).toBeTruthy();
  });
});

describe("the render cache", () => {
  it("stays within its byte budget however many variants anonymous clients ask for", async () => {
    const incidents = [];
    for (let i = 0; i < 12; i++) incidents.push(await createIncident({ title: `Long incident ${i}`, description: `${i} ${"d".repeat(9_990)}`, affected_components: [] }));
    const budget = 256 * 1024;
    const limited = { ...env, RENDER_CACHE_BYTES: String(budget) };
    const send = (path: string) => app.fetch(new Request(BASE + path, { headers: { "accept-encoding": "gzip" } }), limited, createExecutionContext());
    // Every window of the incident list (each over 120 KB), every incident's page, badges with made-up labels.
    for (let days = 1; days <= 365; days += 4) {
      const res = await send(`/api/status/incidents?days=${days}`);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.period_days).toBe(days);
      expect(body.incidents.filter((i: any) => i.title.startsWith("Long incident"))).toHaveLength(incidents.length);
      expect(renderCacheStats().bytes).toBeLessThanOrEqual(budget);
    }
    for (const incident of incidents) expect((await send(`/incidents/${incident.id}`)).status).toBe(200);
    for (let i = 0; i < 100; i++) expect((await send(`/badge.svg?label=${"label" + i}`)).status).toBe(200);
    const stats = renderCacheStats();
    expect(stats.bytes).toBeLessThanOrEqual(budget);
    expect(stats.entries).toBeLessThan(30);
    // What is kept is still served from memory, and a variant that was not kept still answers right.
    expect((await json(await send("/api/status/incidents?days=90"))).incidents.map((i: any) => i.id)).toEqual(expect.arrayContaining(incidents.map((i) => i.id)));
    expect(await (await send("/badge.svg?label=build")).text()).toContain("build");
  });
});

describe("compression", () => {
  it("sends large public reads gzip-compressed to clients that accept it, and plain to the others", async () => {
    await createIncident({ title: "Compression probe" });
    const plain = await call("GET", "/api/status/incidents?days=365");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const text = await plain.text();

    const compressed = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(compressed.headers.get("content-encoding")).toBe("gzip");
    expect(compressed.headers.get("vary")).toMatch(/accept-encoding/i);
    // The runtime hands a caller the decoded body, as any HTTP client would after decompressing.
    expect(await compressed.text()).toBe(text);

    const refused = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip;q=0, identity" } });
    expect(refused.headers.get("content-encoding")).toBeNull();
  });
});
