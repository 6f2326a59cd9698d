import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliveries, events, subscriberComponents, subscribers } from "../src/db/schema";
import type { NotifyEventType, NotifyMessage } from "../src/notify/messages";
import { renderEvent, webhookBody } from "../src/notify/render";
import { cutText } from "../src/text/cut";
import { batchMembersQuery, incidentEventsQuery, maintenanceEventsQuery } from "../src/db/queries/notifications";
import { admin, json as body } from "./support/api";
import {
  activeSubscriber,
  captured,
  db,
  deliverMessages,
  deliveriesFor,
  devOutbox,
  freshComponent,
  outboxEvent,
  recordingQueue,
  subscriberRow,
  unique,
} from "./support/subscribers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The worker's bindings with extra vars and a recording queue in place of NOTIFY_QUEUE. */
function setup(extra: Record<string, string> = {}) {
  const { sent, queue } = recordingQueue();
  return { testEnv: { ...env, ...extra, NOTIFY_QUEUE: queue }, sent };
}

const incidentPayload = (title: string, extra: Record<string, unknown> = {}) => ({
  incident_id: crypto.randomUUID(),
  title,
  severity: "major",
  status: "identified",
  message: "We found a bad deploy & are rolling it back.",
  estimated_resolution: "2026-11-27T12:30:00.000Z",
  ...extra,
});

/** How SQLite would run a query: its plan's steps, joined. */
async function queryPlan(query: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql: text, params } = query.toSQL();
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
  return plan.results.map((r) => r.detail).join("; ");
}

/** Fans an event out through the consumer; returns the delivery messages it queued. */
async function fanOut(testEnv: ReturnType<typeof setup>["testEnv"], sent: NotifyMessage[], eventId: string) {
  const before = sent.length;
  const result = await deliverMessages(testEnv, [{ kind: "event", eventId }]);
  expect(result.explicitAcks).toHaveLength(1);
  return sent.slice(before);
}

const RESEND = { RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" };

/** Delivers the messages to a fake Resend; returns every email it was asked to send. */
async function emailsSent(testEnv: ReturnType<typeof setup>["testEnv"], messages: NotifyMessage[]): Promise<any[]> {
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
    const body = JSON.parse(String((init as RequestInit).body));
    return Array.isArray(body) ? json({ data: body.map((_, i) => ({ id: `re_${i}` })) }) : json({ id: "re_1" });
  });
  await deliverMessages(testEnv, messages);
  const calls = await captured(spy);
  spy.mockRestore();
  return calls.flatMap((c) => [JSON.parse(c.body)].flat());
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function hmacBase64(keyBytes: Uint8Array, data: string, hash = "SHA-256") {
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)))));
}

