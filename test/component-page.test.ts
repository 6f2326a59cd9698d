import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import { latencyRollups } from "../src/db/schema";
import { pruneLatencyRollups, upsertLatencyRollups } from "../src/db/queries/latency";
import { runBatch } from "../src/db/batch";
import { linePath, niceMax } from "../src/page/charts";
import { dayDetail } from "../src/page/format";
import { latencyGrids, latencyPoints } from "../src/snapshot/latency";
import type { LatencyBucket, SnapshotComponent, SnapshotIncident } from "../src/snapshot/types";
import { latencySeries as latencyResponse, uptimeSeries as uptimeResponse } from "../src/openapi/responses";
import { forgetLocalSnapshot } from "../src/snapshot/store";
import { bucketStart, bucketStarts, DAY_MS, HOUR_MS, LATENCY_BINS, latencyBin, latencyDeltas, percentileFromHistogram, QUARTER_HOUR_MS } from "../src/uptime/latency";
import { admin, BASE, call, createIncident, json, readCompressed } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";

afterEach(() => vi.restoreAllMocks());

/** A histogram with `n` samples in the bin of each given response time. */
function histogram(samples: [ms: number, n: number][]) {
  const h = new Array(LATENCY_BINS).fill(0);
  for (const [ms, n] of samples) h[latencyBin(ms)] += n;
  return h;
}

describe("percentiles from the histogram", () => {
  // Worked by hand. Bins are [0,10) [10,25) [25,50) [50,75) [75,100) [100,150) ... ; the rank is p x count,
  // found in the bin where the running count reaches it, then interpolated inside that bin, whose edges
  // are first narrowed to the bucket's min and max.
  it("matches hand-worked values", () => {
    // 4 samples in [50,75), 6 in [100,150); min 60, max 140.
    const h = histogram([[60, 4], [120, 6]]);
    // p50: rank 5, past the 4 below -> 1 of 6 into [100, 140]: 100 + 40 x 1/6 = 106.67
    expect(percentileFromHistogram(h, 0.5, 60, 140)).toBe(107);
    // p95: rank 9.5 -> 5.5 of 6 into [100, 140]: 100 + 40 x 5.5/6 = 136.67
    expect(percentileFromHistogram(h, 0.95, 60, 140)).toBe(137);
    // Rank 4 ends exactly at the first bin: its top edge, 75.
    expect(percentileFromHistogram(h, 0.4, 60, 140)).toBe(75);

    // One bin only: interpolation between min and max. 20 samples in [200,300), min 210, max 290:
    // p50 = 210 + 80 x 10/20 = 250; p95 = 210 + 80 x 19/20 = 286.
    const one = histogram([[250, 20]]);
    expect(percentileFromHistogram(one, 0.5, 210, 290)).toBe(250);
    expect(percentileFromHistogram(one, 0.95, 210, 290)).toBe(286);

    // A single sample is itself at every percentile.
    expect(percentileFromHistogram(histogram([[42, 1]]), 0.5, 42, 42)).toBe(42);
    expect(percentileFromHistogram(histogram([[42, 1]]), 0.95, 42, 42)).toBe(42);

    // 99 fast answers and one 12 s answer: p95 stays fast, the outlier is in max only.
    // rank 95 of 99 in [0,10) narrowed to [3, 10]: 3 + 7 x 95/99 = 9.72
    const tail = histogram([[5, 99], [12_000, 1]]);
    expect(percentileFromHistogram(tail, 0.95, 3, 12_000)).toBe(10);
    // The open top bin ends at the bucket's max: rank 100 -> 12000.
    expect(percentileFromHistogram(tail, 1, 3, 12_000)).toBe(12_000);

    expect(percentileFromHistogram(new Array(LATENCY_BINS).fill(0), 0.5, null, null)).toBeNull();
  });
});

