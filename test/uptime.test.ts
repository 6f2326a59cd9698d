import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CheckOutcome } from "../src/db/schema";
import { iso } from "../src/time";
import { addDays, dayOf, pageTimeZone, startOfDay } from "../src/uptime/days";
import { sumTotals, uptimePercent } from "../src/uptime/formula";
import { rollupDeltas, splitByDay, type RollupDelta } from "../src/uptime/rollup";
import { admin, call, json } from "./support/api";
import { createMonitoredComponent, fakeTargets, MINUTE, runCron, targetUrl } from "./support/checks";

afterEach(() => vi.restoreAllMocks());

type Result = [seconds: number, outcome: CheckOutcome, inMaintenance?: boolean];

/** Feeds results through the same rollup code the cron uses and sums the days, as the page does. */
function simulate(results: Result[], windows: [fromSecond: number, toSecond: number][] = [], timeZone = "UTC") {
  const T0 = Date.UTC(2031, 2, 1, 12, 0);
  const maintenance = windows.map(([from, to]) => ({ from: T0 + from * 1000, to: T0 + to * 1000 }));
  const deltas: RollupDelta[] = [];
  let previous = null;
  for (const [s, outcome, inMaintenance = false] of results) {
    const point = { at: T0 + s * 1000, outcome, inMaintenance };
    deltas.push(...rollupDeltas(previous, point, timeZone, maintenance));
    previous = point;
  }
  const totals = sumTotals(deltas);
  return { uptime: uptimePercent(totals), observed: totals.observedSeconds, maintenance: deltas.reduce((sum, d) => sum + d.maintenanceSeconds, 0) };
}

/** `count` results a minute apart; `outcomeAt(i)` says what the i-th one found. */
const everyMinute = (count: number, outcomeAt: (i: number) => CheckOutcome): Result[] => Array.from({ length: count }, (_, i) => [i * 60, outcomeAt(i)]);

// Worked out by hand. Each result stands for the time until the next (at most 90 s), so 61 results a minute
// apart cover 3600 s. uptime = 1 - (major + 0.3 x partial) / observed, floored to 2 decimals.
const scenarios: { name: string; results: Result[]; windows?: [number, number][]; uptime: number | null; observed: number; countBased: string }[] = [
  { name: "an hour all up", results: everyMinute(61, () => "operational"), uptime: 100, observed: 3600, countBased: "60/60 = 100" },
  {
    name: "3 failing minutes in an hour: 1 - 180/3600",
    results: everyMinute(61, (i) => (i >= 10 && i < 13 ? "major_outage" : "operational")),
    uptime: 95,
    observed: 3600,
    countBased: "57/60 = 95 (the same, as it should be)",
  },
  {
    name: "10 partial minutes weigh 0.3: 1 - 0.3 x 600/3600",
    results: everyMinute(61, (i) => (i < 10 ? "partial_outage" : "operational")),
    uptime: 95,
    observed: 3600,
    countBased: "50/60 = 83.33",
  },
  {
    name: "degraded counts as up",
    results: everyMinute(61, (i) => (i % 3 === 0 ? "degraded" : "operational")),
    uptime: 100,
    observed: 3600,
    countBased: "100",
  },
  {
    name: "a 1-minute outage in a day: 1 - 60/86400 = 99.9305..., floored",
    results: everyMinute(1441, (i) => (i === 700 ? "major_outage" : "operational")),
    uptime: 99.93,
    observed: 86_400,
    countBased: "1439/1440 = 99.93",
  },
  {
    name: "missed runs are no data: up 60 s, down 90 s (capped), gap, up 60 s: 1 - 90/210",
    results: [
      [0, "operational"],
      [60, "major_outage"],
      [600, "operational"],
      [660, "operational"],
    ],
    uptime: 57.14,
    observed: 210,
    countBased: "3/4 = 75",
  },
  {
    name: "failures during maintenance are left out",
    results: [
      [0, "operational"],
      [60, "major_outage", true],
      [120, "major_outage", true],
      [180, "operational"],
      [240, "operational"],
    ],
    windows: [[60, 180]],
    uptime: 100,
    observed: 120,
    countBased: "3/5 = 60",
  },
  {
    name: "a window starting and ending between checks cuts their time: down 30 s + 30 s of 120 s observed",
    results: [
      [0, "major_outage"],
      [60, "major_outage", true],
      [120, "major_outage", true],
      [180, "operational"],
      [240, "operational"],
    ],
    windows: [[30, 150]],
    uptime: 50,
    observed: 120,
    countBased: "2/5 = 40",
  },
  {
    name: "a check that is not configured is no data at all",
    results: everyMinute(10, () => "not_monitored"),
    uptime: null,
    observed: 0,
    countBased: "undefined",
  },
];

