import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { diffSnapshots, incidentSummary } from "../src/live/messages";
import { MAX_SOCKETS_PER_CLIENT, statusHub, type StatusHub } from "../src/live/status-hub";
import type { Snapshot, SnapshotIncident, SnapshotMaintenance, UptimeDay } from "../src/snapshot/types";
import { decodeSnapshot, encodeSnapshot, encodeWhole } from "../src/snapshot/codec";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS, json, withinOneMinute } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";
import { uniqueIp } from "./support/subscribers";

afterEach(() => vi.restoreAllMocks());

type Message = { type: string; seq: number; data: any } | "pong";

/** Opens the live socket as a browser on the page would, collecting every message it receives. */
async function connect(query = "", headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(new Request(`${BASE}/api/status/live${query}`, { headers: { Upgrade: "websocket", ...headers } }));
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: Message[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (e) => {
    messages.push(e.data === "pong" ? "pong" : JSON.parse(e.data as string));
  });
  ws.accept();
  const waitFor = (match: (m: any) => boolean) =>
    vi.waitFor(
      () => {
        const found = messages.find((m) => m !== "pong" && match(m));
        if (!found) throw new Error(`no matching message among ${messages.length}`);
        return found as Exclude<Message, "pong">;
      },
      { timeout: 10_000, interval: 20 },
    );
  return { ws, messages, closed, waitFor };
}