describe("buckets in the page's time zone", () => {
  it("puts quarter hours, hours and days on the page's wall clock", () => {
    const t = Date.UTC(2031, 0, 15, 10, 44, 59); // 10:44:59 UTC
    expect(bucketStart(t, QUARTER_HOUR_MS)).toBe(Date.UTC(2031, 0, 15, 10, 30));
    expect(bucketStart(t, HOUR_MS)).toBe(Date.UTC(2031, 0, 15, 10));
    expect(bucketStart(t, DAY_MS)).toBe(Date.UTC(2031, 0, 15));
    // Kolkata is UTC+5:30: its hours start at half past, UTC.
    expect(bucketStart(t, HOUR_MS, "Asia/Kolkata")).toBe(Date.UTC(2031, 0, 15, 10, 30));
    expect(bucketStart(Date.UTC(2031, 0, 15, 10, 29), HOUR_MS, "Asia/Kolkata")).toBe(Date.UTC(2031, 0, 15, 9, 30));
    // Kathmandu is UTC+5:45: its quarter hours still fall on UTC quarter hours.
    expect(bucketStart(t, QUARTER_HOUR_MS, "Asia/Kathmandu")).toBe(Date.UTC(2031, 0, 15, 10, 30));
    // New York's day starts at 05:00 UTC in winter, 04:00 in summer.
    expect(bucketStart(Date.UTC(2031, 0, 15, 4, 59), DAY_MS, "America/New_York")).toBe(Date.UTC(2031, 0, 14, 5));
    expect(bucketStart(Date.UTC(2031, 0, 15, 5, 0), DAY_MS, "America/New_York")).toBe(Date.UTC(2031, 0, 15, 5));
    expect(bucketStart(Date.UTC(2031, 6, 15, 3, 59), DAY_MS, "America/New_York")).toBe(Date.UTC(2031, 6, 14, 4));
    // The day clocks spring forward (Mar 9 2031 in New York) is 23 hours long; the grid follows it.
    const days = bucketStarts(Date.UTC(2031, 2, 10, 12), DAY_MS, 3, "America/New_York");
    expect(days).toEqual([Date.UTC(2031, 2, 8, 5), Date.UTC(2031, 2, 9, 5), Date.UTC(2031, 2, 10, 4)]);
    expect(bucketStarts(Date.UTC(2031, 0, 15, 10, 44), QUARTER_HOUR_MS, 96).length).toBe(96);
  });

  it("files a result's answer where it was taken and its span where the span began, across local midnight", () => {
    const tz = "America/New_York";
    const previous = Date.UTC(2031, 0, 15, 4, 59, 30); // 23:59:30 local on the 14th
    const at = previous + 60_000; // 00:00:30 local on the 15th
    const deltas = latencyDeltas(
      { at, outcome: "operational", latencyMs: 120, inMaintenance: false },
      { start: previous, deltas: [{ day: "2031-01-14", observedSeconds: 30, degradedSeconds: 0, partialSeconds: 0, majorSeconds: 0, maintenanceSeconds: 0, checks: 0, failures: 0, worstStatus: "operational" }, { day: "2031-01-15", observedSeconds: 30, degradedSeconds: 0, partialSeconds: 0, majorSeconds: 0, maintenanceSeconds: 0, checks: 1, failures: 0, worstStatus: "operational" }] },
      tz,
    );
    const days = deltas.filter((d) => d.spanMs === DAY_MS);
    expect(days.map((d) => [d.start, d.count, d.observedSeconds])).toEqual([
      [Date.UTC(2031, 0, 15, 5), 1, 0],
      [Date.UTC(2031, 0, 14, 5), 0, 60],
    ]);
    expect(deltas.find((d) => d.spanMs === QUARTER_HOUR_MS && d.count)!.start).toBe(Date.UTC(2031, 0, 15, 5));
    expect(deltas.find((d) => d.spanMs === QUARTER_HOUR_MS && d.count)!.histogram[latencyBin(120)]).toBe(1);
    // A failed check has no response time: counted as failed, not as a sample.
    const failed = latencyDeltas({ at, outcome: "major_outage", latencyMs: 10_000, inMaintenance: false }, { start: null, deltas: [] }, tz);
    expect(failed.every((d) => d.count === 0 && d.failedChecks === 1)).toBe(true);
  });

  it("records days on the page's calendar through the cron", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 200, delayMs: 5 });
    const component = await createMonitoredComponent(url);
    // 04:30 UTC is still the previous day in New York (UTC-5 in winter).
    const at = Date.UTC(2031, 0, 20, 4, 30);
    await runCron(at, { PAGE_TIME_ZONE: "America/New_York" });
    const rows = await createDb(env.DB).select().from(latencyRollups).where(eq(latencyRollups.componentId, component.id));
    expect(rows.map((r) => [r.spanMs, r.start, r.count]).sort((a, b) => a[0]! - b[0]!)).toEqual([
      [QUARTER_HOUR_MS, Date.UTC(2031, 0, 20, 4, 30), 1],
      [HOUR_MS, Date.UTC(2031, 0, 20, 4), 1],
      [DAY_MS, Date.UTC(2031, 0, 19, 5), 1],
    ]);
  });
});

