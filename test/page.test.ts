import { env } from "cloudflare:workers";
import { createDb } from "../src/db/client";
import { renderHome } from "../src/page/pages";
import { readSnapshot } from "../src/snapshot/store";
import { reportedByDay } from "../src/snapshot/build";
import { describe, expect, it } from "vitest";
import { DEFAULT_COMPONENTS, admin, call, createIncident, json } from "./support/api";

const DAY = 86_400_000;

async function page(path = "/") {
  const res = await call("GET", path);
  return { res, html: await res.text() };
}

/** The `<li class="comp">` row of one component (name, status, bar, uptime), as HTML. */
function componentRow(html: string, id: string): string {
  const start = html.indexOf(`data-component="${id}"`);
  expect(start, `component ${id} on the page`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</li>", html.indexOf("</ol>", start)));
}

const cells = (row: string) =>
  [...row.matchAll(/<li(?: tabindex=0)?(?: class=d-(\w+))? aria-label="([^"]*)">/g)].map((m) => ({ level: m[1] ?? "none", label: m[2] }));

describe("GET /", () => {
  it("is a complete HTML document: title, description, feeds, hashed assets, favicon, strict CSP", async () => {
    const { res, html } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(html.startsWith("<!DOCTYPE html><html lang=\"en\">")).toBe(true);
    expect(html).toContain("<title>Beacon Test status</title>");
    expect(html).toMatch(/<meta name="description" content="[^"]+"/);
    expect(html).toContain('<link rel="alternate" type="application/rss+xml"');
    expect(html).toContain('href="/api/status/rss"');
    expect(html).toContain('href="/api/status/atom"');
    expect(html).not.toMatch(/<script>|<style>|\sstyle="|\sonclick=/);
    // The footer explains uptime in words; the exact formula is one click away.
    const footer = html.slice(html.indexOf("<footer>"));
    expect(footer).toMatch(/<details><summary>How uptime is counted<\/summary><p>From automated checks only: the share of checked time a component was up\./);
    expect(footer).toMatch(/<p>Exact formula: uptime = 1 - \(major_outage seconds/);
    expect(footer.indexOf("uptime = 1 -")).toBeGreaterThan(footer.indexOf("<details>"));

    const css = html.match(/href="(\/assets\/style\.\w+\.css)"/)![1]!;
    const js = html.match(/src="(\/assets\/live\.\w+\.js)"/)![1]!;
    const icon = html.match(/rel="icon" type="image\/svg\+xml" href="(\/assets\/favicon-[a-z_]+\.\w+\.svg)"/)![1]!;
    for (const [path, type] of [[css, "text/css"], [js, "text/javascript"], [icon, "image/svg+xml"]] as const) {
      const asset = await call("GET", path);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("content-type")).toContain(type);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await asset.text()).length).toBeGreaterThan(100);
    }
    expect((await call("GET", "/assets/style.nothash.css")).status).toBe(404);

    // Page, stylesheet and script together stay small.
    const bytes = (text: string) => new TextEncoder().encode(text).length;
    const total = bytes(html) + bytes(await (await call("GET", css)).text()) + bytes(await (await call("GET", js)).text());
    expect(total).toBeLessThan(57_000);
  });

  it("is served from the snapshot: no database query for a page view", async () => {
    await call("GET", "/");
    for (const path of ["/", "/history", "/history?page=2"]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-d1-queries"), path).toBe("0");
    }
  });

  it("answers a repeat visit with 304 from its ETag", async () => {
    const first = await call("GET", "/");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\//);
    const again = await call("GET", "/", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("shows each component's status as words and icon class, and says which are not monitored", async () => {
    const { html } = await page();
    const api = componentRow(html, DEFAULT_COMPONENTS.api);
    expect(api).toContain("API");
    expect(api).toContain("not monitored");
    expect(api).toMatch(/class="st s-(operational|degraded|partial_outage|major_outage|under_maintenance)">[A-Z]/);

    await env.DB.prepare("UPDATE components SET monitored = 1 WHERE id = ?").bind(DEFAULT_COMPONENTS.database).run();
    await admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.database}`, { description: "Primary database" });
    const after = await page();
    expect(componentRow(after.html, DEFAULT_COMPONENTS.database)).not.toContain("not monitored");
    expect(componentRow(after.html, DEFAULT_COMPONENTS.email)).toContain("not monitored");
  });

  it("shows an open incident: banner, component status, timeline with ETA; resolving brings back the green banner", async () => {
    const component = await json(await admin("POST", "/api/status/components", { name: "Checkout" }));
    // Times an admin sends are kept to the whole second.
    const eta = Math.floor(Date.now() / 1000) * 1000 + 2 * 3_600_000;
    const incident = await createIncident({
      title: "Checkout failing",
      description: "Payments time out.",
      severity: "critical",
      affected_components: [component.id],
      estimated_resolution: eta,
    });
    await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "A bad deploy; rolling back.", status: "identified" });

    const { html, res } = await page();
    // A person who comes back to the page sees it as it is: the browser asks again each time (a 304 when
    // nothing changed), instead of showing a copy the live socket would only partly correct.
    expect(res.headers.get("cache-control")).toBe("public, no-cache, stale-if-error=86400");
    expect(html).toMatch(/class="banner b-major_outage"/);
    expect(html).toContain(">Major System Outage</span>");
    expect(html).toMatch(/favicon-major_outage\.\w+\.svg/);
    expect(componentRow(html, component.id)).toContain('class="st s-major_outage">Major Outage</span>');
    const card = html.slice(html.indexOf(`data-incident="${incident.id}"`));
    expect(card).toContain(`href="/incidents/${incident.id}">Checkout failing</a>`);
    expect(card).toContain('<span class="sev">critical impact</span>');
    // An incident of no impact says so, not "none impact".
    const quiet = await createIncident({ title: "Slower exports, no impact", severity: "none", affected_components: [], notify: false });
    const quietPage = (await page()).html;
    expect(quietPage.slice(quietPage.indexOf(`data-incident="${quiet.id}"`))).toContain('<span class="sev">no impact</span>');
    await admin("POST", `/api/status/incidents/${quiet.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    expect(card).toContain("A bad deploy; rolling back.");
    expect(card).toContain("Estimated resolution");
    expect(card).toContain(`datetime="${new Date(eta).toISOString()}"`);
    expect(card.indexOf("A bad deploy")).toBeLessThan(card.indexOf("Payments") > 0 ? card.indexOf("Payments") : Infinity);
    expect(html).not.toMatch(/id="active-incidents"[^>]*hidden/);

    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A bad deploy", resolution: "Rolled back" });
    const after = await page();
    expect(componentRow(after.html, component.id)).toContain('class="st s-operational">Operational</span>');
    expect(after.html).not.toContain(`data-incident="${incident.id}"`);
    // It moves to the recently resolved list.
    expect(after.html.slice(after.html.indexOf('id="resolved-h"'))).toMatch(new RegExp(`<li data-line="${incident.id}" data-start="\\d+"><a href="/incidents/${incident.id}">Checkout failing</a>`));
  });

  it("escapes hostile incident text everywhere it appears", async () => {
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>"'&`;
    const incident = await createIncident({ title: hostile.slice(0, 150), description: hostile, affected_components: [DEFAULT_COMPONENTS.email] });
    await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: `update ${hostile}`, status: "monitoring" });
    for (const path of ["/", `/incidents/${incident.id}`, "/history"]) {
      const { html } = await page(path);
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
      expect(html, path).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    }
    // The bar cell of today names the incident, escaped inside the attribute.
    const { html } = await page();
    const today = cells(componentRow(html, DEFAULT_COMPONENTS.email)).at(-1)!;
    expect(today.label).toContain("incident");
    expect(today.label).toContain("&lt;script&gt;");
  });

  it("draws a 90-day bar: colour and words per day, grey without data, uptime for the window", async () => {
    const component = await json(await admin("POST", "/api/status/components", { name: "Bar probe" }));
    const today = new Date().toISOString().slice(0, 10);
    const day = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
    const insert = env.DB.prepare(
      "INSERT INTO daily_rollups (component_id, day, observed_seconds, partial_seconds, major_seconds, checks, worst_status) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    await env.DB.batch([
      insert.bind(component.id, today, 86_400, 0, 0, 1440, "operational"),
      insert.bind(component.id, day(1), 86_400, 0, 7_200, 1440, "major_outage"),
      insert.bind(component.id, day(2), 86_400, 0, 60, 1440, "major_outage"),
      insert.bind(component.id, day(3), 86_400, 0, 0, 1440, "degraded"),
      // A whole day under maintenance: checked, but nothing observed outside the window.
      env.DB.prepare("INSERT INTO daily_rollups (component_id, day, observed_seconds, maintenance_seconds, checks) VALUES (?, ?, 0, 86400, 1440)").bind(component.id, day(4)),
      // Ten minutes of major outage and two hours of partial: the major outage was short.
      insert.bind(component.id, day(5), 86_400, 7_200, 600, 1440, "major_outage"),
      // An hour of maintenance and nothing else known: not a day spent under maintenance.
      env.DB.prepare("INSERT INTO daily_rollups (component_id, day, observed_seconds, maintenance_seconds, checks) VALUES (?, ?, 0, 3600, 60)").bind(component.id, day(6)),
      // Sixty days ago, beyond what a phone shows of the bar.
      insert.bind(component.id, day(60), 86_400, 0, 7_200, 1440, "major_outage"),
    ]);
    await admin("PATCH", `/api/status/components/${component.id}`, { description: "refresh" });

    const { html } = await page();
    const row = componentRow(html, component.id);
    const bar = cells(row);
    expect(bar).toHaveLength(90);
    // One tab stop per bar, today's: the arrow keys move between days.
    expect(row.match(/<li tabindex=0[ >]/g)).toHaveLength(1);
    expect(row).toMatch(/<li tabindex=0 class=d-op aria-label="[^"]*">(<\/ol>|$)/);
    expect(bar.at(-1)).toMatchObject({ level: "op" });
    expect(bar.at(-1)!.label).toMatch(/^[A-Z][a-z]{2} \d{1,2}: 100% uptime$/);
    expect(bar.at(-2)).toMatchObject({ level: "maj" });
    expect(bar.at(-2)!.label).toContain("91.66% uptime, 2 h down");
    expect(bar.at(-3)).toMatchObject({ level: "par" }); // a one-minute outage is not painted like a long one
    expect(bar.at(-4)).toMatchObject({ level: "deg" });
    // Drawn as the legend's maintenance colour and said so, not green "No downtime"; the series agrees.
    expect(bar.at(-5)).toMatchObject({ level: "mnt" });
    expect(bar.at(-5)!.label).toMatch(/: under maintenance all day$/);
    const series = await json(await call("GET", `/api/status/components/${component.id}/uptime?days=7`));
    expect(series.days[2]).toMatchObject({ date: day(4), uptime: null, worst_status: "under_maintenance", maintenance_seconds: 86_400, has_data: false });
    expect(bar.at(-6)).toMatchObject({ level: "par" });
    expect(bar.at(-6)!.label).toContain("96.80% uptime, 46 min down");
    expect(bar.at(-7)).toMatchObject({ level: "mnt" });
    expect(bar.at(-7)!.label).toMatch(/: under maintenance 1 h, no data otherwise$/);
    expect(series.days[0]).toMatchObject({ date: day(6), worst_status: null, maintenance_seconds: 3600, has_data: false });
    expect(bar[0]).toMatchObject({ level: "none" });
    expect(bar[0]!.label).toMatch(/: no data$/);
    // 90 days: 6 observed, 7260 + 2760 + 7200 s weighted down, 96.67...% floored; a phone shows 30 cells and
    // the 30-day figure beside them (5 days observed, 10,020 s down: 97.68...%).
    expect(row).toContain('<span><span class="from90">96.67% uptime</span><span class="from30">97.68% uptime</span></span>');
  });

  it("paints each past day with what an incident reported on that day: a later update never recolours it", async () => {
    const [escalated, eased] = [await json(await admin("POST", "/api/status/components", { name: "Escalated probe" })), await json(await admin("POST", "/api/status/components", { name: "Eased probe" }))];
    const now = Date.now();
    // Degraded three days ago, a major outage today, then resolved.
    const slow = await createIncident({ title: "Slow, then down", started_at: new Date(now - 3 * DAY).toISOString(), affected_components: [{ id: escalated.id, status: "degraded" }] });
    await admin("POST", `/api/status/incidents/${slow.id}/updates`, { status: "identified", message: "Down now", affected_components: [{ id: escalated.id, status: "major_outage" }] });
    await admin("POST", `/api/status/incidents/${slow.id}/resolve`, { root_cause: "a", resolution: "b" });
    // A major outage two days ago, eased to degraded today and still open.
    const down = await createIncident({ title: "Down, then slow", started_at: new Date(now - 2 * DAY).toISOString(), affected_components: [{ id: eased.id, status: "major_outage" }] });
    await admin("POST", `/api/status/incidents/${down.id}/updates`, { status: "monitoring", message: "Mostly back", affected_components: [{ id: eased.id, status: "degraded" }] });

    const { html } = await page();
    expect(cells(componentRow(html, escalated.id)).slice(-5).map((c) => c.level)).toEqual(["none", "deg", "deg", "deg", "maj"]);
    expect(cells(componentRow(html, eased.id)).slice(-4).map((c) => c.level)).toEqual(["none", "maj", "maj", "maj"]);
    expect(cells(componentRow(html, escalated.id)).at(-3)!.label).toMatch(/: degraded performance reported in an incident; no data; incident: Slow, then down$/);
    // The API says the same of each day.
    const series = await json(await call("GET", `/api/status/components/${escalated.id}/uptime?days=5`));
    expect(series.days.map((d: any) => d.reported_status)).toEqual(["operational", "degraded", "degraded", "degraded", "major_outage"]);
  });

  it("colours a day only with what each incident itself reported then, and keeps a component's past days when it is taken off", async () => {
    const [shared, leaving, staying] = await Promise.all(["Shared probe", "Leaving probe", "Staying probe"].map(async (name) => json(await admin("POST", "/api/status/components", { name }))));
    const now = Date.now();
    // A partial outage from three days ago; a second incident says degraded from two days ago (no move: the
    // first's is worse). The first is resolved and the second escalated today.
    const first = await createIncident({ title: "Partial", started_at: new Date(now - 3 * DAY).toISOString(), affected_components: [{ id: shared.id, status: "partial_outage" }] });
    const second = await createIncident({ title: "Slow too", started_at: new Date(now - 2 * DAY).toISOString(), affected_components: [{ id: shared.id, status: "degraded" }] });
    await admin("POST", `/api/status/incidents/${first.id}/resolve`, { root_cause: "a", resolution: "b" });
    await admin("POST", `/api/status/incidents/${second.id}/updates`, { status: "identified", message: "Down", affected_components: [{ id: shared.id, status: "major_outage" }] });
    // An open incident that takes one of its components off today.
    const wide = await createIncident({ title: "Two down", started_at: new Date(now - 2 * DAY).toISOString(), affected_components: [{ id: leaving.id, status: "major_outage" }, { id: staying.id, status: "major_outage" }] });
    await admin("POST", `/api/status/incidents/${wide.id}/updates`, { status: "identified", message: "One is back", affected_components: [{ id: staying.id, status: "major_outage" }] });

    const { html } = await page();
    expect(cells(componentRow(html, shared.id)).slice(-5).map((c) => c.level)).toEqual(["none", "par", "par", "par", "maj"]);
    const left = cells(componentRow(html, leaving.id)).slice(-4);
    expect(left.map((c) => c.level)).toEqual(["none", "maj", "maj", "maj"]);
    expect(left[2]!.label).toMatch(/: major outage reported in an incident; no data; incident: Two down$/);
  });

  it("reads each day from what the incident itself set, whatever else held the component then", () => {
    const day0 = Date.UTC(2031, 4, 1);
    const days = [0, 1, 2, 3].map((n) => ({ start: day0 + n * DAY, end: day0 + (n + 1) * DAY }));
    const at = (n: number, hours = 12) => day0 + n * DAY + hours * 3_600_000;
    const incident = (history: [string, string | null, number][], opened = at(0)) =>
      reportedByDay(
        { started_at: at(0, 6), resolved_at: null, status: "identified", components: [], updates: [{ created_at: opened }] } as never,
        history.map(([componentId, status, when]) => ({ componentId, status: status as never, at: when })),
        days,
        at(3, 18),
      );
    // Opened major (from its backdated start), eased to degraded on day 2, though another incident held the
    // component at a partial outage all along: day 3 is the degraded this one said.
    expect(incident([["a", "major_outage", at(0)], ["a", "degraded", at(2)]]).get("a")).toEqual(["major_outage", "major_outage", "major_outage", "degraded"]);
    // Said degraded from the start, escalated on day 2: the days before stay degraded.
    expect(incident([["a", "degraded", at(0)], ["a", "major_outage", at(2)]]).get("a")).toEqual(["degraded", "degraded", "major_outage", "major_outage"]);
    // Named on day 2, taken off on day 3: nothing before it was named, and the day it left still counts.
    expect(incident([["a", "degraded", at(0)], ["b", "major_outage", at(2)], ["b", null, at(3)]]).get("b")).toEqual([undefined, undefined, "major_outage", "major_outage"]);
  });

  it("paints a day an incident declared an outage in its colour, not green, and says uptime counts checks only", async () => {
    const watched = await json(await admin("POST", "/api/status/components", { name: "Declared probe" }));
    const unwatched = await json(await admin("POST", "/api/status/components", { name: "Declared unmonitored" }));
    const today = new Date().toISOString().slice(0, 10);
    await env.DB.prepare("UPDATE components SET monitored = 1 WHERE id = ?").bind(watched.id).run();
    await env.DB.prepare("INSERT INTO daily_rollups (component_id, day, observed_seconds, partial_seconds, major_seconds, checks, worst_status) VALUES (?, ?, 86400, 0, 0, 1440, 'operational')")
      .bind(watched.id, today)
      .run();
    await createIncident({
      title: "Declared outage",
      affected_components: [
        { id: watched.id, status: "partial_outage" },
        { id: unwatched.id, status: "degraded" },
      ],
    });
    const { html } = await page();
    const watchedToday = cells(componentRow(html, watched.id)).at(-1)!;
    expect(watchedToday.level).toBe("par");
    expect(watchedToday.label).toMatch(/^[A-Z][a-z]{2} \d{1,2}: partial outage reported in an incident; 100% uptime in automated checks; incident: Declared outage$/);
    // Without a monitor there is no data, but the declared status still colours the day.
    const unwatchedToday = cells(componentRow(html, unwatched.id)).at(-1)!;
    expect(unwatchedToday.level).toBe("deg");
    expect(unwatchedToday.label).toMatch(/: degraded performance reported in an incident; no data; incident: Declared outage$/);
    expect(html).toContain("Uptime figures count automated checks only.");
    // The figures themselves keep the design's formula: checks only.
    expect((await json(await call("GET", `/api/status/components/${watched.id}`))).uptime).toMatchObject({ "30_days": 100, "90_days": 100 });
    expect(componentRow(html, watched.id)).toContain('<span class="from90">100% uptime</span>');
  });

  it("draws keyboard focus on the banner's links in a colour that stands out from every banner colour", async () => {
    const { html } = await page();
    const css = await (await call("GET", html.match(/href="(\/assets\/style\.\w+\.css)"/)![1]!)).text();
    const ring = css.match(/\.banner a:focus-visible\{outline-color:(#[0-9a-f]{3,6})\}/)![1]!;
    const banners = [...css.matchAll(/\.b-\w+\{--b:(#[0-9a-f]{6})\}/g)].map((m) => m[1]!);
    expect(banners).toHaveLength(5);
    const luminance = (hex: string) => {
      const full = hex.length === 4 ? hex.replace(/\w/g, (d) => d + d) : hex;
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const contrast = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi! + 0.05) / (lo! + 0.05);
    };
    // The banner keeps its colours in the dark scheme, so one ring serves both.
    expect(css).not.toMatch(/prefers-color-scheme:dark\)\{[^}]*--b:/);
    for (const banner of banners) expect(contrast(ring, banner), banner).toBeGreaterThanOrEqual(3);
  });

  it("shows components in their groups, collapsed where the admin said so", async () => {
    const group = await json(await admin("POST", "/api/status/groups", { name: "Payments", collapsed: true }));
    const member = await json(await admin("POST", "/api/status/components", { name: "Card processing", group_id: group.id }));
    const { html } = await page();
    const block = html.slice(html.indexOf(`<details class="card group" data-group="${group.id}">`));
    expect(block.length).toBeLessThan(html.length);
    expect(block.slice(0, block.indexOf("</details>"))).toContain(`data-component="${member.id}"`);
    expect(block).toContain(">Payments</span>");

    await admin("PATCH", `/api/status/groups/${group.id}`, { collapsed: false });
    const open = await page();
    expect(open.html).toMatch(new RegExp(`<details class="card group" data-group="${group.id}" open="">`));
  });

  it("shows upcoming maintenance on the front page and on its own page", async () => {
    const start = Math.floor(Date.now() / 1000) * 1000 + 3 * DAY;
    const m = await json(
      await admin("POST", "/api/status/maintenance", {
        title: "Database upgrade",
        description: "Read-only for ten minutes.",
        scheduled_start: start,
        scheduled_end: start + 3_600_000,
        components: [DEFAULT_COMPONENTS.database],
      }),
    );
    const { html } = await page();
    const card = html.slice(html.indexOf(`data-maintenance="${m.id}"`));
    expect(card).toContain("Database upgrade");
    expect(card).toContain("Scheduled");
    expect(card).toContain(`datetime="${new Date(start).toISOString()}"`);

    const own = await page(`/maintenance/${m.id}`);
    expect(own.res.status).toBe(200);
    expect(own.html).toContain("<h1>Database upgrade</h1>");
    expect(own.html).toContain("Read-only for ten minutes.");
    // Each affected component links to its page, as an incident's do.
    expect(own.html).toContain(`<li><a href="/components/${DEFAULT_COMPONENTS.database}">Database</a></li>`);
    expect((await page("/maintenance/00000000-0000-4000-8000-000000000000")).res.status).toBe(404);
  });
});

describe("GET /incidents/{id}", () => {
  it("shows the whole story: timeline, affected components, root cause, resolution, postmortem", async () => {
    const incident = await createIncident({ title: "Login outage", description: "Nobody can sign in.", affected_components: [DEFAULT_COMPONENTS.auth] });
    await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it: an expired key.", status: "identified" });
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "An expired signing key.", resolution: "Rotated the key." });
    await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "Keys now rotate automatically.\n\nAction items:\n- alert a week before expiry\n- see [the runbook](https://example.com/runbook)" });

    const { res, html } = await page(`/incidents/${incident.id}`);
    expect(res.status).toBe(200);
    expect(html).toContain("<title>Login outage · Beacon Test status</title>");
    expect(html).toContain("<h1>Login outage</h1>");
    expect(html).toContain("Nobody can sign in.");
    expect(html).toContain("Authentication");
    expect(html).toContain("Found it: an expired key.");
    expect(html).toMatch(/<h2>Root cause<\/h2><div class="md"><p>An expired signing key\.<\/p><\/div>/);
    expect(html).toMatch(/<h2>Resolution<\/h2><div class="md"><p>Rotated the key\.<\/p><\/div>/);
    // The postmortem keeps its paragraphs and its list.
    expect(html).toContain(
      '<div class="md"><p>Keys now rotate automatically.</p><p>Action items:</p><ul><li>alert a week before expiry</li><li>see <a href="https://example.com/runbook" rel="nofollow noopener noreferrer">the runbook</a></li></ul></div>',
    );
    expect(html).toMatch(/resolved <time datetime="[^"]+">[^<]+<\/time> after/);
  });

  it("gives each update the anchor the feeds link to it by", async () => {
    const incident = await createIncident({ title: "Anchored updates", affected_components: [], notify: false });
    await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it.", status: "identified", notify: false });
    const feed = await json(await call("GET", "/api/status/feed.json"));
    const links = feed.items.map((item: any) => item.url as string).filter((url: string) => url.includes(`/incidents/${incident.id}#`));
    expect(links).toHaveLength(1);
    const { html } = await page(`/incidents/${incident.id}`);
    for (const url of links) expect(html).toMatch(new RegExp(`<li id="${url.split("#")[1]}"[^>]*data-update=`));
    expect(html.match(/<li id="update-[^"]+" data-update="/g)).toHaveLength(2);
  });

  it("answers an unknown or malformed id with an HTML 404", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-an-id"]) {
      const { res, html } = await page(`/incidents/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(html).toContain("Incident not found");
    }
  });
});

describe("an address nothing answers", () => {
  it("is the site's 404 page for a browser, and the API's JSON error for API paths and other clients", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    for (const path of ["/nope", "/incidents", "/components/", "/maintenance"]) {
      const res = await call("GET", path, { headers: browser });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toContain("text/html");
      const html = await res.text();
      expect(html).toContain("<h1>Page not found</h1>");
      expect(html).toContain('href="/history"');
    }
    const api = await call("GET", "/api/status/nope", { headers: browser });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: "not_found" } });
    const script = await call("GET", "/nope");
    expect(script.status).toBe(404);
    expect(await script.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

describe("GET /history", () => {
  it("lists incidents by month, 90 days per page, paging back to a year", async () => {
    const recent = await createIncident({ title: "Recent blip", started_at: Date.now() - 10 * DAY });
    const older = await createIncident({ title: "Spring outage", started_at: Date.now() - 200 * DAY });

    const first = await page("/history");
    expect(first.res.status).toBe(200);
    expect(first.html).toContain("<h1>Incident history</h1>");
    expect(first.html).toContain(`href="/incidents/${recent.id}">Recent blip</a>`);
    expect(first.html).not.toContain("Spring outage");
    expect(first.html).toMatch(/<h2 id="m-\d{4}-\d{2}">[A-Z][a-z]+ \d{4}<\/h2>/);
    expect(first.html).toContain('href="/history?page=2">Older incidents</a>');
    expect(first.html).not.toContain("Newer incidents");

    const third = await page("/history?page=3");
    expect(third.html).toContain(`href="/incidents/${older.id}">Spring outage</a>`);
    expect(third.html).not.toContain("Recent blip");
    expect(third.html).toContain('href="/history?page=2">Newer incidents</a>');

    const last = await page("/history?page=5");
    expect(last.res.status).toBe(200);
    expect(last.html).not.toContain("Older incidents");

    // A mistyped address gets a page in the site's layout, as an unknown incident does.
    for (const [query, status, title] of [
      ["page=6", 404, "Page not found"],
      ["page=99999999999999999999", 404, "Page not found"],
      ["page=abc", 400, "Not a page of history"],
      ["page=0", 400, "Not a page of history"],
      ["page=-1", 400, "Not a page of history"],
      ["page=", 400, "Not a page of history"],
    ] as const) {
      const wrong = await page(`/history?${query}`);
      expect(wrong.res.status, query).toBe(status);
      expect(wrong.res.headers.get("content-type"), query).toContain("text/html");
      expect(wrong.html, query).toContain(`<h1>${title}</h1>`);
      expect(wrong.html, query).toContain('href="/assets/');
    }
  });
});

describe("when the data is old", () => {
  it("says how old: 'Data as of' with the time it was built", async () => {
    const snapshot = await readSnapshot(env, () => createDb(env.DB));
    const builtAt = Date.now() - 20 * 60_000;
    const html = renderHome({ ...snapshot, generated_at: builtAt });
    expect(html).toMatch(new RegExp(`Data as of <time datetime="${new Date(builtAt).toISOString()}"[^>]*>[^<]+</time> \\(20 min ago\\)`));
    expect(renderHome({ ...snapshot, generated_at: Date.now() })).not.toContain("Data as of");
  });
});

describe("the recently resolved list", () => {
  it("says there are no resolved incidents, not no incidents, while open ones are listed above it", async () => {
    await createIncident({ title: "Open, not resolved", affected_components: [], notify: false });
    const snapshot = await readSnapshot(env, () => createDb(env.DB), { revalidate: true });
    const html = renderHome({ ...snapshot, incidents: snapshot.incidents.filter((i) => i.resolved_at === null) });
    expect(html).toContain("Open, not resolved");
    const resolved = html.slice(html.indexOf('id="resolved-h"'));
    expect(resolved).toMatch(/<p class="muted">\s*No resolved incidents in the last 365 days\.\s*<\/p>/);
    expect(html).not.toContain("No incidents in the last");
  });
});

describe("POST /subscribe (the form without scripts)", () => {
  it("subscribes through the subscriptions API and answers in HTML, with the API's reasons when it refuses", async () => {
    const form = new URLSearchParams({ channel: "email", email: "reader@example.com", components: DEFAULT_COMPONENTS.api });
    const ok = await call("POST", "/subscribe", { body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(ok.status).toBe(200);
    const okHtml = await ok.text();
    expect(okHtml).toContain("<h1>Almost subscribed</h1>");
    expect(okHtml).toContain("confirmation");

    const bad = new URLSearchParams({ channel: "email", email: "not-an-email", components: DEFAULT_COMPONENTS.api, component_changes: "on" });
    const refused = await call("POST", "/subscribe", { body: bad.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain("<h1>Could not subscribe</h1>");
    expect(refusedHtml).not.toContain("Invalid request body");
    // The form comes back as it was sent, the refused field marked, focused and described by the reason,
    // said in a visitor's words beside it.
    const tag = (pattern: RegExp) => refusedHtml.match(pattern)?.[0] ?? "";
    const email = tag(/<input[^>]*name="email"[^>]*>/);
    expect(email).toContain('value="not-an-email"');
    expect(email).toContain('aria-invalid="true"');
    expect(email).toMatch(/\bautofocus\b/);
    const describedBy = /aria-describedby="([^"]+)"/.exec(email)?.[1];
    expect(tag(new RegExp(`<p[^>]*id="${describedBy}"[^>]*>[^<]*</p>`))).toContain(">Enter a valid email address, like name@example.com.</p>");
    expect(refusedHtml).not.toContain("Go back to correct it");
    expect(tag(/<input[^>]*name="channel" value="email"[^>]*>/)).toMatch(/\bchecked\b/);
    expect(tag(new RegExp(`<input[^>]*value="${DEFAULT_COMPONENTS.api}"[^>]*>`))).toMatch(/\bchecked\b/);
    expect(tag(/<input[^>]*name="component_changes"[^>]*>/)).toMatch(/\bchecked\b/);
    // The other fields are not marked.
    expect(tag(/<input[^>]*name="phone"[^>]*>/)).not.toContain("aria-invalid");
  });
});

describe("GET /favicon.svg", () => {
  it("is a disc in the overall status colour", async () => {
    const res = await call("GET", "/favicon.svg");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    expect(await res.text()).toMatch(/^<svg[^>]*><circle[^>]*fill="#[0-9a-f]{6}"/);
  });
});