describe("fan-out", () => {
  it("reaches only subscribers of the affected components (or of all), and component changes only those who opted in", async () => {
    const component = await freshComponent();
    const other = await freshComponent();
    const { testEnv, sent } = setup();
    const follower = await activeSubscriber("email", { components: [component] });
    const elsewhere = await activeSubscriber("email", { components: [other] });
    const everything = await activeSubscriber("email");
    const changes = await activeSubscriber("email", { components: [component], componentChanges: true });

    const incident = await outboxEvent("incident.created", incidentPayload("Checkout is down"), [component]);
    const queued = await fanOut(testEnv, sent, incident);
    const status = await outboxEvent("component.status", { component_id: component, component_name: "Checkout", from: "operational", to: "major_outage", source: "monitor", at: Date.now() }, [component]);
    await fanOut(testEnv, sent, status);

    expect((await deliveriesFor(follower.id)).map((d) => d.eventId)).toEqual([incident]);
    expect(await deliveriesFor(elsewhere.id)).toEqual([]);
    expect((await deliveriesFor(everything.id)).map((d) => d.eventId)).toEqual([incident]);
    expect((await deliveriesFor(changes.id)).map((d) => d.eventId).sort()).toEqual([incident, status].sort());
    // Emails travel in chunks: one queue message carries this event's deliveries.
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: "deliveries" });

    // The event is marked dispatched; a redelivered event message adds nothing and queues nothing.
    const [row] = await db().select().from(events).where(eq(events.id, incident));
    expect(row!.dispatchedAt).not.toBeNull();
    expect(await fanOut(testEnv, sent, incident)).toEqual([]);
    expect(await deliveriesFor(follower.id)).toHaveLength(1);
    await db().update((await import("../src/db/schema")).subscribers).set({ status: "unsubscribed" }).where(eq((await import("../src/db/schema")).subscribers.id, everything.id));
  });

  it("tells an incident's end to whoever was told it began in this subscription, not to the address's next owner", async () => {
    const [component, other] = [await freshComponent(), await freshComponent()];
    const { testEnv, sent } = setup();
    const before = await activeSubscriber("email", { components: [component] });
    const stays = await activeSubscriber("email", { components: [component] });
    const payload = incidentPayload("Checkout is down");
    await fanOut(testEnv, sent, await outboxEvent("incident.created", payload, [component]));
    // One address leaves; it is signed up again by someone new, who follows another component and confirms.
    // The other follower is taken off the component, as an admin's deletion of it would leave them.
    await db()
      .update(subscribers)
      .set({ status: "active", manageEpoch: 1, allComponents: false, confirmedAt: Date.now() + 1, unsubscribedAt: null })
      .where(eq(subscribers.id, before.id));
    await db().update(subscriberComponents).set({ componentId: other }).where(inArray(subscriberComponents.subscriberId, [before.id, stays.id]));
    await new Promise((resume) => setTimeout(resume, 5));
    const resolved = await outboxEvent("incident.resolved", { ...payload, status: "resolved" }, [component]);
    await fanOut(testEnv, sent, resolved);
    expect((await deliveriesFor(stays.id)).map((d) => d.eventId)).toContain(resolved);
    expect((await deliveriesFor(before.id)).map((d) => d.eventId)).not.toContain(resolved);
  });

  it("tells followers of status changes only of moves no incident or window announces, so a quiet incident stays quiet", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const changes = await activeSubscriber("email", { components: [component], componentChanges: true });
    await admin("POST", "/api/status/incidents/create", { title: unique("Quiet"), description: "Told to nobody.", severity: "major", notify: false, affected_components: [{ id: component, status: "partial_outage" }] });
    const moves = await db().select().from(events).where(and(eq(events.type, "component.status"), sql`${events.payload} ->> 'component_id' = ${component}`)).all();
    expect(moves.map((e) => e.payload.source)).toEqual(["incident"]);
    await fanOut(testEnv, sent, moves[0]!.id);
    const window = await outboxEvent("component.status", { component_id: component, component_name: "C", from: "partial_outage", to: "under_maintenance", source: "maintenance", at: Date.now() }, [component]);
    await fanOut(testEnv, sent, window);
    expect(await deliveriesFor(changes.id)).toEqual([]);

    // A check's move an automatic incident's update was to tell: told there, unless that update was never
    // written (a person took the incident over during the round), when the move is told on its own.
    const update = await outboxEvent("incident.updated", incidentPayload("Checkout is back"), [component]);
    const toldThere = await outboxEvent("component.status", { component_id: component, component_name: "C", from: "major_outage", to: "operational", source: "monitor", at: Date.now(), told_in: update }, [component]);
    await fanOut(testEnv, sent, toldThere);
    expect(await deliveriesFor(changes.id)).toEqual([]);
    const untold = await outboxEvent("component.status", { component_id: component, component_name: "C", from: "operational", to: "degraded", source: "monitor", at: Date.now(), told_in: crypto.randomUUID() }, [component]);
    await fanOut(testEnv, sent, untold);
    expect((await deliveriesFor(changes.id)).map((d) => d.eventId)).toEqual([untold]);
    // Which message was to tell it is Beacon's own bookkeeping: not in what a webhook receives.
    const [row] = await db().select().from(events).where(eq(events.id, untold));
    expect(JSON.parse(webhookBody("component.status", row!.payload, row!.createdAt)).data).not.toHaveProperty("told_in");
  });

  it("tells followers of status changes of an outage a window's end uncovers, which no window notice says", async () => {
    const { testEnv, sent } = setup();
    const [down, up, dropped, quiet] = [await freshComponent(), await freshComponent(), await freshComponent(), await freshComponent()];
    // Three of them failing their checks, one passing.
    for (const [id, status] of [[down, "major_outage"], [up, "operational"], [dropped, "partial_outage"], [quiet, "major_outage"]]) {
      await env.DB.prepare("UPDATE components SET monitored = 1, monitored_status = ?, monitored_since = ? WHERE id = ?").bind(status, Date.now() - 600_000, id).run();
    }
    const watcher = new Map<string, string>();
    for (const id of [down, up, dropped, quiet]) watcher.set(id, (await activeSubscriber("email", { components: [id], componentChanges: true })).id);
    const now = Date.now();
    const window = await body(await admin("POST", "/api/status/maintenance", { title: unique("Upgrade"), scheduled_start: now - 60_000, scheduled_end: now + 3_600_000, affected_components: [down, up, dropped] }));
    // One component taken off the running window, then the window completed; another, quiet, window cancelled.
    expect((await admin("PATCH", `/api/status/maintenance/${window.id}`, { affected_components: [down, up] })).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${window.id}/complete`)).status).toBe(200);
    const hush = await body(await admin("POST", "/api/status/maintenance", { title: unique("Quiet"), scheduled_start: now - 60_000, scheduled_end: now + 3_600_000, affected_components: [quiet], notify: false }));
    expect((await admin("POST", `/api/status/maintenance/${hush.id}/cancel`)).status).toBe(200);

    const moves = async (id: string) =>
      (await db().select().from(events).where(and(eq(events.type, "component.status"), sql`${events.payload} ->> 'component_id' = ${id}`)).orderBy(events.createdAt, sql`rowid`).all()).map((e) => ({
        id: e.id,
        move: [e.payload.from, e.payload.to, e.payload.source],
      }));
    const told = new Map<string, string[][]>();
    for (const id of [down, up, dropped, quiet]) {
      for (const m of await moves(id)) await fanOut(testEnv, sent, m.id);
      const delivered = new Set((await deliveriesFor(watcher.get(id)!)).map((d) => d.eventId));
      told.set(id, (await moves(id)).filter((m) => delivered.has(m.id)).map((m) => m.move as string[]));
    }
    // Into maintenance, and back to operational, is what the window's own notices say; an outage is not.
    expect((await moves(down)).map((m) => m.move)).toEqual([
      ["major_outage", "under_maintenance", "maintenance"],
      ["under_maintenance", "major_outage", "maintenance"],
    ]);
    expect(told.get(down)).toEqual([["under_maintenance", "major_outage", "maintenance"]]);
    expect(told.get(up)).toEqual([]);
    expect(told.get(dropped)).toEqual([["under_maintenance", "partial_outage", "maintenance"]]);
    // Whether or not the window was announced: the outage is the checks' news, not the window's.
    expect(told.get(quiet)).toEqual([["under_maintenance", "major_outage", "maintenance"]]);
    const [row] = await db().select().from(events).where(eq(events.id, (await moves(down))[1]!.id));
    const links = { pageName: "Beacon", pageUrl: "https://status.example.com", unsubscribeUrl: "https://u.example", manageUrl: "https://m.example" };
    expect(renderEvent("component.status", row!.payload, links).subject).toMatch(/ is now Major Outage$/);
  });

  it("tells followers of status changes where an incident that lets a component go leaves it, when its checks hold it down", async () => {
    const { testEnv, sent } = setup();
    const [slow, fine, dropped] = [await freshComponent(), await freshComponent(), await freshComponent()];
    for (const id of [slow, dropped]) {
      await env.DB.prepare("UPDATE components SET monitored = 1, monitored_status = 'degraded', monitored_since = ? WHERE id = ?").bind(Date.now() - 600_000, id).run();
    }
    const watcher = new Map<string, string>();
    for (const id of [slow, fine, dropped]) watcher.set(id, (await activeSubscriber("email", { components: [id], componentChanges: true })).id);
    const down = [slow, fine, dropped].map((id) => ({ id, status: "major_outage" }));
    const incident = await body(await admin("POST", "/api/status/incidents/create", { title: unique("Outage"), affected_components: down, notify: false }));
    // One taken off by an update ("No longer affected" does not say it is still degraded either), then resolved.
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "m", status: "identified", affected_components: down.slice(0, 2), notify: false })).status).toBe(201);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);

    const moves = async (id: string) =>
      (await db().select().from(events).where(and(eq(events.type, "component.status"), sql`${events.payload} ->> 'component_id' = ${id}`)).orderBy(events.createdAt, sql`rowid`).all()).map((e) => ({
        id: e.id,
        move: [e.payload.from, e.payload.to],
      }));
    const told = new Map<string, unknown[][]>();
    for (const id of [slow, fine, dropped]) {
      for (const m of await moves(id)) await fanOut(testEnv, sent, m.id);
      const delivered = new Set((await deliveriesFor(watcher.get(id)!)).map((d) => d.eventId));
      told.set(id, (await moves(id)).filter((m) => delivered.has(m.id)).map((m) => m.move));
    }
    // Its opening and its end back to operational are the incident's own news; "Resolved" does not say the
    // checks still find one of them degraded.
    expect(told.get(fine)).toEqual([]);
    expect(told.get(slow)).toEqual([["major_outage", "degraded"]]);
    expect(told.get(dropped)).toEqual([["major_outage", "degraded"]]);
    const [row] = await db().select().from(events).where(eq(events.id, (await moves(slow))[1]!.id));
    expect(JSON.parse(webhookBody("component.status", row!.payload, row!.createdAt)).data).not.toHaveProperty("ending");
  });

  it("renders what happened, the status, the ETA and links to the incident and to leave, as HTML and text", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup(RESEND);
    const reader = await activeSubscriber("email", { components: [component] });
    const payload = incidentPayload("Payments <delayed>");
    const [email] = await emailsSent(testEnv, await fanOut(testEnv, sent, await outboxEvent("incident.updated", payload, [component])));
    expect(email.to).toBe(reader.address);
    expect(email.subject).toBe("[Beacon Test] Update: Payments <delayed> (Identified)");
    expect(email.text).toContain("Status: Identified");
    expect(email.text).toContain("Expected resolution: Fri, 27 Nov 2026 12:30 UTC");
    expect(email.text).toContain("We found a bad deploy & are rolling it back.");
    // A time with seconds is said with them: a window ending 13:44:32 does not end at 13:44.
    const window = { title: "Swap", status: "scheduled", scheduled_start: "2026-11-27T13:42:00Z", scheduled_end: "2026-11-27T13:44:32Z" };
    expect(renderEvent("maintenance.scheduled", window, { pageName: "B", pageUrl: "https://s", unsubscribeUrl: "u", manageUrl: "m" }).text).toContain(
      "Window: Fri, 27 Nov 2026 13:42 UTC to Fri, 27 Nov 2026 13:44:32 UTC",
    );
    expect(email.text).toContain(`https://status.example.com/incidents/${payload.incident_id}`);
    expect(email.text).toMatch(/Unsubscribe: https:\/\/status\.example\.com\/api\/status\/subscriptions\/unsubscribe\?token=/);
    // Admin text is escaped in the HTML part.
    expect(email.html).toContain("Payments &lt;delayed&gt;");
    expect(email.html).not.toContain("<delayed>");
    expect(email.html).toContain(`href="https://status.example.com/incidents/${payload.incident_id}"`);
  });

  it("names the components an incident affects, and what each shows, in email, text and webhook", async () => {
    const checkout = unique("Checkout");
    const search = unique("Search");
    const [checkoutId, searchId] = [await freshComponent(checkout), await freshComponent(search)];
    const opened = await body(
      await admin("POST", "/api/status/incidents/create", {
        title: unique("Payments fail"),
        description: "Card payments time out.",
        severity: "major",
        affected_components: [{ id: checkoutId, status: "partial_outage" }, { id: searchId, status: "degraded" }],
      }),
    );
    const payloadOf = async (type: NotifyEventType) =>
      (await db().select().from(events).where(and(eq(events.type, type), sql`${events.payload} ->> 'incident_id' = ${opened.id}`)).get())!.payload;
    const links = { pageName: "Beacon", pageUrl: "https://status.example.com", unsubscribeUrl: "https://status.example.com/u", manageUrl: "https://status.example.com/m" };

    const created = await payloadOf("incident.created");
    expect(renderEvent("incident.created", created, links).text).toContain(`Impact: Major\nComponents: ${checkout} (Partial Outage), ${search} (Degraded Performance)\n`);
    expect(renderEvent("incident.created", created, links).sms).toContain(`(Investigating), affecting ${checkout}, ${search}.`);
    expect(JSON.parse(webhookBody("incident.created", created, Date.now())).data.affected_components).toEqual([
      { id: checkoutId, name: checkout, status: "partial_outage" },
      { id: searchId, name: search, status: "degraded" },
    ]);

    await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Search is back.", status: "identified", affected_components: [{ id: checkoutId, status: "major_outage" }] });
    expect(renderEvent("incident.updated", await payloadOf("incident.updated"), links).text).toContain(`Components: ${checkout} (Major Outage)\n`);
    await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "A full disk", resolution: "Freed space" });
    // The resolution names what the incident affected while open, Search included, as the incident's page does.
    const resolved = await payloadOf("incident.resolved");
    expect(renderEvent("incident.resolved", resolved, links).text).toContain(`Components: ${checkout}, ${search}\n`);
    expect(JSON.parse(webhookBody("incident.resolved", resolved, Date.now())).data.affected_components).toEqual([
      { id: checkoutId, name: checkout, status: "major_outage" },
      { id: searchId, name: search, status: "degraded" },
    ]);
  });

  it("tells whoever heard an incident began that it ended, though the component they follow is gone from it", async () => {
    const [checkout, search] = [unique("Checkout"), unique("Search")];
    const [checkoutId, searchId] = [await freshComponent(checkout), await freshComponent(search)];
    const outbox = devOutbox();
    const follower = await activeSubscriber("email", { components: [searchId] });
    const bystander = await activeSubscriber("email", { components: [await freshComponent()] });
    const opened = await body(
      await admin("POST", "/api/status/incidents/create", { title: unique("Slow payments"), severity: "major", affected_components: [checkoutId, searchId] }),
    );
    const [first] = await outbox.waitFor(follower.address);
    expect(first).toContain(`New incident: ${opened.title}`);

    // Search leaves the page, and with it the follower's only subscription row.
    expect((await admin("DELETE", `/api/status/components/${searchId}`)).status).toBe(204);
    expect((await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "A full disk", resolution: "Freed space" })).status).toBe(200);
    // It was the follower's only component: they hear of that too, and then of the resolution.
    const told = await outbox.waitFor(follower.address, 3);
    expect(told.some((message) => message.includes(`${search} is no longer on the status page`))).toBe(true);
    expect(told.some((message) => message.includes(`Resolved: ${opened.title}`))).toBe(true);
    // Someone who follows neither never heard of it, and is not told it ended (fan-out wrote every delivery
    // of the event before the follower's was sent).
    expect(await deliveriesFor(bystander.id)).toEqual([]);
    // Events are never pruned: finding an incident's earlier ones is an index search, not a scan of them all.
    expect(await queryPlan(incidentEventsQuery(db(), opened.id, crypto.randomUUID()))).toContain("USING INDEX events_incident_idx");
  });

  it("tells who was told of a window, and who follows what it covers now, when it moves to other components and when it is cancelled", async () => {
    const [checkout, storage] = [unique("Checkout"), unique("Storage")];
    const [checkoutId, storageId] = [await freshComponent(checkout), await freshComponent(storage)];
    const outbox = devOutbox();
    const before = await activeSubscriber("email", { components: [checkoutId] });
    const after = await activeSubscriber("sms", { components: [storageId] });
    const bystander = await activeSubscriber("email", { components: [await freshComponent()] });
    const start = Date.now() + 30 * 86_400_000;
    const title = unique("Checkout migration");
    const window = await body(await admin("POST", "/api/status/maintenance", { title, scheduled_start: new Date(start).toISOString(), scheduled_end: new Date(start + 3_600_000).toISOString(), components: [checkoutId] }));
    await outbox.waitFor(before.address);

    // It moves from Checkout to Storage: Checkout's follower hears it no longer concerns them, Storage's that it does.
    expect((await admin("PATCH", `/api/status/maintenance/${window.id}`, { affected_components: [storageId] })).status).toBe(200);
    const [, changed] = await outbox.waitFor(before.address, 2);
    expect(changed).toContain(`Maintenance changed: ${title}`);
    expect(changed).toContain(`Components: ${storage}\nWas on: ${checkout}\n`);
    const [text] = await outbox.waitFor(after.address);
    expect(text).toContain(`now on ${storage}, was on ${checkout}`);

    // Cancelled: both hear of it, though Checkout's follower follows nothing the window covers now.
    expect((await admin("POST", `/api/status/maintenance/${window.id}/cancel`)).status).toBe(200);
    expect((await outbox.waitFor(before.address, 3))[2]).toContain(`Maintenance cancelled: ${title}`);
    expect((await outbox.waitFor(after.address, 2))[1]).toContain("Maintenance cancelled");
    expect(await deliveriesFor(bystander.id)).toEqual([]);
    // Moved onto no component, a window is about the whole page, and is said to be.
    const times = { scheduled_start: "2030-01-01T00:00:00Z", scheduled_end: "2030-01-01T01:00:00Z", previous_start: "2030-01-01T00:00:00Z", previous_end: "2030-01-01T01:00:00Z" };
    const whole = renderEvent("maintenance.rescheduled", { maintenance_id: window.id, title, status: "scheduled", ...times, components: [], previous_components: [storage] }, { pageName: "B", pageUrl: "https://s", unsubscribeUrl: "u", manageUrl: "m" });
    expect(whole.text).toContain(`Components: the whole page\nWas on: ${storage}\n`);
    expect(whole.sms).toContain(`now on the whole page, was on ${storage}`);
    // Events are never pruned: a window's earlier ones are found through an index.
    expect(await queryPlan(maintenanceEventsQuery(db(), window.id, crypto.randomUUID()))).toContain("USING INDEX events_maintenance_idx");
  });

  it("shortens a long message in a text on whole characters, never half of an emoji", async () => {
    const links = { pageName: "Beacon", pageUrl: "https://status.example.com", unsubscribeUrl: "https://status.example.com/u", manageUrl: "https://status.example.com/m" };
    const loneHalf = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const message of [`${"a".repeat(136)}😀${"b".repeat(20)}`, `${"a".repeat(135)}👩‍💻${"b".repeat(20)}`]) {
      const sms = renderEvent("incident.updated", incidentPayload("Long", { message }), links).sms;
      expect(sms).not.toMatch(loneHalf);
      expect(sms).toContain(`${"a".repeat(135)}`);
      expect(sms).toMatch(/a\.\.\. /);
    }
    // One "character" longer than the room is cut on code points rather than lost.
    const stacked = cutText(`a${"\u0301".repeat(200)} then words`, 140, "...");
    expect(stacked).toHaveLength(140);
    expect(stacked.startsWith("a\u0301")).toBe(true);
  });

  it("announces an incident opened quietly with its first update that notifies: as new, then as updates", async () => {
    const [checkout, search] = [unique("Checkout"), unique("Search")];
    const [checkoutId, searchId] = [await freshComponent(checkout), await freshComponent(search)];
    const outbox = devOutbox();
    const follower = await activeSubscriber("email", { components: [checkoutId] });
    const searcher = await activeSubscriber("email", { components: [searchId] });
    const title = unique("Quiet start");
    const opened = await body(await admin("POST", "/api/status/incidents/create", { title, severity: "major", notify: false, affected_components: [checkoutId, searchId] }));
    // Search taken off while nobody was told of it: its follower is told nothing of an incident they never heard of.
    const first = await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Checkout fails for some.", status: "identified", affected_components: [checkoutId] });
    expect(first.status).toBe(201);
    const [told] = await outbox.waitFor(follower.address);
    expect(told).toContain(`New incident: ${title}`);
    expect(told).toContain("Checkout fails for some.");
    expect(told).not.toContain("No longer affected");
    expect((await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Fix rolling out.", status: "monitoring" })).status).toBe(201);
    expect((await outbox.waitFor(follower.address, 2))[1]).toContain(`Update: ${title}`);
    expect(await deliveriesFor(searcher.id)).toEqual([]);
    expect((await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);
  });

  it.each(["minor", "none"])("keeps a %s incident every component was taken off news for its components' followers, not for every subscriber", async (severity) => {
    const storage = await freshComponent(unique("Storage"));
    const outbox = devOutbox();
    const follower = await activeSubscriber("email", { components: [storage] });
    const bystander = await activeSubscriber("email", { components: [await freshComponent()] });
    // Severity none moves no status: only what its notices named says what it was about.
    const opened = await body(await admin("POST", "/api/status/incidents/create", { title: unique("Storage hiccup"), severity, affected_components: [storage] }));
    await outbox.waitFor(follower.address);
    expect((await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Storage is fine again.", status: "monitoring", affected_components: [] })).status).toBe(201);
    await outbox.waitFor(follower.address, 2);
    // About no component now, yet about storage all along: still its followers' news, and no one else's.
    expect((await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Still watching.", status: "monitoring" })).status).toBe(201);
    expect((await outbox.waitFor(follower.address, 3))[2]).toContain("Still watching.");
    expect((await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "r", resolution: "s" })).status).toBe(200);
    expect((await outbox.waitFor(follower.address, 4))[3]).toContain(`Resolved: ${opened.title}`);
    await new Promise((resume) => setTimeout(resume, 300));
    expect(await deliveriesFor(bystander.id)).toEqual([]);
  });

  it("tells followers of a component an update takes off the incident, and not those of one it never named", async () => {
    const [checkout, search] = [unique("Checkout"), unique("Search")];
    const [checkoutId, searchId] = [await freshComponent(checkout), await freshComponent(search)];
    const outbox = devOutbox();
    const follower = await activeSubscriber("email", { components: [checkoutId] });
    const bystander = await activeSubscriber("email", { components: [await freshComponent()] });
    const opened = await body(await admin("POST", "/api/status/incidents/create", { title: unique("Checkout errors"), severity: "major", affected_components: [checkoutId] }));
    await outbox.waitFor(follower.address);
    // Checkout is fine now; it was Search all along.
    const moved = await admin("POST", `/api/status/incidents/${opened.id}/updates`, { message: "Checkout is fine; Search is the one failing.", status: "identified", affected_components: [{ id: searchId, status: "degraded" }] });
    expect(moved.status).toBe(201);
    const told = await outbox.waitFor(follower.address, 2);
    expect(told[1]).toContain(`Update: ${opened.title}`);
    expect(told[1]).toContain("Checkout is fine; Search is the one failing.");
    expect(told[1]).toContain(`No longer affected: ${checkout}\n`);
    expect(await deliveriesFor(bystander.id)).toEqual([]);
    // Resolved: its followers hear of it, named among what the incident affected, as its page lists it.
    expect((await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "r", resolution: "s" })).status).toBe(200);
    const resolved = (await outbox.waitFor(follower.address, 3))[2];
    expect(resolved).toContain(`Resolved: ${opened.title}`);
    expect(resolved).toMatch(new RegExp(`Components: (${checkout}, ${search}|${search}, ${checkout})\n`));
    expect(await deliveriesFor(bystander.id)).toEqual([]);
  });

  it("tells whoever followed only a deleted component, once, that only news of the whole page will come, and how to choose again", async () => {
    const [gone, kept] = [unique("Legacy API"), unique("Search")];
    const [goneId, keptId] = [await freshComponent(gone), await freshComponent(kept)];
    const outbox = devOutbox();
    const onlyIt = await activeSubscriber("email", { components: [goneId] });
    const byText = await activeSubscriber("sms", { components: [goneId] });
    const withMore = await activeSubscriber("email", { components: [goneId, keptId] });
    const everything = await activeSubscriber("email");
    const left = await activeSubscriber("email", { components: [goneId] });
    await db().update(subscribers).set({ status: "unsubscribed" }).where(eq(subscribers.id, left.id));

    expect((await admin("DELETE", `/api/status/components/${goneId}`)).status).toBe(204);
    const [email] = await outbox.waitFor(onlyIt.address);
    expect(email).toContain(`: [Beacon Test] ${gone} is no longer on the status page\n`);
    expect(email).toContain("It was the only component you followed: only news about the whole page will reach you until you choose others.");
    expect(email).toMatch(/Change what you follow: \S+\/api\/status\/subscriptions\/manage\?token=\S+\n/);
    const [text] = await outbox.waitFor(byText.address);
    expect(text).toMatch(/no longer on the status page\. It was the only component you followed: .* Choose what you follow: \S+\/subscriptions\/manage\?token=\S+ Reply STOP to unsubscribe\./);

    const event = (await db().select().from(events).where(and(eq(events.type, "component.removed"), sql`${events.payload} ->> 'component_id' = ${goneId}`)).get())!;
    await vi.waitFor(async () => expect((await db().select().from(events).where(eq(events.id, event.id)).get())!.dispatchedAt).not.toBeNull());
    // Those who follow something else, or everything, or left, hear nothing of it.
    for (const quiet of [withMore, everything, left]) expect(await deliveriesFor(quiet.id)).toEqual([]);
    // A subscriber to everything would hear of every later test's events.
    await db().delete(subscribers).where(eq(subscribers.id, everything.id));
    const [delivery] = await deliveriesFor(onlyIt.id);
    expect(delivery!.subject).toBe(`[Beacon Test] ${gone} is no longer on the status page`);
    expect(JSON.parse(webhookBody("component.removed", event.payload, event.createdAt))).toMatchObject({
      type: "component.removed",
      data: { component_id: goneId, component_name: gone, removed_at: expect.any(String) },
    });
    // Deleted again (a double click): a 404, and nobody is told twice.
    expect((await admin("DELETE", `/api/status/components/${goneId}`)).status).toBe(404);
    expect(await deliveriesFor(onlyIt.id)).toHaveLength(1);

    // The manage page says why nothing comes, to them and to no one else.
    const { tokenSigner } = await import("../src/notify/crypto");
    const signer = await tokenSigner(env);
    const page = async (id: string) =>
      (await SELF.fetch(`https://status.example.com/api/status/subscriptions/manage?token=${encodeURIComponent(await signer.manageToken(id))}`)).text();
    expect(await page(onlyIt.id)).toContain("You follow no component now");
    expect(await page(withMore.id)).not.toContain("You follow no component now");
    // In the site's words and colours: its name as the page calls itself, a main landmark, dark when the reader's is.
    const html = await page(withMore.id);
    expect(html).toMatch(/<header><p><a href="https:\/\/status\.example\.com\/">Beacon Test status<\/a><\/p><\/header><main><h1>/);
    expect(html).toContain("@media (prefers-color-scheme:dark)");
    // Unsubscribing is there, but not as the page's main button.
    expect(html).toContain("form[action^=unsubscribe] button{background:transparent");
  });

  it("stores no message per subscriber: one long update reaches each with the full text and their own links", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup(RESEND);
    const readers = await Promise.all([1, 2, 3].map(() => activeSubscriber("email", { components: [component] })));
    const long = "Rolling back. ".repeat(715).slice(0, 10_000);
    const eventId = await outboxEvent("incident.updated", incidentPayload("Long update", { message: long }), [component]);
    const messages = await fanOut(testEnv, sent, eventId);
    for (const reader of readers) {
      const [d] = await deliveriesFor(reader.id);
      // Fan-out writes who and what for, not 10,000 characters per subscriber.
      expect(d!.bodyText).toBe("");
      expect(d!.bodyHtml).toBeNull();
      expect(d!.subject).toBe("[Beacon Test] Update: Long update (Identified)");
    }
    const emails = await emailsSent(testEnv, messages);
    expect(emails.map((e) => e.to).sort()).toEqual(readers.map((r) => r.address).sort());
    const { tokenSigner } = await import("../src/notify/crypto");
    const signer = await tokenSigner(testEnv);
    for (const email of emails) {
      const reader = readers.find((r) => r.address === email.to)!;
      const token = encodeURIComponent(await signer.manageToken(reader.id));
      expect(email.text).toContain(long);
      expect(email.text).toContain(`Unsubscribe: https://status.example.com/api/status/subscriptions/unsubscribe?token=${token}`);
      expect(email.html).toContain(`href="https://status.example.com/api/status/subscriptions/manage?token=${token}"`);
      expect(email.headers["List-Unsubscribe"]).toBe(`<https://status.example.com/api/status/subscriptions/unsubscribe?token=${token}>`);
    }
  });
});

