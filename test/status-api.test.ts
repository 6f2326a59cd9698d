import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";
import { createDb } from "../src/db/client";
import { loadIncidentView } from "../src/snapshot/incident-view";
import { postmortemDraft } from "../src/console/incidents";

const DAY = 86_400_000;

describe("GET /api/status", () => {
  it("lists the five default components in order with the seed's fields", async () => {
    const res = await call("GET", "/api/status");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body.components.slice(0, 5).map((c: any) => c.name)).toEqual(["API", "Database", "File Storage", "Email Service", "Authentication"]);
    expect(body.components[0]).toMatchObject({ id: DEFAULT_COMPONENTS.api, status: "operational", monitored: false });
    expect(body).toHaveProperty("overall_status");
    expect(Array.isArray(body.recent_incidents)).toBe(true);
    expect(Array.isArray(body.scheduled_maintenance)).toBe(true);
    expect(Date.parse(body.last_updated)).not.toBeNaN();
    expect(body.data).toMatchObject({ stale: false });
  });

  it("shows an incident's component status until it is resolved, and the worst status overall", async () => {
    const incident = await createIncident({ affected_components: [{ id: DEFAULT_COMPONENTS.database, status: "major_outage" }, DEFAULT_COMPONENTS.api] });
    let body = await json(await call("GET", "/api/status"));
    expect(body.overall_status).toBe("major_outage");
    expect(body.components.find((c: any) => c.id === DEFAULT_COMPONENTS.database).status).toBe("major_outage");
    // A plain id takes the status that the severity implies (major -> partial_outage).
    expect(body.components.find((c: any) => c.id === DEFAULT_COMPONENTS.api).status).toBe("partial_outage");
    expect(body.recent_incidents.map((i: any) => i.id)).toContain(incident.id);

    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Disk full", resolution: "Grew the disk" })).status).toBe(200);
    body = await json(await call("GET", "/api/status"));
    expect(body.components.find((c: any) => c.id === DEFAULT_COMPONENTS.database).status).toBe("operational");
    // Resolved incidents stay in recent_incidents for a week, marked resolved.
    expect(body.recent_incidents.find((i: any) => i.id === incident.id).status).toBe("resolved");
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y" })).status).toBe(409);
  });
});