// Each test fires several cron runs; a loaded machine running the whole suite needs more than 5 s.
describe("GET /api/status/live", { timeout: 20_000 }, () => {
  it("answers a GET without an upgrade 426, naming the protocol, and other methods 405 as every path does", async () => {
    const res = await call("GET", "/api/status/live");
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect((await json(res)).error.code).toBe("upgrade_required");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const refused = await call(method, "/api/status/live");
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get("allow"), method).toBe("GET, HEAD, OPTIONS");
      expect((await json(refused)).error.code, method).toBe("method_not_allowed");
    }
  });

  it("reads ?since= as strictly as any query string: a whole number, given once", async () => {
    const upgrade = (query: string) =>
      app.fetch(new Request(`${BASE}/api/status/live${query}`, { headers: { Upgrade: "websocket", "cf-connecting-ip": uniqueIp() } }), env, createExecutionContext());
    for (const [query, code] of [["?since=0x10", "invalid_format"], ["?since=1e3", "invalid_format"], ["?since=-1", "invalid_format"], ["?since=1&since=2", "duplicate"], ["?since=", "invalid_format"]] as const) {
      const res = await upgrade(query);
      expect(res.status, query).toBe(400);
      expect((await json(res)).error.details[0], query).toMatchObject({ path: "since", code });
    }
    // A page that saw nothing yet asks from 0.
    for (const query of ["?since=0", "?since=12", ""]) {
      const res = await upgrade(query);
      expect(res.status, query).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close(1000);
    }
  });

  it("lets any page in by default (another host name of the same worker included); LIVE_ALLOWED_ORIGINS opts into a list", async () => {
    const upgrade = (origin?: string, extra: Partial<Cloudflare.Env> = {}) =>
      app.fetch(new Request(`${BASE}/api/status/live`, { headers: { Upgrade: "websocket", ...(origin ? { Origin: origin } : {}) } }), { ...env, ...extra }, createExecutionContext());
    const open = async (res: Response) => {
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close(1000);
    };
    // PAGE_URL says https://status.example.com; the page is also reached on other names.
    for (const origin of ["http://127.0.0.1:8787", "https://beacon.example.workers.dev", "https://www.status.example.com", undefined]) await open(await upgrade(origin));

    const restricted = { LIVE_ALLOWED_ORIGINS: "https://embed.example.org" };
    const refused = await upgrade("https://evil.example", restricted);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("forbidden");
    for (const origin of ["https://status.example.com", "https://embed.example.org", undefined]) await open(await upgrade(origin, restricted));
  });

  it("limits socket upgrades per client, an IPv6 /64 counting as one client, and open sockets per client", async () => {
    const upgrade = (ip: string, extra: Partial<Cloudflare.Env> = {}) =>
      app.fetch(new Request(`${BASE}/api/status/live`, { headers: { Upgrade: "websocket", "cf-connecting-ip": ip } }), { ...env, ...extra }, createExecutionContext());
    const opened: WebSocket[] = [];
    const keep = (res: Response) => {
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      opened.push(res.webSocket!);
    };
    // 120 a minute from one /64, whichever of its addresses: the 121st is refused, another client is not.
    const { prefix, limited } = await withinOneMinute(async () => {
      const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
      for (let i = 0; i < 120; i++) keep(await upgrade(`${prefix}::${(i + 1).toString(16)}`));
      return { prefix, limited: await upgrade(`${prefix}:0:0:0:ffff`) };
    });
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.code).toBe("rate_limited");
    keep(await upgrade(`${prefix.replace(/:7$/, ":8")}::1`));

    // However slowly they come, one client holds at most 200 open sockets (the hub counts them).
    const noLimiter = { LIVE_LIMITER: undefined };
    const ip = uniqueIp();
    for (let i = 0; i < MAX_SOCKETS_PER_CLIENT; i++) keep(await upgrade(ip, noLimiter));
    const full = await upgrade(ip, noLimiter);
    expect(full.status).toBe(429);
    opened.pop()!.close(1000);
    await vi.waitFor(async () => expect((await upgrade(ip, noLimiter)).status).toBe(101), { timeout: 10_000 });
    for (const ws of opened) ws.close(1000);
  });

  it("lists windows on connect in the page's order: one started early before one planned sooner", async () => {
    const day = 86_400_000;
    const window = async (title: string, inDays: number) =>
      (await json(await admin("POST", "/api/status/maintenance", { title, scheduled_start: Date.now() + inDays * day, scheduled_end: Date.now() + (inDays + 1) * day, notify: false }))).id as string;
    const sooner = await window("Planned sooner", 2);
    const early = await window("Started early", 3);
    expect((await admin("POST", `/api/status/maintenance/${early}/start`)).status).toBe(200);
    const ours = (ids: string[]) => ids.filter((id) => id === sooner || id === early);
    const listed = ours((await json(await call("GET", "/api/status"))).scheduled_maintenance.map((m: any) => m.id));
    expect(listed).toEqual([early, sooner]);
    const hello = await (await connect()).waitFor((m) => m.type === "snapshot");
    expect(ours(hello.data.maintenances.map((m: any) => m.id))).toEqual(listed);
    for (const id of [early, sooner]) await admin("POST", `/api/status/maintenance/${id}/cancel`);
  });

  it("sends the current snapshot on connect, then an incident the moment an admin creates it", async () => {
    await call("GET", "/api/status");
    const client = await connect();
    const hello = await client.waitFor((m) => m.type === "snapshot");
    expect(hello.data.components.map((c: any) => c.id)).toEqual(expect.arrayContaining(Object.values(DEFAULT_COMPONENTS)));
    expect(hello.data.overall_status).toEqual(expect.any(String));

    const incident = await createIncident({ title: "Live: elevated errors", affected_components: [{ id: DEFAULT_COMPONENTS.email, status: "partial_outage" }] });
    const created = await client.waitFor((m) => m.type === "incident.created" && m.data.incident.id === incident.id);
    expect(created.seq).toBeGreaterThan(hello.seq);
    expect(created.data.incident.title).toBe("Live: elevated errors");
    const moved = await client.waitFor((m) => m.type === "component.status" && m.data.id === DEFAULT_COMPONENTS.email);
    expect(moved.data).toMatchObject({ status: "partial_outage", previous: "operational" });
    client.ws.close(1000);
  });

  it("pushes a status a failing check moves, once the run confirms it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 503 });
    const component = await createMonitoredComponent(url);
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    const T = Date.UTC(2031, 5, 1, 12, 0);
    await runCron(T);
    await runCron(T + MINUTE);
    const moved = await client.waitFor((m) => m.type === "component.status" && m.data.id === component.id);
    expect(moved.data).toMatchObject({ name: component.name, status: "major_outage", previous: "operational" });
    // Only one move: the first failure alone changed nothing.
    expect(client.messages.filter((m) => m !== "pong" && m.type === "component.status" && m.data.id === component.id)).toHaveLength(1);
    client.ws.close(1000);
  });

  it("pushes maintenance starting and ending on time", async () => {
    fakeTargets();
    const T = Date.UTC(2031, 6, 1, 12, 0);
    const created = await admin("POST", "/api/status/maintenance", {
      title: "Live: storage migration",
      scheduled_start: T + 30_000,
      scheduled_end: T + 90_000,
      components: [DEFAULT_COMPONENTS.storage],
    });
    const maintenance = await json(created);
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    await runCron(T + MINUTE);
    const started = await client.waitFor((m) => m.type === "maintenance.started" && m.data.maintenance.id === maintenance.id);
    expect(started.data.maintenance.status).toBe("in_progress");
    const shown = await client.waitFor((m) => m.type === "component.status" && m.data.id === DEFAULT_COMPONENTS.storage);
    expect(shown.data.status).toBe("under_maintenance");
    await runCron(T + 2 * MINUTE);
    const completed = await client.waitFor((m) => m.type === "maintenance.completed" && m.data.maintenance.id === maintenance.id);
    expect(completed.seq).toBeGreaterThan(started.seq);
    client.ws.close(1000);
  });

  it("lets a client that reconnects with its last sequence number catch up", async () => {
    const first = await connect();
    const hello = await first.waitFor((m) => m.type === "snapshot");
    first.ws.close(1000);
    const incident = await createIncident({ title: "Missed while offline", affected_components: [] });

    const back = await connect(`?since=${hello.seq}`);
    const missed = await back.waitFor((m) => m.type === "incident.created" && m.data.incident.id === incident.id);
    expect(missed.seq).toBeGreaterThan(hello.seq);
    expect(back.messages.some((m) => m !== "pong" && m.type === "snapshot")).toBe(false);
    const seqs = back.messages.filter((m) => m !== "pong").map((m: any) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    back.ws.close(1000);

    // A sequence number the hub cannot replay from gets a fresh snapshot instead.
    const lost = await connect(`?since=${missed.seq + 1_000_000}`);
    expect((await lost.waitFor((m) => m.type === "snapshot")).data.components.length).toBeGreaterThan(0);
    lost.ws.close(1000);
  });

  it("carries what changed: an update message holds the card's summary and the new update only", async () => {
    const incident = await createIncident({ title: "Live: many updates", description: "d".repeat(5_000), affected_components: [] });
    for (let i = 0; i < 3; i++) await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: `Update ${i} ${"u".repeat(2_000)}`, status: "identified" });
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    const res = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Only this one", status: "monitoring", estimated_resolution: "2031-01-01T00:00:00Z" });
    expect(res.status).toBe(201);
    const updated = await client.waitFor((m) => m.type === "incident.updated" && m.data.incident.id === incident.id);
    expect(updated.data.updates.map((u: any) => u.message)).toEqual(["Only this one"]);
    expect(updated.data.incident).toMatchObject({ title: "Live: many updates", status: "monitoring", eta: Date.parse("2031-01-01T00:00:00Z") });
    expect(updated.data.incident.description).toBeUndefined();
    expect(updated.data.incident.updates).toBeUndefined();
    client.ws.close(1000);
  });

  it("sends every removal to open pages and to replay: a deleted incident and a deleted component", async () => {
    const first = await connect();
    const hello = await first.waitFor((m) => m.type === "snapshot");
    const incident = await createIncident({ title: "Live: to be deleted", affected_components: [], notify: false });
    const component = await json(await admin("POST", "/api/status/components", { name: "Live: short-lived" }));
    await first.waitFor((m) => m.type === "incident.created" && m.data.incident.id === incident.id);

    expect((await admin("DELETE", `/api/status/incidents/${incident.id}`)).status).toBeLessThan(300);
    expect((await admin("DELETE", `/api/status/components/${component.id}`)).status).toBeLessThan(300);
    const deleted = await first.waitFor((m) => m.type === "incident.deleted" && m.data.id === incident.id);
    expect(deleted.data.overall_status).toEqual(expect.any(String));
    const gone = await first.waitFor((m) => m.type === "components.changed" && m.data.removed.includes(component.id));
    expect(gone.data.components.map((c: any) => c.id)).not.toContain(component.id);
    first.ws.close(1000);

    // A page that was away catches up on the removals too.
    const back = await connect(`?since=${hello.seq}`);
    await back.waitFor((m) => m.type === "incident.deleted" && m.data.id === incident.id);
    await back.waitFor((m) => m.type === "components.changed" && m.data.removed.includes(component.id));
    back.ws.close(1000);
  });

  it("tells pages which components changed as drawn, a description alone included, and not for a status", async () => {
    // A write before the page connects: the hub then holds a snapshot to tell the next ones from.
    const earlier = await json(await admin("POST", "/api/status/components", { name: "Live: already there" }));
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    const component = await json(await admin("POST", "/api/status/components", { name: "Live: described" }));
    const added = await client.waitFor((m) => m.type === "components.changed" && m.data.changed.includes(component.id));
    expect(added.data.changed).toEqual([component.id]);
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { description: "Now with words" })).status).toBe(200);
    const described = await client.waitFor((m) => m.type === "components.changed" && m.seq > added.seq);
    expect(described.data.changed).toEqual([component.id]);
    expect(described.data.removed).toEqual([]);
    await createIncident({ title: "Live: slows it", affected_components: [component.id], notify: false });
    const moved = await client.waitFor((m) => m.seq > described.seq && m.type === "component.status");
    expect(moved.data.id).toBe(component.id);
    expect(client.messages.filter((m: any) => m.seq > described.seq && m.type === "components.changed")).toEqual([]);
    expect((await admin("DELETE", `/api/status/components/${earlier.id}`)).status).toBeLessThan(300);
    const gone = await client.waitFor((m) => m.type === "components.changed" && m.data.removed.includes(earlier.id));
    expect(gone.data.changed).toEqual([]);
    client.ws.close(1000);
  });

  it("names the components whose bars read otherwise as the pages draw them: a check result, an incident's report, start and title", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 200 });
    const watched = await createMonitoredComponent(url, { confirmations: 1 });
    const quiet = await json(await admin("POST", "/api/status/components", { name: `Live: bars ${crypto.randomUUID().slice(0, 8)}` }));
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    const named = (id: string, after = 0) => client.waitFor((m) => m.type === "components.days" && m.seq > after && m.data.ids.includes(id));
    // Its first results today (the first stands for the minute up to the second): the grey "no data" day and
    // the "No data yet" beside the bar read "100% uptime" now.
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    await runCron(minute - 3 * MINUTE);
    await runCron(minute - 2 * MINUTE);
    const checked = await named(watched.id);
    expect(checked.data.ids).not.toContain(quiet.id);
    // Another passing check leaves the day reading as it did: nothing to draw again.
    await runCron(minute - MINUTE);
    const next = await client.waitFor((m) => m.type === "components.latency" && m.seq > checked.seq && m.data.components.some((c: any) => c.id === watched.id));
    expect(client.messages.filter((m: any) => m.type === "components.days" && m.seq > checked.seq && m.seq <= next.seq && m.data.ids.includes(watched.id))).toEqual([]);
    // A failure colours the day; the checks after it only move the figures in its words, which is not worth
    // every open page fetching itself: that waits for the next change a reader sees.
    targets.set(url, { status: 500 });
    await runCron(minute);
    await runCron(minute + MINUTE);
    const failed = await named(watched.id, next.seq);
    // Passing again: each check moves the day's uptime a little, which its colour does not show.
    targets.set(url, { status: 200 });
    await runCron(minute + 2 * MINUTE);
    await runCron(minute + 3 * MINUTE);
    const longer = await client.waitFor((m) => m.type === "components.latency" && m.seq > failed.seq && m.data.components.some((c: any) => c.id === watched.id));
    expect(client.messages.filter((m: any) => m.type === "components.days" && m.seq > failed.seq && m.seq <= longer.seq && m.data.ids.includes(watched.id))).toEqual([]);
    // An incident started two days ago colours each day since, and names itself on each.
    const incident = await createIncident({ title: "Live: bars", started_at: new Date(Date.now() - 2 * 86_400_000).toISOString(), affected_components: [{ id: quiet.id, status: "partial_outage" }], notify: false });
    const reported = await named(quiet.id, longer.seq);
    expect(reported.data.ids).not.toContain(watched.id);
    // Renamed, it names itself anew on those days.
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: "Live: bars renamed" })).status).toBe(200);
    const renamed = await named(quiet.id, reported.seq);
    expect(renamed.data.ids).toEqual([quiet.id]);
    client.ws.close(1000);
  });

  it("says a resolved incident with a postmortem is resolved, as the API does, with when the postmortem was published", async () => {
    const client = await connect();
    await client.waitFor((m) => m.type === "snapshot");
    const incident = await createIncident({ title: "Live: written up", affected_components: [], notify: false });
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
    const resolved = await client.waitFor((m) => m.type === "incident.resolved" && m.data.incident.id === incident.id);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "What happened" })).status).toBe(200);
    const written = await client.waitFor((m) => m.seq > resolved.seq && m.type === "incident.updated" && m.data.incident.id === incident.id);
    const api = await json(await call("GET", `/api/status/incidents/${incident.id}`, { headers: { "cache-control": "no-cache" } }));
    expect(written.data.incident.status).toBe(api.status);
    expect(written.data.incident.status).toBe("resolved");
    // The same instant: the socket's epoch milliseconds, the API's ISO text to the second.
    expect(Math.floor(written.data.incident.postmortem_published_at / 1000) * 1000).toBe(Date.parse(api.postmortem_published_at));
    client.ws.close(1000);
  });

  it("tells pages of an incident whose components moved alone, as an automatic incident's do when they recover", () => {
    const base = { components: [], incidents: [], maintenances: [], overall_status: "operational" } as unknown as Snapshot;
    const down = {
      id: "2b0c6f3e-0000-4000-8000-00000000000b",
      title: "Shop is down",
      status: "investigating",
      severity: "critical",
      started_at: 1,
      resolved_at: null,
      postmortem_published_at: null,
      created_at: 1,
      updated_at: 2,
      automatic: true,
      components: [{ id: "2b0c6f3e-0000-4000-8000-00000000000c", name: "Shop", status: "major_outage" }],
      updates: [],
    } as unknown as SnapshotIncident;
    // The checks' plan follows the component back up without touching the incident's own row.
    const recovered = { ...down, components: [{ ...down.components[0]!, status: "operational" as const }] };
    expect(diffSnapshots({ ...base, incidents: [down] }, { ...base, incidents: [recovered] })).toEqual([
      { type: "incident.updated", data: { incident: incidentSummary(recovered), updates: [], overall_status: "operational" } },
    ]);
    expect(diffSnapshots({ ...base, incidents: [down] }, { ...base, incidents: [{ ...down }] })).toEqual([]);
  });

  it("sends an incident open again with its whole timeline, which pages draw as a new card", () => {
    const base = { components: [], incidents: [], maintenances: [], overall_status: "operational" } as unknown as Snapshot;
    const update = (n: number, status: string) => ({ id: `2b0c6f3e-0000-4000-8000-00000000010${n}`, status, message: `Update ${n}`, created_at: n, updated_at: n });
    const resolved = {
      id: "2b0c6f3e-0000-4000-8000-00000000000f",
      title: "Shop is down",
      status: "resolved",
      severity: "critical",
      started_at: 1,
      resolved_at: 2,
      postmortem_published_at: null,
      created_at: 1,
      updated_at: 2,
      automatic: true,
      components: [],
      updates: [update(2, "resolved"), update(1, "investigating")],
    } as unknown as SnapshotIncident;
    const reopened = { ...resolved, status: "investigating", resolved_at: null, updated_at: 3, updates: [update(3, "investigating"), ...resolved.updates] } as unknown as SnapshotIncident;
    const [change] = diffSnapshots({ ...base, incidents: [resolved] }, { ...base, incidents: [reopened] });
    expect(change).toMatchObject({ type: "incident.updated", data: { incident: { status: "investigating" } } });
    expect((change as any).data.updates.map((u: any) => u.message)).toEqual(["Update 3", "Update 2", "Update 1"]);
  });

  it("names a component for its bar only when a reader would see the bar change, not for a figure in a day's words", () => {
    const day = (over: Partial<UptimeDay>): UptimeDay => ({
      date: "2030-01-01",
      uptime: 99.16,
      worst_status: "major_outage",
      downtime_seconds: 720,
      observed_seconds: 86_000,
      partial_seconds: 0,
      major_seconds: 720,
      maintenance_seconds: 0,
      incident_ids: [],
      reported_status: "operational",
      has_data: true,
      ...over,
    });
    const id = "2b0c6f3e-0000-4000-8000-00000000000d";
    const at = (today: UptimeDay) =>
      ({ components: [{ id, days: [today], uptime: { "30_days": 99.9, "90_days": 99.9 } }], incidents: [], maintenances: [], overall_status: "operational" }) as unknown as Snapshot;
    const days = (a: UptimeDay, b: UptimeDay) => diffSnapshots(at(a), at(b)).filter((c) => c.type === "components.days");
    // After an outage, each passing check moves the day's uptime by a hundredth; a window adds its minutes.
    expect(days(day({}), day({ uptime: 99.17, observed_seconds: 86_060 }))).toEqual([]);
    expect(days(day({}), day({ maintenance_seconds: 60 }))).toEqual([]);
    // Its colour changing (half an hour down makes the day red) is what pages draw again for.
    expect(days(day({}), day({ major_seconds: 1800, downtime_seconds: 1800 }))).toEqual([{ type: "components.days", data: { ids: [id], overall_status: "operational" } }]);
    expect(days(day({ has_data: false, worst_status: null }), day({}))).toHaveLength(1);
  });

  it("tells pages of a window scheduled with a start already past as started, not as planned", () => {
    const base = { components: [], incidents: [], maintenances: [], overall_status: "operational" } as unknown as Snapshot;
    const window = { id: "2b0c6f3e-0000-4000-8000-00000000000e", title: "Cache flush", status: "in_progress", updated_at: 1 } as SnapshotMaintenance;
    expect(diffSnapshots(base, { ...base, maintenances: [window] }).map((c) => c.type)).toEqual(["maintenance.started"]);
    expect(diffSnapshots(base, { ...base, maintenances: [{ ...window, status: "scheduled" }] }).map((c) => c.type)).toEqual(["maintenance.scheduled"]);
  });

  it("tells pages about a maintenance window that left the snapshot", () => {
    const base = { components: [], incidents: [], maintenances: [], overall_status: "operational" } as unknown as Snapshot;
    const window = { id: "2b0c6f3e-0000-4000-8000-00000000000a", status: "scheduled", updated_at: 1 } as SnapshotMaintenance;
    expect(diffSnapshots({ ...base, maintenances: [window] }, base)).toEqual([{ type: "maintenance.deleted", data: { id: window.id, overall_status: "operational" } }]);
  });

  it("replays at most a bounded number of bytes, and a resume only every few seconds", async () => {
    const first = await connect();
    const hello = await first.waitFor((m) => m.type === "snapshot");
    first.ws.close(1000);
    const incident = await createIncident({ title: "Live: long updates", affected_components: [] });
    for (let i = 0; i < 12; i++) await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: `${i} ${"x".repeat(9_000)}`, status: "identified" });

    // Twelve 9 KB updates are more than a replay carries: the client gets the current state instead.
    const back = await connect(`?since=${hello.seq}`);
    const fresh = await back.waitFor((m) => m.type === "snapshot");
    expect(fresh.data.active_incidents.map((i: any) => i.id)).toContain(incident.id);
    expect(back.messages.filter((m) => m !== "pong" && m.type === "incident.updated")).toHaveLength(0);

    back.ws.send(JSON.stringify({ type: "resume", since: fresh.seq }));
    back.ws.send(JSON.stringify({ type: "resume", since: fresh.seq }));
    const closed = await back.closed;
    expect([closed.code, closed.reason]).toEqual([1008, "Too many resumes"]);

    // Counted in the bytes a socket carries: eight updates of 3,000 characters of 3 bytes each (72 KB in
    // UTF-8, 24,000 characters) are over the bound too.
    const wide = await createIncident({ title: "Live: wide updates", affected_components: [] });
    for (let i = 0; i < 8; i++) await admin("POST", `/api/status/incidents/${wide.id}/updates`, { message: `${"長".repeat(3_000)} ${i}`, status: "identified", notify: false });
    const resumed = await connect(`?since=${fresh.seq}`);
    await resumed.waitFor((m) => m.type === "snapshot");
    expect(resumed.messages.filter((m) => m !== "pong" && m.type === "incident.updated")).toHaveLength(0);
  });

  it("answers ping with pong, and closes only the socket that sends an oversized message or floods the hub", async () => {
    const abuser = await connect();
    const bystander = await connect();
    await abuser.waitFor((m) => m.type === "snapshot");
    await bystander.waitFor((m) => m.type === "snapshot");
    bystander.ws.send("ping");
    await vi.waitFor(() => expect(bystander.messages).toContain("pong"), { timeout: 10_000 });

    abuser.ws.send("x".repeat(64 * 1024));
    expect((await abuser.closed).code).toBe(1009);
    // Pings are free; a flood of anything else is cut off.
    for (let i = 0; i < 30; i++) bystander.ws.send("ping");
    await vi.waitFor(() => expect(bystander.messages.filter((m) => m === "pong").length).toBe(31), { timeout: 10_000 });
    const flooder = await connect();
    for (let i = 0; i < 25; i++) flooder.ws.send(JSON.stringify({ type: "resume", since: 0 }));
    expect((await flooder.closed).code).toBe(1008);
    const incident = await createIncident({ title: "After the abuser left", affected_components: [] });
    await bystander.waitFor((m) => m.type === "incident.created" && m.data.incident.id === incident.id);
    bystander.ws.close(1000);
  });

  it("ignores every message that is not a resume without an error, and counts the size limit in UTF-8 bytes", async () => {
    // Called on the hub itself: an exception inside it never reaches the socket, only the runtime's log.
    const socket = () => {
      let attachment: unknown = null;
      const closes: [number, string][] = [];
      const sent: string[] = [];
      const ws = { deserializeAttachment: () => attachment, serializeAttachment: (v: unknown) => void (attachment = v), close: (code: number, reason: string) => void closes.push([code, reason]), send: (m: string) => void sent.push(m) };
      return { ws: ws as unknown as WebSocket, closes, sent };
    };
    await runInDurableObject(statusHub(env), async (hub: StatusHub) => {
      for (const message of ["null", "42", "[]", "[null]", '"resume"', "true", "{", '{"type":"resume"}', '{"type":"resume","since":"1"}', '{"since":1}', '{"type":"resume","since":1e999}']) {
        const client = socket();
        await hub.webSocketMessage(client.ws, message);
        expect([message, client.closes, client.sent]).toEqual([message, [], []]);
      }
      const resumed = socket();
      await hub.webSocketMessage(resumed.ws, JSON.stringify({ type: "resume", since: 0 }));
      expect(resumed.sent.length).toBeGreaterThan(0);

      // 342 euro signs are 1,026 bytes on the wire in 342 characters.
      const wide = socket();
      await hub.webSocketMessage(wide.ws, "\u20ac".repeat(342));
      expect(wide.closes).toEqual([[1009, "Message too large"]]);
      const fits = socket();
      await hub.webSocketMessage(fits.ws, "\u20ac".repeat(341));
      expect(fits.closes).toEqual([]);
    });
  });
});