describe("the latency view's slots", () => {
  it("keeps the current quarter hour when a bucket after it exists (results dated ahead of the clock)", () => {
    const now = Date.UTC(2031, 0, 15, 1, 40);
    const grid = latencyGrids(now, "UTC")["24h"];
    const bucket = (start: number, count: number): LatencyBucket => [start, count, 100, 120, 90, 130, 0, 0];
    const current = bucket(Date.UTC(2031, 0, 15, 1, 30), 9);
    const component = { days: [], latency: { "24h": [bucket(Date.UTC(2031, 0, 15, 1, 15), 3), current, bucket(Date.UTC(2031, 0, 15, 1, 45), 1)], "7d": [], "90d": [] } } as unknown as SnapshotComponent;
    const points = latencyPoints(component, "24h", grid, "UTC");
    expect(points).toHaveLength(96);
    expect(points.slice(-2).map((p) => [p.start, p.count])).toEqual([
      [Date.UTC(2031, 0, 15, 1, 15), 3],
      [Date.UTC(2031, 0, 15, 1, 30), 9],
    ]);
  });
});

describe("latency rollups", () => {
  it("are written with the run's results, summed per bucket, and pruned after their retention", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url);
    const t0 = Date.UTC(2031, 1, 3, 9, 0);
    for (const [i, delayMs] of [20, 60, 140].entries()) {
      targets.set(url, { status: 200, delayMs });
      await runCron(t0 + i * MINUTE);
    }
    targets.set(url, { status: 500 });
    await runCron(t0 + 3 * MINUTE);
    const db = createDb(env.DB);
    const rows = await db.select().from(latencyRollups).where(eq(latencyRollups.componentId, component.id));
    const quarter = rows.find((r) => r.spanMs === QUARTER_HOUR_MS)!;
    expect(quarter.start).toBe(t0);
    expect(quarter.count).toBe(3);
    expect(quarter.failedChecks).toBe(1);
    expect(quarter.minMs).toBeGreaterThanOrEqual(20);
    expect(quarter.maxMs).toBeGreaterThanOrEqual(140);
    expect(quarter.maxMs).toBeLessThan(1000);
    const h = JSON.parse(quarter.histogram) as number[];
    expect(h.reduce((a, b) => a + b, 0)).toBe(3);
    expect(h[latencyBin(quarter.maxMs!)]).toBeGreaterThanOrEqual(1);
    // Three spans of 60 s closed in the quarter hour.
    expect(quarter.observedSeconds).toBe(180);
    expect(rows.filter((r) => r.spanMs === DAY_MS)).toHaveLength(1);

    // Quarter hours go after 2 days, hours after 8, days after 91.
    await pruneLatencyRollups(db, t0 + 3 * DAY_MS, 1000);
    expect((await db.select().from(latencyRollups).where(eq(latencyRollups.componentId, component.id))).map((r) => r.spanMs).sort()).toEqual([HOUR_MS, DAY_MS].sort());
    await pruneLatencyRollups(db, t0 + 92 * DAY_MS, 1000);
    expect(await db.select().from(latencyRollups).where(eq(latencyRollups.componentId, component.id))).toEqual([]);
  });

  it("write thousands of buckets in a few statements (D1 allows an invocation 1,000 queries), adding to what is there", async () => {
    const component = (await createMonitoredComponent(targetUrl())).id;
    const t0 = Date.UTC(2032, 0, 1);
    const histogram = Array.from({ length: LATENCY_BINS }, (_, i) => (i === 3 ? 1 : 0));
    // As many bucket rows as a round over 2,000 monitors writes (three widths each).
    const rows = Array.from({ length: 6_000 }, (_, i) => ({
      componentId: component,
      spanMs: QUARTER_HOUR_MS,
      start: t0 + i * QUARTER_HOUR_MS,
      count: 1,
      minMs: 40 + (i % 7),
      maxMs: 40 + (i % 7),
      sumMs: 40 + (i % 7),
      histogram,
      failedChecks: i % 2,
      maintenanceChecks: 0,
      observedSeconds: 60,
      partialSeconds: 0,
      majorSeconds: i % 2 ? 60 : 0,
    }));
    const db = createDb(env.DB);
    const statements = upsertLatencyRollups(db, rows);
    expect(statements.length).toBeLessThanOrEqual(50);
    await runBatch(db, statements);
    await runBatch(db, upsertLatencyRollups(db, [{ ...rows[1]!, minMs: 10, maxMs: 900, sumMs: 910 }]));
    const stored = await db.select().from(latencyRollups).where(eq(latencyRollups.componentId, component));
    expect(stored).toHaveLength(6_000);
    expect(stored.find((r) => r.start === t0 + QUARTER_HOUR_MS)).toMatchObject({
      count: 2,
      minMs: 10,
      maxMs: 900,
      sumMs: 41 + 910,
      failedChecks: 2,
      observedSeconds: 120,
      majorSeconds: 120,
      histogram: JSON.stringify(histogram.map((n) => n * 2)),
    });
  });
});