describe("an incident that started long ago", () => {
  it("is recent news when it is resolved: listed as recently resolved, in v2 and on the page", async () => {
    const incident = await createIncident({ title: "Ancient outage", started_at: "2020-01-01T00:00:00Z", notify: false });
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Old", resolution: "Fixed", notify: false })).status).toBe(200);
    const status = await json(await call("GET", "/api/status"));
    expect(status.recent_incidents.find((i: any) => i.id === incident.id)).toMatchObject({ status: "resolved" });
    const v2 = await json(await call("GET", "/api/v2/incidents.json"));
    expect(v2.incidents.find((i: any) => i.id === incident.id)).toMatchObject({ status: "resolved" });
    expect(await (await call("GET", "/")).text()).toContain("Ancient outage");
  });

  it("keeps on a resolved incident the worst status it gave each component, not the last", async () => {
    const incident = await createIncident({ title: "Better before it ended", affected_components: [{ id: DEFAULT_COMPONENTS.storage, status: "major_outage" }], notify: false });
    expect((await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Recovering", status: "monitoring", notify: false, affected_components: [{ id: DEFAULT_COMPONENTS.storage, status: "degraded" }] })).status).toBe(201);
    const open = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: any) => i.id === incident.id);
    expect(open.affected_components).toEqual([{ id: DEFAULT_COMPONENTS.storage, name: expect.any(String), status: "degraded" }]);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false })).status).toBe(200);
    const resolved = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: any) => i.id === incident.id);
    expect(resolved.affected_components).toEqual([{ id: DEFAULT_COMPONENTS.storage, name: expect.any(String), status: "major_outage" }]);
    expect((await loadIncidentView(createDb(env.DB), incident.id))!.components[0]!.status).toBe("major_outage");
  });

  it("keeps on a resolved incident every component it set while open, one an update took off it included", async () => {
    const { api, database } = DEFAULT_COMPONENTS;
    const incident = await createIncident({ title: "Moved from API to the database", affected_components: [{ id: api, status: "partial_outage" }], notify: false });
    const update = (body: object) => admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Moving on", notify: false, ...body });
    expect((await update({ status: "identified", affected_components: [{ id: api, status: "partial_outage" }, { id: database, status: "degraded" }] })).status).toBe(201);
    expect((await update({ status: "monitoring", affected_components: [{ id: database, status: "degraded" }] })).status).toBe(201);
    // While it is open, what it affects now: the database alone.
    const open = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: any) => i.id === incident.id);
    expect(open.affected_components.map((c: any) => c.id)).toEqual([database]);
    const answer = await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    expect(answer.status).toBe(200);
    // Resolved, its record says what it did: API at its worst too, in the resolve's answer as on every read.
    const resolved = (await json(await call("GET", "/api/status/incidents?days=1"))).incidents.find((i: any) => i.id === incident.id);
    expect(resolved.affected_components).toEqual([
      { id: api, name: expect.any(String), status: "partial_outage" },
      { id: database, name: expect.any(String), status: "degraded" },
    ]);
    expect((await json(answer)).affected_components).toEqual(resolved.affected_components);
    expect(await (await call("GET", `/incidents/${incident.id}`)).text()).toContain(`href="/components/${api}"`);
    expect(await (await call("GET", `/components/${api}`)).text()).toContain(`href="/incidents/${incident.id}"`);
    expect((await json(await call("GET", `/api/status/feed.json?component=${api}`))).items.some((item: any) => item.id.includes(incident.id))).toBe(true);
    // Read from D1 rather than the snapshot (the console's screens, an incident older than the snapshot's
    // year), it is the same record: the postmortem's draft names both.
    const view = await loadIncidentView(createDb(env.DB), incident.id);
    expect(view!.components.map((c) => [c.id, c.status])).toEqual([
      [api, "partial_outage"],
      [database, "degraded"],
    ]);
    expect(postmortemDraft(view!)).toMatch(/\*\*Impact\*\*\n[^\n]+, [^\n]+ affected for /);
  });
});

