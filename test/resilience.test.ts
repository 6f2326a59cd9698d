import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import worker from "../src/index";
import { keptAnswerStats, renderCacheStats } from "../src/snapshot/respond";
import { checkedRecently, forgetLocalSnapshot } from "../src/snapshot/store";
import { buildSnapshot } from "../src/snapshot/build";
import { decodeSnapshot, encodeSnapshot, holdsParsedParts, IDLE_MS } from "../src/snapshot/codec";
import { formatDuration } from "../src/page/format";
import { createDb } from "../src/db/client";
import { iso } from "../src/time";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS, json, readCompressed, withinOneMinute } from "./support/api";
import { uniqueIp } from "./support/subscribers";

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
    // The notification consumer fans the incident out on its own; only the reads below are counted.
    await vi.waitFor(async () => expect((await env.DB.prepare("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL").first<{ n: number }>())!.n).toBe(0), { timeout: 10_000 });
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
    // The hub never answers: well under the test's own timeout is proof enough, on any machine.
    expect(Date.now() - started).toBeLessThan(10_000);
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

  it("serves a fresh isolate from D1 while the hub cannot be reached, and takes the hub's copy again once it can", async () => {
    const incident = await createIncident({ title: "While the hub is away" });
    const unreachable = () => Promise.reject(new Error("Durable Object is overloaded"));
    const STATUS_HUB = {
      idFromName: (name: string) => env.STATUS_HUB.idFromName(name),
      get: () => ({ getSnapshot: unreachable, publish: unreachable }),
    } as unknown as typeof env.STATUS_HUB;
    forgetLocalSnapshot();
    const res = await app.fetch(new Request(BASE + "/api/status"), { ...env, STATUS_HUB }, createExecutionContext());
    expect(res.status).toBe(200);
    expect((await json(res)).recent_incidents.map((i: any) => i.id)).toContain(incident.id);

    // Back: what is written from now on reaches this isolate through the hub as before.
    const later = await createIncident({ title: "After the hub is back" });
    const listed = (await json(await call("GET", "/api/status", { headers: { "cache-control": "no-cache" }, token: await adminToken() }))).recent_incidents;
    expect(listed.map((i: any) => i.id)).toContain(later.id);
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

  it("continues only from bookmarks Beacon issued: never a client's first-primary, a bare or a forged one", async () => {
    const write = await call("POST", "/api/status/incidents/create", { token: await adminToken(), body: { title: "Bookmark source" } });
    const issued = write.headers.get("x-d1-bookmark")!;
    expect(issued).toMatch(/^[\w-]+\.[\w-]{22}$/);
    const [bookmark] = issued.split(".");
    // A read that goes to D1: an incident older than the snapshot's window.
    const old = await createIncident({ title: "Bookmark reader", affected_components: [] });
    const longAgo = Date.now() - 730 * 86_400_000;
    await env.DB.prepare("UPDATE incidents SET started_at = ?, resolved_at = ?, status = 'resolved' WHERE id = ?").bind(longAgo, longAgo + 60_000, old.id).run();
    await createIncident({ title: "Rebuilds the snapshot", affected_components: [] });
    const constraints: (string | undefined)[] = [];
    const withSession = env.DB.withSession.bind(env.DB);
    vi.spyOn(env.DB, "withSession").mockImplementation((constraint?: string) => {
      constraints.push(constraint);
      return withSession(constraint);
    });
    const ip = uniqueIp();
    const read = (value: string) => call("GET", `/api/status/incidents/${old.id}`, { headers: { "x-d1-bookmark": value, "cf-connecting-ip": ip } });
    for (const sent of ["first-primary", bookmark!, `${bookmark}.${"A".repeat(22)}`, issued]) expect((await read(sent)).status).toBe(200);
    expect(constraints).toEqual(["first-unconstrained", "first-unconstrained", "first-unconstrained", bookmark]);
    // A read answered from memory opens no session at all.
    const warm = await call("GET", "/api/status", { headers: { "x-d1-bookmark": issued } });
    expect(warm.status).toBe(200);
    expect(warm.headers.get("x-d1-queries")).toBe("0");
    expect(constraints).toHaveLength(4);
  });

  it("answers an unknown incident id from the snapshot, and reads older incidents from D1 only within a per-client limit", async () => {
    for (const path of [`/api/status/incidents/${crypto.randomUUID()}`, `/incidents/${crypto.randomUUID()}`]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("x-d1-queries"), path).toBe("0");
    }
    // An incident from two years ago is not in the snapshot, but its id is in the snapshot's index.
    const old = await createIncident({ title: "Two years ago", affected_components: [] });
    const twoYearsAgo = Date.now() - 730 * 86_400_000;
    await env.DB.prepare("UPDATE incidents SET started_at = ?, resolved_at = ?, status = 'resolved' WHERE id = ?").bind(twoYearsAgo, twoYearsAgo + 3_600_000, old.id).run();
    await createIncident({ title: "Rebuilds the snapshot", affected_components: [] });
    // 20 a minute, in a fixed window on the clock: all of it inside one minute.
    const { ip, first, statuses, limited, page, api } = await withinOneMinute(async () => {
      const ip = uniqueIp();
      const read = (path: string, headers: Record<string, string> = {}) => call("GET", path, { headers: { "cf-connecting-ip": ip, ...headers } });
      const first = await read(`/api/status/incidents/${old.id}`);
      const statuses: number[] = [];
      let limited: Response | null = null;
      for (let i = 1; i < 41 && !limited; i++) {
        const res = await read(i % 2 ? `/incidents/${old.id}` : `/api/status/incidents/${old.id}`);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      return { ip, first, statuses, limited, page: await read(`/incidents/${old.id}`, { accept: "text/html" }), api: await read(`/api/status/incidents/${old.id}`) };
    });
    expect(first.status).toBe(200);
    expect((await json(first)).title).toBe("Two years ago");
    expect(Number(first.headers.get("x-d1-queries"))).toBeGreaterThan(0);
    expect(statuses).toEqual([...Array(19).fill(200), 429]);
    expect(limited?.status).toBe(429);
    // A browser past the limit gets the site's page saying so; a client of the API gets the JSON error.
    expect([page.status, page.headers.get("content-type"), page.headers.get("retry-after")]).toEqual([429, "text/html; charset=UTF-8", "60"]);
    expect(await page.text()).toContain("Too many requests");
    expect((await json(api)).error.code).toBe("rate_limited");
    // Made-up ids still answer 404 at once, limit or not.
    expect((await call("GET", `/api/status/incidents/${crypto.randomUUID()}`, { headers: { "cf-connecting-ip": ip } })).status).toBe(404);
  });

  it("starts an admin's reads at the primary too: the admin API's GETs and the console's screens", async () => {
    const incident = await createIncident({ title: "Read where it was written" });
    const token = await adminToken();
    const constraints: (string | undefined)[] = [];
    const withSession = env.DB.withSession.bind(env.DB);
    vi.spyOn(env.DB, "withSession").mockImplementation((constraint?: string) => {
      constraints.push(constraint);
      return withSession(constraint);
    });
    expect((await call("GET", `/api/status/admin/incidents/${incident.id}`, { token })).status).toBe(200);
    const screen = await app.fetch(new Request(`${BASE}/admin/incidents/${incident.id}`, { headers: { cookie: `__session=${token}` } }), { ...env, LOCAL_DEV: "true" }, createExecutionContext());
    expect(screen.status).toBe(200);
    expect(constraints).toEqual(["first-primary", "first-primary"]);
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
  it("stays within its byte budget however many variants anonymous clients ask for", { timeout: 30_000 }, async () => {
    const incidents = [];
    for (let i = 0; i < 12; i++) incidents.push(await createIncident({ title: `Long incident ${i}`, description: `${i} ${"d".repeat(9_990)}`, affected_components: [] }));
    const budget = 256 * 1024;
    const limited = { ...env, RENDER_CACHE_BYTES: String(budget) };
    const send = (path: string) => app.fetch(new Request(BASE + path, { headers: { "accept-encoding": "gzip" } }), limited, createExecutionContext());
    // Every window of the incident list (each over 120 KB), every incident's page, badges with made-up labels.
    for (let days = 1; days <= 365; days += 6) {
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

describe("a warm read asked again", () => {
  const api = DEFAULT_COMPONENTS.api;
  const reads = ["/api/status", "/api/v2/summary.json", "/", "/api/status/rss", `/api/status/components/${api}`, "/api/status/incidents?days=365", `/components/${api}`, `/api/status/components/${api}/latency?range=24h`, "/badge.svg"];
  const GZIP = { "accept-encoding": "gzip" };
  const seen = async (res: Response) => ({ status: res.status, headers: [...res.headers].sort(), body: res.status === 200 ? await res.text() : "" });

  it("gets, before routing, exactly what the routes answer: status, headers and bytes, GET and HEAD, gzip or not", async () => {
    await createIncident({ title: "Asked again" });
    for (const path of reads) {
      for (const headers of [GZIP, {}]) {
        // Through the routes until the answer is final (a gzip reader's once the body is compressed), then kept.
        let routed = await seen(await call("GET", path, { headers }));
        let before = keptAnswerStats().hits;
        let again = await seen(await call("GET", path, { headers }));
        for (let attempt = 0; keptAnswerStats().hits === before && attempt < 50; attempt++) {
          await new Promise((resume) => setTimeout(resume, 10));
          routed = again;
          before = keptAnswerStats().hits;
          again = await seen(await call("GET", path, { headers }));
        }
        expect(keptAnswerStats().hits, path).toBe(before + 1);
        expect(again, path).toEqual(routed);
        if (headers === GZIP && routed.body.length > 1024) expect(routed.headers, path).toContainEqual(["content-encoding", "gzip"]);
        // A HEAD gets the same headers and no body (through the routes too, should the snapshot be due for
        // revalidation in between: asked again until it is kept).
        let head: Response | undefined;
        for (let attempt = 0; attempt < 5; attempt++) {
          before = keptAnswerStats().hits;
          head = await call("HEAD", path, { headers });
          if (keptAnswerStats().hits === before + 1) break;
        }
        expect(keptAnswerStats().hits, path).toBe(before + 1);
        expect(await head!.text()).toBe("");
        expect([...head!.headers].sort()).toEqual(routed.headers);
      }
    }
  });

  it("never outlives its data: a write, a revalidation, the data's age and conditional or admin reads go through the routes", async () => {
    await createIncident({ title: "Before the write" });
    // The clock stands still until said otherwise: the snapshot stays within its second between checks.
    const start = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(start);
    await call("GET", "/api/status");
    const hits = keptAnswerStats().hits;
    expect((await json(await call("GET", "/api/status"))).recent_incidents.map((i: any) => i.title)).toContain("Before the write");
    expect(keptAnswerStats().hits).toBe(hits + 1);

    // An admin's write is in the very next read.
    await createIncident({ title: "After the write" });
    expect((await json(await call("GET", "/api/status"))).recent_incidents.map((i: any) => i.title)).toContain("After the write");
    expect(keptAnswerStats().hits).toBe(hits + 1);
    const etag = (await call("GET", "/api/status")).headers.get("etag")!;

    // A conditional read gets its 304; an admin's forced read revalidates.
    expect((await call("GET", "/api/status", { headers: { "if-none-match": etag } })).status).toBe(304);
    const forced = await call("GET", "/api/status", { token: await adminToken(), headers: { "cache-control": "no-cache" } });
    expect(forced.status).toBe(200);
    await forced.arrayBuffer();

    // Once the snapshot is due for revalidation, or the data's age reaches another 10-second slice, the
    // routes answer again (and report the age as it is).
    const before = keptAnswerStats().hits;
    vi.spyOn(Date, "now").mockReturnValue(start + 12_000);
    const later = await json(await call("GET", "/api/status"));
    expect(keptAnswerStats().hits).toBe(before);
    expect(later.data.age_seconds).toBeGreaterThanOrEqual(12);
    expect((await json(await call("GET", "/api/status"))).data.age_seconds).toBe(later.data.age_seconds);
    expect(keptAnswerStats().hits).toBe(before + 1);

    // Half a second before the age reaches a new slice, then just after: checked within the second, yet
    // the age moved, so the routes answer with the new age.
    // To the millisecond, as v2 writes it (Beacon's own JSON shows whole seconds).
    const generated = Date.parse((await json(await call("GET", "/api/v2/status.json"))).page.updated_at);
    expect(iso(generated)).toBe(later.data.generated_at);
    const slice = Math.ceil((start + 14_000 - generated) / 10_000) * 10;
    vi.spyOn(Date, "now").mockReturnValue(generated + slice * 1000 - 500);
    await call("GET", "/api/status");
    const beforeSlice = keptAnswerStats().hits;
    await call("GET", "/api/status");
    expect(keptAnswerStats().hits).toBe(beforeSlice + 1);
    vi.spyOn(Date, "now").mockReturnValue(generated + slice * 1000 + 100);
    expect((await json(await call("GET", "/api/status"))).data.age_seconds).toBe(slice);
    expect(keptAnswerStats().hits).toBe(beforeSlice + 1);
  });

  it("is kept for a bounded number of addresses, however many a client makes up", async () => {
    const limited = { ...env, KEPT_ANSWER_URLS: "8" };
    // The clock stands still: the snapshot stays checked, so only the limit decides what is kept.
    vi.spyOn(Date, "now").mockReturnValue(Date.now());
    let most = 0;
    for (let i = 0; i < 30; i++) {
      const res = await worker.fetch!(new Request(`${BASE}/api/status?variant=${i}`), limited, createExecutionContext());
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      most = Math.max(most, keptAnswerStats().answers);
    }
    expect(most).toBe(8);
    // Each address made up is kept in its turn, and answered from memory when asked again.
    const hits = keptAnswerStats().hits;
    await (await worker.fetch!(new Request(`${BASE}/api/status?variant=29`), limited, createExecutionContext())).arrayBuffer();
    expect(keptAnswerStats().hits).toBe(hits + 1);

    // A page's own address, asked for between the made-up ones, stays answered from memory: the made-up ones
    // push each other out, the least recently asked for first.
    const read = async (path: string) => (await worker.fetch!(new Request(`${BASE}${path}`), limited, createExecutionContext())).arrayBuffer();
    await read("/api/status");
    await read("/api/status");
    const before = keptAnswerStats().hits;
    for (let i = 100; i < 130; i++) {
      await read(`/api/status?cycled=${i}`);
      await read("/api/status");
    }
    expect(keptAnswerStats().hits).toBe(before + 30);
  });
});

describe("the data's age in kept bodies", () => {
  const withoutAge = (body: any) => ({ ...body, data: { ...body.data, age_seconds: undefined } });

  it("grows with every read while the bodies themselves are rendered once per snapshot", async () => {
    await createIncident({ title: "Ageing body" });
    const gzip = { headers: { "accept-encoding": "gzip" } };
    const first = await json(await call("GET", "/api/status/incidents?days=365", gzip));
    const feed = await (await call("GET", "/api/status/rss", gzip)).text();
    const rendered = renderCacheStats().renders;

    const start = Date.now();
    for (const seconds of [25, 47]) {
      vi.spyOn(Date, "now").mockReturnValue(start + seconds * 1000);
      const later = await json(await call("GET", "/api/status/incidents?days=365"));
      expect(later.data.age_seconds).toBeGreaterThanOrEqual(first.data.age_seconds + seconds);
      expect(later.data.age_seconds).toBeLessThan(first.data.age_seconds + seconds + 5);
      expect(withoutAge(later)).toEqual(withoutAge(first));
      // Compressed, the previous slice's bytes are sent until the new ones are compressed; then the same.
      expect(withoutAge(await json(await call("GET", "/api/status/incidents?days=365", gzip)))).toEqual(withoutAge(first));
      const compressed = await readCompressed("/api/status/incidents?days=365", { until: (body) => JSON.parse(body).data.age_seconds === later.data.age_seconds });
      expect(await json(compressed)).toEqual(later);
      expect(await (await call("GET", "/api/status/rss", gzip)).text()).toBe(feed);
    }
    // Filling the age in is not rendering: the year of incidents was rendered once, the feed once.
    expect(renderCacheStats().renders).toBe(rendered);
  });

  it("is rendered again, in words on the page, once the data turns stale", async () => {
    await createIncident({ title: "Stale body" });
    await call("GET", "/");
    // What a browser or cache revalidates with, from before the outage.
    const fresh = await call("GET", "/api/status");
    const [etag, modified] = [fresh.headers.get("etag")!, fresh.headers.get("last-modified")!];
    breakD1();
    const later = Date.now() + 10 * 60_000;
    vi.spyOn(Date, "now").mockReturnValue(later);
    const body = await json(await call("GET", "/api/status"));
    expect(body.data).toMatchObject({ stale: true, age_seconds: expect.any(Number) });
    expect(body.data.age_seconds).toBeGreaterThanOrEqual(600);
    // Revalidating gets the body that says the data is stale, not a 304 that keeps the one that did not.
    for (const headers of [{ "if-none-match": etag }, { "if-modified-since": modified }] as Record<string, string>[]) {
      const revalidated = await call("GET", "/api/status", { headers });
      expect(revalidated.status, JSON.stringify(headers)).toBe(200);
      expect((await json(revalidated)).data.stale).toBe(true);
    }
    expect(await (await call("GET", "/")).text()).toMatch(/we could not refresh it/);
    const feed = await (await call("GET", "/api/status/rss")).text();
    // Stale, a JSON body still only has its age filled in, a feed stays as it is, and the page has its age
    // filled in again in words: none is rendered again.
    const rendered = renderCacheStats().renders;
    for (const ahead of [30_000, 5 * 60_000]) {
      vi.spyOn(Date, "now").mockReturnValue(later + ahead);
      const age = body.data.age_seconds + ahead / 1000;
      expect((await json(await call("GET", "/api/status"))).data.age_seconds).toBe(age);
      expect(await (await call("GET", "/api/status/rss")).text()).toBe(feed);
      expect(await (await call("GET", "/")).text()).toContain(`(${formatDuration(age)} ago): we could not refresh it`);
    }
    expect(renderCacheStats().renders).toBe(rendered);
  });
});

describe("compression", () => {
  it("sends large public reads gzip-compressed to clients that accept it, and plain to the others", async () => {
    await createIncident({ title: "Compression probe", description: "A body worth compressing. ".repeat(200) });
    const plain = await call("GET", "/api/status/incidents?days=365");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const text = await plain.text();

    // The first read that accepts gzip does not wait for the compression it starts.
    const first = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(first.headers.get("content-encoding")).toBeNull();
    expect(await first.text()).toBe(text);
    const compressed = await readCompressed("/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(compressed.headers.get("vary")).toMatch(/accept-encoding/i);
    // The runtime hands a caller the decoded body, as any HTTP client would after decompressing.
    expect(await compressed.text()).toBe(text);

    const refused = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip;q=0, identity" } });
    expect(refused.headers.get("content-encoding")).toBeNull();
  });

  it("keeps answering when a compression fails, and compresses again on a later read", async () => {
    await createIncident({ title: "Failed compression", description: "A body worth compressing. ".repeat(200) });
    const text = await (await call("GET", "/api/status/incidents?days=365")).text();
    // As when the client whose read started it hangs up: the compression never finishes.
    const scope = globalThis as unknown as { CompressionStream: typeof CompressionStream };
    const Original = scope.CompressionStream;
    class Cancelled extends TransformStream {
      constructor() {
        super({ transform: () => Promise.reject(new Error("compression cancelled")) });
      }
    }
    scope.CompressionStream = Cancelled as unknown as typeof CompressionStream;
    try {
      const res = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(text);
    } finally {
      scope.CompressionStream = Original;
    }
    for (let i = 0; i < 3; i++) {
      const res = await call("GET", "/api/status/incidents?days=365", { headers: { "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(text);
    }
    expect(await (await readCompressed("/api/status/incidents?days=365")).text()).toBe(text);
  });
});

describe("the snapshot as it travels to the hub and back", () => {
  it("comes back exactly as built, reads one stored before days went as columns, and fits 2,000 components in one call", async () => {
    const built = await buildSnapshot(createDb(env.DB), env);
    // With the index of its incidents' ids that encoding adds.
    expect(decodeSnapshot(encodeSnapshot(built))).toEqual({ ...built, incident_ids: built.incidents.map((i) => i.id) });
    expect(decodeSnapshot(JSON.stringify(built))).toEqual(built);

    // A page of 2,000 components, each with 90 days: a Durable Object call carries at most 32 MiB.
    const component = { ...built.components[0]!, latency: undefined };
    const page = { ...built, components: Array.from({ length: 2_000 }, (_, i) => ({ ...component, id: `component-${i}` })) };
    const encoded = new TextEncoder().encode(encodeSnapshot(page)).byteLength;
    const plain = new TextEncoder().encode(JSON.stringify(page)).byteLength;
    expect(encoded).toBeLessThan(16 * 1024 * 1024);
    expect(encoded).toBeLessThan(plain / 2);
  });

  it("is parsed part by part as read, sent on unparsed, and let go back to text by an isolate that only serves what it rendered", async () => {
    await createIncident({ title: "Kept as text" });
    const built = await buildSnapshot(createDb(env.DB), env);
    // One component's days unlike the others', so that a series sent with the wrong component shows.
    built.components[0]!.days.at(-1)!.observed_seconds = 4242;
    const text = encodeSnapshot(built);
    const decoded = decodeSnapshot(text);
    // The head alone is parsed: re-encoding (as the hub does to set the version) sends the rest as it came.
    expect(holdsParsedParts(decoded)).toBe(false);
    expect(decoded.components.map((c) => c.name)).toEqual(built.components.map((c) => c.name));
    expect(encodeSnapshot(decoded)).toBe(text);
    expect(holdsParsedParts(decoded)).toBe(false);
    expect(decoded.incidents[0]!.title).toBe("Kept as text");
    expect(decoded.components[0]!.days).toEqual(built.components[0]!.days);
    expect(holdsParsedParts(decoded)).toBe(true);
    // A part assigned has no text any more: it is sent as it now is.
    decoded.incidents = [];
    expect(decodeSnapshot(encodeSnapshot(decoded)).incidents).toEqual([]);
    // Each component's series goes with the component, however the list is reordered.
    const reordered = decodeSnapshot(text);
    reordered.components.reverse();
    expect(decodeSnapshot(encodeSnapshot(reordered)).components.map((c) => [c.id, c.days])).toEqual([...built.components].reverse().map((c) => [c.id, c.days]));

    const gzip = { headers: { "accept-encoding": "gzip" } };
    const paths = ["/", "/api/status", "/api/status/incidents?days=365", `/components/${DEFAULT_COMPONENTS.api}`, `/api/status/components/${DEFAULT_COMPONENTS.api}/latency?range=90d`];
    const first = new Map<string, string>();
    for (const path of paths) first.set(path, await (await call("GET", path, gzip)).text());
    const held = checkedRecently(Date.now())!;
    expect(holdsParsedParts(held)).toBe(true);
    // Reads answered from what was rendered touch no part: once none has been read for a while, they go.
    const later = Date.now() + IDLE_MS + 1;
    vi.spyOn(Date, "now").mockReturnValue(later);
    await call("GET", "/api/status", gzip);
    expect(holdsParsedParts(held)).toBe(false);
    // The same answers, ten seconds older.
    const aged = (body: string) => body.replace(/"age_seconds":\d+/g, '"age_seconds":0');
    for (const path of paths) expect(aged(await (await call("GET", path, gzip)).text()), path).toBe(aged(first.get(path)!));
    expect(holdsParsedParts(held)).toBe(false);
    // Revalidating an incident's page or JSON, or asking for one that does not exist, parses nothing either.
    const known = (await json(await call("GET", "/api/status"))).recent_incidents[0];
    for (const path of [`/incidents/${known.id}`, `/api/status/incidents/${known.id}`]) {
      vi.spyOn(Date, "now").mockReturnValue(later);
      const etag = (await call("GET", path)).headers.get("etag")!;
      vi.spyOn(Date, "now").mockReturnValue(later + 2 * IDLE_MS);
      await call("GET", "/api/status", gzip);
      expect(holdsParsedParts(held), path).toBe(false);
      expect((await call("GET", path, { headers: { "if-none-match": etag } })).status, path).toBe(304);
      for (const unknown of [path.replace(known.id, crypto.randomUUID())]) expect((await call("GET", unknown)).status, unknown).toBe(404);
      expect(holdsParsedParts(held), path).toBe(false);
    }
    // What was not rendered yet parses what it reads.
    const history = await (await call("GET", "/history")).text();
    expect(history).toContain(`href="/incidents/${known.id}"`);
    expect(holdsParsedParts(held)).toBe(true);
  });
});