// A scheduled time runs once per database: each caller shifts its runs by a few seconds.
let shift = 0;

/** When componentWithRecentChecks runs its checks, in minutes before now. */
const CHECKS_AGO = [60, 59, 20, 19];

/** Runs checks over the last hour with a gap: answers 60 and 59 minutes ago, then 20 and 19 minutes ago. */
async function componentWithRecentChecks() {
  const targets = fakeTargets();
  const url = targetUrl();
  targets.set(url, { status: 200, delayMs: 30 });
  const component = await createMonitoredComponent(url);
  const now = Math.floor(Date.now() / MINUTE) * MINUTE + ++shift * 1000;
  for (const ago of CHECKS_AGO) await runCron(now - ago * MINUTE);
  forgetLocalSnapshot();
  return { component, now, targets, url };
}

describe("GET /api/status/components/{id}/latency", () => {
  it("lists every bucket of the range, gaps as count 0 and nulls, from the snapshot", async () => {
    const { component, now } = await componentWithRecentChecks();
    const res = await call("GET", `/api/status/components/${component.id}/latency?range=24h`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ component_id: component.id, range: "24h", bucket_seconds: 900, time_zone: "UTC" });
    expect(body.buckets).toHaveLength(96);
    const filled = body.buckets.filter((b: any) => b.count > 0);
    expect(filled.length).toBeGreaterThanOrEqual(2);
    for (const b of filled) {
      expect(b.p50_ms).toBeGreaterThanOrEqual(30);
      expect(b.p95_ms).toBeGreaterThanOrEqual(b.p50_ms);
      expect(b.min_ms).toBeLessThanOrEqual(b.p50_ms);
      expect(b.max_ms).toBeGreaterThanOrEqual(b.p95_ms);
    }
    // Between 59 and 20 minutes ago nothing answered: those quarter hours are gaps, not zeros.
    const gap = body.buckets.find((b: any) => Date.parse(b.start) === bucketStart(now - 40 * MINUTE, QUARTER_HOUR_MS));
    expect(gap).toEqual({ start: gap.start, count: 0, p50_ms: null, p95_ms: null, min_ms: null, max_ms: null, failed_checks: 0, maintenance_checks: 0 });
    const starts = body.buckets.map((b: any) => Date.parse(b.start));
    expect(starts.every((s: number, i: number) => i === 0 || s - starts[i - 1] === QUARTER_HOUR_MS)).toBe(true);
    // The last bucket is the one the snapshot was built in (a quarter hour may have turned since).
    expect(starts.at(-1)).toBe(bucketStart(Date.parse(body.data.generated_at), QUARTER_HOUR_MS));

    const week = await json(await call("GET", `/api/status/components/${component.id}/latency?range=7d`));
    expect([week.buckets.length, week.bucket_seconds]).toEqual([168, 3600]);
    const quarter = await json(await call("GET", `/api/status/components/${component.id}/latency?range=90d`));
    expect([quarter.buckets.length, quarter.bucket_seconds]).toEqual([90, 86_400]);
    // Today's bucket holds the checks made since midnight UTC (none, just after it).
    const checks = filled.reduce((n: number, b: any) => n + b.count, 0);
    const today = bucketStart(Date.parse(quarter.data.generated_at), DAY_MS);
    const madeToday = CHECKS_AGO.filter((ago) => bucketStart(now - ago * MINUTE, DAY_MS) === today).length;
    expect(quarter.buckets.at(-1).count).toBe((checks / CHECKS_AGO.length) * madeToday);

    // The answers are what the OpenAPI document says they are, for this series and the uptime one.
    const doc = await json(await call("GET", "/api/openapi.json"));
    for (const [path, schema, url] of [
      ["/api/status/components/{id}/latency", latencyResponse, `/api/status/components/${component.id}/latency?range=90d`],
      ["/api/status/components/{id}/uptime", uptimeResponse, `/api/status/components/${component.id}/uptime?days=30`],
    ] as const) {
      const ref = doc.paths[path].get.responses["200"].content["application/json"].schema.$ref as string;
      expect(doc.components.schemas[ref.split("/").pop()!].properties.data).toBeTruthy();
      expect(schema.safeParse(await json(await call("GET", url))).error).toBeUndefined();
    }

    // Warm: no D1 statement.
    const warm = await call("GET", `/api/status/components/${component.id}/latency?range=24h`);
    expect(warm.headers.get("x-d1-queries")).toBe("0");
    expect(warm.headers.get("etag")).toBeTruthy();
  });

  it("answers 404 for an unknown component and 400 for a bad range or id", async () => {
    const unknown = await call("GET", `/api/status/components/${crypto.randomUUID()}/latency`);
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.code).toBe("not_found");
    for (const range of ["1h", "30d", "", "24H"]) {
      const res = await call("GET", `/api/status/components/2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001/latency?range=${range}`);
      expect(res.status, range).toBe(400);
      expect((await json(res)).error.details[0].path).toBe("range");
    }
    expect((await call("GET", "/api/status/components/not-a-uuid/latency")).status).toBe(400);
  });
});

