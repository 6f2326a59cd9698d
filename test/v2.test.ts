import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Severity } from "../src/db/schema";
import type { Snapshot } from "../src/snapshot/types";
import { overallStatus } from "../src/status";
import { iso } from "../src/time";
import { v2Status } from "../src/v2/statuspage";
import { admin, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";

// Field lists from the Statuspage v2 reference (shared/reference/statuspage-v2.md), in its order.
const PAGE_FIELDS = ["id", "name", "url", "time_zone", "updated_at"];
const COMPONENT_FIELDS = [
  "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "start_date",
  "group_id", "page_id", "group", "only_show_if_degraded",
];
const INCIDENT_FIELDS = [
  "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact", "shortlink",
  "started_at", "page_id", "incident_updates", "components",
];
const UPDATE_FIELDS = [
  "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at", "affected_components",
  "deliver_notifications", "custom_tweet", "tweet_id",
];
const MAINTENANCE_FIELDS = [...INCIDENT_FIELDS, "scheduled_for", "scheduled_until"];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const COMPONENT_STATUSES = ["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"];

const v2 = async (path: string) => {
  const res = await call("GET", `/api/v2/${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return json(res);
};

function expectPage(page: any) {
  expect(Object.keys(page)).toEqual(PAGE_FIELDS);
  expect(page).toMatchObject({ name: "Beacon Test", url: "https://status.example.com", time_zone: "UTC" });
  expect(page.id).toMatch(/^[0-9a-z]+$/);
  expect(page.updated_at).toMatch(ISO_MS);
}

function expectComponentRow(row: any, pageId: string) {
  expect(Object.keys(row)).toEqual(row.group ? [...COMPONENT_FIELDS, "components"] : COMPONENT_FIELDS);
  expect(COMPONENT_STATUSES).toContain(row.status);
  expect(row.page_id).toBe(pageId);
  expect(row.only_show_if_degraded).toBe(false);
  expect(Number.isInteger(row.position) && row.position >= 1).toBe(true);
  if (row.created_at !== null) expect(row.created_at).toMatch(ISO_MS);
}

async function makeGroup(name: string, componentIds: string[]) {
  const group = await json(await admin("POST", "/api/status/groups", { name }));
  for (const id of componentIds) expect((await admin("PATCH", `/api/status/components/${id}`, { group_id: group.id })).status).toBe(200);
  return group;
}

async function makeComponent(name: string) {
  const res = await admin("POST", "/api/status/components", { name });
  expect(res.status).toBe(201);
  return json(res);
}

const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();

describe("Statuspage v2 API", () => {
  it("summary.json: page, components with group rows, unresolved incidents, maintenance and status, every field present", async () => {
    const member = await makeComponent(`Edge ${crypto.randomUUID()}`);
    const group = await makeGroup(`Network ${crypto.randomUUID()}`, [member.id]);
    const incident = await createIncident({
      title: "Slow edge",
      severity: "minor",
      affected_components: [{ id: member.id, status: "degraded" }],
    });
    const upcoming = await json(
      await admin("POST", "/api/status/maintenance", { title: "Edge upgrade", scheduled_start: hours(24), scheduled_end: hours(26), components: [member.id] }),
    );

    const body = await v2("summary.json");
    expect(Object.keys(body)).toEqual(["page", "components", "incidents", "scheduled_maintenances", "status"]);
    expectPage(body.page);
    for (const row of body.components) expectComponentRow(row, body.page.id);

    const groupRow = body.components.find((r: any) => r.id === group.id);
    expect(groupRow).toMatchObject({ name: group.name, group: true, group_id: null, showcase: false, start_date: null, components: [member.id] });
    expect(groupRow.status).toBe("degraded_performance");
    expect(groupRow.created_at).toMatch(ISO_MS);
    const memberRow = body.components.find((r: any) => r.id === member.id);
    expect(memberRow).toMatchObject({ name: member.name, status: "degraded_performance", group: false, group_id: group.id, showcase: true, description: null, position: 1 });
    expect(memberRow.start_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(iso(Date.parse(memberRow.created_at))).toBe(member.created_at);
    expect("components" in memberRow).toBe(false);
    // The group row comes right before its children.
    expect(body.components.indexOf(groupRow) + 1).toBe(body.components.indexOf(memberRow));

    const inc = body.incidents.find((i: any) => i.id === incident.id);
    expect(Object.keys(inc)).toEqual(INCIDENT_FIELDS);
    expect(inc).toMatchObject({
      name: "Slow edge",
      status: "investigating",
      impact: "minor",
      monitoring_at: null,
      resolved_at: null,
      shortlink: `https://status.example.com/incidents/${incident.id}`,
      page_id: body.page.id,
    });
    expect(inc.created_at).toMatch(ISO_MS);
    // The same instants as the seed API's, which shows them to the second.
    expect([iso(Date.parse(inc.created_at)), iso(Date.parse(inc.started_at))]).toEqual([incident.created_at, incident.started_at]);
    expect(inc.components.map((c: any) => c.id)).toEqual([member.id]);
    expect(inc.components[0]).toEqual(memberRow);
    expect(inc.incident_updates).toHaveLength(1);
    const update = inc.incident_updates[0];
    expect(Object.keys(update)).toEqual(UPDATE_FIELDS);
    expect(update).toMatchObject({
      status: "investigating",
      body: "Some requests fail.",
      incident_id: incident.id,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
      affected_components: [{ code: member.id, name: member.name, old_status: "operational", new_status: "degraded_performance" }],
    });
    expect(update.display_at).toBe(update.created_at);

    const m = body.scheduled_maintenances.find((x: any) => x.id === upcoming.id);
    expect(Object.keys(m)).toEqual(MAINTENANCE_FIELDS);
    expect(m).toMatchObject({
      name: "Edge upgrade",
      status: "scheduled",
      impact: "maintenance",
      resolved_at: null,
      monitoring_at: null,
      shortlink: `https://status.example.com/maintenance/${upcoming.id}`,
    });
    expect([iso(Date.parse(m.scheduled_for)), iso(Date.parse(m.scheduled_until))]).toEqual([upcoming.scheduled_start, upcoming.scheduled_end]);
    expect(m.incident_updates[0]).toMatchObject({ status: "scheduled", incident_id: upcoming.id });
    expect(Object.keys(m.incident_updates[0])).toEqual(UPDATE_FIELDS);
    expect(m.components.map((c: any) => c.id)).toEqual([member.id]);

    expect(Object.keys(body.status)).toEqual(["indicator", "description"]);
    expect(["minor", "major", "critical"]).toContain(body.status.indicator);
  });

  it("status.json and components.json carry the page; components.json equals the summary's list", async () => {
    const status = await v2("status.json");
    expect(Object.keys(status)).toEqual(["page", "status"]);
    expectPage(status.page);
    const components = await v2("components.json");
    expect(Object.keys(components)).toEqual(["page", "components"]);
    const summary = await v2("summary.json");
    expect(components.components).toEqual(summary.components);
    for (const id of Object.values(DEFAULT_COMPONENTS)) expect(components.components.some((c: any) => c.id === id)).toBe(true);
  });

  it("incidents.json keeps resolved incidents, unresolved.json drops them; updates carry affected components old -> new, and whether subscribers were told", async () => {
    const component = await makeComponent(`Queue ${crypto.randomUUID()}`);
    const other = await makeComponent(`Jobs ${crypto.randomUUID()}`);
    const open = await createIncident({ title: "Still open", severity: "critical", affected_components: [{ id: other.id, status: "major_outage" }] });
    const closed = await createIncident({ title: "Fixed", severity: "major", affected_components: [{ id: component.id, status: "partial_outage" }] });
    expect((await admin("POST", `/api/status/incidents/${closed.id}/updates`, { message: "Watching it", status: "monitoring", notify: false })).status).toBe(201);
    expect((await admin("POST", `/api/status/incidents/${closed.id}/resolve`, { root_cause: "Bad deploy", resolution: "Rolled back" })).status).toBe(200);

    const all = await v2("incidents.json");
    expect(Object.keys(all)).toEqual(["page", "incidents"]);
    const resolved = all.incidents.find((i: any) => i.id === closed.id);
    expect(resolved).toBeDefined();
    expect(resolved.status).toBe("resolved");
    expect(resolved.impact).toBe("major");
    expect(resolved.resolved_at).toMatch(ISO_MS);
    expect(resolved.monitoring_at).toMatch(ISO_MS);
    expect(resolved.incident_updates.map((u: any) => u.status)).toEqual(["resolved", "monitoring", "investigating"]);
    const [resolveUpdate, monitoringUpdate, firstUpdate] = resolved.incident_updates;
    expect(firstUpdate.affected_components).toEqual([{ code: component.id, name: component.name, old_status: "operational", new_status: "partial_outage" }]);
    expect(monitoringUpdate.body).toBe("Watching it");
    // Posted without telling subscribers: integrations that mirror notifications must not announce it.
    expect(resolved.incident_updates.map((u: any) => u.deliver_notifications)).toEqual([true, false, true]);
    expect(monitoringUpdate.affected_components[0]).toMatchObject({ old_status: "partial_outage", new_status: "partial_outage" });
    expect(resolveUpdate.affected_components[0]).toMatchObject({ old_status: "partial_outage", new_status: "operational" });
    for (const i of all.incidents) expect(Object.keys(i)).toEqual(INCIDENT_FIELDS);

    const unresolved = await v2("incidents/unresolved.json");
    expect(unresolved.incidents.some((i: any) => i.id === open.id)).toBe(true);
    expect(unresolved.incidents.some((i: any) => i.id === closed.id)).toBe(false);
    expect(unresolved.incidents.find((i: any) => i.id === open.id).impact).toBe("critical");
    expect(unresolved.incidents.every((i: any) => ["investigating", "identified", "monitoring"].includes(i.status))).toBe(true);
    expect((await admin("POST", `/api/status/incidents/${open.id}/resolve`, { root_cause: "x", resolution: "y" })).status).toBe(200);
  });

  it("incidents.json lists the 50 most recent and, however old, every unresolved one", async () => {
    const old = await createIncident({ title: "Long-running", severity: "minor", started_at: iso(Date.now() - 200 * 86_400_000), notify: false });
    const newer: { id: string }[] = [];
    const resolveAll = async () => {
      for (const i of [old, ...newer]) await admin("POST", `/api/status/incidents/${i.id}/resolve`, { root_cause: "x", resolution: "y", notify: false });
    };
    try {
      for (let i = 0; i < 50; i++) newer.push(await createIncident({ title: `Newer ${i}`, severity: "none", notify: false }));
      const listed = (await v2("incidents.json")).incidents.map((i: any) => i.id);
      expect(listed).toContain(old.id);
      expect(listed).toEqual(expect.arrayContaining(newer.map((i) => i.id)));
      // Newest first, the unresolved one after the 50 newer.
      expect(listed.indexOf(old.id)).toBeGreaterThan(listed.indexOf(newer[0]!.id));
      await resolveAll();
      // Resolved, it is one more old incident: the 50 newer fill the list.
      expect((await v2("incidents.json")).incidents.map((i: any) => i.id)).not.toContain(old.id);
    } finally {
      // Open, they would weigh on every later test of the file (a resolve of a resolved one is a 409).
      await resolveAll();
    }
  });

  it("affected_components follow what each update really did, when an update changes a component's status mid-incident", async () => {
    const component = await makeComponent(`Payments ${crypto.randomUUID()}`);
    const dropped = await makeComponent(`Refunds ${crypto.randomUUID()}`);
    const incident = await createIncident({
      title: "Payments slow",
      severity: "major",
      affected_components: [
        { id: component.id, status: "partial_outage" },
        { id: dropped.id, status: "degraded" },
      ],
    });
    const worse = await admin("POST", `/api/status/incidents/${incident.id}/updates`, {
      message: "Now failing outright",
      status: "identified",
      affected_components: [{ id: component.id, status: "major_outage" }],
    });
    expect(worse.status).toBe(201);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Fix deployed", status: "monitoring" })).status).toBe(201);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Bad config", resolution: "Reverted" })).status).toBe(200);

    const found = (await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id);
    const moves = [...found.incident_updates]
      .reverse()
      .map((u: any) => [u.status, u.affected_components.map((a: any) => `${a.name.split(" ")[0]}: ${a.old_status}->${a.new_status}`).sort()]);
    expect(moves).toEqual([
      ["investigating", ["Payments: operational->partial_outage", "Refunds: operational->degraded_performance"]],
      // Taken off the incident by this update: Refunds goes back to operational, and says so.
      ["identified", ["Payments: partial_outage->major_outage", "Refunds: degraded_performance->operational"]],
      ["monitoring", ["Payments: major_outage->major_outage"]],
      ["resolved", ["Payments: major_outage->operational"]],
    ]);
    expect(found.incident_updates[0].affected_components[0]).toEqual({ code: component.id, name: component.name, old_status: "major_outage", new_status: "operational" });
  });

  it("an update that takes a component off the incident leaves the earlier updates listing it as they did", async () => {
    const [api, db] = [await makeComponent(`Gateway ${crypto.randomUUID()}`), await makeComponent(`Ledger ${crypto.randomUUID()}`)];
    const incident = await createIncident({ title: "Gateway errors", severity: "major", affected_components: [{ id: api.id, status: "partial_outage" }], notify: false });
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified", notify: false })).status).toBe(201);
    const listed = async () =>
      [...(await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id).incident_updates]
        .reverse()
        .map((u: any) => [u.status, u.affected_components.map((a: any) => `${a.name.split(" ")[0]}: ${a.old_status}->${a.new_status}`).sort()]);
    const before = await listed();
    expect(before).toEqual([
      ["investigating", ["Gateway: operational->partial_outage"]],
      ["identified", ["Gateway: partial_outage->partial_outage"]],
    ]);
    // The next update moves the incident to the ledger alone: what was published before it stays as it was.
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "It is the ledger", status: "monitoring", notify: false, affected_components: [{ id: db.id, status: "degraded" }] })).status).toBe(201);
    const after = [...before, ["monitoring", ["Gateway: partial_outage->operational", "Ledger: operational->degraded_performance"]]];
    expect(await listed()).toEqual(after);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Lock", resolution: "Released", notify: false })).status).toBe(200);
    expect((await listed()).slice(0, 3)).toEqual(after);
  });

  it("affected_components of an earlier update show the status of its own time, never one a later update set", async () => {
    const quiet = await makeComponent(`Mail ${crypto.randomUUID()}`);
    const added = await makeComponent(`Search ${crypto.randomUUID()}`);
    const incident = await createIncident({ title: "Mail delayed", severity: "minor", affected_components: [{ id: quiet.id, status: "operational" }] });
    const worse = await admin("POST", `/api/status/incidents/${incident.id}/updates`, {
      message: "Now failing for some",
      status: "identified",
      affected_components: [
        { id: quiet.id, status: "partial_outage" },
        { id: added.id, status: "major_outage" },
      ],
    });
    expect(worse.status).toBe(201);

    const found = (await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id);
    const moves = [...found.incident_updates]
      .reverse()
      .map((u: any) => [u.status, u.affected_components.map((a: any) => `${a.name.split(" ")[0]}: ${a.old_status}->${a.new_status}`).sort()]);
    // Search was not on the incident when it opened: its first update does not list it.
    expect(moves).toEqual([
      ["investigating", ["Mail: operational->operational"]],
      ["identified", ["Mail: operational->partial_outage", "Search: operational->major_outage"]],
    ]);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Queue", resolution: "Drained" })).status).toBe(200);
  });

  it("lists a component on an update only once the incident names it, even one added without a move", async () => {
    const [first, later, edited] = [await makeComponent(`Web ${crypto.randomUUID()}`), await makeComponent(`Docs ${crypto.randomUUID()}`), await makeComponent(`Blog ${crypto.randomUUID()}`)];
    const incident = await createIncident({ title: "Web slow", severity: "minor", affected_components: [{ id: first.id, status: "degraded" }] });
    const keep = { id: first.id, status: "degraded" };
    // Added at the status it already shows: no move is recorded for it, yet it joins from this update on.
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Docs too", status: "identified", affected_components: [keep, { id: later.id, status: "operational" }] })).status).toBe(201);
    // Another one named by the next update; the earlier updates stay as they were.
    const all = [keep, { id: later.id, status: "operational" }, { id: edited.id, status: "operational" }];
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Watching", status: "monitoring", affected_components: all })).status).toBe(201);

    const found = (await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id);
    const listed = [...found.incident_updates].reverse().map((u: any) => [u.status, u.affected_components.map((a: any) => `${a.name.split(" ")[0]}: ${a.old_status}->${a.new_status}`).sort()]);
    expect(listed).toEqual([
      ["investigating", ["Web: operational->degraded_performance"]],
      ["identified", ["Docs: operational->operational", "Web: degraded_performance->degraded_performance"]],
      ["monitoring", ["Blog: operational->operational", "Docs: operational->operational", "Web: degraded_performance->degraded_performance"]],
    ]);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Cache", resolution: "Warmed" })).status).toBe(200);
    // Resolved (read from the record kept for resolved incidents), each is still listed from when it was named.
    const resolved = (await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id);
    expect(resolved.incident_updates.at(-1).affected_components.map((a: any) => a.code)).toEqual([first.id]);
    expect(resolved.incident_updates[0].affected_components.map((a: any) => a.code).sort()).toEqual([first.id, later.id, edited.id].sort());
  });

  it("a window's updates list the moves it made: none for a component an incident held at a worse status", async () => {
    const [held, calm] = [await makeComponent(`Mailer ${crypto.randomUUID()}`), await makeComponent(`Index ${crypto.randomUUID()}`)];
    const incident = await createIncident({ title: "Mailer down", severity: "critical", affected_components: [{ id: held.id, status: "major_outage" }], notify: false });
    const window = await json(await admin("POST", "/api/status/maintenance", { title: "Patch", scheduled_start: hours(2), scheduled_end: hours(3), components: [held.id, calm.id], notify: false }));
    const moves = async (path: string) =>
      [...(await v2(path)).scheduled_maintenances.find((m: any) => m.id === window.id).incident_updates]
        .reverse()
        .map((u: any) => [u.status, u.affected_components.map((a: any) => `${a.name.split(" ")[0]}: ${a.old_status}->${a.new_status}`).sort()]);
    // Scheduled: each component as it stands.
    expect(await moves("scheduled-maintenances/upcoming.json")).toEqual([["scheduled", ["Index: operational->operational", "Mailer: major_outage->major_outage"]]]);
    expect((await admin("POST", `/api/status/maintenance/${window.id}/start`)).status).toBe(200);
    const active = (await v2("scheduled-maintenances/active.json")).scheduled_maintenances.find((m: any) => m.id === window.id);
    // The outage outranks the maintenance: the mailer never showed under_maintenance, and v2 says so.
    expect(active.components.map((c: any) => [c.name.split(" ")[0], c.status]).sort()).toEqual([
      ["Index", "under_maintenance"],
      ["Mailer", "major_outage"],
    ]);
    const started = [
      ["scheduled", ["Index: operational->operational", "Mailer: major_outage->major_outage"]],
      ["in_progress", ["Index: operational->under_maintenance", "Mailer: major_outage->major_outage"]],
    ];
    expect(await moves("scheduled-maintenances/active.json")).toEqual(started);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Disk", resolution: "Replaced", notify: false })).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${window.id}/complete`)).status).toBe(200);
    // What was published stays as it was; the mailer showed the maintenance once the outage ended, and
    // completing brought both back.
    expect(await moves("scheduled-maintenances.json")).toEqual([
      ...started,
      ["completed", ["Index: under_maintenance->operational", "Mailer: under_maintenance->operational"]],
    ]);
  });

  it("scheduled maintenances: upcoming, active (in_progress, components under_maintenance), cancelled left out", async () => {
    const component = await makeComponent(`Cache ${crypto.randomUUID()}`);
    const later = await json(await admin("POST", "/api/status/maintenance", { title: "Later", scheduled_start: hours(48), scheduled_end: hours(49), components: [component.id] }));
    const now = await json(await admin("POST", "/api/status/maintenance", { title: "Now", scheduled_start: hours(-1), scheduled_end: hours(1), components: [component.id] }));
    const quiet = await json(await admin("POST", "/api/status/maintenance", { title: "Quiet", scheduled_start: hours(50), scheduled_end: hours(51), components: [component.id], notify: false }));
    const cancelled = await json(await admin("POST", "/api/status/maintenance", { title: "Called off", scheduled_start: hours(72), scheduled_end: hours(73), components: [component.id] }));
    expect((await admin("POST", `/api/status/maintenance/${cancelled.id}/cancel`)).status).toBe(200);

    const upcoming = await v2("scheduled-maintenances/upcoming.json");
    expect(Object.keys(upcoming)).toEqual(["page", "scheduled_maintenances"]);
    const ids = (list: any[]) => list.map((m) => m.id);
    expect(ids(upcoming.scheduled_maintenances)).toContain(later.id);
    expect(ids(upcoming.scheduled_maintenances)).not.toContain(now.id);
    expect(ids(upcoming.scheduled_maintenances)).not.toContain(cancelled.id);
    const told = (id: string) => upcoming.scheduled_maintenances.find((m: any) => m.id === id).incident_updates[0].deliver_notifications;
    expect([told(later.id), told(quiet.id)]).toEqual([true, false]);

    const active = await v2("scheduled-maintenances/active.json");
    const running = active.scheduled_maintenances.find((m: any) => m.id === now.id);
    expect(Object.keys(running)).toEqual(MAINTENANCE_FIELDS);
    expect(running.status).toBe("in_progress");
    expect(running.started_at).toMatch(ISO_MS);
    expect(running.components[0].status).toBe("under_maintenance");
    // Written with its start already past, it started at once: its followers heard of it only as in progress,
    // so there is no "scheduled" update anyone could have been told of.
    expect(running.incident_updates.map((u: any) => u.status)).toEqual(["in_progress"]);
    expect(running.incident_updates[0].affected_components[0]).toMatchObject({ code: component.id, old_status: "operational", new_status: "under_maintenance" });
    expect(ids(active.scheduled_maintenances)).not.toContain(later.id);
    // One that was scheduled, then started, has both.
    expect((await admin("POST", `/api/status/maintenance/${later.id}/start`)).status).toBe(200);
    const started = (await v2("scheduled-maintenances/active.json")).scheduled_maintenances.find((m: any) => m.id === later.id);
    expect(started.incident_updates.map((u: any) => u.status)).toEqual(["in_progress", "scheduled"]);

    const all = await v2("scheduled-maintenances.json");
    expect(ids(all.scheduled_maintenances)).toEqual(expect.arrayContaining([later.id, now.id]));
    expect(ids(all.scheduled_maintenances)).not.toContain(cancelled.id);
    const summary = await v2("summary.json");
    expect(ids(summary.scheduled_maintenances)).toEqual(expect.arrayContaining([later.id, now.id]));
    expect((await admin("POST", `/api/status/maintenance/${now.id}/cancel`)).status).toBe(200);
    expect((await admin("POST", `/api/status/maintenance/${later.id}/cancel`)).status).toBe(200);
  });

  it("scheduled-maintenances.json keeps every upcoming and active window, however many are planned further ahead", async () => {
    const component = await makeComponent(`Backups ${crypto.randomUUID()}`);
    const plan = async (title: string, start: number, end: number) =>
      json(await admin("POST", "/api/status/maintenance", { title, scheduled_start: hours(start), scheduled_end: hours(end), components: [component.id], notify: false }));
    const running = await plan("Running now", -1, 1);
    const next = await plan("Next up", 24, 25);
    const done = await plan("Done already", -1, 1);
    expect((await admin("POST", `/api/status/maintenance/${done.id}/complete`)).status).toBe(200);
    // A year of weekly windows, all planned after the next one.
    const weekly: { id: string }[] = [];
    try {
      for (let week = 1; week <= 52; week++) weekly.push(await plan(`Weekly ${week}`, week * 168, week * 168 + 1));
      const listed = (await v2("scheduled-maintenances.json")).scheduled_maintenances.map((m: any) => m.id);
      // As Statuspage's list, it holds what upcoming.json and active.json do: the window under way and the next one too.
      expect(listed).toEqual(expect.arrayContaining([running.id, next.id, ...weekly.map((m) => m.id)]));
      // Latest start first.
      expect(listed.indexOf(next.id)).toBeGreaterThan(listed.indexOf(weekly[0]!.id));
      expect(listed.indexOf(running.id)).toBeGreaterThan(listed.indexOf(next.id));
      // A completed window is one of the most recent only while fewer than 50 are listed before it.
      expect(listed).not.toContain(done.id);
    } finally {
      for (const m of [running, next, ...weekly]) await admin("POST", `/api/status/maintenance/${m.id}/cancel`);
    }
  });
});