describe("the snapshot the hub stores", () => {
  it("is kept in the one-line form every release reads, served to isolates as lines, and an unreadable one is written over", async () => {
    const incident = await createIncident({ title: "Stored for any release" });
    await runInDurableObject(statusHub(env), async (hub: StatusHub, state) => {
      const stored = state.storage.sql.exec<{ data: string }>("SELECT data FROM snapshot_chunks ORDER BY idx").toArray().map((r) => r.data).join("");
      // What a release from before the lines reads: one JSON document with every part in it.
      expect(stored).not.toContain("\n");
      expect((JSON.parse(stored) as Snapshot).incidents.some((i) => i.id === incident.id)).toBe(true);
      // Isolates get lines, whose parts they parse when read.
      const served = await hub.getSnapshot();
      expect(served.json!.split("\n").length).toBeGreaterThan(2);

      // A stored text nothing can read (a format from another release) does not keep the hub from publishing.
      state.storage.sql.exec("UPDATE snapshot_chunks SET data = '{\"not\": \"a snapshot' WHERE idx = 0");
      (hub as unknown as { snapshotJson: string | null }).snapshotJson = null;
    });
    const after = await createIncident({ title: "Published over an unreadable snapshot" });
    const listed = (await json(await call("GET", "/api/status", { headers: { "cache-control": "no-cache" }, token: await adminToken() }))).recent_incidents;
    expect(listed.map((i: any) => i.id)).toContain(after.id);
  });

  it("keeps a character that falls across a chunk's edge whole when the hub reads its storage again", async () => {
    const incident = await createIncident({ title: "Stored across chunks" });
    await runInDurableObject(statusHub(env), async (hub: StatusHub) => {
      const snapshot = decodeSnapshot((await hub.getSnapshot()).json!);
      const described = (description: string) => snapshot.incidents.map((i) => (i.id === incident.id ? { ...i, description } : i));
      // Emoji are two UTF-16 units each: placed so that one of them straddles the first chunk's end.
      let description = "MARK" + "\u{1F525}".repeat(300_000);
      snapshot.incidents = described(description);
      if ((512 * 1024 - (encodeWhole(snapshot).indexOf("MARK") + 4)) % 2 === 0) snapshot.incidents = described((description = "MARK!" + description.slice(4)));
      expect((await hub.publish(encodeSnapshot(snapshot))).accepted).toBe(true);
      // As after an eviction: the next read comes from storage.
      (hub as unknown as { snapshotJson: string | null }).snapshotJson = null;
      const read = decodeSnapshot((await hub.getSnapshot()).json!);
      const stored = read.incidents.find((i) => i.id === incident.id)!.description;
      expect(stored.length).toBe(description.length);
      expect(stored === description).toBe(true);
    });
  });

  it("lets pages connect while the stored form cannot be read, and sends them the page the next publish writes over it", async () => {
    await createIncident({ title: "Before a rollback" });
    await runInDurableObject(statusHub(env), async (hub: StatusHub, state) => {
      state.storage.sql.exec("UPDATE snapshot_chunks SET data = '{\"not\": \"a snapshot' WHERE idx = 0");
      Object.assign(hub, { snapshotJson: null, liveViewJson: null });
    });
    const ip = uniqueIp();
    const client = await connect("", { "cf-connecting-ip": ip });
    expect((await client.waitFor((m) => m.type === "snapshot")).data).toBeNull();
    // A failed upgrade would leave its socket behind, held against the address's open sockets.
    await runInDurableObject(statusHub(env), async (_hub: StatusHub, state) => {
      expect(state.getWebSockets().filter((ws) => state.getTags(ws).some((tag) => tag.endsWith(ip)))).toHaveLength(1);
    });

    const after = await createIncident({ title: "Published over it" });
    const fresh = await client.waitFor((m) => m.type === "snapshot" && m.data !== null);
    expect(fresh.data.active_incidents.map((i: any) => i.id)).toContain(after.id);
    client.ws.close(1000);
  });

  it("keeps publishing when a message is larger than storage takes in one value, and replays around it with a snapshot", async () => {
    const incident = await createIncident({ title: "Larger than a stored value", affected_components: [] });
    const client = await connect();
    const hello = await client.waitFor((m) => m.type === "snapshot");
    // Over 2 MB once rendered beside its text, as a minute's response times of a few thousand monitors are.
    const message = "x".repeat(1_100_000);
    const updateId = crypto.randomUUID();
    await runInDurableObject(statusHub(env), async (hub: StatusHub) => {
      const snapshot = decodeSnapshot((await hub.getSnapshot()).json!);
      const at = Date.now();
      snapshot.incidents = snapshot.incidents.map((i) =>
        i.id === incident.id ? { ...i, updates: [...i.updates, { ...i.updates[0]!, id: updateId, message, created_at: at, updated_at: at }] } : i,
      );
      snapshot.generated_at = at;
      expect((await hub.publish(encodeSnapshot(snapshot))).accepted).toBe(true);
    });
    const heard = await client.waitFor((m) => m.type === "incident.updated" && m.data.incident.id === incident.id);
    expect(heard.data.updates.map((u: any) => u.id)).toEqual([updateId]);
    client.ws.close(1000);

    // A page that missed it gets the page instead; one that missed only what came after gets a replay.
    const missed = await connect(`?since=${hello.seq}`);
    await missed.waitFor((m) => m.type === "snapshot");
    missed.ws.close(1000);
    const later = await createIncident({ title: "After the large one", affected_components: [], notify: false });
    const back = await connect(`?since=${heard.seq}`);
    await back.waitFor((m) => m.type === "incident.created" && m.data.incident.id === later.id);
    expect(back.messages.some((m) => m !== "pong" && m.type === "snapshot")).toBe(false);
    back.ws.close(1000);
  });
});