describe("GET /components/{id}", () => {
  it("is complete without JavaScript: status and why, uptime, the large bar, both charts and their table, incidents, subscribe", async () => {
    const { component, now } = await componentWithRecentChecks();
    const incident = await createIncident({ title: "Slow <checkout>", severity: "minor", affected_components: [component.id] });
    const res = await readCompressed(`/components/${component.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    // The runtime hands the test the decoded body; compressing it again gives the bytes that were sent.
    const html = await res.text();
    const transferred = (await new Response(new Blob([html]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()).byteLength;

    expect(html).toContain(`<h1>${component.name}</h1>`);
    expect(html).not.toMatch(/<script>|<style>|\sstyle="|\sonclick=/);
    // Now, and why: the open incident that sets it, and what the checks say.
    expect(html).toMatch(/class="st s-degraded">Degraded Performance/);
    expect(html).toContain(`href="/incidents/${incident.id}">Slow &lt;checkout&gt;</a>`);
    expect(html.slice(html.indexOf('<ul class="why"'), html.indexOf("<h2>Uptime"))).toMatch(/Automatic checks say operational; last checked <time/);
    // Uptime over every window.
    for (const key of ["24h", "7d", "30d", "60d", "90d"]) expect(html).toMatch(new RegExp(`data-uptime="${key}">(100%|\\d+\\.\\d\\d%)<`));
    // The large bar: 90 days with their details, one tab stop (today's) as on the front page; the arrow keys
    // are offered only where the script that handles them runs.
    const barStart = html.indexOf('<ol class="bar big"');
    const bar = html.slice(barStart, html.indexOf("</ol>", barStart));
    expect(bar).toContain(`aria-label="${component.name}: daily uptime over the last 90 days"`);
    expect(bar.match(/<li[ >]/g)).toHaveLength(90);
    expect(bar.match(/<li tabindex=0/g)).toHaveLength(1);
    expect(bar).toMatch(/<li tabindex=0[^>]*>$/);
    expect(html).toMatch(/<span data-js="true" hidden="">\s*Tab into the bar, then use the arrow keys\.\s*<\/span>/);
    // On a phone the bar draws 30 days, and its caption says so.
    const foot = html.slice(html.indexOf("</ol>", barStart), html.indexOf("</p>", html.indexOf("</ol>", barStart)));
    expect(foot).toContain('<span class="from90">90 days ago</span><span class="from30">30 days ago</span>');
    // Today the incident says degraded: the cell is painted so and says it, while the checks' uptime stays.
    expect(bar).toMatch(/<li tabindex=0 class=d-deg aria-label="[A-Z][a-z]{2} \d{1,2}: degraded performance reported in an incident; (100% uptime in automated checks|no data), incident: Slow &lt;checkout&gt;">$/);
    expect(html).toContain("These figures count automated checks only.");
    // Both charts, drawn on the server, with a gap in the last hour: two separate runs of the p50 line.
    const charts = [...html.matchAll(/<svg class=chart [^]*?<\/svg>/g)].map((m) => m[0]);
    expect(charts).toHaveLength(2);
    const p50 = /<path class=p50 d="([^"]*)"/.exec(charts[0]!)![1]!;
    expect(p50.match(/M/g)!.length).toBeGreaterThanOrEqual(2);
    expect(/<path class=p50 d="(M[^"]+)"/.test(charts[1]!)).toBe(true);
    // The same data as a table, one row per bucket, gaps said in words.
    const tables = [...html.matchAll(/<table class="lat"[^]*?<\/table>/g)].map((m) => m[0]);
    expect(tables).toHaveLength(2);
    // Each in its own horizontal scroll box, so a phone scrolls the table rather than the page.
    expect(html.match(/<div class="scroll"><table class="lat"/g)).toHaveLength(2);
    expect(tables[0]!.match(/<tr data-t=/g)).toHaveLength(96);
    expect(tables[1]!.match(/<tr data-t=/g)).toHaveLength(90);
    expect(tables[0]).toContain(`<tr data-t=${bucketStart(now - 40 * MINUTE, QUARTER_HOUR_MS)}><th scope=row>`);
    expect(tables[0]).toMatch(/<td>0<td>–<td>–<td>–<td>–<td>no data/);
    expect(tables[0]).toMatch(/<td>[12]<td>\d+<td>\d+<td>\d+<td>\d+<td>/);
    // Incidents that touched it, linked; subscribe with this component already chosen.
    expect(html).toContain(`<a href="/incidents/${incident.id}">Slow &lt;checkout&gt;</a>`);
    expect(html).toContain("Subscribe to this component");
    // The header's Subscribe leads to this form, not to the front page's, which has nothing chosen.
    expect(html).toContain('<a href="#subscribe">Subscribe</a>');
    expect(html).toContain(`<input type="checkbox" name="components" value="${component.id}" checked=""/>`);
    expect(html.match(/name="components" value="[^"]+" checked/g)).toHaveLength(1);

    // The page's own stylesheet and script come with it (counted uncompressed); all of it stays under 50 KB.
    const css = html.match(/href="(\/assets\/component\.\w+\.css)"/)![1]!;
    const js = html.match(/src="(\/assets\/component\.\w+\.js)"/)![1]!;
    let total = transferred;
    for (const path of [css, js, html.match(/href="(\/assets\/style\.\w+\.css)"/)![1]!, html.match(/src="(\/assets\/live\.\w+\.js)"/)![1]!]) {
      const asset = await call("GET", path);
      expect(asset.status, path).toBe(200);
      total += (await asset.arrayBuffer()).byteLength;
    }
    expect(transferred).toBeLessThan(20_000);
    expect(total).toBeLessThan(50_000);

    // Warm: no D1 statement.
    expect((await call("GET", `/components/${component.id}`)).headers.get("x-d1-queries")).toBe("0");
  });

  it("says nothing measures a component's response times when nothing monitors it, and draws no empty charts", async () => {
    const created = await json(await admin("POST", "/api/status/components", { name: `Unwatched ${crypto.randomUUID()}` }));
    forgetLocalSnapshot();
    const listed = (await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === created.id);
    expect(listed.monitored).toBe(false);
    const html = await (await call("GET", `/components/${created.id}`)).text();
    const section = html.slice(html.indexOf("<h2>Response times</h2>"), html.indexOf("<h2>Incidents and maintenance</h2>"));
    expect(section).toContain("Not monitored: no automated check measures its response times.");
    expect(section).not.toMatch(/<figure|<svg|<table|no response times yet|class="key/);
  });

  it("keeps showing the response times its checks measured once its monitor is removed, and says it is no longer monitored", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url);
    targets.set(url, { status: 200 });
    await runCron(Math.floor(Date.now() / MINUTE) * MINUTE + ++shift * 1000 - 2 * MINUTE);
    expect((await admin("PATCH", `/api/status/components/${component.id}`, { monitor: null })).status).toBe(200);
    forgetLocalSnapshot();
    const html = await (await call("GET", `/components/${component.id}`)).text();
    const section = html.slice(html.indexOf("<h2>Response times</h2>"), html.indexOf("<h2>Incidents and maintenance</h2>"));
    expect(section).toContain("No longer monitored: these are the response times its checks measured before.");
    expect(section).toMatch(/<figure/);
  });

  it("counts the last 24 hours by the uptime formula: a failed minute out of two is 50%", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url, { confirmations: 5 });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + ++shift * 1000;
    // Up for the minute from 10 to 9 minutes ago, down from 9 to 8: 1 - 60/120.
    for (const [ago, status] of [[10, 200], [9, 500], [8, 200]] as const) {
      targets.set(url, { status });
      await runCron(now - ago * MINUTE);
    }
    forgetLocalSnapshot();
    const html = await (await call("GET", `/components/${component.id}`)).text();
    expect(html).toContain('<dd data-uptime="24h">50.00%</dd>');
    const day = await json(await call("GET", `/api/status/components/${component.id}/latency?range=24h`));
    expect(day.buckets.reduce((n: number, b: any) => n + b.failed_checks, 0)).toBe(1);
    expect(day.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(2);
  });

  it("says a check that got no answer waited its timeout, and gives no response time for it", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, "hang");
    const component = await createMonitoredComponent(url, { timeout_ms: 500, confirmations: 1 });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + ++shift * 1000;
    await runCron(now - 2 * MINUTE);
    forgetLocalSnapshot();
    const html = await (await call("GET", `/components/${component.id}`)).text();
    const why = html.slice(html.indexOf('<ul class="why"'), html.indexOf("<h2>Uptime"));
    expect(why).toMatch(/Automatic checks say major outage; last checked <time[^]*?<\/time>, no answer within 500 ms\./);
    expect(why).not.toContain("answered in");
    expect(why).toContain("western North America major outage (no answer within 500 ms)");
    const listed = (await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === component.id);
    expect(listed).toMatchObject({ status: "major_outage", latency_ms: null });
    expect((await json(await call("GET", `/api/status/components/${component.id}`))).component.latency_ms).toBeNull();
    // Admins keep the detail of what happened.
    const [round] = (await json(await admin("GET", `/api/status/components/${component.id}/checks?limit=1`))).checks;
    expect(round).toMatchObject({ latency_ms: null, error: "timed out after 500 ms from 3 of 3 regions (wnam, enam, weur)" });

    // An answer, even a failing one, is a response time.
    targets.set(url, { status: 503 });
    await runCron(now - MINUTE);
    forgetLocalSnapshot();
    const after = await (await call("GET", `/components/${component.id}`)).text();
    expect(after).toMatch(/, answered in \d+ ms\./);
    expect(after).not.toContain("no answer within");
  });

  it("gives no response time for a check that could not connect, from any region", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { throws: "Network connection lost.", delayMs: 12 });
    const component = await createMonitoredComponent(url, { confirmations: 1 });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + ++shift * 1000;
    await runCron(now - MINUTE);
    forgetLocalSnapshot();
    const html = await (await call("GET", `/components/${component.id}`)).text();
    const why = html.slice(html.indexOf('<ul class="why"'), html.indexOf("<h2>Uptime"));
    expect(why).toMatch(/Automatic checks say major outage; last checked <time[^]*?<\/time>\./);
    expect(why).not.toContain("answered in");
    expect(why).toContain("Checked from 3 regions: eastern North America major outage, western Europe major outage, western North America major outage.");
    const listed = (await json(await call("GET", "/api/status"))).components.find((c: any) => c.id === component.id);
    expect(listed).toMatchObject({ status: "major_outage", latency_ms: null });
  });

  it("is linked from the home page and from incident pages", async () => {
    const incident = await createIncident({ title: "Linked", affected_components: ["2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002"] });
    const home = await (await call("GET", "/", { headers: { "cache-control": "no-cache" } })).text();
    expect(home).toContain('<a href="/components/2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002">Database</a>');
    const page = await (await call("GET", `/incidents/${incident.id}`)).text();
    expect(page).toContain('href="/components/2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002"');
  });

  it("answers an unknown component with a 404 page", async () => {
    for (const id of [crypto.randomUUID(), "nope"]) {
      const res = await call("GET", `/components/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("Component not found");
    }
  });
});

