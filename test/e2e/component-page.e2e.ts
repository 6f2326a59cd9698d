import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, startBeacon, watchErrors, type RunningBeacon } from "./support/beacon";
import { mintSessionToken } from "../../scripts/lib/session-token.mjs";
import { CHART } from "../../src/page/charts";

// A component's page as a person sees it: the real worker under wrangler, real cron runs recording real
// check results, and a browser that keeps the page open while a new result arrives.

const API = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001";
const DATABASE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002";
const STORAGE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003";
const QUARTER_HOUR = 15 * 60_000;
const DAY = 86_400_000;

let beacon: RunningBeacon;
let browser: Browser;
let origin: string;

/** An admin's call to the API. */
async function api(method: string, path: string, body?: unknown) {
  const token = await mintSessionToken(beacon.privateKey, { azp: origin });
  const res = await fetch(origin + path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
  return res.status === 204 ? null : res.json();
}

/** Fires the minute cron for a chosen scheduled time, as wrangler dev lets a local run do. */
async function runCron(at: number) {
  const res = await fetch(`${origin}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${at}`);
  if (!res.ok) throw new Error(`cron: ${res.status} ${await res.text()}`);
}

if (!CHROMIUM) console.warn("Skipping the component page browser test: Chromium is not installed (apt-get install -y chromium).");

beforeAll(async () => {
  if (!CHROMIUM) return;
  beacon = await startBeacon({ name: "component-page" });
  ({ origin, browser } = beacon);
}, 60_000);

afterAll(() => beacon?.stop());

describe.skipIf(!CHROMIUM)("a component's page in a browser", () => {
  it("shows both charts and the table, and moves the chart when a new check result arrives", { timeout: 60_000 }, async () => {
    // The chart's quarter hours follow the clock: a quarter hour turning before the second result would
    // shift every row, so start with at least 30 s of this one left.
    const left = QUARTER_HOUR - (Date.now() % QUARTER_HOUR);
    if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    // Two results in the previous quarter hour (the first stands for the minute up to the second: the day
    // reads "100% uptime" from then on); the next one will open the current quarter hour.
    const current = Math.floor(Date.now() / QUARTER_HOUR) * QUARTER_HOUR;
    await runCron(current - 5 * 60_000);
    await runCron(current - 4 * 60_000);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/components/${DATABASE}`);
    expect(await page.locator("h1").textContent()).toBe("Database");
    // With the script running, the bar's arrow keys are offered (the server leaves that hint hidden).
    expect(await page.locator("[data-js]").isVisible()).toBe(true);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    const day = page.locator('figure[data-range="24h"]');
    const charts = page.locator("svg.chart");
    expect(await charts.count()).toBe(2);
    for (const chart of await charts.all()) expect(await chart.isVisible()).toBe(true);
    const p50 = day.locator("path.p50");
    const before = await p50.getAttribute("d");
    expect(before).toMatch(/^M/);
    const rows = day.locator("tbody tr");
    expect(await rows.count()).toBe(96);
    expect(await rows.last().locator("td").first().textContent()).toBe("0");

    // The table of the same data opens from its summary.
    await day.locator("summary").click();
    expect(await day.locator("table.lat").isVisible()).toBe(true);
    expect(await rows.nth(94).locator("td").first().textContent()).toBe("2");

    // What each region saw: a line the live updates fill in and hide again (the platform's own checks are
    // probed from one place, so their next result hides it).
    const regions = page.locator("[data-regions]");
    expect(await regions.isHidden()).toBe(true);
    const seen = "Checked from 2 regions: western Europe operational (12 ms), eastern North America operational (15 ms).";
    await page.evaluate(
      ([id, regions]) => {
        const update = { id, points: {}, uptime: {}, regions };
        document.dispatchEvent(new CustomEvent("beacon:live", { detail: { type: "components.latency", data: { components: [update] } } }));
      },
      [DATABASE, seen],
    );
    expect(await regions.textContent()).toBe(seen);
    expect(await regions.isVisible()).toBe(true);

    // What the checks say, and when they last said it, beside the regions line.
    const checks = page.locator(".why li", { hasText: "Automatic checks say" });
    const checkedBefore = await checks.locator("time").getAttribute("datetime");
    await runCron(current + 1000);
    await expect.poll(() => rows.last().locator("td").first().textContent(), { timeout: 10_000 }).toBe("1");
    expect(await regions.isHidden()).toBe(true);
    const fresh = await browser.newPage();
    await fresh.goto(`${origin}/components/${DATABASE}`);
    const freshChecks = fresh.locator(".why li", { hasText: "Automatic checks say" });
    const checkedAfter = await freshChecks.locator("time").getAttribute("datetime");
    expect(checkedAfter).not.toBe(checkedBefore);
    await expect.poll(() => checks.locator("time").getAttribute("datetime")).toBe(checkedAfter);
    // Said as the server says it, the time in the reader's words and how long ago.
    const words = (line: typeof checks) => line.evaluate((li) => [...li.childNodes].map((n) => (n.nodeName === "TIME" ? "<time>" : n.textContent)).join(""));
    expect(await words(checks)).toBe(await words(freshChecks));
    expect(await checks.locator("time").textContent()).toMatch(/\(.*(now|second|minute)/);
    await fresh.close();
    await expect.poll(() => p50.getAttribute("d")).not.toBe(before);
    expect((await p50.getAttribute("d"))!.length).toBeGreaterThan(before!.length);
    expect(await rows.count()).toBe(96);
    // Today's row in the 90-day table counts the three results (only the last when midnight falls before it).
    const sameDay = Math.floor((current - 5 * 60_000) / DAY) === Math.floor((current + 1000) / DAY);
    expect(await page.locator('figure[data-range="90d"] tbody tr').last().locator("td").first().textContent()).toBe(sameDay ? "3" : "1");

    // The chart's summary (its caption, and its title for screen readers) says what the table now holds.
    await page.evaluate(
      ([id, start]) => {
        const point = { start, count: 3, p50_ms: 4321, p95_ms: 5000, min_ms: 4000, max_ms: 5000, shade: null };
        const update = { id, points: { "24h": [point] }, uptime: {}, regions: null };
        document.dispatchEvent(new CustomEvent("beacon:live", { detail: { type: "components.latency", data: { components: [update] } } }));
      },
      [DATABASE, current] as const,
    );
    expect(await day.locator("figcaption").textContent()).toMatch(/^Last 24 hours, by quarter hour: p50 from \d+ ms to 4\.32 s, p95 up to 5 s\.$/);
    expect(await day.locator("svg title").textContent()).toMatch(/: response times, Last 24 hours, by quarter hour: p50 from \d+ ms to 4\.32 s, p95 up to 5 s\.$/);

    // New check results are drawn in place: nothing here asks for a reload.
    expect(await page.locator("[data-watch]").isHidden()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws its own component's news again from the server's markup, without a reload, and ignores another's", async () => {
    // Offered in the page's subscribe form, until it is deleted.
    const spare = (await api("POST", "/api/status/components", { name: `Spare ${Date.now()}` })) as { id: string };
    const page = await browser.newPage();
    await page.goto(`${origin}/components/${DATABASE}`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const note = page.locator("[data-watch]");
    // The page's fetches of itself, which only its own news should cause.
    const redraws: string[] = [];
    page.on("request", (request) => {
      if (request.url() === `${origin}/components/${DATABASE}`) redraws.push(request.url());
    });
    // Another component's incident, opened and deleted: not on this page.
    const other = (await api("POST", "/api/status/incidents/create", { title: "Elsewhere", affected_components: [API], notify: false })) as { id: string };
    await page.locator("#announce").filter({ hasText: "New incident: Elsewhere" }).waitFor({ state: "attached" });
    await api("DELETE", `/api/status/incidents/${other.id}`);
    await new Promise((resume) => setTimeout(resume, 1500));
    expect(await note.isHidden()).toBe(true);
    expect(redraws).toEqual([]);
    // A component added is offered in its form, and one renamed is offered by its new name, as a reload offers them.
    const added = (await api("POST", "/api/status/components", { name: `Added ${Date.now()}` })) as { id: string };
    await page.locator(`[data-redraw="picker"] input[value="${added.id}"]`).waitFor();
    await api("PATCH", `/api/status/components/${spare.id}`, { name: `Spare renamed ${Date.now()}` });
    await expect.poll(() => page.locator(`[data-redraw="picker"] label:has(input[value="${spare.id}"])`).textContent()).toContain("Spare renamed");
    expect(await note.isHidden()).toBe(true);
    await api("DELETE", `/api/status/components/${added.id}`);
    // A component its form offers, deleted: the form is drawn again without it.
    const spareBox = page.locator(`[data-redraw="picker"] input[value="${spare.id}"]`);
    expect(await spareBox.count()).toBe(1);
    await api("DELETE", `/api/status/components/${spare.id}`);
    await spareBox.waitFor({ state: "detached" });
    expect(await note.isHidden()).toBe(true);
    // Its own: an incident about it, which joins its list of incidents and maintenance as a reload draws it.
    const own = (await api("POST", "/api/status/incidents/create", { title: "Here", affected_components: [DATABASE], notify: false })) as { id: string };
    const listed = page.locator(`[data-redraw="touched"] a[href="/incidents/${own.id}"]`);
    await listed.waitFor();
    expect(await listed.textContent()).toBe("Here");
    expect(await note.isHidden()).toBe(true);
    // Why it shows what it shows: said at once, and kept in step with the incident's updates, as the status above it is.
    const why = page.locator(`.why [data-incident="${own.id}"]`);
    await expect.poll(() => why.textContent()).toBe("Open incident: Here (investigating), which sets it to degraded performance.");
    expect(await why.locator("a").getAttribute("href")).toBe(`/incidents/${own.id}`);
    await api("POST", `/api/status/incidents/${own.id}/updates`, { message: "Worse", status: "identified", affected_components: [{ id: DATABASE, status: "major_outage" }], notify: false });
    await expect.poll(() => why.textContent()).toBe("Open incident: Here (identified), which sets it to major outage.");
    await api("PATCH", `/api/status/incidents/${own.id}`, { title: "Renamed here" });
    await expect.poll(() => why.textContent()).toBe("Open incident: Renamed here (identified), which sets it to major outage.");
    await api("POST", `/api/status/incidents/${own.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    await why.waitFor({ state: "hidden" });
    // One deleted while open says nothing any more either.
    const gone = (await api("POST", "/api/status/incidents/create", { title: "Mistake", affected_components: [DATABASE], notify: false })) as { id: string };
    const goneWhy = page.locator(`.why [data-incident="${gone.id}"]`);
    await expect.poll(() => goneWhy.textContent()).toBe("Open incident: Mistake (investigating), which sets it to degraded performance.");
    await api("DELETE", `/api/status/incidents/${gone.id}`);
    await goneWhy.waitFor({ state: "hidden" });
    await page.locator(`[data-redraw="touched"] a[href="/incidents/${gone.id}"]`).waitFor({ state: "detached" });
    // The resolved one's line says so, redrawn; a rename is drawn too, in the title and the tab's name.
    await expect.poll(() => page.locator(`[data-redraw="touched"] a[href="/incidents/${own.id}"] + .meta`).textContent()).toContain("resolved");
    await api("PATCH", `/api/status/components/${DATABASE}`, { name: "Primary database" });
    await expect.poll(() => page.locator("h1").textContent()).toBe("Primary database");
    expect(await page.title()).toContain("Primary database");
    await api("PATCH", `/api/status/components/${DATABASE}`, { description: "Where the data lives" });
    await expect.poll(() => page.locator('[data-redraw="title"] p').textContent()).toBe("Where the data lives");
    expect(await note.isHidden()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await api("PATCH", `/api/status/components/${DATABASE}`, { name: "Database", description: null });
    await page.close();
    // Being given a monitor adds charts the page does not draw live: that one asks for a reload. (File Storage
    // has no S3 credentials here: not monitored until an admin gives it a monitor.)
    const storage = await browser.newPage();
    await storage.goto(`${origin}/components/${STORAGE}`);
    await storage.locator('#live[data-state="live"]').waitFor();
    await api("PATCH", `/api/status/components/${STORAGE}`, { monitor: { type: "http", url: `${origin}/healthz` } });
    await expect.poll(() => storage.locator("[data-watch]").isVisible()).toBe(true);
    await api("PATCH", `/api/status/components/${STORAGE}`, { monitor: null });
    await storage.close();
  });

  it("draws its large bar as a fresh load does when a check result or its incident changes a day", async () => {
    // A monitor of an address that answers until its component is deleted: up, then down, with no other news.
    const target = (await api("POST", "/api/status/components", { name: `Target ${Date.now()}` })) as { id: string };
    const watched = (await api("POST", "/api/status/components", {
      name: `Watched ${Date.now()}`,
      monitor: { type: "http", url: `${origin}/api/status/components/${target.id}`, confirmations: 1, timeout_ms: 5000 },
    })) as { id: string };
    await api("POST", "/api/status/health-check");
    await api("DELETE", `/api/status/components/${target.id}`);
    await expect.poll(async () => (await fetch(`${origin}/api/status/components/${target.id}`)).status).toBe(404);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/components/${watched.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const drawn = (p: Page) => p.locator(".bar.big li").evaluateAll((cells) => cells.map((li) => `${li.className} ${li.getAttribute("aria-label")}`));
    const fresh = async () => {
      const other = await browser.newPage();
      await other.goto(`${origin}/components/${watched.id}`);
      const bar = await drawn(other);
      await other.close();
      return bar;
    };
    await api("POST", "/api/status/health-check");
    await expect.poll(() => page.locator(".now .st").textContent()).toBe("Major Outage");
    await expect.poll(async () => JSON.stringify(await drawn(page)) === JSON.stringify(await fresh())).toBe(true);
    // Its incident renamed: the days it touched name it anew.
    const incident = (await api("POST", "/api/status/incidents/create", { title: "Watched is down", severity: "critical", affected_components: [watched.id], notify: false })) as { id: string };
    await expect.poll(() => page.locator(".bar.big li:last-child").getAttribute("aria-label")).toMatch(/, incident: Watched is down$/);
    await api("PATCH", `/api/status/incidents/${incident.id}`, { title: "Watched was down" });
    await expect.poll(() => page.locator(".bar.big li:last-child").getAttribute("aria-label")).toMatch(/, incident: Watched was down$/);
    expect(await drawn(page)).toEqual(await fresh());
    // The bar keeps its keys after it is drawn again.
    await page.locator(".bar.big li").last().focus();
    await page.keyboard.press("ArrowLeft");
    expect(await page.locator(".bar.big li").nth(88).evaluate((cell) => cell === document.activeElement)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    await api("DELETE", `/api/status/incidents/${incident.id}`);
    await api("DELETE", `/api/status/components/${watched.id}`);
  });

  it("says its component was deleted, keeping what it showed, rather than offer a reload that finds nothing", async () => {
    const doomed = (await api("POST", "/api/status/components", { name: `Doomed ${Date.now()}` })) as { id: string };
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/components/${doomed.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    const requests: string[] = [];
    page.on("request", (request) => void requests.push(request.url()));
    await api("DELETE", `/api/status/components/${doomed.id}`);
    const note = page.locator("[data-watch]");
    await expect.poll(() => note.textContent()).toBe("This component was deleted.");
    expect(await note.isVisible()).toBe(true);
    // What it showed stays, its status and the live line with it.
    expect(await page.locator(".now .st").textContent()).toBe("Operational");
    expect(await page.locator("#live").getAttribute("data-state")).toBe("live");
    await new Promise((resume) => setTimeout(resume, 1500));
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps the charts' axis labels readable and on screen on a phone", async () => {
    // A check result, so that the page has its charts whichever test ran before.
    await runCron(Date.now());
    for (const width of [320, 375, 414, 480, 640]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`${origin}/components/${DATABASE}`);
      const labels = await page.locator("svg.chart text").evaluateAll(
        (texts, drawnWidth) =>
          texts.map((t) => {
            const box = t.getBoundingClientRect();
            return { text: t.textContent, left: box.left, right: box.right, size: parseFloat(getComputedStyle(t).fontSize) * (t.closest("svg")!.getBoundingClientRect().width / drawnWidth) };
          }),
        CHART.width,
      );
      expect(labels.length).toBe(12);
      for (const label of labels) {
        // The chart is drawn CHART.width units wide and scaled to the screen: its text with it.
        expect(label.size, `${label.text} at ${width} px`).toBeGreaterThanOrEqual(8);
        expect(label.left, `${label.text} at ${width} px`).toBeGreaterThanOrEqual(0);
        expect(label.right, `${label.text} at ${width} px`).toBeLessThanOrEqual(width);
      }
      await page.close();
    }
  });
});