describe("GET /api/status/components/{id}", () => {
  it("keeps the seed's numbers before any check, and says that no second was observed", async () => {
    const res = await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.email}`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      component: { id: DEFAULT_COMPONENTS.email, name: "Email Service" },
      uptime: { "30_days": 100, "60_days": 100, "90_days": 100 },
      uptime_observed_seconds: { "30_days": 0, "60_days": 0, "90_days": 0 },
    });
    expect(body.uptime_formula).toMatch(/0\.3/);
  });

  it("computes uptime from the daily rollups, floored so downtime never shows 100", async () => {
    const component = await json(await admin("POST", "/api/status/components", { name: "Rollup probe" }));
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    const old = new Date(Date.now() - 45 * DAY).toISOString().slice(0, 10);
    const insert = env.DB.prepare(
      "INSERT INTO daily_rollups (component_id, day, observed_seconds, partial_seconds, major_seconds, checks, worst_status) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    await env.DB.batch([
      insert.bind(component.id, today, 86_400, 0, 1, 1440, "major_outage"), // one second down
      insert.bind(component.id, yesterday, 86_400, 1000, 0, 1440, "partial_outage"), // 300 weighted seconds
      insert.bind(component.id, old, 86_400, 0, 8640, 1440, "major_outage"), // 10% down, 45 days ago
    ]);
    await admin("PATCH", `/api/status/components/${component.id}`, { description: "refresh" });
    const body = await json(await call("GET", `/api/status/components/${component.id}`));
    // 30 days: 2 days observed = 172800 s, 301 s weighted down -> 99.8258... floored to 99.82
    expect(body.uptime["30_days"]).toBe(99.82);
    // 60 and 90 days also include the bad day: 259200 s observed, 8941 s down -> 96.550...
    expect(body.uptime["60_days"]).toBe(96.55);
    expect(body.uptime["90_days"]).toBe(96.55);
    expect(body.uptime_observed_seconds).toEqual({ "30_days": 172_800, "60_days": 259_200, "90_days": 259_200 });
  });

  it("answers 404 for an unknown component and 400 for a malformed id", async () => {
    const missing = await call("GET", "/api/status/components/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ error: { code: "not_found", message: "Component not found" } });
    expect((await call("GET", "/api/status/components/abc")).status).toBe(400);
  });
});

describe("GET /api/status/incidents", () => {
  it("returns the incidents open at some time in the window, with components and updates, 90 days by default", async () => {
    const recent = await createIncident({ title: "Recent", started_at: new Date(Date.now() - 5 * DAY).toISOString() });
    const older = await createIncident({ title: "Older", started_at: new Date(Date.now() - 100 * DAY).toISOString() });
    const ongoing = await createIncident({ title: "Still going", started_at: new Date(Date.now() - 120 * DAY).toISOString() });
    const endedLately = await createIncident({ title: "Ended ten days ago", started_at: new Date(Date.now() - 130 * DAY).toISOString() });
    await env.DB.prepare("UPDATE incidents SET resolved_at = ?, status = 'resolved' WHERE id = ?").bind(Date.now() - 5 * DAY + 3_600_000, recent.id).run();
    await env.DB.prepare("UPDATE incidents SET resolved_at = ?, status = 'resolved' WHERE id = ?").bind(Date.now() - 95 * DAY, older.id).run();
    await env.DB.prepare("UPDATE incidents SET resolved_at = ?, status = 'resolved' WHERE id = ?").bind(Date.now() - 10 * DAY, endedLately.id).run();
    // Rebuilds the snapshot after the rows were moved back in time.
    await createIncident({ title: "Today", notify: false });

    const byDefault = await json(await call("GET", "/api/status/incidents"));
    expect(byDefault.period_days).toBe(90);
    const ids = byDefault.incidents.map((i: any) => i.id);
    expect(ids).toContain(recent.id);
    expect(ids).not.toContain(older.id);
    // Started before the window, but open in it: part of its history, after the ones started in it.
    const carried = ids.filter((id: string) => id === ongoing.id || id === endedLately.id);
    expect(carried).toEqual([ongoing.id, endedLately.id]);
    expect(byDefault.incidents.slice(ids.indexOf(ongoing.id)).every((i: any) => Date.parse(i.started_at) < Date.now() - 90 * DAY)).toBe(true);
    expect(byDefault.total).toBe(ids.length);
    const shown = byDefault.incidents.find((i: any) => i.id === recent.id);
    expect(shown.affected_components[0]).toMatchObject({ id: DEFAULT_COMPONENTS.api, name: "API" });
    expect(shown.updates.length).toBeGreaterThan(0);

    const edges = async (days: number) => (await json(await call("GET", `/api/status/incidents?days=${days}`))).incidents.map((i: any) => i.id);
    expect(await edges(4)).not.toContain(recent.id);
    expect(await edges(6)).toContain(recent.id);
    expect(await edges(9)).not.toContain(endedLately.id);
    expect(await edges(11)).toContain(endedLately.id);
    expect(await edges(4)).toContain(ongoing.id);
    expect(await edges(365)).toContain(older.id);
    // A page of the window holds the same incidents.
    const paged = await json(await call("GET", "/api/status/incidents?days=11&limit=100"));
    expect(paged.incidents.map((i: any) => i.id)).toEqual(await edges(11));
    expect(paged.total).toBe(paged.incidents.length);
    expect((await json(await call("GET", "/api/status/incidents?days=1"))).period_days).toBe(1);
    await admin("POST", `/api/status/incidents/${ongoing.id}/resolve`, { root_cause: "x", resolution: "y" });
  });

  it("answers any window as the kept ones are: the same incidents, fields and order, as JSON.stringify writes them", async () => {
    const old = await createIncident({ title: "Two hundred days ago", started_at: new Date(Date.now() - 200 * DAY).toISOString(), notify: false });
    await env.DB.prepare("UPDATE incidents SET resolved_at = ?, status = 'resolved' WHERE id = ?").bind(Date.now() - 200 * DAY + 3_600_000, old.id).run();
    const recent = await createIncident({ title: "Today", notify: false });
    for (const days of [199, 201, 364]) {
      const text = await (await call("GET", `/api/status/incidents?days=${days}`)).text();
      const body = JSON.parse(text);
      expect(JSON.stringify(body)).toBe(text);
      const year = await json(await call("GET", "/api/status/incidents?days=365"));
      const since = Date.parse(body.last_updated) - days * DAY;
      const expected = year.incidents.filter((i: any) => Date.parse(i.started_at) >= since || i.resolved_at === null || Date.parse(i.resolved_at) >= since);
      expect(body).toMatchObject({ incidents: expected, period_days: days, total: expected.length, next_cursor: null });
      expect(body.incidents.some((i: any) => i.id === old.id)).toBe(days > 200);
      expect(body.incidents[0].id).toBe(recent.id);
    }
  });

  it("refuses a days value outside 1-365 with a 400 that says why", async () => {
    for (const days of ["0", "366", "-1", "abc", "1.5", ""]) {
      const res = await call("GET", `/api/status/incidents?days=${days}`);
      expect(res.status, `days=${days}`).toBe(400);
      const body = await json(res);
      expect(body.error.details[0].path).toBe("days");
    }
    expect((await json(await call("GET", "/api/status/incidents?days=0"))).error.details[0].message).toMatch(/at least 1/);
    expect((await json(await call("GET", "/api/status/incidents?days=366"))).error.details[0].message).toMatch(/at most 365/);
    // Past 2^53 a whole number is refused once, by the field's own bound, not also by zod's safe-integer range.
    const huge = "99999999999999999999";
    expect((await json(await call("GET", `/api/status/incidents?days=${huge}`))).error.details).toEqual([{ path: "days", message: "must be at most 365", code: "too_big", limit: 365 }]);
    expect((await json(await call("GET", `/api/status/components/${DEFAULT_COMPONENTS.api}/uptime?days=${huge}`))).error.details).toEqual([{ path: "days", message: "must be at most 90", code: "too_big", limit: 90 }]);
    // A parameter given twice is named as such, not as a list the schema did not expect.
    const api = DEFAULT_COMPONENTS.api;
    for (const [path, name] of [
      ["/api/status/incidents?days=30&days=40", "days"],
      ["/badge.svg?label=a&label=b", "label"],
      // Choices (enums) too, the same value twice included.
      [`/api/status/components/${api}/latency?range=7d&range=7d`, "range"],
      [`/api/status/components/${api}/badge.svg?metric=uptime&metric=status`, "metric"],
    ] as const) {
      const twice = await call("GET", path);
      expect(twice.status, path).toBe(400);
      expect((await json(twice)).error.details, path).toEqual([{ path: name, message: "must be given once", code: "duplicate" }]);
    }
  });
});

describe("GET /api/status/incidents?limit&cursor", () => {
  it("pages through the window with an opaque next_cursor, and keeps the seed's answer without them", async () => {
    const base = Date.now() - 200 * DAY;
    // Five incidents, two started at the same moment: the order is total, so no page repeats or skips one.
    const made = [];
    for (const [n, at] of [0, 1, 1, 2, 3].entries()) made.push(await createIncident({ title: `Paged ${n}`, started_at: base + at * 60_000 }));
    const all = (await json(await call("GET", "/api/status/incidents?days=365"))).incidents.map((i: any) => i.id);
    expect(all).toEqual(expect.arrayContaining(made.map((i) => i.id)));
    const full = await json(await call("GET", "/api/status/incidents?days=365"));
    expect(full.next_cursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call("GET", `/api/status/incidents?days=365&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.incidents.length).toBeLessThanOrEqual(2);
      expect(body.total).toBe(all.length);
      expect(body.period_days).toBe(365);
      seen.push(...body.incidents.map((i: any) => i.id));
      cursor = body.next_cursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));

    // A page answers as the whole list does: 304 to its own ETag, with the same caching headers (a cache
    // refreshes what it stored from them), and its own ETag per page.
    const first = await call("GET", "/api/status/incidents?days=365&limit=2");
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(first.headers.get("vary")).toMatch(/accept-encoding/i);
    const again = await call("GET", "/api/status/incidents?days=365&limit=2", { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
    expect(again.headers.get("cache-control")).toMatch(/^public, max-age=10/);
    const second = await call("GET", `/api/status/incidents?days=365&limit=2&cursor=${encodeURIComponent((await json(first)).next_cursor)}`);
    expect(second.headers.get("etag")).not.toBe(first.headers.get("etag"));
  });

  it("refuses a limit outside 1-100 and a cursor it did not make", async () => {
    for (const query of ["limit=0", "limit=101", "limit=x", "cursor=abc", "cursor=" + btoa("1.not-an-id"), "cursor=%25%25"]) {
      const res = await call("GET", `/api/status/incidents?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json(res)).error.details[0].path, query).toBe(query.split("=")[0]);
    }
  });
});

describe("GET /api/status/maintenance/{id}", () => {
  it("answers one window as the list shows it, through its start, end and cancellation, and 404 for one it does not know", async () => {
    const start = Date.now() + 2 * DAY;
    const window = await json(
      await admin("POST", "/api/status/maintenance", { title: "One window", scheduled_start: start, scheduled_end: start + 3_600_000, components: [DEFAULT_COMPONENTS.database], notify: false }),
    );
    const read = async () => {
      const res = await call("GET", `/api/status/maintenance/${window.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      return json(res);
    };
    const listed = (await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.find((m: any) => m.id === window.id);
    expect(await read()).toEqual(listed);
    expect(listed).toMatchObject({ status: "scheduled", affected_components: ["Database"] });
    expect((await admin("POST", `/api/status/maintenance/${window.id}/start`)).status).toBe(200);
    expect(await read()).toMatchObject({ status: "in_progress", started_at: expect.any(String) });
    expect((await admin("POST", `/api/status/maintenance/${window.id}/complete`)).status).toBe(200);
    // Ended, it leaves the list of upcoming windows but is still read on its own, as its page is.
    expect((await json(await call("GET", "/api/status/maintenance"))).maintenance_windows.map((m: any) => m.id)).not.toContain(window.id);
    expect(await read()).toMatchObject({ status: "completed", completed_at: expect.any(String) });

    const unknown = await call("GET", `/api/status/maintenance/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toMatchObject({ code: "not_found", message: "Maintenance window not found" });
    expect((await call("GET", "/api/status/maintenance/not-an-id")).status).toBe(400);
    // An admin's edit is still a PATCH on the same address.
    expect((await call("PATCH", `/api/status/maintenance/${window.id}`, { body: { title: "x" } })).status).toBe(401);
  });
});

describe("ids in upper case", () => {
  it("are the same ids: every public route that takes one, API and pages, answers as for lower case", async () => {
    const incident = await createIncident({ title: "Upper-case ids" });
    const start = Date.now() + 3 * DAY;
    const maintenance = await json(
      await admin("POST", "/api/status/maintenance", { title: "Upper-case window", scheduled_start: start, scheduled_end: start + 3_600_000, components: [DEFAULT_COMPONENTS.api] }),
    );
    const component = DEFAULT_COMPONENTS.api.toUpperCase();
    const paths = [
      `/api/status/components/${component}`,
      `/api/status/components/${component}/uptime`,
      `/api/status/components/${component}/latency`,
      `/api/status/components/${component}/badge.svg`,
      `/api/status/incidents/${incident.id.toUpperCase()}`,
      `/api/status/rss?component=${component}`,
      `/api/status/maintenance.ics?component=${component}`,
      `/api/status/maintenance/${maintenance.id.toUpperCase()}`,
      `/components/${component}`,
      `/incidents/${incident.id.toUpperCase()}`,
      `/maintenance/${maintenance.id.toUpperCase()}`,
    ];
    for (const path of paths) {
      const upper = await call("GET", path);
      expect(upper.status, path).toBe(200);
      const lower = await call("GET", path.replace(/[0-9A-F-]{36}/, (id) => id.toLowerCase()));
      expect(await upper.text(), path).toBe(await lower.text());
    }
    const edit = await admin("PATCH", `/api/status/incidents/${incident.id.toUpperCase()}`, { title: "Upper-case ids, edited" });
    expect(edit.status).toBe(200);
    expect((await json(await call("GET", `/api/status/incidents/${incident.id}`))).title).toBe("Upper-case ids, edited");
  });
});

describe("errors", () => {
  it("answers unknown routes with a JSON 404", async () => {
    const res = await call("GET", "/api/status/nope");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });
});