describe("email through Resend", () => {
  it("sends many emails in one batch call with List-Unsubscribe headers, and a redelivered message sends nothing", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const a = await activeSubscriber("email", { components: [component] });
    const b = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Search is slow"), [component]));

    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => json({ data: [{ id: "re_1" }, { id: "re_2" }] }));
    const first = await deliverMessages(testEnv, [message!]);
    expect(first.explicitAcks).toHaveLength(1);
    const [req] = await captured(spy);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(req!.url).toBe("https://api.resend.com/emails/batch");
    expect(req!.method).toBe("POST");
    expect(req!.headers.get("authorization")).toBe("Bearer re_test_key");
    expect(req!.headers.get("idempotency-key")).toMatch(/^batch\/[0-9a-f]{40}$/);
    expect(req!.headers.get("x-batch-validation")).toBe("permissive");
    const body = JSON.parse(req!.body) as any[];
    expect(body.map((e) => e.to).sort()).toEqual([a.address, b.address].sort());
    for (const email of body) {
      expect(email.from).toBe("Beacon <status@example.com>");
      expect(email.subject).toBe("[Beacon Test] New incident: Search is slow");
      expect(email.text).toContain("Search is slow");
      expect(email.html).toContain("<h2");
      expect(email.headers["List-Unsubscribe"]).toMatch(/^<https:\/\/status\.example\.com\/api\/status\/subscriptions\/unsubscribe\?token=[^>]+>$/);
      expect(email.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    }
    expect((await deliveriesFor(a.id))[0]).toMatchObject({ status: "sent", attempts: 1 });
    expect((await deliveriesFor(b.id))[0]!.providerId).toMatch(/^re_[12]$/);

    // The queue delivers the same message again: nothing is sent twice.
    const again = await deliverMessages(testEnv, [message!]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  /** Three email readers of a fresh component, and an update fanned out to them, Resend configured. */
  async function updateToThreeReaders(title: string) {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const readers = [await activeSubscriber("email", { components: [component] }), await activeSubscriber("email", { components: [component] }), await activeSubscriber("email", { components: [component] })];
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload(title), [component]));
    return { testEnv, readers, message };
  }

  it("retries a batch whose answer was lost under its key: Resend's refusal of the key as used means it went out", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Queue backlog");
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => json({ statusCode: 500, name: "internal_server_error", message: "boom" }, 500))
      .mockImplementationOnce(async () => json({ statusCode: 409, name: "invalid_idempotent_request", message: "Same idempotency key used with a different request payload." }, 409));
    await deliverMessages(testEnv, [message!]);
    // One reader leaves and another is deleted before the retry: the batch is smaller, under the same key.
    await db().update(subscribers).set({ status: "unsubscribed", unsubscribedAt: Date.now() }).where(eq(subscribers.id, readers[0]!.id));
    await admin("DELETE", `/api/status/notifications/subscribers/${readers[1]!.id}`);
    await deliverMessages(testEnv, [message!], { attempts: 2 });
    const [first, retry] = await captured(spy);
    expect(retry!.headers.get("idempotency-key")).toBe(first!.headers.get("idempotency-key"));
    expect(JSON.parse(retry!.body).map((e: any) => e.to)).toEqual([readers[2]!.address]);
    // Resend had the first try: it sent the email then, and nothing is sent again.
    expect((await deliveriesFor(readers[2]!.id))[0]).toMatchObject({ status: "sent", lastError: expect.stringContaining("earlier try") });
    expect((await deliveriesFor(readers[0]!.id))[0]).toMatchObject({ status: "skipped" });
    await deliverMessages(testEnv, [message!], { attempts: 3 });
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("sends what is left of a batch Resend never had under its key, to those still subscribed", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Disk pressure");
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => json({ statusCode: 429, name: "rate_limit_exceeded", message: "slow down" }, 429, { "retry-after": "1" }))
      .mockImplementationOnce(async () => json({ data: [{ id: "re_1" }, { id: "re_2" }] }));
    await deliverMessages(testEnv, [message!]);
    await db().update(subscribers).set({ status: "unsubscribed", unsubscribedAt: Date.now() }).where(eq(subscribers.id, readers[0]!.id));
    await deliverMessages(testEnv, [message!], { attempts: 2 });
    const [first, retry] = await captured(spy);
    expect(retry!.headers.get("idempotency-key")).toBe(first!.headers.get("idempotency-key"));
    expect(JSON.parse(retry!.body).map((e: any) => e.to).sort()).toEqual([readers[1]!.address, readers[2]!.address].sort());
    for (const reader of readers.slice(1)) expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "sent", lastError: null });
    expect((await deliveriesFor(readers[0]!.id))[0]).toMatchObject({ status: "skipped" });
  });

  /**
   * A fake Resend that keeps its Idempotency-Keys: a repeat replays the first answer, another payload under one
   * is refused (409). Its first call fails as `first` says: never reaching it, or sent with the answer lost.
   */
  function resendWithKeys(first: "never-reached" | "answer-lost") {
    const keys = new Map<string, string>();
    const delivered: string[] = [];
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init as RequestInit);
      const body = await req.text();
      const isFirst = spy.mock.calls.length === 1;
      if (isFirst && first === "never-reached") return json({ statusCode: 500, name: "internal_server_error", message: "boom" }, 500);
      const key = req.headers.get("idempotency-key")!;
      if (keys.has(key) && keys.get(key) !== body) return json({ statusCode: 409, name: "invalid_idempotent_request", message: "Same idempotency key used with a different request payload." }, 409);
      const emails = [JSON.parse(body)].flat() as { to: string }[];
      if (!keys.has(key)) delivered.push(...emails.map((e) => e.to));
      keys.set(key, body);
      if (isFirst) throw new TypeError("Network connection lost.");
      return json(req.url.endsWith("/batch") ? { data: emails.map((_, i) => ({ id: `re_${i}` })) } : { id: "re_1" });
    });
    return { spy, delivered };
  }

  it("sends a batch Resend never had whole, though the sweep hands its deliveries out in two messages", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Split batch");
    const { delivered } = resendWithKeys("never-reached");
    await deliverMessages(testEnv, [message!]);
    const ids = await Promise.all(readers.map(async (r) => (await deliveriesFor(r.id))[0]!.id));
    // The sweep's chunks cut the batch: one message carries the first delivery, the next the other two.
    await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: ids.slice(0, 1) }], { attempts: 2 });
    await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: ids.slice(1) }], { attempts: 2 });
    expect(delivered.sort()).toEqual(readers.map((r) => r.address).sort());
    for (const reader of readers) expect((await deliveriesFor(reader.id))[0]!.status).toBe("sent");
    // Finding the rest of a batch is an index search, however many deliveries wait.
    expect(await queryPlan(batchMembersQuery(db(), ["batch/x"]))).toContain("USING INDEX deliveries_batch_key_idx");
  });

  it("sends a batch whole when its two parts come back in one queue batch and are tried side by side", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Parts at once");
    const { delivered } = resendWithKeys("never-reached");
    await deliverMessages(testEnv, [message!]);
    const ids = await Promise.all(readers.map(async (r) => (await deliveriesFor(r.id))[0]!.id));
    const parts: NotifyMessage[] = [{ kind: "deliveries", deliveryIds: ids.slice(0, 1) }, { kind: "deliveries", deliveryIds: ids.slice(1) }];
    const round = await deliverMessages(testEnv, parts, { attempts: 2 });
    // Each part saw the other held and gave its own back: nothing went out in two halves.
    expect(delivered).toEqual([]);
    // The part with the batch's first delivery comes back first, half a minute before the other, and takes
    // the whole batch.
    const first = [...ids].sort()[0]!;
    const [sooner, later] = [...round.retryMessages].sort((a, b) => a.delaySeconds! - b.delaySeconds!);
    expect(later!.delaySeconds! - sooner!.delaySeconds!).toBeGreaterThanOrEqual(30);
    const comesBack = parts[round.ids.indexOf(sooner!.msgId)]!;
    expect(comesBack).toEqual(parts.find((p) => p.kind === "deliveries" && p.deliveryIds.includes(first)));
    await deliverMessages(testEnv, [comesBack], { attempts: 3 });
    expect(delivered.sort()).toEqual(readers.map((r) => r.address).sort());
    for (const reader of readers) expect((await deliveriesFor(reader.id))[0]!.status).toBe("sent");
  });

  it("leaves a batch to the sender holding part of it, and sends it whole once that sender's lease is over", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Held batch");
    const { spy, delivered } = resendWithKeys("never-reached");
    await deliverMessages(testEnv, [message!]);
    const ids = await Promise.all(readers.map(async (r) => (await deliveriesFor(r.id))[0]!.id));
    // Another sender claimed the first delivery a moment ago and is mid-call.
    const leaseUntil = Date.now() + 30_000;
    await env.DB.prepare("UPDATE deliveries SET status = 'sending', lease_until = ? WHERE id = ?").bind(leaseUntil, ids[0]).run();
    const waited = await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: ids.slice(1) }], { attempts: 2 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(waited.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(30);
    for (const reader of readers.slice(1)) expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "pending", attempts: 1 });
    // That sender died: once its lease is over, the retry takes the whole batch.
    await env.DB.prepare("UPDATE deliveries SET lease_until = ? WHERE id = ?").bind(Date.now() - 1, ids[0]).run();
    await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: ids.slice(1) }], { attempts: 3 });
    expect(delivered.sort()).toEqual(readers.map((r) => r.address).sort());
    for (const reader of readers) expect((await deliveriesFor(reader.id))[0]!.status).toBe("sent");
  });

  it("sends each email of a dead-lettered batch an admin sends again one at a time, never calling one sent that was not", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("Outage at the provider");
    const { delivered } = resendWithKeys("never-reached");
    await deliverMessages(testEnv, [message!]);
    // The queue gives up on the batch: its deliveries are failed, Resend never having had its key.
    await deliverMessages(testEnv, [message!], { queue: "beacon-notifications-dlq" });
    const ids = await Promise.all(readers.map(async (r) => (await deliveriesFor(r.id))[0]!.id));
    for (const id of ids) expect((await db().select().from(deliveries).where(eq(deliveries.id, id)).get())!.status).toBe("failed");
    // The admin sends them again from the console, one after the other.
    const { retryDelivery } = await import("../src/domain/subscribers");
    const { runBatch } = await import("../src/db/batch");
    for (const id of ids) {
      await runBatch(db(), (await retryDelivery(db(), id, Date.now())).statements);
      await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: [id] }]);
    }
    expect(delivered.sort()).toEqual(readers.map((r) => r.address).sort());
    for (const reader of readers) expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "sent", lastError: null });
  });

  it("sends an email Resend refused within an accepted batch under a key of its own when an admin sends it again", async () => {
    const { testEnv, readers, message } = await updateToThreeReaders("One refused");
    const { delivered } = resendWithKeys("never-reached");
    // The first try never reaches Resend; the second is accepted, with one email of it refused.
    await deliverMessages(testEnv, [message!]);
    const refused = [...readers].sort((a, b) => (a.address < b.address ? -1 : 1))[0]!;
    const spy = vi.mocked(globalThis.fetch);
    const keep = spy.getMockImplementation()!;
    spy.mockImplementationOnce(async (input, init) => {
      const answer = await keep(input, init);
      const { data } = (await answer.json()) as { data: { id: string }[] };
      delivered.splice(delivered.indexOf(refused.address), 1);
      const index = (JSON.parse(String((init as RequestInit).body)) as { to: string }[]).findIndex((e) => e.to === refused.address);
      return json({ data: data.slice(1), errors: [{ index, message: "The recipient's mailbox is full" }] });
    });
    await deliverMessages(testEnv, [message!], { attempts: 2 });
    const [failed] = await deliveriesFor(refused.id);
    expect(failed).toMatchObject({ status: "failed" });
    const { retryDelivery } = await import("../src/domain/subscribers");
    const { runBatch } = await import("../src/db/batch");
    await runBatch(db(), (await retryDelivery(db(), failed!.id, Date.now())).statements);
    await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: [failed!.id] }]);
    expect(delivered.filter((to) => to === refused.address)).toEqual([refused.address]);
    expect((await deliveriesFor(refused.id))[0]).toMatchObject({ status: "sent", lastError: null });
  });

  it("retries a lone email under its first key when others come with it, so one that went out is not sent again", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup(RESEND);
    const first = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Lone first"), [component]));
    const { spy, delivered } = resendWithKeys("answer-lost");
    await deliverMessages(testEnv, [message!]);
    // A later reader's delivery is retried with it, as the sweep may hand them out together.
    const elsewhere = await freshComponent();
    const second = await activeSubscriber("email", { components: [elsewhere] });
    const [later] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Lone second"), [elsewhere]));
    const ids = [(await deliveriesFor(first.id))[0]!.id, ...(later as { deliveryIds: string[] }).deliveryIds];
    await deliverMessages(testEnv, [{ kind: "deliveries", deliveryIds: ids }], { attempts: 2 });
    const calls = await captured(spy);
    expect(calls.filter((c) => c.body.includes(first.address)).map((c) => [c.url, c.headers.get("idempotency-key")])).toEqual(Array(2).fill(["https://api.resend.com/emails", calls[0]!.headers.get("idempotency-key")]));
    expect(delivered.sort()).toEqual([first.address, second.address].sort());
    expect((await deliveriesFor(first.id))[0]!.status).toBe("sent");
  });

  it("sends a lone email with an Idempotency-Key per event and subscriber; a failure then a success sends once", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const reader = await activeSubscriber("email", { components: [component] });
    const eventId = await outboxEvent("incident.resolved", incidentPayload("Login errors", { status: "resolved", root_cause: "Expired certificate" }), [component]);
    const [message] = await fanOut(testEnv, sent, eventId);

    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => json({ statusCode: 500, name: "internal_server_error", message: "boom" }, 500))
      .mockImplementationOnce(async () => json({ id: "re_ok" }));
    const failed = await deliverMessages(testEnv, [message!]);
    expect(failed.retryMessages).toEqual([{ msgId: failed.ids[0], delaySeconds: 10 }]);
    expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "pending", attempts: 1 });
    expect((await deliveriesFor(reader.id))[0]!.lastError).toContain("500");

    const retried = await deliverMessages(testEnv, [message!], { attempts: 2 });
    expect(retried.explicitAcks).toHaveLength(1);
    const calls = await captured(spy);
    expect(calls.map((c) => c.url)).toEqual(["https://api.resend.com/emails", "https://api.resend.com/emails"]);
    // Both attempts carry the same key, so Resend sends the email once even if the first had gone through.
    expect(calls.map((c) => c.headers.get("idempotency-key"))).toEqual([`${eventId}/${reader.id}`, `${eventId}/${reader.id}`]);
    expect(JSON.parse(calls[1]!.body)).toMatchObject({ to: reader.address, subject: "[Beacon Test] Resolved: Login errors" });
    expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "sent", attempts: 2, providerId: "re_ok", lastError: null });

    await deliverMessages(testEnv, [message!], { attempts: 3 });
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("honours 429 Retry-After", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const reader = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Busy"), [component]));
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => json({ statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" }, 429, { "retry-after": "30" }));
    const result = await deliverMessages(testEnv, [message!]);
    expect(result.retryMessages).toEqual([{ msgId: result.ids[0], delaySeconds: 30 }]);
    expect((await deliveriesFor(reader.id))[0]!.status).toBe("pending");
  });

  it("keeps emails for later when Resend refuses the key, and fails one Resend rejects for good", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_revoked", EMAIL_FROM: "Beacon <status@example.com>" });
    const reader = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Bad key"), [component]));
    vi.spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => json({ statusCode: 401, name: "missing_api_key", message: "API key is invalid" }, 401))
      .mockImplementationOnce(async () => json({ statusCode: 422, name: "validation_error", message: "Invalid `to` field" }, 422));
    const first = await deliverMessages(testEnv, [message!]);
    expect(first.retryMessages).toHaveLength(1);
    expect((await deliveriesFor(reader.id))[0]!.status).toBe("pending");
    const second = await deliverMessages(testEnv, [message!], { attempts: 2 });
    expect(second.explicitAcks).toHaveLength(1);
    expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "failed", attempts: 2 });
    expect((await deliveriesFor(reader.id))[0]!.lastError).toContain("422");
  });

  it("records emails in the dev outbox when no Resend key is configured", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const reader = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Offline"), [component]));
    const spy = vi.spyOn(globalThis, "fetch");
    await deliverMessages(testEnv, [message!]);
    expect(spy).not.toHaveBeenCalled();
    expect((await deliveriesFor(reader.id))[0]).toMatchObject({ status: "sent", providerId: "dev-outbox" });
  });

  it("leaves a delivery another sender holds until its lease ends, and skips subscribers who left", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const held = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Held"), [component]));
    const [delivery] = await deliveriesFor(held.id);
    await db().update(deliveries).set({ status: "sending", leaseUntil: Date.now() + 20_000 }).where(eq(deliveries.id, delivery!.id));
    const spy = vi.spyOn(globalThis, "fetch");
    const result = await deliverMessages(testEnv, [message!]);
    expect(spy).not.toHaveBeenCalled();
    expect(result.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(19);

    const { subscribers } = await import("../src/db/schema");
    const left = await activeSubscriber("email", { components: [component] });
    const [next] = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("Held"), [component]));
    await db().update(subscribers).set({ status: "unsubscribed" }).where(eq(subscribers.id, left.id));
    spy.mockImplementation(async () => json({ id: "re_x" }));
    await deliverMessages(testEnv, [next!]);
    expect((await deliveriesFor(left.id))[0]!.status).toBe("skipped");
    expect(spy).toHaveBeenCalledTimes(1); // only the subscriber who stayed
  });
});