describe("the uptime formula, scenario by scenario", () => {
  for (const s of scenarios) {
    it(`${s.name} -> ${s.uptime ?? "no data"} (count-based: ${s.countBased})`, () => {
      const result = simulate(s.results, s.windows);
      expect(result.uptime).toBe(s.uptime);
      expect(result.observed).toBe(s.observed);
    });
  }

  it("leaves maintenance time out of both terms but keeps it on the day", () => {
    expect(simulate(scenarios[6]!.results, scenarios[6]!.windows).maintenance).toBe(120);
    expect(simulate(scenarios[7]!.results, scenarios[7]!.windows).maintenance).toBe(120);
  });

  it("floors and never rounds a window with downtime up to 100", () => {
    expect(uptimePercent({ observedSeconds: 604_800, majorSeconds: 1, partialSeconds: 0 })).toBe(99.99);
    expect(uptimePercent({ observedSeconds: 3600, majorSeconds: 7, partialSeconds: 0 })).toBe(99.8); // 99.8055...
    expect(uptimePercent({ observedSeconds: 3600, majorSeconds: 0, partialSeconds: 1 })).toBe(99.99); // 99.9916...
  });

  it("splits a result's time at midnight in the page's time zone, DST days included", () => {
    const tz = "America/New_York";
    const beforeMidnight = startOfDay("2031-03-02", tz) - 30_000;
    const deltas = rollupDeltas({ at: beforeMidnight, outcome: "major_outage", inMaintenance: false }, { at: beforeMidnight + 60_000, outcome: "operational", inMaintenance: false }, tz);
    expect(deltas).toEqual([
      expect.objectContaining({ day: "2031-03-01", majorSeconds: 30, observedSeconds: 30, worstStatus: "major_outage", checks: 0 }),
      expect.objectContaining({ day: "2031-03-02", majorSeconds: 30, observedSeconds: 30, worstStatus: "major_outage", checks: 1 }),
    ]);
    // 9 March 2031 loses an hour in New York: its calendar day is 23 hours long.
    const start = startOfDay("2031-03-09", tz);
    expect(splitByDay(start, startOfDay("2031-03-10", tz), tz)).toEqual([["2031-03-09", 23 * 3_600_000]]);
  });

  it("starts a day at its first instant where the clocks skip or repeat midnight", () => {
    // Beirut goes from 23:59:59 on 28 March 2026 to 01:00 on the 29th; Santiago repeats 23:00-00:00 on 4 April.
    for (const [tz, day] of [["Asia/Beirut", "2026-03-29"], ["Asia/Beirut", "2026-10-25"], ["America/Santiago", "2026-04-05"], ["America/Santiago", "2026-09-06"], ["Europe/Berlin", "2026-03-29"]] as const) {
      const start = startOfDay(day, tz);
      expect(dayOf(start, tz), `${tz} ${day}`).toBe(day);
      expect(dayOf(start - 1, tz), `${tz} ${day}`).toBe(addDays(day, -1));
    }
    // The skipped hour's minute goes to the day it falls in.
    const midnight = startOfDay("2026-03-29", "Asia/Beirut");
    expect(splitByDay(midnight - 30_000, midnight + 30_000, "Asia/Beirut")).toEqual([["2026-03-28", 30_000], ["2026-03-29", 30_000]]);
  });

  it("reads an unknown PAGE_TIME_ZONE as UTC, and says so, rather than dropping every check", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(pageTimeZone({ PAGE_TIME_ZONE: "Europe/Berln" })).toBe("UTC");
    expect(logged.mock.calls.flat().join(" ")).toContain("Europe/Berln");
    expect(pageTimeZone({ PAGE_TIME_ZONE: "Europe/Berlin" })).toBe("Europe/Berlin");
    expect(pageTimeZone({})).toBe("UTC");
  });
});

