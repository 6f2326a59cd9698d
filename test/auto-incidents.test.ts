import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { describeCheckResult } from "../src/checks/observed";
import { autoIncidentDefaults, decideAutoIncidents } from "../src/domain/auto-incidents";
import { renderEvent } from "../src/notify/render";
import { createDb } from "../src/db/client";
import { loadIncidentView } from "../src/snapshot/incident-view";
import { iso } from "../src/time";
import { admin, call, json } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";
import { activeSubscriber, unique } from "./support/subscribers";
import { commitChange } from "../src/changes";
import { adminActor } from "../src/domain/change";
import { editMaintenance } from "../src/domain/maintenance";
import { openIncident, resolveIncident } from "../src/domain/incidents";
import { createIncidentBody, resolveIncidentBody } from "../src/schemas";
import { maintenanceWindows } from "../src/db/queries/checks";

afterEach(() => vi.restoreAllMocks());

/** The incidents that list a component, oldest first, with their updates (oldest first). */
async function incidentsOf(componentId: string) {
  const { results } = await env.DB.prepare(
    "SELECT i.* FROM incidents i JOIN incident_components l ON l.incident_id = i.id WHERE l.component_id = ? ORDER BY i.created_at",
  )
    .bind(componentId)
    .all<any>();
  return Promise.all(
    results.map(async (i) => ({
      ...i,
      updates: (await env.DB.prepare("SELECT status, message, created_at FROM incident_updates WHERE incident_id = ? ORDER BY created_at, rowid").bind(i.id).all<any>()).results,
      links: (await env.DB.prepare("SELECT component_id, status FROM incident_components WHERE incident_id = ?").bind(i.id).all<any>()).results,
    })),
  );
}

const eventsOf = async (incidentId: string) =>
  (await env.DB.prepare("SELECT id, type, payload FROM events WHERE payload LIKE ? ORDER BY created_at, rowid").bind(`%${incidentId}%`).all<any>()).results.map((e) => ({
    ...e,
    payload: JSON.parse(e.payload),
  }));

const publicComponent = async (id: string) => (await json(await call("GET", `/api/status/components/${id}`))).component;
const publicIncident = async (id: string) => (await json(await call("GET", "/api/status/incidents?days=365"))).incidents.find((i: any) => i.id === id);

/** Plays one round per minute from `from`, with the target answering `behaviour` each time. */
async function rounds(targets: ReturnType<typeof fakeTargets>, url: string, from: number, plan: (number | "slow")[]) {
  for (const [i, step] of plan.entries()) {
    targets.set(url, step === "slow" ? { status: 200, delayMs: 60 } : { status: step });
    await runCron(from + i * MINUTE);
  }
}