describe("SMS through Twilio", () => {
  const twilio = { TWILIO_ACCOUNT_SID: "AC0123456789abcdef", TWILIO_AUTH_TOKEN: "twilio-token", TWILIO_FROM: "+15005550006" };

  it("posts a form-encoded message with basic auth", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup(twilio);
    const phone = await activeSubscriber("sms", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Texts"), [component]));
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => json({ sid: "SM123" }, 201));
    await deliverMessages(testEnv, [message!]);
    const [req] = await captured(spy);
    expect(req!.url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Messages.json");
    expect(req!.headers.get("authorization")).toBe(`Basic ${btoa("AC0123456789abcdef:twilio-token")}`);
    expect(req!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(req!.body);
    expect(form.get("To")).toBe(phone.address);
    expect(form.get("From")).toBe("+15005550006");
    expect(form.get("Body")).toMatch(/^\[Beacon Test\] New incident: Texts \(Identified\), ETA Fri, 27 Nov 2026 12:30 UTC\..*https:\/\/status\.example\.com\/incidents\/.* Reply STOP to unsubscribe\.$/);
    expect((await deliveriesFor(phone.id))[0]).toMatchObject({ status: "sent", providerId: "SM123" });
  });

  it("marks an unanswered send ambiguous and never resends it", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup(twilio);
    const phone = await activeSubscriber("sms", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Lost"), [component]));
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      throw new TypeError("Network connection lost.");
    });
    const result = await deliverMessages(testEnv, [message!]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await deliveriesFor(phone.id))[0]!.status).toBe("ambiguous");
    await deliverMessages(testEnv, [message!], { attempts: 2 });
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe("webhooks", () => {
  it("signs per Standard Webhooks, does not follow redirects, and keeps the webhook-id across retries", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const secretBytes = crypto.getRandomValues(new Uint8Array(24));
    const secret = `whsec_${btoa(String.fromCharCode(...secretBytes))}`;
    const hook = await activeSubscriber("webhook", { components: [component], webhookSecret: secret });
    const eventId = await outboxEvent("incident.created", incidentPayload("Hooks"), [component]);
    const [message] = await fanOut(testEnv, sent, eventId);

    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => new Response("nope", { status: 503 }))
      .mockImplementationOnce(async () => new Response(null, { status: 204 }));
    const first = await deliverMessages(testEnv, [message!]);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 10 }]);
    const second = await deliverMessages(testEnv, [message!], { attempts: 3 });
    expect(second.explicitAcks).toHaveLength(1);

    const calls = await captured(spy);
    expect(calls).toHaveLength(2);
    for (const req of calls) {
      expect(req.url).toBe(hook.address);
      expect(req.redirect).toBe("manual");
      expect(req.headers.get("content-type")).toBe("application/json");
      const id = req.headers.get("webhook-id")!;
      const timestamp = req.headers.get("webhook-timestamp")!;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      const expected = await hmacBase64(secretBytes, `${id}.${timestamp}.${req.body}`);
      expect(req.headers.get("webhook-signature")).toBe(`v1,${expected}`);
      expect(JSON.parse(req.body)).toMatchObject({ type: "incident.created", data: { title: "Hooks", status: "identified" } });
    }
    expect(calls[0]!.headers.get("webhook-id")).toBe(calls[1]!.headers.get("webhook-id"));
    expect((await deliveriesFor(hook.id))[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect((await subscriberRow(hook.id))!.consecutiveFailures).toBe(0);
  });

  it("gives a webhook Statuspage's keys beside Beacon's: meta, the page's status, and the incident or the component update", async () => {
    const { testEnv, sent } = setup();
    const component = await body(await admin("POST", "/api/status/components", { name: `Hooked ${crypto.randomUUID().slice(0, 8)}` }));
    const hook = await activeSubscriber("webhook", { components: [component.id], componentChanges: true });
    const opened = await body(
      await admin("POST", "/api/status/incidents/create", { title: "Hooks, v2", description: "Uploads fail.", severity: "major", affected_components: [{ id: component.id, status: "partial_outage" }], notify: false }),
    );
    const created = await outboxEvent("incident.created", incidentPayload("Hooks, v2", { incident_id: opened.id }), [component.id]);
    const moved = await outboxEvent("component.status", { component_id: component.id, component_name: component.name, from: "operational", to: "degraded", source: "check", at: 1_796_000_000_000 }, [component.id]);
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 204 }));
    for (const eventId of [created, moved]) await deliverMessages(testEnv, await fanOut(testEnv, sent, eventId));
    const [incidentHook, componentHook] = (await captured(spy)).map((req) => JSON.parse(req.body));
    spy.mockRestore();

    // Beacon's own keys first, as before.
    expect(incidentHook).toMatchObject({ type: "incident.created", data: { incident_id: opened.id, title: "Hooks, v2" } });
    expect(incidentHook.meta).toEqual({ unsubscribe: expect.stringMatching(/^https:\/\/status\.example\.com\/api\/status\/subscriptions\/unsubscribe\?token=/), documentation: "https://status.example.com/api/docs", generated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    const status = (await body(await admin("GET", "/api/v2/status.json"))).status;
    expect(incidentHook.page).toEqual({ id: (await body(await admin("GET", "/api/v2/status.json"))).page.id, status_indicator: status.indicator, status_description: status.description });
    expect(["minor", "major", "critical"]).toContain(incidentHook.page.status_indicator);
    // The incident as /api/v2 gives it, so that a tool reads the same object from either.
    const v2 = (await body(await admin("GET", "/api/v2/incidents/unresolved.json"))).incidents.find((i: any) => i.id === opened.id);
    expect(incidentHook.incident).toEqual(v2);
    expect(incidentHook.incident).toMatchObject({ name: "Hooks, v2", status: "investigating", impact: "major", incident_updates: [{ body: "Uploads fail." }] });
    expect(incidentHook.component_update).toBeUndefined();

    expect(componentHook.component_update).toEqual({ created_at: new Date(1_796_000_000_000).toISOString(), new_status: "degraded_performance", old_status: "operational", id: moved, component_id: component.id });
    expect(componentHook.component).toMatchObject({ id: component.id, name: component.name });
    expect(componentHook.incident).toBeUndefined();
    expect((await deliveriesFor(hook.id)).map((d) => d.status)).toEqual(["sent", "sent"]);
    // Written after the page's data was last published (its rebuild still under way): the webhook shows the
    // incident as of its own event, not as the published data had it.
    const written = Date.now();
    await env.DB.prepare("UPDATE incidents SET title = 'Hooks, v2 (renamed)', updated_at = ? WHERE id = ?").bind(written, opened.id).run();
    const renamed = await outboxEvent("incident.updated", incidentPayload("Hooks, v2 (renamed)", { incident_id: opened.id }), [component.id]);
    const renameSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 204 }));
    await deliverMessages(testEnv, await fanOut(testEnv, sent, renamed));
    const [renameHook] = (await captured(renameSpy)).map((req) => JSON.parse(req.body));
    renameSpy.mockRestore();
    expect(renameHook.incident).toMatchObject({ id: opened.id, name: "Hooks, v2 (renamed)" });
    await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });

    // A window called off: Statuspage has no cancelled maintenance, so no `incident` claims to be one.
    const start = Date.now() + 86_400_000;
    const window = await body(await admin("POST", "/api/status/maintenance", { title: "Called off", scheduled_start: start, scheduled_end: start + 3_600_000, affected_components: [component.id], notify: false }));
    expect((await admin("POST", `/api/status/maintenance/${window.id}/cancel`)).status).toBe(200);
    const cancelled = await outboxEvent("maintenance.cancelled", { maintenance_id: window.id, title: "Called off", status: "cancelled" }, [component.id]);
    const cancelSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 204 }));
    await deliverMessages(testEnv, await fanOut(testEnv, sent, cancelled));
    const [cancelHook] = (await captured(cancelSpy)).map((req) => JSON.parse(req.body));
    cancelSpy.mockRestore();
    expect(cancelHook).toMatchObject({ type: "maintenance.cancelled", data: { maintenance_id: window.id } });
    expect(cancelHook.page).toBeDefined();
    expect(cancelHook.incident).toBeUndefined();
  });

  it("disables an endpoint that answers 410 and sends it nothing more", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const hook = await activeSubscriber("webhook", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Gone"), [component]));
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 410 }));
    const result = await deliverMessages(testEnv, [message!]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await deliveriesFor(hook.id))[0]!.status).toBe("failed");
    expect((await subscriberRow(hook.id))!.status).toBe("disabled");
    expect(await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("Gone"), [component]))).toEqual([]);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("leaves alone an endpoint signed up again while a 410 from its previous owner was on its way", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const hook = await activeSubscriber("webhook", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Handed over"), [component]));
    // While the request is out, the owner leaves and the URL is signed up again (its manage epoch raised, as a
    // sign-up of an address that had left does) and confirmed: the old receiver's 410 is not the new owner's.
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      await env.DB.prepare("UPDATE subscribers SET status = 'active', manage_epoch = manage_epoch + 1 WHERE id = ?").bind(hook.id).run();
      return new Response(null, { status: 410 });
    });
    await deliverMessages(testEnv, [message!]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((await deliveriesFor(hook.id))[0]!.status).toBe("failed");
    expect(await subscriberRow(hook.id)).toMatchObject({ status: "active", manageEpoch: 1 });
  });

  it("keeps an endpoint through a short outage of its receiver, and disables it after ten failed attempts over a day", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const hook = await activeSubscriber("webhook", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Flaky"), [component]));
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("down", { status: 500 }));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const result = await deliverMessages(testEnv, [message!], { attempts: attempt });
      delays.push(result.retryMessages[0]?.delaySeconds ?? 0);
    }
    expect(delays.slice(0, 5)).toEqual([10, 20, 40, 80, 160]);
    // Ten failures within minutes (a deploy, every retry of the events in flight): still told of what follows.
    expect(await subscriberRow(hook.id)).toMatchObject({ status: "active", consecutiveFailures: 10 });
    const [later] = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("Flaky"), [component]));
    expect(later).toBeDefined();
    // Answering again ends the run of failures.
    spy.mockImplementation(async () => new Response(null, { status: 204 }));
    await deliverMessages(testEnv, [later!]);
    expect(await subscriberRow(hook.id)).toMatchObject({ status: "active", consecutiveFailures: 0, failingSince: null });

    // Failing for over a day, ten attempts in a row: disabled.
    spy.mockImplementation(async () => new Response("down", { status: 500 }));
    const [third] = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("Flaky"), [component]));
    await deliverMessages(testEnv, [third!]);
    await db().update(subscribers).set({ failingSince: Date.now() - 25 * 3600_000, consecutiveFailures: 9 }).where(eq(subscribers.id, hook.id));
    await deliverMessages(testEnv, [third!], { attempts: 2 });
    expect((await subscriberRow(hook.id))!.status).toBe("disabled");
  });

  it("sends an endpoint confirmed again none of the backlog from before, whichever part had not been tried", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const hook = await activeSubscriber("webhook", { components: [component] });
    const backlog = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("Before it came back"), [component]));
    expect(backlog).toHaveLength(1);
    // Disabled after failures, then confirmed again by its owner.
    await db().update(subscribers).set({ status: "disabled" }).where(eq(subscribers.id, hook.id));
    await db().update(subscribers).set({ status: "active", confirmedAt: Date.now() + 1 }).where(eq(subscribers.id, hook.id));
    await new Promise((resume) => setTimeout(resume, 5));
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok"));
    await deliverMessages(testEnv, backlog);
    expect(spy).not.toHaveBeenCalled();
    expect((await deliveriesFor(hook.id)).map((d) => d.status)).toEqual(["skipped"]);
    // What happens after it confirmed again reaches it.
    const fresh = await fanOut(testEnv, sent, await outboxEvent("incident.updated", incidentPayload("After it came back"), [component]));
    await deliverMessages(testEnv, fresh);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("refuses loopback and private targets at send time", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const hook = await activeSubscriber("webhook", { components: [component], address: "https://169.254.169.254/latest" });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("SSRF"), [component]));
    const spy = vi.spyOn(globalThis, "fetch");
    await deliverMessages(testEnv, [message!]);
    expect(spy).not.toHaveBeenCalled();
    expect((await deliveriesFor(hook.id))[0]).toMatchObject({ status: "failed" });
    expect((await deliveriesFor(hook.id))[0]!.lastError).toContain("private");
  });
});