describe("live", { timeout: 20_000 }, () => {
  it("sends a component's newest bucket when a check result arrives", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    targets.set(url, { status: 200, delayMs: 25 });
    const component = await createMonitoredComponent(url);
    const res = await exports.default.fetch(new Request(`${BASE}/api/status/live`, { headers: { Upgrade: "websocket" } }));
    const ws = res.webSocket!;
    const messages: any[] = [];
    ws.addEventListener("message", (e) => {
      messages.push(JSON.parse(e.data as string));
    });
    ws.accept();
    await runCron(Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE);
    const update = await vi.waitFor(
      () => {
        const found = messages.find((m) => m.type === "components.latency" && m.data.components.some((c: any) => c.id === component.id));
        if (!found) throw new Error("no latency message yet");
        return found.data.components.find((c: any) => c.id === component.id);
      },
      { timeout: 10_000, interval: 20 },
    );
    // The last two quarter hours and days: the result is in one of them, whichever side of an edge it fell.
    expect(update.points["24h"]).toHaveLength(2);
    const quarter = update.points["24h"].find((p: any) => p.count > 0);
    expect(quarter).toMatchObject({ count: 1, shade: null });
    expect(quarter.p50_ms).toBeGreaterThanOrEqual(25);
    expect(update.points["90d"].reduce((n: number, p: any) => n + p.count, 0)).toBeGreaterThanOrEqual(1);
    // And what each region saw, worded as the page words it, for the page to replace its line with.
    expect(update.regions).toMatch(/^Checked from \d+ regions?: .*operational \(\d+ ms\).*\.$/);
    const page = await (await call("GET", `/components/${component.id}`)).text();
    expect(page).toContain(`<li data-regions="true">${update.regions}</li>`);
    // And what the checks say, around the time of this one, for the page to replace its line with.
    expect(update.checked).toEqual({ says: "Automatic checks say operational", at: expect.any(Number), answer: expect.stringMatching(/^, answered in \d+ ms$/) });
    const line = /<li data-checks="true">([^]*?)<time datetime="([^"]+)"[^>]*>[^<]*<\/time>([^<]*)<\/li>/.exec(page)!;
    expect([line[1], Date.parse(line[2]!), line[3]]).toEqual([`${update.checked.says}; last checked `, update.checked.at, `${update.checked.answer}.`]);
    ws.close(1000);
  });
});

