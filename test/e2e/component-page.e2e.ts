import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_startWorker } from "wrangler";
import { generateKeyPairPem } from "../../scripts/lib/session-token.mjs";

// A component's page as a person sees it: the real worker under wrangler, real cron runs recording real
// check results, and a browser that keeps the page open while a new result arrives.

const root = path.resolve(__dirname, "../..");
const DATABASE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002";
const QUARTER_HOUR = 15 * 60_000;
const quiet = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" });

const CHROMIUM = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"].find((p) => existsSync(p));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let persist: string;
let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
let browser: Browser;
let origin: string;

/** Fires the minute cron for a chosen scheduled time, as wrangler dev lets a local run do. */
async function runCron(at: number) {
  const res = await fetch(`${origin}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${at}`);
  if (!res.ok) throw new Error(`cron: ${res.status} ${await res.text()}`);
}

if (!CHROMIUM) console.warn("Skipping the component page browser test: Chromium is not installed (apt-get install -y chromium).");

beforeAll(async () => {
  if (!CHROMIUM) return;
  persist = mkdtempSync(path.join(tmpdir(), "beacon-e2e-component-"));
  execFileSync("npx", ["--no-install", "wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: root, env: quiet, stdio: "pipe" });
  const keys = await generateKeyPairPem();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  worker = await unstable_startWorker({
    config: path.join(root, "wrangler.toml"),
    envFiles: [],
    bindings: {
      CLERK_JWT_KEY: { type: "plain_text", value: keys.publicKeyPem },
      PAGE_URL: { type: "plain_text", value: origin },
      PAGE_NAME: { type: "plain_text", value: "Beacon E2E" },
    },
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist, logLevel: "warn", watch: false },
  });
  await worker.ready;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.dispose();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  return errors;
}

describe.skipIf(!CHROMIUM)("a component's page in a browser", () => {
  it("shows both charts and the table, and moves the chart when a new check result arrives", async () => {
    // A result in the previous quarter hour; the next one will open the current quarter hour.
    const current = Math.floor(Date.now() / QUARTER_HOUR) * QUARTER_HOUR;
    await runCron(current - 5 * 60_000);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/components/${DATABASE}`);
    expect(await page.locator("h1").textContent()).toBe("Database");
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
    expect(await rows.nth(94).locator("td").first().textContent()).toBe("1");

    await runCron(current + 1000);
    await expect.poll(() => rows.last().locator("td").first().textContent(), { timeout: 10_000 }).toBe("1");
    await expect.poll(() => p50.getAttribute("d")).not.toBe(before);
    expect((await p50.getAttribute("d"))!.length).toBeGreaterThan(before!.length);
    expect(await rows.count()).toBe(96);
    // Today's row in the 90-day table counts both results.
    expect(await page.locator('figure[data-range="90d"] tbody tr').last().locator("td").first().textContent()).toBe("2");

    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