describe("component updated_at", () => {
  it("moves when the shown status changes (incident, its resolution, maintenance), in v2 and /api/status, groups too", async () => {
    const component = await makeComponent(`Search ${crypto.randomUUID().slice(0, 8)}`);
    const group = await makeGroup(`Edge ${crypto.randomUUID().slice(0, 8)}`, [component.id]);
    const read = async () => {
      const rows = (await json(await call("GET", "/api/v2/components.json"))).components;
      const seed = (await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === component.id);
      const row = rows.find((r: any) => r.id === component.id);
      // v2 keeps milliseconds; /api/status shows the same instant to the second.
      expect(seed.updated_at).toBe(iso(Date.parse(row.updated_at)));
      return { status: row.status, at: Date.parse(row.updated_at), group: Date.parse(rows.find((r: any) => r.id === group.id).updated_at) };
    };
    const pause = () => new Promise((resume) => setTimeout(resume, 5));
    const edited = await read();
    expect(edited.status).toBe("operational");

    await pause();
    const since = Date.now();
    const incident = await createIncident({ title: "Search slow", severity: "minor", affected_components: [component.id] });
    const degraded = await read();
    expect(degraded.status).toBe("degraded_performance");
    expect(degraded.at).toBeGreaterThanOrEqual(since);
    expect(degraded.group).toBe(degraded.at);

    await pause();
    const resolvedSince = Date.now();
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A slow index.", resolution: "Rebuilt it." });
    const resolved = await read();
    expect(resolved.status).toBe("operational");
    expect(resolved.at).toBeGreaterThanOrEqual(resolvedSince);

    await pause();
    const maintenanceSince = Date.now();
    const m = await json(await admin("POST", "/api/status/maintenance", { title: "Reindex", scheduled_start: hours(24), scheduled_end: hours(25), components: [component.id] }));
    // Planned, it changes nothing shown yet.
    expect((await read()).at).toBe(resolved.at);
    await admin("POST", `/api/status/maintenance/${m.id}/start`);
    const maintained = await read();
    expect(maintained.status).toBe("under_maintenance");
    expect(maintained.at).toBeGreaterThanOrEqual(maintenanceSince);
  });
});