// Each test plays many minute rounds; a loaded machine running the whole suite needs room.
describe("automatic incidents", { timeout: 60_000 }, () => {
  it("opens once the outage has lasted open_after_seconds, not before, dated to the confirmed change", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 1, 12, 0);

    targets.set(url, { status: 503 });
    await runCron(T);
    await runCron(T + MINUTE);
    // Confirmed (two failures) and shown at once, but only 60 s old: no incident yet.
    expect((await publicComponent(c.id)).status).toBe("major_outage");
    expect(await incidentsOf(c.id)).toEqual([]);

    await runCron(T + 2 * MINUTE);
    const [incident, ...more] = await incidentsOf(c.id);
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ automatic: 1, taken_over_at: null, status: "investigating", severity: "critical", started_at: T, title: `${c.name} is down` });
    expect(incident.links).toEqual([{ component_id: c.id, status: "major_outage" }]);
    expect(incident.updates).toHaveLength(1);
    expect(incident.updates[0].message).toBe(`Our checks have found ${c.name} down since 12:00 UTC: HTTP 503. We are looking into it.`);

    const shown = await publicIncident(incident.id);
    expect(shown).toMatchObject({ automatic: true, taken_over_at: null, managed_by: "automation", started_at: iso(T) });
    expect(shown.affected_components).toEqual([{ id: c.id, name: c.name, status: "major_outage" }]);
    const [created] = await eventsOf(incident.id);
    expect(created).toMatchObject({ type: "incident.created", payload: { automatic: true, severity: "critical", status: "investigating" } });

    // Readers see who opened it: on the page's card, on the incident's own page and in the feeds.
    const front = await (await call("GET", "/")).text();
    expect(front).toMatch(new RegExp(`data-incident="${incident.id}"((?!</article>)[\\s\\S])*Detected automatically`));
    expect(await (await call("GET", `/incidents/${incident.id}`)).text()).toContain("Detected automatically");
    expect(await (await call("GET", `/api/status/rss?component=${c.id}`)).text()).toContain("Detected automatically.");

    // The v2 API tells the story the checks recorded: the first update took the component down.
    const v2 = (await json(await call("GET", "/api/v2/incidents.json"))).incidents.find((i: any) => i.id === incident.id);
    expect(v2.started_at).toBe(new Date(T).toISOString());
    expect(v2.incident_updates.at(-1).affected_components).toEqual([{ code: c.id, name: c.name, old_status: "operational", new_status: "major_outage" }]);
  });

  it("words a failure the runtime describes in its own terms as could not connect, in the check and the incident", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2031, 11, 1, 12, 0);
    targets.set(url, { throws: "internal error; reference = h65g1h5hsrg8uu8c7d3ujcsk" });
    for (let i = 0; i <= 2; i++) await runCron(T + i * MINUTE);
    const [incident] = await incidentsOf(c.id);
    expect(incident.updates[0].message).toBe(`Our checks have found ${c.name} down since 12:00 UTC: could not connect. We are looking into it.`);
    const { checks } = await json(await admin("GET", `/api/status/components/${c.id}/checks?limit=3`));
    expect(checks).toHaveLength(3);
    for (const check of checks) expect(check.error).toMatch(/^could not connect( from 3 of 3 regions \([a-z, ]+\))?$/);
    expect(JSON.stringify(await json(await call("GET", `/api/status/components/${c.id}`)))).not.toContain("reference");
  });

  it("keeps an opened incident's title and message within what an admin may write, however long the template makes them", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const name = `Long ${"n".repeat(90)} ${crypto.randomUUID().slice(0, 4)}`;
    // 181 names of 100 characters: about 18,000 characters from a 2,000-character template.
    const message = "{component}".repeat(181);
    const c = await createMonitoredComponent(url, {}, { name, auto_incidents: { open_after_seconds: 0, template: { title: "{component} {component} {component} is {status}", message } } });
    const T = Date.UTC(2032, 1, 1, 12, 0);
    targets.set(url, { status: 503 });
    await runCron(T);
    await runCron(T + MINUTE);
    const [incident] = await incidentsOf(c.id);
    expect(incident.title.length).toBeLessThanOrEqual(200);
    expect(incident.title).toBe(`${`${name} ${name} ${name} is down`.slice(0, 199).trimEnd()}…`);
    // Sent back unchanged, as a console form saved as it is would send it, it is accepted.
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { title: incident.title })).status).toBe(200);
    const [update] = (await json(await call("GET", `/api/status/incidents/${incident.id}`))).updates;
    expect([incident.description.length, update.message.length]).toEqual([10_000, 10_000]);
    expect(update.message.endsWith("…")).toBe(true);
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}`, { description: incident.description, title: `${incident.title.slice(0, 150)}` })).status).toBe(200);
    expect((await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${update.id}`, { message: update.message })).status).toBe(200);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);
  });

  it("opens nothing for a single failed check, even when one result moves the status", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url, { confirmations: 1 });
    const T = Date.UTC(2032, 0, 2, 12, 0);
    await rounds(targets, url, T, [503, 200, 200, 200, 200, 503, 200, 200, 200]);
    expect(await incidentsOf(c.id)).toEqual([]);
    // Two failures confirm an outage, but the check passing again by the time it would open opens nothing.
    const d = await createMonitoredComponent(targetUrl());
    await rounds(targets, d.monitor.url, T + 20 * MINUTE, [503, 503, 200, 200]);
    expect((await publicComponent(d.id)).status).toBe("operational");
    expect(await incidentsOf(d.id)).toEqual([]);
  });

  it("groups a component that fails within the group window into the open incident, with an update naming it", async () => {
    const targets = fakeTargets();
    const [dbUrl, apiUrl, laterUrl] = [targetUrl(), targetUrl(), targetUrl()];
    const database = await createMonitoredComponent(dbUrl);
    const api = await createMonitoredComponent(apiUrl);
    const later = await createMonitoredComponent(laterUrl);
    const T = Date.UTC(2032, 0, 3, 12, 0);

    targets.set(dbUrl, { status: 500 });
    await runCron(T);
    targets.set(apiUrl, "refuse");
    await runCron(T + MINUTE);
    await runCron(T + 2 * MINUTE); // the database's incident opens
    await runCron(T + 3 * MINUTE); // the API, failing since T+1m, is due and joins it
    const [incident] = await incidentsOf(database.id);
    expect(await incidentsOf(api.id)).toEqual([expect.objectContaining({ id: incident.id })]);
    expect(incident.links).toEqual(expect.arrayContaining([{ component_id: api.id, status: "major_outage" }]));
    expect(incident.updates.map((u: any) => u.message)).toEqual([
      expect.stringContaining(database.name),
      `${api.name} is also affected: down since 12:01 UTC (could not connect (Network connection lost.)).`,
    ]);
    expect((await eventsOf(incident.id)).map((e) => [e.type, e.payload.automatic])).toEqual([
      ["incident.created", true],
      ["incident.updated", true],
    ]);
    // Its record tells the same story: the opening names the database alone (the API's move, dated from its
    // first failed check before the opening, shows on the update that named it), in v2 and in the feeds.
    const v2 = (await json(await call("GET", "/api/v2/incidents.json"))).incidents.find((i: any) => i.id === incident.id);
    const [opening, joined] = [...v2.incident_updates].reverse();
    expect(opening.affected_components.map((c: any) => [c.code, c.old_status, c.new_status])).toEqual([[database.id, "operational", "major_outage"]]);
    expect(joined.affected_components.map((c: any) => [c.code, c.old_status, c.new_status])).toEqual(
      expect.arrayContaining([[api.id, "operational", "major_outage"], [database.id, "major_outage", "major_outage"]]),
    );
    const item = (await json(await call("GET", "/api/status/feed.json"))).items.find((i: any) => i.id === incident.id);
    expect(item.content_text).toContain(`Affected: ${database.name}: Major Outage\n`);

    // A failure well after the incident started opens its own.
    targets.set(laterUrl, { status: 502 });
    for (let i = 10; i <= 12; i++) await runCron(T + i * MINUTE);
    const [own] = await incidentsOf(later.id);
    expect(own.id).not.toBe(incident.id);
    expect(own.started_at).toBe(T + 10 * MINUTE);
  });

  it("updates when a component gets worse, at most once per component per 5 minutes, and the link follows the checks at once", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url, { degraded_latency_ms: 20, confirmations: 1 }, { auto_incidents: { open_on_degraded_after_seconds: 60 } });
    const T = Date.UTC(2032, 0, 4, 12, 0);
    // slow from T: degraded; a minor incident a minute later (this component asked for that).
    await rounds(targets, url, T, ["slow", "slow"]);
    let [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ severity: "minor", started_at: T });

    // Down from T+2m: the component and the link follow at once, the next update waits for its turn.
    await rounds(targets, url, T + 2 * MINUTE, [500, 500, 500, 500]);
    [incident] = await incidentsOf(c.id);
    expect((await publicComponent(c.id)).status).toBe("major_outage");
    expect(incident.links).toEqual([{ component_id: c.id, status: "major_outage" }]);
    expect(incident.updates).toHaveLength(1);

    await runCron(T + 6 * MINUTE); // five minutes after the first message
    [incident] = await incidentsOf(c.id);
    expect(incident.severity).toBe("critical");
    expect(incident.updates.map((u: any) => u.message).at(-1)).toBe(`${c.name} got worse: now down (HTTP 500).`);

    // A wobbling check: up, down, up, down within five minutes posts nothing.
    await rounds(targets, url, T + 7 * MINUTE, [200, 500, 200, 500]);
    [incident] = await incidentsOf(c.id);
    expect(incident.updates).toHaveLength(2);
    expect((await eventsOf(incident.id)).map((e) => e.type)).toEqual(["incident.created", "incident.updated"]);
    // Past the five minutes, down as the last update said: still nothing new to tell.
    await rounds(targets, url, T + 11 * MINUTE, [500]);
    expect((await incidentsOf(c.id))[0].updates).toHaveLength(2);
    await rounds(targets, url, T + 12 * MINUTE, [200]);
    [incident] = await incidentsOf(c.id);
    expect(incident.updates).toHaveLength(3);
    expect(incident.updates.at(-1).message).toMatch(new RegExp(`^Checks on ${c.name} have passed since 12:12 UTC`));
  });

  it("raises the severity and refills the title at once when a component gets worse, and tells it in the next update it may post", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url, { degraded_latency_ms: 20, confirmations: 1 }, { auto_incidents: { open_on_degraded_after_seconds: 60 } });
    const T = Date.UTC(2032, 1, 4, 12, 0);
    await rounds(targets, url, T, ["slow", "slow"]);
    let [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ severity: "minor", title: `${c.name} is degraded` });

    // Down a minute after it opened: the incident says so at once, on the page and in the API, though its next
    // update line waits for its turn (one per component per five minutes).
    await rounds(targets, url, T + 2 * MINUTE, [500]);
    [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ severity: "critical", title: `${c.name} is down`, status: "investigating" });
    expect(incident.updates).toHaveLength(1);
    expect((await eventsOf(incident.id)).map((e) => e.type)).toEqual(["incident.created"]);
    expect(await publicIncident(incident.id)).toMatchObject({ title: `${c.name} is down`, severity: "critical" });
    const audit = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries;
    expect(audit[0]).toMatchObject({ action: "incident.edit", actor: { kind: "automation" }, before: { title: `${c.name} is degraded`, severity: "minor" }, after: { title: `${c.name} is down`, severity: "critical" } });

    await rounds(targets, url, T + 3 * MINUTE, [500, 500, 500, 500]);
    [incident] = await incidentsOf(c.id);
    expect(incident.updates.map((u: any) => u.message).at(-1)).toBe(`${c.name} got worse: now down (HTTP 500).`);
    const updated = (await eventsOf(incident.id)).at(-1);
    expect(updated).toMatchObject({ type: "incident.updated", payload: { title: `${c.name} is down`, severity: "critical" } });

    // Better again: the incident keeps the worst it reached, as its impact, until it resolves.
    await rounds(targets, url, T + 7 * MINUTE, ["slow", "slow"]);
    [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ severity: "critical", title: `${c.name} is down` });
  });

  it("does not retitle an incident after a component its title does not name, whatever the link history says came first", async () => {
    const targets = fakeTargets();
    const [url, other] = [targetUrl(), targetUrl()];
    const a = await createMonitoredComponent(url, { degraded_latency_ms: 20, confirmations: 1 }, { auto_incidents: { open_on_degraded_after_seconds: 60 } });
    const b = await createMonitoredComponent(other, { confirmations: 1 }, { auto_incidents: { enabled: false } });
    const T = Date.UTC(2032, 1, 6, 12, 0);
    targets.set(other, { status: 200 });
    await rounds(targets, url, T, ["slow", "slow"]);
    const [incident] = await incidentsOf(a.id);
    expect(incident.title).toBe(`${a.name} is degraded`);
    // History as migration 0027 could write it for an incident open then: another component listed first.
    await env.DB.prepare("INSERT INTO incident_link_history (id, incident_id, component_id, status, at) VALUES (-1, ?, ?, 'degraded', ?)").bind(incident.id, b.id, T).run();
    targets.set(other, { status: 500 });
    await rounds(targets, url, T + 2 * MINUTE, ["slow"]);
    expect((await publicComponent(b.id)).status).toBe("major_outage");
    expect((await incidentsOf(a.id))[0].title).toBe(`${a.name} is degraded`);
  });

  it("resolves itself once every component has passed for resolve_after_seconds, shows recovery at once, and reopens within the window", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 5, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [opened] = await incidentsOf(c.id);

    // Passing from T+3m (confirmed at T+4m): the component shows it at once, the incident waits.
    await rounds(targets, url, T + 3 * MINUTE, [200, 200]);
    expect((await publicComponent(c.id)).status).toBe("operational");
    expect(await publicIncident(opened.id)).toMatchObject({ status: "investigating", affected_components: [{ id: c.id, status: "operational" }] });
    await rounds(targets, url, T + 5 * MINUTE, [200, 200, 200]);
    expect((await incidentsOf(c.id))[0].status).toBe("investigating");

    await runCron(T + 8 * MINUTE); // five minutes of passing checks
    let [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "resolved", resolved_at: T + 8 * MINUTE, root_cause: null, taken_over_at: null });
    expect(incident.updates.at(-1)).toMatchObject({ status: "resolved", message: "Checks have passed for 5 minutes. Resolved automatically." });
    // The seed's resolved incident gives both as text: the resolving update, and that no one has written it up.
    expect(await publicIncident(incident.id)).toMatchObject({ root_cause: "Not written up yet.", resolution: "Checks have passed for 5 minutes. Resolved automatically." });
    // Its record says the outage it was, not the recovery that ended it: in the snapshot, and as read from D1
    // (the console's screens, and its postmortem's draft).
    expect((await publicIncident(incident.id)).affected_components).toEqual([{ id: c.id, name: c.name, status: "major_outage" }]);
    expect((await loadIncidentView(createDb(env.DB), incident.id))!.components.map((x) => x.status)).toEqual(["major_outage"]);
    // The person who writes the root cause sees it is missing.
    expect(await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`))).toMatchObject({ root_cause: null, missing: ["root_cause"], managed_by: "automation" });
    const v2 = (await json(await call("GET", "/api/v2/incidents.json"))).incidents.find((i: any) => i.id === incident.id);
    expect(v2.incident_updates.map((u: any) => u.affected_components[0].new_status)).toEqual(["operational", "operational", "major_outage"]);

    // Failing again four minutes later: the same incident reopens, saying the problem is back.
    await rounds(targets, url, T + 12 * MINUTE, [500, 500, 500]);
    const all = await incidentsOf(c.id);
    expect(all).toHaveLength(1);
    [incident] = all;
    expect(incident).toMatchObject({ status: "investigating", resolved_at: null, severity: "critical" });
    expect(incident.updates.at(-1).message).toBe(`The problem is back: ${c.name} is down again since 12:12 UTC (HTTP 500).`);
    expect((await eventsOf(incident.id)).map((e) => e.type)).toEqual(["incident.created", "incident.updated", "incident.resolved", "incident.updated"]);
    // The audit log says what Beacon did to it, as it says what people do.
    const audit = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries;
    expect(audit.map((e: any) => [e.action, e.actor.kind])).toEqual([
      ["incident.reopen", "automation"],
      ["incident.resolve", "automation"],
      ["incident.update", "automation"],
      ["incident.open", "automation"],
    ]);
    expect(audit[3]).toMatchObject({ before: null, after: { title: opened.title, status: "investigating", severity: "critical", components: [{ id: c.id, status: "major_outage" }] } });
    expect(audit[1]).toMatchObject({ before: { status: "investigating" }, after: { status: "resolved", update: { message: "Checks have passed for 5 minutes. Resolved automatically." } } });

    // Resolved again, then a failure after the reopen window opens a new incident.
    await rounds(targets, url, T + 15 * MINUTE, [200, 200, 200, 200, 200, 200, 200]);
    expect((await incidentsOf(c.id))[0].status).toBe("resolved");
    await rounds(targets, url, T + 40 * MINUTE, [500, 500, 500]);
    expect((await incidentsOf(c.id)).map((i) => i.status)).toEqual(["resolved", "investigating"]);
  });

  it("resolves its incident with the delete when the only component it is about is deleted", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 12, 12, 0);
    await rounds(targets, url, T, Array(6).fill(503));
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ automatic: 1, status: "investigating" });

    expect((await admin("DELETE", `/api/status/components/${c.id}`)).status).toBe(204);
    // Not left open as an incident about nothing (which reads as the whole page) until the next round.
    const shown = await publicIncident(incident.id);
    expect(shown).toMatchObject({ status: "resolved", affected_components: [] });
    expect(shown.updates.filter((u: any) => u.status === "resolved").map((u: any) => u.message)).toEqual([`${c.name} was removed from this page. Resolved automatically.`]);
    const resolved = (await eventsOf(incident.id)).filter((e) => e.type === "incident.resolved");
    expect(resolved).toHaveLength(1);
    expect(resolved[0].payload.affected_components).toEqual([{ id: c.id, name: c.name, status: "major_outage" }]);
    // The next round has nothing left to do for it.
    await runCron(T + 6 * MINUTE);
    expect((await eventsOf(incident.id)).filter((e) => e.type === "incident.resolved")).toHaveLength(1);
    // The audit log has the delete, by the admin, and the resolve it caused, by Beacon.
    const deleted = (await json(await admin("GET", `/api/status/audit?entity_type=component&entity_id=${c.id}`))).entries[0];
    expect(deleted).toMatchObject({ action: "component.delete", actor: { kind: "admin" } });
    const audit = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries;
    expect(audit.filter((e: any) => e.action === "incident.resolve")).toMatchObject([
      { actor: { kind: "automation" }, after: { status: "resolved", update: { message: `${c.name} was removed from this page. Resolved automatically.` } } },
    ]);
  });

  it("counts only passing checks that ran: after missed rounds, the time to resolve starts again", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 13, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [opened] = await incidentsOf(c.id);
    // Two passing rounds, then nothing is checked for 54 minutes, then one passing round: 3 minutes of
    // passing were seen, not 57.
    await rounds(targets, url, T + 3 * MINUTE, [200, 200]);
    await rounds(targets, url, T + 60 * MINUTE, [200]);
    expect((await incidentsOf(c.id))[0]).toMatchObject({ id: opened.id, status: "investigating" });
    // Five minutes of passing checks from there resolve it, and say so.
    await rounds(targets, url, T + 61 * MINUTE, [200, 200, 200, 200, 200]);
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "resolved", resolved_at: T + 65 * MINUTE });
    expect(incident.updates.at(-1).message).toBe("Checks have passed for 5 minutes. Resolved automatically.");
  });

  it("does not resolve while every other check fails: a failure not yet confirmed starts the time to resolve again", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 20, 12, 0);
    await rounds(targets, url, T, [503, 503, 503, 200, 200, 200]);
    const [opened] = await incidentsOf(c.id);
    // Recovered by T+3 as far as damping goes, then failing every other minute: never five minutes of passing.
    await rounds(targets, url, T + 6 * MINUTE, [503, 200, 503, 200, 503, 200, 503, 200]);
    expect((await incidentsOf(c.id))[0]).toMatchObject({ id: opened.id, status: "investigating" });
    await rounds(targets, url, T + 14 * MINUTE, [200, 200, 200, 200, 200]);
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "resolved", resolved_at: T + 18 * MINUTE });
    expect(incident.updates.at(-1).message).toBe("Checks have passed for 5 minutes. Resolved automatically.");
  });

  it("confirms an outage only with failures close together: two an hour apart, nothing checked between, are one and one", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 27, 12, 0);
    await rounds(targets, url, T, [503]);
    await rounds(targets, url, T + 60 * MINUTE, [503]);
    expect(await incidentsOf(c.id)).toEqual([]);
    expect((await publicComponent(c.id)).status).toBe("operational");
    // The next, with one round missed or undecided between them, confirms it: dated to the first after the gap.
    await rounds(targets, url, T + 62 * MINUTE, [503]);
    const { results: moves } = await env.DB.prepare("SELECT to_status, at FROM status_changes WHERE component_id = ? ORDER BY at, id").bind(c.id).all<any>();
    expect(moves).toEqual([{ to_status: "major_outage", at: T + 60 * MINUTE }]);
  });

  it("never takes a component without a result as passed: its monitor removed, or a round with no data", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 10, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [opened] = await incidentsOf(c.id);
    expect(opened.status).toBe("investigating");

    // The monitor is removed while the service still fails: the checks say nothing more, so the incident waits
    // for a person, well past resolve_after_seconds.
    expect((await admin("PATCH", `/api/status/components/${c.id}`, { monitor: null })).status).toBe(200);
    for (let i = 3; i <= 12; i++) await runCron(T + i * MINUTE);
    const [kept] = await incidentsOf(c.id);
    expect(kept).toMatchObject({ status: "investigating", resolved_at: null });
    expect(kept.updates).toHaveLength(1);
    // No "Resolved" for subscribers either: no event was written.
    expect((await eventsOf(opened.id)).map((e) => e.type)).toEqual(["incident.created"]);
    expect((await admin("POST", `/api/status/incidents/${opened.id}/resolve`, { root_cause: "Retired", resolution: "Monitor removed" })).status).toBe(200);

    // A round whose regions could not agree leaves the component out of the round: no data, not a pass.
    const config = autoIncidentDefaults(undefined);
    const at = T + 60 * MINUTE;
    // Told a minute ago, so this round has nothing new to say either.
    const incident = { id: "i", title: "A and B are down", severity: "critical" as const, status: "investigating" as const, startedAt: T, resolvedAt: null, links: ["a", "b"].map((componentId) => ({ componentId, status: "major_outage" as const, announcedStatus: "major_outage" as const, announcedAt: at - MINUTE })) };
    const passed = { id: "a", name: "A", status: "operational" as const, since: T, observed: true, inMaintenance: false, heldByPerson: false, config, checks: "checks passing", latestPassed: true };
    expect(decideAutoIncidents({ components: [passed], incidents: [incident], at, groupWindowMs: config.groupWindowMs })).toEqual([]);
    expect(decideAutoIncidents({ components: [passed, { ...passed, id: "b", observed: false }], incidents: [incident], at, groupWindowMs: config.groupWindowMs })).toEqual([]);
    expect(decideAutoIncidents({ components: [passed, { ...passed, id: "b" }], incidents: [incident], at, groupWindowMs: config.groupWindowMs })).toEqual([
      expect.objectContaining({ kind: "resolve", message: "Checks have passed for 60 minutes. Resolved automatically." }),
    ]);
  });

  it("counts passing from the first check of a monitor put back between two rounds, never from before it existed", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 15, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [opened] = await incidentsOf(c.id);
    expect(opened.status).toBe("investigating");
    // The monitor is removed and set again before the next round: its first passing check is one minute of
    // passing, not the time since 1970.
    expect((await admin("PATCH", `/api/status/components/${c.id}`, { monitor: null })).status).toBe(200);
    expect((await admin("PATCH", `/api/status/components/${c.id}`, { monitor: { type: "http", url, timeout_ms: 500 } })).status).toBe(200);
    await rounds(targets, url, T + 3 * MINUTE, [200]);
    expect((await incidentsOf(c.id))[0]).toMatchObject({ id: opened.id, status: "investigating" });
    // A failure damping has not confirmed does not resolve it either.
    await rounds(targets, url, T + 4 * MINUTE, [503]);
    expect((await incidentsOf(c.id))[0]).toMatchObject({ id: opened.id, status: "investigating" });
    await rounds(targets, url, T + 5 * MINUTE, [200, 200, 200, 200, 200, 200]);
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "resolved", resolved_at: T + 10 * MINUTE });
    expect(incident.updates.at(-1).message).toBe("Checks have passed for 5 minutes. Resolved automatically.");
  });

  it("stops automation once an admin posts an update or edits the incident, and shows the checks as a suggestion", async () => {
    const targets = fakeTargets();
    const [url, other] = [targetUrl(), targetUrl()];
    const c = await createMonitoredComponent(url);
    const d = await createMonitoredComponent(other);
    const T = Date.UTC(2032, 0, 6, 12, 0);
    targets.set(other, { status: 500 });
    await rounds(targets, url, T, [503, 503, 503]);
    const [incident] = await incidentsOf(c.id);
    const [second] = await incidentsOf(d.id);
    expect(second.id).toBe(incident.id); // same minute: grouped

    const posted = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "We are on it.", status: "identified" });
    expect(posted.status).toBe(201);
    expect(await json(posted)).toMatchObject({ automatic: true, managed_by: "admin", taken_over_at: expect.any(String) });

    // Passing for twelve minutes: Beacon neither updates nor resolves it, and the link is the admin's now.
    targets.set(other, { status: 200 });
    await rounds(targets, url, T + 3 * MINUTE, Array(13).fill(200));
    const [after] = await incidentsOf(c.id);
    expect(after).toMatchObject({ status: "identified", resolved_at: null });
    expect(after.updates.map((u: any) => u.message)).toEqual(expect.arrayContaining([expect.stringContaining(c.name), "We are on it."]));
    expect(after.updates).toHaveLength(2);
    expect((await eventsOf(incident.id)).map((e) => e.type).sort()).toEqual(["incident.created", "incident.updated"]);
    const view = await json(await admin("GET", `/api/status/admin/incidents/${incident.id}`));
    expect(view.checks.suggestion).toMatch(/^all checks passing for \d+ minutes$/);
    expect(view.taken_over_by).toEqual(expect.any(String));

    // Editing the title of another automatic incident takes it over as well.
    const url3 = targetUrl();
    const e = await createMonitoredComponent(url3);
    await rounds(targets, url3, T + 30 * MINUTE, [503, 503, 503]);
    const [third] = await incidentsOf(e.id);
    expect((await admin("PATCH", `/api/status/incidents/${third.id}`, { title: "Checkout is down" })).status).toBe(200);
    await rounds(targets, url3, T + 33 * MINUTE, Array(8).fill(200));
    expect((await incidentsOf(e.id))[0]).toMatchObject({ status: "investigating", title: "Checkout is down", taken_over_at: expect.any(Number) });
  });

  it("opens nothing for a component under an in-progress maintenance window", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 7, 12, 0);
    const res = await admin("POST", "/api/status/maintenance", { title: "Upgrade", scheduled_start: T - MINUTE, scheduled_end: T + 10 * MINUTE, components: [c.id] });
    expect(res.status).toBe(201);
    await rounds(targets, url, T, Array(8).fill(500));
    expect((await publicComponent(c.id)).status).toBe("under_maintenance");
    expect(await incidentsOf(c.id)).toEqual([]);
  });

  it("counts an outage from the end of a maintenance window it failed through, and never dates the incident inside it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const T = Date.UTC(2032, 0, 11, 12, 0);
    const res = await admin("POST", "/api/status/maintenance", { title: "Upgrade", scheduled_start: T - MINUTE, scheduled_end: T + 5 * MINUTE, components: [c.id] });
    expect(res.status).toBe(201);
    // Failing all through the window (12:00 to 12:05) and after it: two minutes from its end, not from 12:00.
    await rounds(targets, url, T, Array(7).fill(503));
    expect((await publicComponent(c.id)).status).toBe("major_outage");
    expect(await incidentsOf(c.id)).toEqual([]);
    await runCron(T + 7 * MINUTE);
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "investigating", started_at: T + 5 * MINUTE });
    expect(incident.updates[0].message).toBe(`Our checks have found ${c.name} down since 12:05 UTC: HTTP 503. We are looking into it.`);
  });

  it("counts the outage of a component taken off a running window from when it was taken off", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const elsewhere = await json(await admin("POST", "/api/status/components", { name: unique("Elsewhere") }));
    const T = Date.UTC(2032, 0, 31, 12, 0);
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Upgrade", scheduled_start: T - MINUTE, scheduled_end: T + 60 * MINUTE, components: [c.id] }));
    await rounds(targets, url, T, Array(11).fill(503));
    // At 12:10:30 the window is moved to another component: this one's failures count from then.
    const db = createDb(env.DB);
    await commitChange(env, db, await editMaintenance(db, window.id, { affected_components: [elsewhere.id] }, adminActor({ userId: "user_test" }), T + 10.5 * MINUTE));
    await rounds(targets, url, T + 11 * MINUTE, [503]);
    expect(await incidentsOf(c.id)).toEqual([]);
    await rounds(targets, url, T + 12 * MINUTE, [503]);
    expect(await incidentsOf(c.id)).toEqual([]);
    await rounds(targets, url, T + 13 * MINUTE, [503]);
    const [incident] = await incidentsOf(c.id);
    expect(incident).toMatchObject({ status: "investigating", started_at: T + 10.5 * MINUTE });
  });

  it("counts an outage from a person's resolution of its incident, so a resolve while the checks fail is not undone at once", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const reader = await activeSubscriber("email", { components: [c.id] });
    const T = Date.UTC(2032, 1, 3, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [auto] = await incidentsOf(c.id);
    expect(auto).toMatchObject({ automatic: 1, status: "investigating", started_at: T });
    // An admin resolves it at 12:03:30, while the checks still fail.
    const db = createDb(env.DB);
    const person = adminActor({ userId: "user_test" });
    const resolve = resolveIncidentBody.parse({ root_cause: "A bad deploy", resolution: "Rolled back" });
    await commitChange(env, db, await resolveIncident(db, auto.id, resolve, person, T + 3.5 * MINUTE));
    // Failing on: nothing opens before open_after_seconds from the resolution, and what opens then starts no
    // earlier than it, so the page never shows two incidents over the same minutes.
    await rounds(targets, url, T + 4 * MINUTE, [503, 503]);
    expect((await incidentsOf(c.id)).map((i) => i.id)).toEqual([auto.id]);
    await rounds(targets, url, T + 6 * MINUTE, [503]);
    const [, next, ...more] = await incidentsOf(c.id);
    expect(more).toEqual([]);
    expect(next).toMatchObject({ automatic: 1, status: "investigating", started_at: T + 3.5 * MINUTE, resolved_at: null });
    expect(next.updates[0].message).toBe(`Our checks have found ${c.name} down since 12:03 UTC: HTTP 503. We are looking into it.`);
    // The reader heard of the first, that it was resolved, and of the second two minutes and more later.
    const told = async () =>
      (await env.DB.prepare("SELECT e.type, e.created_at FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.subscriber_id = ? ORDER BY e.created_at, e.rowid").bind(reader.id).all<any>()).results;
    await vi.waitFor(async () => expect(await told()).toHaveLength(3), { timeout: 10_000 });
    expect((await told()).map((e: any) => [e.type, e.created_at])).toEqual([
      ["incident.created", T + 2 * MINUTE],
      ["incident.resolved", T + 3.5 * MINUTE],
      ["incident.created", T + 6 * MINUTE],
    ]);

    // The same for an incident a person opened on a failing component and resolved while it still fails.
    const url2 = targetUrl();
    const d = await createMonitoredComponent(url2);
    await rounds(targets, url2, T + 20 * MINUTE, [503, 503]);
    const open = createIncidentBody.parse({ title: "Checkout errors", severity: "major", affected_components: [d.id], notify: false });
    const own = await commitChange(env, db, await openIncident(db, open, person, T + 21.5 * MINUTE));
    await rounds(targets, url2, T + 22 * MINUTE, [503, 503]);
    expect((await incidentsOf(d.id)).map((i) => i.id)).toEqual([own.id]);
    await commitChange(env, db, await resolveIncident(db, own.id, resolveIncidentBody.parse({ root_cause: "r", resolution: "s", notify: false }), person, T + 23.5 * MINUTE));
    await rounds(targets, url2, T + 24 * MINUTE, [503, 503]);
    expect((await incidentsOf(d.id)).map((i) => i.id)).toEqual([own.id]);
    await rounds(targets, url2, T + 26 * MINUTE, [503]);
    const [, opened] = await incidentsOf(d.id);
    expect(opened).toMatchObject({ automatic: 1, status: "investigating", started_at: T + 23.5 * MINUTE });
  });

  it("ends a component's time in a window with the window, though it was taken off after the window's end", async () => {
    const c = await json(await admin("POST", "/api/status/components", { name: unique("Late edit") }));
    const elsewhere = await json(await admin("POST", "/api/status/components", { name: unique("Elsewhere") }));
    const T = Date.UTC(2032, 1, 2, 12, 0);
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Upgrade", scheduled_start: T - MINUTE, scheduled_end: T + 60 * MINUTE, components: [c.id] }));
    await runCron(T);
    // No run saw its end; an admin moves it to another component half an hour later, which completes it.
    const db = createDb(env.DB);
    await commitChange(env, db, await editMaintenance(db, window.id, { affected_components: [elsewhere.id] }, adminActor({ userId: "user_test" }), T + 90 * MINUTE));
    expect((await maintenanceWindows(db, T, T + 120 * MINUTE)).get(c.id)).toEqual([{ from: T - MINUTE, to: T + 60 * MINUTE }]);
  });

  it("opens nothing when switched off, for the whole page or for one component, nor for unmonitored components", async () => {
    const targets = fakeTargets();
    const [a, b] = [targetUrl(), targetUrl()];
    const off = await createMonitoredComponent(a, {}, { auto_incidents: { enabled: false } });
    const on = await createMonitoredComponent(b);
    const T = Date.UTC(2032, 0, 8, 12, 0);
    targets.set(a, { status: 500 });
    targets.set(b, { status: 500 });
    for (let i = 0; i < 4; i++) await runCron(T + i * MINUTE, { AUTO_INCIDENTS: "off" });
    expect(await incidentsOf(off.id)).toEqual([]);
    expect(await incidentsOf(on.id)).toEqual([]);
    await runCron(T + 4 * MINUTE);
    expect(await incidentsOf(off.id)).toEqual([]);
    expect(await incidentsOf(on.id)).toHaveLength(1);

    // The admin view shows every setting as it applies; bad settings are refused and change nothing.
    const view = await json(await admin("GET", `/api/status/admin/components/${off.id}`));
    expect(view.auto_incidents).toEqual({
      enabled: false,
      open_after_seconds: 120,
      resolve_after_seconds: 300,
      reopen_within_seconds: 600,
      open_on_degraded_after_seconds: null,
      template: { title: "{component} is {status}", message: expect.stringContaining("{checks}") },
    });
    const refused = await admin("PATCH", `/api/status/components/${off.id}`, { auto_incidents: { open_after_seconds: -5, colour: "red" } });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.code).toBe("validation_failed");
    const patched = await json(await admin("PATCH", `/api/status/components/${off.id}`, { auto_incidents: { open_after_seconds: 300, template: { title: "{component} outage", message: "{checks}" } } }));
    expect(patched.auto_incidents).toMatchObject({ enabled: false, open_after_seconds: 300, template: { title: "{component} outage" } });
    expect((await json(await admin("PATCH", `/api/status/components/${off.id}`, { auto_incidents: null }))).auto_incidents.enabled).toBe(true);
  });

  it("keeps an incident title on one line: a template title with a break is refused, and one saved earlier is joined", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const template = { title: "{component} is {status}\r\nSecond line", message: "{checks} since {since}" };
    for (const [method, path, body] of [
      ["PATCH", `/api/status/components/${c.id}`, { auto_incidents: { template } }],
      ["POST", "/api/status/components", { name: `Line probe ${crypto.randomUUID()}`, auto_incidents: { template } }],
    ] as const) {
      const res = await admin(method, path, body);
      expect(res.status, method).toBe(400);
      expect((await json(res)).error.details).toEqual([{ path: "auto_incidents.template.title", message: "must be a single line (no line breaks)", code: "line_break" }]);
    }
    // Settings written before the rule: the incident (and so the email subject) still gets one line.
    await env.DB.prepare("UPDATE components SET auto_incidents = ? WHERE id = ?").bind(JSON.stringify({ template }), c.id).run();
    const T = Date.UTC(2032, 1, 15, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    const [incident] = await incidentsOf(c.id);
    expect(incident.title).toBe(`${c.name} is down Second line`);
  });

  it("notifies each subscriber exactly once per event, saying it was detected automatically; a round delivered twice changes nothing", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url);
    const reader = await activeSubscriber("email", { components: [c.id] });
    const phone = await activeSubscriber("sms", { components: [c.id] });
    const T = Date.UTC(2032, 0, 9, 12, 0);
    await rounds(targets, url, T, [503, 503, 503]);
    await runCron(T + 2 * MINUTE); // the opening round, delivered again
    const [incident] = await incidentsOf(c.id);
    expect(await incidentsOf(c.id)).toHaveLength(1);
    expect(incident.updates).toHaveLength(1);

    await rounds(targets, url, T + 3 * MINUTE, Array(6).fill(200));
    await runCron(T + 8 * MINUTE);
    const events = await eventsOf(incident.id);
    expect(events.map((e) => e.type)).toEqual(["incident.created", "incident.updated", "incident.resolved"]);
    // Recorded once each in the audit log too.
    const audit = (await json(await admin("GET", `/api/status/audit?entity_type=incident&entity_id=${incident.id}`))).entries;
    expect(audit.map((e: any) => e.action)).toEqual(["incident.resolve", "incident.update", "incident.open"]);

    const deliveries = async () =>
      (await env.DB.prepare("SELECT event_id, subscriber_id, subject, body_text FROM deliveries WHERE subscriber_id IN (?, ?)").bind(reader.id, phone.id).all<any>()).results;
    await vi.waitFor(async () => expect(await deliveries()).toHaveLength(6), { timeout: 10_000 });
    const sent = await deliveries();
    for (const event of events) {
      for (const subscriber of [reader.id, phone.id]) expect(sent.filter((d) => d.event_id === event.id && d.subscriber_id === subscriber)).toHaveLength(1);
    }
    const email = sent.find((d) => d.subscriber_id === reader.id && d.event_id === events[0].id);
    expect(email.subject).toBe(`[Beacon Test] New incident: ${c.name} is down`);
    // Deliveries keep no copy of the text; it is rendered from the event, as the sender does.
    const links = { pageName: "Beacon Test", pageUrl: "https://status.example.com", unsubscribeUrl: "https://u.example", manageUrl: "https://m.example" };
    expect(renderEvent("incident.created", events[0].payload, links).text).toContain("Detected: automatically, by Beacon's checks");
    expect(renderEvent("incident.resolved", events[2].payload, links).sms).toContain("Detected automatically.");
  });

  it("tells a follower of status changes of a move once: by the incident's update when it says the same in that round", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const c = await createMonitoredComponent(url, { confirmations: 1 });
    const watcher = await activeSubscriber("email", { components: [c.id], componentChanges: true });
    const T = Date.UTC(2032, 2, 1, 12, 0);
    // Down from T (moved at once), the incident two minutes later; back at T+8m, when the incident may speak
    // again: the move and the incident's update saying so come in one round.
    await rounds(targets, url, T, [503, 503, 503, 503, 503, 503, 503, 503, 200]);
    const [incident] = await incidentsOf(c.id);
    expect(incident.updates.map((u: any) => u.created_at)).toEqual([T + 2 * MINUTE, T + 8 * MINUTE]);
    expect(incident.updates.at(-1).message).toMatch(new RegExp(`^Checks on ${c.name} have passed since 12:08 UTC`));

    const told = async () =>
      (
        await env.DB.prepare("SELECT e.type, e.payload FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.subscriber_id = ? ORDER BY e.created_at, e.rowid")
          .bind(watcher.id)
          .all<any>()
      ).results.map((d) => [d.type, JSON.parse(d.payload).to ?? JSON.parse(d.payload).status]);
    const undispatched = async () => (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL").first<any>()).n;
    await vi.waitFor(async () => expect(await undispatched()).toBe(0), { timeout: 10_000 });
    // The move down, which nothing else said when it happened; then the incident; then its update, alone.
    expect(await told()).toEqual([
      ["component.status", "major_outage"],
      ["incident.created", "investigating"],
      ["incident.updated", "investigating"],
    ]);
  });
});

describe("what the checks saw, in plain words", () => {
  it("reads each kind of failure as a person would say it", () => {
    expect(describeCheckResult({ outcome: "major_outage", error: "unexpected HTTP 503", latencyMs: 12 })).toBe("HTTP 503");
    expect(describeCheckResult({ outcome: "major_outage", error: "unexpected HTTP 503 from 2 of 3 regions (enam, weur)", latencyMs: 12 })).toBe("HTTP 503 from 2 of 3 regions");
    expect(describeCheckResult({ outcome: "major_outage", error: "timed out after 500 ms from 3 of 3 regions (wnam, enam, weur)", latencyMs: 500 })).toBe("no answer within 0.5 s");
    expect(describeCheckResult({ outcome: "major_outage", error: "timed out after 10000 ms", latencyMs: 10_000 })).toBe("no answer within 10 s");
    expect(describeCheckResult({ outcome: "partial_outage", error: "HTTP 500; HTTP 500", latencyMs: 12 })).toBe("HTTP 500");
    expect(describeCheckResult({ outcome: "degraded", error: "slower than 3000 ms", latencyMs: 4000 })).toBe("answers slower than 3 s");
    expect(describeCheckResult({ outcome: "major_outage", error: "keyword not found in the response", latencyMs: 4 })).toBe("the expected text was missing from the answer");
    expect(describeCheckResult({ outcome: "major_outage", error: "Network connection lost.", latencyMs: 4 })).toBe("could not connect (Network connection lost.)");
    // Errors recorded with the runtime's own words, before checks worded fetch failures themselves.
    for (const error of ["internal error; reference = h65g1h5hsrg8uu8c7d3ujcsk", "DNS lookup failed", "TLS peer's certificate is not trusted"]) {
      expect(describeCheckResult({ outcome: "major_outage", error, latencyMs: 4 }), error).toBe("could not connect");
    }
  });
});

describe("the AUTO_INCIDENTS default", () => {
  it("is on unless switched off, and takes default settings as JSON", () => {
    expect(autoIncidentDefaults(undefined)).toMatchObject({ enabled: true, openAfterMs: 120_000, resolveAfterMs: 300_000, reopenWithinMs: 600_000, groupWindowMs: 120_000 });
    expect(autoIncidentDefaults("off").enabled).toBe(false);
    expect(autoIncidentDefaults('{"open_after_seconds":300,"group_window_seconds":60}')).toMatchObject({ enabled: true, openAfterMs: 300_000, groupWindowMs: 60_000 });
    // A value that cannot be read keeps the defaults rather than silencing every incident.
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(autoIncidentDefaults('{"open_after_seconds":"soon"}').openAfterMs).toBe(120_000);
  });
});