// Each test fires several cron runs; a loaded machine running the whole suite needs more than 5 s.
describe("GET /api/status/components/{id}/uptime", { timeout: 20_000 }, () => {
  it("serves the daily series the bar is drawn from, with the numbers the cron recorded", async () => {
    const targets = fakeTargets();
    const url = targetUrl();
    const component = await createMonitoredComponent(url);
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const T0 = Date.parse(`${day}T12:00:00Z`);
    // Eleven runs a minute apart; the 4th and 5th fail: 120 s down out of 600 s observed.
    for (let k = 0; k <= 10; k++) {
      targets.set(url, { status: k === 3 || k === 4 ? 500 : 200 });
      await runCron(T0 + k * MINUTE);
    }
    const incident = await json(await admin("POST", "/api/status/incidents/create", { title: "Service errors", affected_components: [component.id], started_at: T0 + 3 * MINUTE }));

    const res = await call("GET", `/api/status/components/${component.id}/uptime?days=7`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ component_id: component.id, period_days: 7, uptime: 80, time_zone: "UTC" });
    expect(body.uptime_formula).toContain("0.3");
    expect(body.days).toHaveLength(7);
    expect(body.days.at(-1).date).toBe(new Date().toISOString().slice(0, 10));
    const recorded = body.days.find((d: any) => d.date === day);
    expect(recorded).toEqual({
      date: day,
      uptime: 80,
      worst_status: "major_outage",
      downtime_seconds: 120,
      observed_seconds: 600,
      partial_seconds: 0,
      major_seconds: 120,
      maintenance_seconds: 0,
      incident_ids: [incident.id],
      // Opened with the component degraded (a minor incident's default), from its start on that day.
      reported_status: "degraded",
      has_data: true,
    });
    const before = body.days[body.days.indexOf(recorded) - 1];
    expect(before).toMatchObject({ uptime: null, worst_status: null, has_data: false, incident_ids: [] });

    const detail = await json(await call("GET", `/api/status/components/${component.id}`));
    expect(detail.uptime).toEqual({ "30_days": 80, "60_days": 80, "90_days": 80 });
    expect((await json(await call("GET", `/api/status/components/${component.id}/uptime`))).days).toHaveLength(90);
  });

  it("refuses bad windows and unknown components with clear errors", async () => {
    const id = crypto.randomUUID();
    const known = (await json(await call("GET", "/api/status"))).components[0].id;
    for (const days of ["0", "91", "abc", "7.5"]) {
      const res = await call("GET", `/api/status/components/${known}/uptime?days=${days}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe("validation_failed");
    }
    expect((await call("GET", `/api/status/components/${id}/uptime`)).status).toBe(404);
    expect((await call("GET", "/api/status/components/not-a-uuid/uptime")).status).toBe(400);
  });
});

describe("a scheduled time far from the wall clock", { timeout: 20_000 }, () => {
  const DAY = 86_400_000;
  const resultTimes = async (componentId: string) =>
    (await env.DB.prepare("SELECT checked_at FROM check_results WHERE component_id = ? ORDER BY checked_at").bind(componentId).all<any>()).results.map((r) => r.checked_at);
  const auditKept = async (id: string) => (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE id = ?").bind(id).first<any>()).n === 1;

  it("is refused, and pruning goes by the wall clock, so a bad time cannot wipe history or date anything ahead", async () => {
    fakeTargets();
    const component = await createMonitoredComponent(targetUrl(), { confirmations: 1 });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + 7_000;
    // An admin's action from 364 days ago and a round from 6 days ago: both still inside their retention.
    const entry = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO audit_log (id, at, actor_kind, action, entity_type, entity_id) VALUES (?, ?, 'automation', 'component.updated', 'component', ?)")
      .bind(entry, now - 364 * DAY, component.id)
      .run();
    await runCron(now - 6 * DAY);
    await runCron(now - 2 * MINUTE);

    // Deployed, a time 400 days ahead records nothing and deletes nothing; nor, anywhere, one older than the
    // raw results are kept.
    await runCron(now + 400 * DAY, { LOCAL_DEV: undefined });
    await runCron(now - 40 * DAY);
    expect(await resultTimes(component.id)).toEqual([now - 6 * DAY, now - 2 * MINUTE]);
    expect((await json(await call("GET", `/api/status/components/${component.id}`))).component.last_checked).toBe(iso(now - 2 * MINUTE));
    expect(await auditKept(entry)).toBe(true);

    // Locally a round may be played ahead (as the README's walkthrough does), and still prunes by the wall clock.
    await runCron(now + 2 * DAY);
    expect(await resultTimes(component.id)).toEqual([now - 6 * DAY, now - 2 * MINUTE, now + 2 * DAY]);
    expect(await auditKept(entry)).toBe(true);
  });
});
