import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetLocalSnapshot } from "../src/snapshot/store";
import { admin, adminToken, call, createIncident, json } from "./support/api";

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
    // The queue consumer fans the incident's event out in the background; let it finish before counting.
    await vi.waitFor(async () => expect(await env.DB.prepare("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL").first("n")).toBe(0), { timeout: 5000 });
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