describe("times a client sends", () => {
  it("are stored to the whole second, so v2's milliseconds show the instant the API answered", async () => {
    const component = await makeComponent(`Billing ${crypto.randomUUID().slice(0, 8)}`);
    const incident = await createIncident({ title: "Billing slow", severity: "minor", affected_components: [component.id], notify: false });
    const edited = await admin("PATCH", `/api/status/incidents/${incident.id}`, { started_at: "2026-01-02T13:05:00.123Z" });
    expect(edited.status).toBe(200);
    expect((await json(edited)).started_at).toBe("2026-01-02T13:05:00Z");
    const v2Incident = (await v2("incidents.json")).incidents.find((i: any) => i.id === incident.id);
    expect(v2Incident.started_at).toBe("2026-01-02T13:05:00.000Z");

    // Epoch milliseconds and offsets too: dropped toward the past, as the API shows them.
    const eta = Date.UTC(2030, 0, 1, 12, 0, 0, 999);
    const posted = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "ETA", status: "identified", estimated_resolution: eta, notify: false });
    expect(posted.status).toBe(201);
    const update = (await json(posted)).update;
    expect(update.estimated_resolution).toBe("2030-01-01T12:00:00Z");
    const stored = await env.DB.prepare("SELECT estimated_resolution FROM incident_updates WHERE id = ?").bind(update.id).first<{ estimated_resolution: number }>();
    expect(stored?.estimated_resolution).toBe(eta - 999);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y", notify: false })).status).toBe(200);

    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "Billing upgrade", scheduled_start: "2030-01-01T03:00:00.500+02:00", scheduled_end: "2030-01-01T03:30:00Z", components: [component.id], notify: false }),
    );
    expect(window.scheduled_start).toBe("2030-01-01T01:00:00Z");
    const moved = await admin("PATCH", `/api/status/maintenance/${window.id}`, { scheduled_end: "2030-01-01T04:00:00.999+02:00" });
    expect(moved.status).toBe(200);
    expect((await json(moved)).scheduled_end).toBe("2030-01-01T02:00:00Z");
    const v2Window = (await v2("scheduled-maintenances.json")).scheduled_maintenances.find((m: any) => m.id === window.id);
    expect(v2Window).toMatchObject({ scheduled_for: "2030-01-01T01:00:00.000Z", scheduled_until: "2030-01-01T02:00:00.000Z" });
    // Two times within one second are the same time: an end there is not after the start.
    const sameSecond = await admin("POST", "/api/status/maintenance", { title: "Blink", scheduled_start: "2030-01-02T00:00:00.100Z", scheduled_end: "2030-01-02T00:00:00.900Z" });
    expect(sameSecond.status).toBe(400);
    expect((await json(sameSecond)).error.details).toEqual([{ path: "scheduled_end", message: "must be after scheduled_start", code: "end_before_start" }]);
    expect((await admin("POST", `/api/status/maintenance/${window.id}/cancel`)).status).toBe(200);
  });
});