describe("a day in the large bar", () => {
  it("says its uptime, major and partial outage time, maintenance and incidents", () => {
    const incident = { id: "i1", title: "Slow search" } as SnapshotIncident;
    const day = { date: "2031-03-04", uptime: 99.31, worst_status: "major_outage", downtime_seconds: 600, observed_seconds: 86_000, partial_seconds: 1200, major_seconds: 240, maintenance_seconds: 3600, incident_ids: ["i1"], reported_status: "operational", has_data: true } as const;
    expect(dayDetail({ ...day, incident_ids: [...day.incident_ids] }, new Map([["i1", incident]]), "2031")).toBe(
      "Mar 4: 99.31% uptime, major outage 4 min, partial outage 20 min, maintenance 1 h, incident: Slow search",
    );
    expect(dayDetail({ ...day, has_data: false, uptime: null, major_seconds: 0, partial_seconds: 0, incident_ids: [] }, new Map(), "2030")).toBe("Mar 4, 2031: no data, maintenance 1 h");
    expect(dayDetail({ ...day, incident_ids: [...day.incident_ids] }, new Map([["i1", incident]]), "2031", "major_outage")).toBe(
      "Mar 4: major outage reported in an incident; 99.31% uptime in automated checks, major outage 4 min, partial outage 20 min, maintenance 1 h, incident: Slow search",
    );
  });
});

describe("chart geometry", () => {
  it("draws gaps as gaps and picks a round ceiling", () => {
    expect(linePath([10, 20, null, 30, null, null, 40, 50], 100).match(/M/g)).toHaveLength(3);
    // A lone value between gaps is a dot, not nothing.
    expect(linePath([null, 30, null], 100)).toMatch(/^M[\d.]+ [\d.]+h0$/);
    expect(linePath([null, null], 100)).toBe("");
    expect([niceMax(0), niceMax(7), niceMax(120), niceMax(180), niceMax(240), niceMax(2600)]).toEqual([10, 10, 200, 200, 250, 5000]);
  });
});