describe("dead letters", () => {
  it("marks deliveries the queue gave up on as failed, with the reason", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup({ RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Beacon <status@example.com>" });
    const reader = await activeSubscriber("email", { components: [component] });
    const [message] = await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload(unique("Dead")), [component]));
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => json({ statusCode: 500, name: "internal_server_error", message: "down" }, 500));
    for (let attempt = 1; attempt <= 3; attempt++) await deliverMessages(testEnv, [message!], { attempts: attempt });
    // The dead-letter queue hands the message over as a new one: its own count starts again at 1.
    const result = await deliverMessages(testEnv, [message!], { attempts: 1, queue: "beacon-notifications-dlq" });
    expect(result.explicitAcks).toHaveLength(1);
    const [d] = await deliveriesFor(reader.id);
    expect(d!.status).toBe("failed");
    expect(d!.attempts).toBe(3);
    expect(d!.lastError).toMatch(/ \/ gave up after 3 attempts$/);
  });
});

describe("maintenance messages", () => {
  it("say what is planned, when, and for which components, and link to the window's own page", async () => {
    const component = await freshComponent("Billing");
    const { testEnv, sent } = setup(RESEND);
    await activeSubscriber("email", { components: [component] });
    const payload = { maintenance_id: crypto.randomUUID(), title: "Database upgrade", description: "Expect brief read-only periods.", status: "scheduled", scheduled_start: "2026-12-01T02:00:00.000Z", scheduled_end: "2026-12-01T04:00:00.000Z", components: ["Billing"] };
    const [email] = await emailsSent(testEnv, await fanOut(testEnv, sent, await outboxEvent("maintenance.scheduled", payload, [component])));
    expect(email.subject).toBe("[Beacon Test] Scheduled maintenance: Database upgrade");
    expect(email.text).toContain("Window: Tue, 01 Dec 2026 02:00 UTC to Tue, 01 Dec 2026 04:00 UTC");
    expect(email.text).toContain("Components: Billing");
    expect(email.text).toContain("Expect brief read-only periods.");
    expect(email.text).toContain(`Details: https://status.example.com/maintenance/${payload.maintenance_id}\n`);
    expect(email.html).toContain(`<a href="https://status.example.com/maintenance/${payload.maintenance_id}">`);
  });

  it("tell subscribers when a window they were told of moves, and keep a quiet window quiet", async () => {
    const component = await freshComponent("Ledger");
    const day = 86_400_000;
    const start = Date.UTC(2031, 0, 10, 2);
    const window = await body(await admin("POST", "/api/status/maintenance", { title: unique("Ledger move"), scheduled_start: start, scheduled_end: start + 3600_000, affected_components: [component] }));
    await admin("PATCH", `/api/status/maintenance/${window.id}`, { title: `${window.title} (renamed)` });
    await admin("PATCH", `/api/status/maintenance/${window.id}`, { scheduled_start: start + 2 * day, scheduled_end: start + 2 * day + 3 * 3600_000 });
    const quiet = await body(await admin("POST", "/api/status/maintenance", { title: unique("Quiet move"), scheduled_start: start, scheduled_end: start + 3600_000, notify: false }));
    await admin("PATCH", `/api/status/maintenance/${quiet.id}`, { scheduled_start: start + day, scheduled_end: start + day + 3600_000 });
    const noticesOf = async (id: string) =>
      (await db().select().from(events).where(sql`${events.payload} ->> 'maintenance_id' = ${id}`).orderBy(events.createdAt).all()).map((e) => ({ type: e.type as NotifyEventType, payload: e.payload }));

    const told = await noticesOf(window.id);
    expect(told.map((n) => n.type)).toEqual(["maintenance.scheduled", "maintenance.rescheduled"]);
    const links = { pageName: "Beacon", pageUrl: "https://status.example.com", unsubscribeUrl: "https://status.example.com/u", manageUrl: "https://status.example.com/m" };
    const moved = renderEvent("maintenance.rescheduled", told[1]!.payload, links);
    expect(moved.subject).toBe(`[Beacon] Maintenance rescheduled: ${window.title} (renamed)`);
    expect(moved.text).toContain("Window: Sun, 12 Jan 2031 02:00 UTC to Sun, 12 Jan 2031 05:00 UTC\nWas: Fri, 10 Jan 2031 02:00 UTC to Fri, 10 Jan 2031 03:00 UTC\n");
    expect(moved.sms).toContain(", now Sun, 12 Jan 2031 02:00 UTC to Sun, 12 Jan 2031 05:00 UTC, was Fri, 10 Jan 2031 02:00 UTC to Fri, 10 Jan 2031 03:00 UTC.");
    expect(await noticesOf(quiet.id)).toEqual([]);
  });

  it("say by text message when the window is, and then when it really started or completed", async () => {
    const component = await freshComponent("Search");
    const { testEnv, sent } = setup({ TWILIO_ACCOUNT_SID: "AC0123456789abcdef", TWILIO_AUTH_TOKEN: "twilio-token", TWILIO_FROM: "+15005550006" });
    await activeSubscriber("sms", { components: [component] });
    const window = { maintenance_id: crypto.randomUUID(), title: "Index rebuild", description: "", scheduled_start: "2026-12-01T02:00:00.000Z", scheduled_end: "2026-12-01T04:00:00.000Z", started_at: null, completed_at: null, components: ["Search"] };
    const moves: [NotifyEventType, Record<string, unknown>, string][] = [
      ["maintenance.scheduled", { status: "scheduled" }, "Scheduled maintenance: Index rebuild, Tue, 01 Dec 2026 02:00 UTC to Tue, 01 Dec 2026 04:00 UTC."],
      ["maintenance.started", { status: "in_progress", started_at: "2026-12-01T02:05:00.000Z" }, "Maintenance in progress: Index rebuild, started Tue, 01 Dec 2026 02:05 UTC, planned end Tue, 01 Dec 2026 04:00 UTC."],
      ["maintenance.completed", { status: "completed", started_at: "2026-12-01T02:05:00.000Z", completed_at: "2026-12-01T03:10:00.000Z" }, "Maintenance completed: Index rebuild, completed Tue, 01 Dec 2026 03:10 UTC."],
      ["maintenance.cancelled", { status: "cancelled" }, "Maintenance cancelled: Index rebuild, was planned for Tue, 01 Dec 2026 02:00 UTC to Tue, 01 Dec 2026 04:00 UTC."],
    ];
    for (const [type, change, says] of moves) {
      const [message] = await fanOut(testEnv, sent, await outboxEvent(type, { ...window, ...change }, [component]));
      const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => json({ sid: "SM123" }, 201));
      await deliverMessages(testEnv, [message!]);
      const [req] = await captured(spy);
      spy.mockRestore();
      expect(new URLSearchParams(req!.body).get("Body"), type).toBe(`[Beacon Test] ${says} https://status.example.com/maintenance/${window.maintenance_id} Reply STOP to unsubscribe.`);
    }
  });
});

describe("the cron's outbox sweep", () => {
  it("re-queues events never fanned out and deliveries whose queue message was lost", async () => {
    const component = await freshComponent();
    const { testEnv, sent } = setup();
    const reader = await activeSubscriber("email", { components: [component] });
    await fanOut(testEnv, sent, await outboxEvent("incident.created", incidentPayload("Lost message"), [component]));
    const [delivery] = await deliveriesFor(reader.id);
    const lost = await outboxEvent("incident.updated", incidentPayload("Never queued"), [component]);
    const later = Date.now() + 31 * 60_000;

    const { sweepOutbox } = await import("../src/notify/sweep");
    const before = sent.length;
    await sweepOutbox(testEnv, db(), later);
    const swept = sent.slice(before);
    expect(swept).toContainEqual({ kind: "event", eventId: lost });
    expect(swept.some((m) => m.kind === "deliveries" && m.deliveryIds.includes(delivery!.id))).toBe(true);
  });
});
