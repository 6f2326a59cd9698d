import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { admin, BASE, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";

afterEach(() => vi.restoreAllMocks());

type Message = { type: string; seq: number; data: any } | "pong";

/** Opens the live socket as a browser on the page would, collecting every message it receives. */
async function connect(query = "", headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(new Request(`${BASE}/api/status/live${query}`, { headers: { Upgrade: "websocket", ...headers } }));
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: Message[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (e) => messages.push(e.data === "pong" ? "pong" : JSON.parse(e.data as string)));
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
  it("refuses anything but a WebSocket upgrade with 426", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await call(method, "/api/status/live");
      expect(res.status).toBe(426);
      expect((await json(res)).error.code).toBe("upgrade_required");
    }
  });

  it("lets the page's origin, listed origins and origin-less clients in, and no one else", async () => {
    const upgrade = (origin?: string, extra: Partial<Cloudflare.Env> = {}) =>
      app.fetch(new Request(`${BASE}/api/status/live`, { headers: { Upgrade: "websocket", ...(origin ? { Origin: origin } : {}) } }), { ...env, ...extra }, createExecutionContext());
    const refused = await upgrade("https://evil.example");
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("forbidden");
    const allowed = [await upgrade("https://status.example.com"), await upgrade(), await upgrade("https://embed.example.org", { LIVE_ALLOWED_ORIGINS: "https://embed.example.org" })];
    for (const res of allowed) {
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close(1000);
    }
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
});