describe("Statuspage status indicator", () => {
  const snapshot = (overall_status: Snapshot["overall_status"], componentStatus: Snapshot["overall_status"] = overall_status) =>
    ({ overall_status, components: [{ status: "operational" }, { status: componentStatus }] }) as Snapshot;
  // The descriptions Statuspage uses (shared/reference/statuspage-v2.md), which tools match on.
  const VOCABULARY = ["All Systems Operational", "Partially Degraded Service", "Minor Service Outage", "Partial System Outage", "Major Service Outage", "Service Under Maintenance"];

  it.each([
    ["operational", "operational", "none", "All Systems Operational"],
    ["under_maintenance", "under_maintenance", "maintenance", "Service Under Maintenance"],
    ["degraded", "degraded", "minor", "Partially Degraded Service"],
    ["degraded", "operational", "minor", "Minor Service Outage"],
    ["partial_outage", "partial_outage", "major", "Partial System Outage"],
    ["major_outage", "major_outage", "critical", "Major Service Outage"],
  ] as const)("overall %s (a component %s) -> %s (%s), in Statuspage's words", (overall, component, indicator, description) => {
    expect(v2Status(snapshot(overall, component))).toEqual({ indicator, description });
    expect(VOCABULARY).toContain(description);
  });

  it("status.json describes the page in Statuspage's words through an incident", async () => {
    const component = await makeComponent(`Billing ${crypto.randomUUID().slice(0, 8)}`);
    const incident = await createIncident({ title: "Slow invoices", severity: "minor", affected_components: [component.id] });
    const open = (await json(await call("GET", "/api/v2/status.json"))).status;
    expect(open.indicator).not.toBe("none");
    expect(VOCABULARY).toContain(open.description);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Load.", resolution: "Scaled." });
    expect(VOCABULARY).toContain((await json(await call("GET", "/api/v2/status.json"))).status.description);
  });

  it("uses the one overall rule: open incidents' severity counts, resolved ones do not, maintenance ranks below any degradation", () => {
    const overall = (componentStatuses: Snapshot["overall_status"][], openIncidentSeverities: Severity[] = [], maintenanceInProgress = false) =>
      overallStatus({ componentStatuses, openIncidentSeverities, maintenanceInProgress });
    expect(overall(["operational"], ["major"])).toBe("partial_outage");
    expect(overall(["operational"], ["minor"])).toBe("degraded");
    expect(overall(["operational"], ["critical"])).toBe("major_outage");
    expect(overall(["operational"], ["none"])).toBe("operational");
    expect(overall(["major_outage"], ["minor"])).toBe("major_outage");
    expect(overall(["under_maintenance", "operational"], ["minor"])).toBe("degraded");
    expect(overall(["under_maintenance", "operational"])).toBe("under_maintenance");
    expect(overall(["operational"], [], true)).toBe("under_maintenance");
    expect(overall(["partial_outage"], [], true)).toBe("partial_outage");
  });
});
