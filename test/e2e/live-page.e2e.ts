import { createHmac } from "node:crypto";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { CHROMIUM, startBeacon, watchErrors, type RunningBeacon } from "./support/beacon";
import { mintSessionToken } from "../../scripts/lib/session-token.mjs";

// The page as a person sees it: the real worker under wrangler (D1, the StatusHub, its socket), a real
// browser, and an admin working through the API while the page stays open.

const API = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001";
const STORAGE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003";
const SIGNING_SECRET = "live-page-e2e-signing-secret";

let beacon: RunningBeacon;
let browser: Browser;
let origin: string;
let privateKey: string;

async function adminCall(method: string, pathname: string, body: unknown) {
  const token = await mintSessionToken(privateKey, { azp: beacon.pageOrigin });
  const res = await fetch(origin + pathname, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// Observed time counts whole seconds, and a result stands for the time until the next one: checks paced a
// second and a half apart give every result a span that counts, however quickly this machine runs.
let checkedAt = 0;
async function checkNow() {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, checkedAt + 1500 - Date.now())));
  checkedAt = Date.now();
  await adminCall("POST", "/api/status/health-check", undefined);
}

/** What `read` finds on the front page as a reader who opens it now sees it. */
async function freshLoad<T>(read: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage();
  await page.goto(origin + "/");
  const found = await read(page);
  await page.close();
  return found;
}

// .ci/run installs Chromium; on a machine without it the browser test is skipped with a note, so that
// `npm test` still runs everything else.
if (!CHROMIUM) console.warn("Skipping the browser test: Chromium is not installed (apt-get install -y chromium).");

beforeAll(async () => {
  if (!CHROMIUM) return;
  beacon = await startBeacon({
    name: "live-page",
    // The page is opened on 127.0.0.1 while its configured address says localhost: it must still go live.
    pageUrl: (port) => `http://localhost:${port}`,
    // Subscriptions work (recorded in the dev outbox), with a secret the test can sign manage links with.
    vars: { LOCAL_DEV: "true", SIGNING_SECRET: SIGNING_SECRET },
  });
  ({ origin, browser, privateKey } = beacon);
}, 60_000);

afterAll(() => beacon?.stop());

describe.skipIf(!CHROMIUM)("the status page in a browser", () => {
  it("shows an incident an admin opens, its updates and its resolution, without a reload", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    const overall = page.locator("#overall");
    await expect.poll(() => overall.textContent()).toBe("All Systems Operational");
    await page.locator('#live[data-state="live"]').waitFor();
    // Survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    const incident = await adminCall("POST", "/api/status/incidents/create", {
      title: "Checkout <b>errors</b>",
      description: "Payments fail for some cards.",
      severity: "critical",
      affected_components: [API],
    });
    const card = page.locator(`[data-incident="${incident.id}"]`);
    await card.waitFor();
    // Its own page and the history, which messages do not describe in full, draw it again from the server's markup.
    const own = await browser.newPage();
    const history = await browser.newPage();
    const elsewhere = [watchErrors(own), watchErrors(history)];
    await own.goto(`${origin}/incidents/${incident.id}`);
    await history.goto(`${origin}/history`);
    for (const p of [own, history]) {
      await p.locator('#live[data-state="live"]').waitFor();
      await p.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    }
    expect(await card.locator("h3").textContent()).toBe("Checkout <b>errors</b>");
    await expect.poll(() => overall.textContent()).toBe("Major System Outage");
    expect(await page.locator(`[data-component="${API}"] .st`).textContent()).toBe("Major Outage");
    // Today's cell of the bar shows the outage too, and says it as a reload would: reported, and by which incident.
    const today = page.locator(`[data-component="${API}"] .bar li:last-child`);
    await expect.poll(() => today.getAttribute("class")).toBe("d-maj");
    await expect.poll(() => today.getAttribute("aria-label")).toMatch(/^[A-Z][a-z]{2} \d+: major outage reported in an incident; .+; incident: Checkout <b>errors<\/b>$/);
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toMatch(/favicon-major_outage\./);
    expect(await page.title()).toBe("Beacon E2E status");

    // A time the next message does not redraw, as the server wrote it: it is said again with every message, so
    // times drawn at different moments never disagree on how long ago they were.
    await page.evaluate(() => {
      const t = document.createElement("time");
      t.id = "probe-time";
      t.setAttribute("datetime", new Date(Date.now() - 150_000).toISOString());
      t.setAttribute("data-rel", "");
      t.textContent = "not yet said";
      document.querySelector("main")!.append(t);
    });
    await adminCall("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Rolling back **the deploy**.\n\n- step one <img src=x onerror=alert(1)>", status: "identified" });
    await expect.poll(() => card.locator(".timeline > li").count()).toBe(2);
    expect(await page.locator("#probe-time").textContent()).toMatch(/\(.*minute/);
    await page.evaluate(() => document.querySelector("#probe-time")!.remove());
    await expect.poll(() => own.locator(".timeline > li").count()).toBe(2);
    expect(await own.locator(".timeline > li").first().textContent()).toContain("Rolling back the deploy.");
    expect(await own.locator(".incident-page > .meta .sev").nth(1).textContent()).toBe("identified");
    await expect.poll(() => history.locator(`[data-line="${incident.id}"] .sev`).nth(1).textContent()).toBe("identified");
    await adminCall("PATCH", `/api/status/incidents/${incident.id}`, { title: "Checkout <b>errors</b> for cards" });
    await expect.poll(() => own.locator("h1").textContent()).toBe("Checkout <b>errors</b> for cards");
    expect(await own.title()).toContain("Checkout <b>errors</b> for cards");
    await expect.poll(() => history.locator(`[data-line="${incident.id}"] a`).textContent()).toBe("Checkout <b>errors</b> for cards");
    for (const p of [own, history]) {
      expect(await p.locator("[data-watch]").isHidden()).toBe(true);
      // The live line stays as it was, and the redrawn times are in the reader's zone (the server writes UTC).
      expect(await p.locator("#live").getAttribute("data-state")).toBe("live");
      const redrawn = p.locator('[data-redraw] time:not(#live time)');
      expect(await redrawn.count()).toBeGreaterThan(0);
      for (const text of await redrawn.allTextContents()) expect(text).not.toMatch(/UTC$/);
      expect(await p.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    }
    expect(elsewhere.flat()).toEqual([]);
    await own.close();
    await history.close();
    const added = card.locator(".timeline > li").first();
    expect(await added.textContent()).toContain("Rolling back the deploy.");
    // Drawn as a reload draws it: the Markdown subset rendered, and nothing of the HTML taken as markup.
    expect(await added.locator(".md strong").textContent()).toBe("the deploy");
    expect(await added.locator(".md li").textContent()).toBe("step one <img src=x onerror=alert(1)>");
    expect(await added.locator("img").count()).toBe(0);

    await adminCall("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A bad deploy.", resolution: "Rolled back." });
    await expect.poll(() => overall.textContent()).toBe("All Systems Operational");
    await card.waitFor({ state: "detached" });
    expect(await page.locator(`[data-component="${API}"] .st`).textContent()).toBe("Operational");
    // The day keeps the worst it saw, on the open page as on a fresh one.
    const another = await browser.newPage();
    await another.goto(origin + "/");
    const reloaded = await another.locator(`[data-component="${API}"] .bar li:last-child`).getAttribute("class");
    await another.close();
    expect([await today.getAttribute("class"), reloaded]).toEqual(["d-maj", "d-maj"]);
    expect(await page.locator("#active-incidents").isHidden()).toBe(true);
    expect(await page.locator("#resolved li").first().textContent()).toContain("Checkout <b>errors</b>");
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toMatch(/favicon-operational\./);

    // A cell drawn with an incident's status, made worse live, says the new one only.
    const worse = await adminCall("POST", "/api/status/incidents/create", { title: "Slow storage", severity: "major", affected_components: [STORAGE], notify: false });
    const drawn = await browser.newPage();
    await drawn.goto(origin + "/");
    await drawn.locator('#live[data-state="live"]').waitFor();
    const cell = drawn.locator(`[data-component="${STORAGE}"] .bar li:last-child`);
    expect(await cell.getAttribute("aria-label")).toMatch(/: partial outage reported in an incident; /);
    await adminCall("POST", `/api/status/incidents/${worse.id}/updates`, { message: "Down", status: "identified", affected_components: [{ id: STORAGE, status: "major_outage" }], notify: false });
    await expect.poll(() => drawn.locator(`[data-component="${STORAGE}"] .st`).textContent()).toBe("Major Outage");
    await expect.poll(() => cell.getAttribute("aria-label")).toMatch(/^[A-Z][a-z]{2} \d+: major outage reported in an incident; .+; incident: Slow storage$/);
    expect(await cell.getAttribute("aria-label")).not.toContain("partial outage");
    // Maintenance never colours a day the page has data for, live as on a reload: the cell keeps its colour.
    const AUTH = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005";
    const authCell = drawn.locator(`[data-component="${AUTH}"] .bar li:last-child`);
    const authDrawn = [await authCell.getAttribute("class"), await authCell.getAttribute("aria-label")];
    const soon = Date.now();
    const rotation = await adminCall("POST", "/api/status/maintenance", { title: "Key rotation", scheduled_start: new Date(soon - 1000).toISOString(), scheduled_end: new Date(soon + 3_600_000).toISOString(), affected_components: [AUTH], notify: false });
    await expect.poll(() => drawn.locator(`[data-component="${AUTH}"] .st`).textContent()).toBe("Under Maintenance");
    expect([await authCell.getAttribute("class"), await authCell.getAttribute("aria-label")]).toEqual(authDrawn);
    await adminCall("POST", `/api/status/maintenance/${rotation.id}/cancel`, undefined);

    // Past midnight the bars end with yesterday: news does not darken yesterday's cell, and the bars are drawn
    // again, ending with today.
    const DATABASE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002";
    await drawn.evaluate((id) => {
      document.querySelector("[data-day-ends]")!.setAttribute("data-day-ends", "0");
      document.querySelector(`[data-component="${id}"] .bar li:last-child`)!.setAttribute("data-yesterday", "");
    }, DATABASE);
    const late = await adminCall("POST", "/api/status/incidents/create", { title: "After midnight", severity: "critical", affected_components: [DATABASE], notify: false });
    await expect.poll(() => drawn.locator(`[data-component="${DATABASE}"] .st`).textContent()).toBe("Major Outage");
    expect(await drawn.locator("[data-yesterday]").evaluateAll((cells) => cells.map((c) => c.className))).not.toContain("d-maj");
    await expect.poll(async () => Number(await drawn.locator("[data-day-ends]").getAttribute("data-day-ends"))).toBeGreaterThan(Date.now());
    expect(await drawn.locator("[data-yesterday]").count()).toBe(0);
    expect(await drawn.locator(`[data-component="${DATABASE}"] .bar li:last-child`).getAttribute("class")).toBe("d-maj");
    await adminCall("POST", `/api/status/incidents/${late.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });
    await drawn.close();
    await adminCall("POST", `/api/status/incidents/${worse.id}/resolve`, { root_cause: "a", resolution: "b", notify: false });

    // A renamed component is drawn again from the server's markup: its row, and its box in the form, ticked as
    // it was.
    // An open incident about it, on this page and on its own, names it anew too.
    const naming = await adminCall("POST", "/api/status/incidents/create", { title: "Names the API", severity: "minor", affected_components: [API], notify: false });
    const namingCard = page.locator(`[data-incident="${naming.id}"] .affected`);
    await expect.poll(() => namingCard.textContent()).toBe("Affects: API");
    const namingPage = await browser.newPage();
    await namingPage.goto(`${origin}/incidents/${naming.id}`);
    await namingPage.locator('#live[data-state="live"]').waitFor();
    const box = page.locator(`form.sub input[name=components][value="${API}"]`);
    const also = page.locator("form.sub input[name=component_changes]");
    await box.check();
    await also.check();
    await box.focus();
    await adminCall("PATCH", `/api/status/components/${API}`, { name: "Public API" });
    await expect.poll(() => page.locator(`[data-component="${API}"] .comp-name a`).textContent()).toBe("Public API");
    await expect.poll(() => page.locator(`form.sub label:has(input[value="${API}"])`).textContent()).toContain("Public API");
    await expect.poll(() => namingCard.textContent()).toBe("Affects: Public API");
    await expect.poll(() => namingPage.locator(`.comps a[href="/components/${API}"]`).textContent()).toBe("Public API");
    await namingPage.close();
    expect(await box.isChecked()).toBe(true);
    expect(await also.isChecked()).toBe(true);
    // The reader's focus stays where it was, on the box's fresh copy.
    expect(await page.evaluate((id) => (document.activeElement as HTMLInputElement).value === id && document.activeElement!.isConnected, API)).toBe(true);
    expect(await page.locator("#reload-note").isHidden()).toBe(true);
    await adminCall("PATCH", `/api/status/components/${API}`, { name: "API" });
    await expect.poll(() => page.locator(`[data-component="${API}"] .comp-name a`).textContent()).toBe("API");
    await box.uncheck();
    await also.uncheck();
    await adminCall("POST", `/api/status/incidents/${naming.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });

    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // A bar is one tab stop; the arrow keys walk its days, and the focused day shows its tooltip.
    const bar = page.locator(`[data-component="${API}"] .bar`);
    expect(await bar.locator('li[tabindex="0"]').count()).toBe(1);
    await bar.locator("li").last().focus();
    await page.keyboard.press("ArrowLeft");
    const focused = await page.evaluate(() => {
      const cell = document.activeElement!;
      return { label: cell.getAttribute("aria-label"), tip: getComputedStyle(cell, "::after").content, stops: cell.parentElement!.querySelectorAll('[tabindex="0"]').length };
    });
    expect(focused.label).toMatch(/^[A-Z][a-z]{2} \d{1,2}: no data$/);
    expect(focused.tip).toBe(JSON.stringify(focused.label));
    expect(focused.stops).toBe(1);
    // Maintenance appears as it is planned and goes when it is cancelled.
    const start = Date.now() + 86_400_000;
    const window = await adminCall("POST", "/api/status/maintenance", {
      title: "Database upgrade",
      description: "Flush **all** caches <img src=x onerror=alert(1)>",
      scheduled_start: start,
      scheduled_end: start + 3_600_000,
      components: [API],
    });
    const planned = page.locator(`[data-maintenance="${window.id}"]`);
    await planned.waitFor();
    expect(await planned.locator("h3").textContent()).toBe("Database upgrade");
    // Its description drawn as the server draws it, live and on a fresh load (whose snapshot redraws the card).
    const described = (card: typeof planned) =>
      card.evaluate((article) => ({
        strong: article.querySelector(".md strong")?.textContent ?? null,
        text: article.querySelector(".md")?.textContent ?? article.lastElementChild!.textContent,
        images: article.querySelectorAll("img").length,
      }));
    const rendered = { strong: "all", text: "Flush all caches <img src=x onerror=alert(1)>", images: 0 };
    expect(await described(planned)).toEqual(rendered);
    const fresh = await browser.newPage();
    await fresh.addInitScript(() => document.addEventListener("beacon:live", (e) => {
      if ((e as CustomEvent<{ type: string }>).detail.type === "snapshot") (window as unknown as { drawn: boolean }).drawn = true;
    }));
    await fresh.goto(origin + "/");
    await fresh.waitForFunction(() => (window as unknown as { drawn?: boolean }).drawn === true);
    expect(await described(fresh.locator(`[data-maintenance="${window.id}"]`))).toEqual(rendered);
    await fresh.close();
    // Its own page follows it too.
    const itsPage = await browser.newPage();
    await itsPage.goto(`${origin}/maintenance/${window.id}`);
    await itsPage.locator('#live[data-state="live"]').waitFor();
    await itsPage.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const state = itsPage.locator("main .meta").first();
    expect(await state.textContent()).toMatch(/^Scheduled · planned/);
    await adminCall("POST", `/api/status/maintenance/${window.id}/cancel`, {});
    await planned.waitFor({ state: "detached" });
    await expect.poll(() => state.textContent()).toMatch(/^Cancelled · planned/);
    expect(await itsPage.locator("[data-watch]").isHidden()).toBe(true);
    expect(await itsPage.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await itsPage.close();
    expect(await page.locator("#maintenance").isHidden()).toBe(true);

    // Times are rewritten in the reader's zone, with how long ago.
    expect(await page.locator("#live time").textContent()).toMatch(/\(.*(now|second|minute)/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("goes live on a host name other than PAGE_URL's, and drops a deleted incident without a reload", async () => {
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // Six resolved incidents: the page lists the newest five.
    const resolved: { id: string }[] = [];
    for (let n = 1; n <= 6; n++) {
      const made = await adminCall("POST", "/api/status/incidents/create", { title: `Resolved ${n}`, severity: "minor", affected_components: [], notify: false });
      await adminCall("POST", `/api/status/incidents/${made.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
      resolved.push(made);
    }
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Posted by mistake", severity: "major", affected_components: [], notify: false });
    const card = page.locator(`[data-incident="${incident.id}"]`);
    await card.waitFor();
    // Its own page, open meanwhile, says it is gone rather than offer a reload that finds nothing.
    const own = await browser.newPage();
    await own.goto(`${origin}/incidents/${incident.id}`);
    await own.locator('#live[data-state="live"]').waitFor();
    await adminCall("DELETE", `/api/status/incidents/${incident.id}`, undefined);
    await card.waitFor({ state: "detached" });
    expect(await page.locator("#active-incidents").isHidden()).toBe(true);
    await expect.poll(() => own.locator("[data-watch]").textContent()).toBe("This incident was deleted.");
    expect(await own.locator("[data-watch]").isVisible()).toBe(true);
    await own.close();
    // A recently resolved one deleted leaves its place to the next, as a reload would list them.
    const lines = page.locator("#resolved li a");
    expect(await lines.allTextContents()).toEqual(["Resolved 6", "Resolved 5", "Resolved 4", "Resolved 3", "Resolved 2"]);
    await adminCall("DELETE", `/api/status/incidents/${resolved[5]!.id}`, undefined);
    await expect.poll(() => lines.allTextContents()).toEqual(["Resolved 5", "Resolved 4", "Resolved 3", "Resolved 2", "Resolved 1"]);
    // One listed there edited reads as a reload draws it: renamed, and moved after the others it started before.
    await adminCall("PATCH", `/api/status/incidents/${resolved[4]!.id}`, { title: "Resolved 5, renamed" });
    await expect.poll(() => lines.allTextContents()).toEqual(["Resolved 5, renamed", "Resolved 4", "Resolved 3", "Resolved 2", "Resolved 1"]);
    // Started a month back, it leaves its place to the next one resolved (the earlier tests' incidents), or
    // stays last when there is none.
    await adminCall("PATCH", `/api/status/incidents/${resolved[4]!.id}`, { started_at: new Date(Date.now() - 30 * 86_400_000).toISOString() });
    const reloaded = await browser.newPage();
    await reloaded.goto(origin + "/");
    const listed = await reloaded.locator("#resolved li a").allTextContents();
    await reloaded.close();
    expect(listed.slice(0, 4)).toEqual(["Resolved 4", "Resolved 3", "Resolved 2", "Resolved 1"]);
    await expect.poll(() => lines.allTextContents()).toEqual(listed);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws what changed before its socket first connected, from the server's markup", async () => {
    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Missed while connecting", severity: "minor", affected_components: [], notify: false });
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // The socket cannot open until the test lets it.
    await page.addInitScript(() => {
      const w = window as unknown as { blocked: boolean };
      const Native = window.WebSocket;
      w.blocked = true;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          if (w.blocked) throw new Error("offline");
          super(url, protocols);
        }
      };
    });
    await page.goto(`${origin}/incidents/${incident.id}`);
    await page.locator('#live[data-state="reconnecting"]').waitFor();
    await adminCall("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified", notify: false });
    await page.evaluate(() => Object.assign(window, { stayed: true, blocked: false }));
    await expect.poll(() => page.locator(".timeline > li").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator(".timeline > li").first().textContent()).toContain("Found it");
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    await adminCall("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
  });

  it("asks again for the page it draws from when the server is briefly unavailable, rather than tell the reader to reload", async () => {
    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Briefly unavailable", severity: "minor", affected_components: [], notify: false });
    const page = await browser.newPage();
    const errors = watchErrors(page, /503|429|Failed to load resource/);
    await page.goto(`${origin}/incidents/${incident.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    // The page's own requests for its fresh copy: refused twice (busy, then unavailable), then let through.
    const refusals = [429, 503];
    await page.route(`${origin}/incidents/${incident.id}`, (route) =>
      route.request().resourceType() === "fetch" && refusals.length
        ? route.fulfill({ status: refusals.shift()!, headers: { "retry-after": "1" }, body: "" })
        : route.continue(),
    );
    await adminCall("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified", notify: false });
    await expect.poll(() => page.locator(".timeline > li").count(), { timeout: 15_000 }).toBe(2);
    expect(refusals).toEqual([]);
    expect(await page.locator("[data-watch]").isHidden()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    await adminCall("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
  });

  it("draws a bar and the figures beside it as a fresh load does when a check result or an incident changes a day", async () => {
    // A monitor of an address that answers until its component is deleted: up, then down, with no other news.
    const target = await adminCall("POST", "/api/status/components", { name: `Target ${Date.now()}` });
    const watched = await adminCall("POST", "/api/status/components", {
      name: `Watched ${Date.now()}`,
      monitor: { type: "http", url: `${origin}/api/status/components/${target.id}`, confirmations: 1, timeout_ms: 5000 },
    });
    // Removed however the test ends, so that the tests after it start from an operational page.
    let incidentId: string | undefined;
    onTestFinished(async () => {
      if (incidentId) await adminCall("DELETE", `/api/status/incidents/${incidentId}`, undefined).catch(() => {});
      await adminCall("DELETE", `/api/status/components/${watched.id}`, undefined).catch(() => {});
    });
    await checkNow();
    await adminCall("DELETE", `/api/status/components/${target.id}`, undefined);
    await expect.poll(async () => (await fetch(`${origin}/api/status/components/${target.id}`)).status).toBe(404);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const row = `[data-component="${watched.id}"]`;
    const drawn = (p: Page) => p.locator(row).evaluate((r) => [...r.querySelectorAll(".bar li")].map((li) => `${li.className} ${li.getAttribute("aria-label")}`).concat(r.querySelector(".bar-foot")!.textContent!));
    const fresh = () => freshLoad(drawn);
    // Failing checks: the day and the figures read as they do on a fresh load, and so does the incident opened about it.
    for (let n = 0; n < 2; n++) {
      await checkNow();
      await expect.poll(() => page.locator(`${row} .st`).textContent()).toBe("Major Outage");
      await expect.poll(async () => JSON.stringify(await drawn(page)) === JSON.stringify(await fresh())).toBe(true);
    }
    expect((await drawn(page)).at(-1)).toContain("% uptime");
    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Watched is down", severity: "critical", started_at: new Date(Date.now() - 2 * 86_400_000).toISOString(), affected_components: [watched.id], notify: false });
    incidentId = incident.id;
    await expect.poll(() => page.locator(`${row} .bar li:nth-last-child(3)`).getAttribute("aria-label")).toMatch(/; incident: Watched is down$/);
    expect(await drawn(page)).toEqual(await fresh());
    await adminCall("PATCH", `/api/status/incidents/${incident.id}`, { title: "Watched was down" });
    await expect.poll(() => page.locator(`${row} .bar li:last-child`).getAttribute("aria-label")).toMatch(/; incident: Watched was down$/);
    expect(await drawn(page)).toEqual(await fresh());
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("takes an incident the checks reopen out of Recently resolved, as a reload would", async () => {
    // A monitor that looks for a word in another component's name: renaming that component fails or passes it.
    const target = await adminCall("POST", "/api/status/components", { name: "Answer up" });
    const watched = await adminCall("POST", "/api/status/components", {
      name: `Flapping ${Date.now()}`,
      monitor: { type: "http", url: `${origin}/api/status/components/${target.id}`, keyword: "Answer up", confirmations: 1, timeout_ms: 5000 },
      auto_incidents: { open_after_seconds: 0, resolve_after_seconds: 0, reopen_within_seconds: 600 },
    });
    onTestFinished(async () => {
      const { incidents } = await (await fetch(`${origin}/api/status/incidents?days=1`)).json() as { incidents: { id: string; title: string }[] };
      for (const i of incidents.filter((i) => i.title.includes(watched.name))) await adminCall("DELETE", `/api/status/incidents/${i.id}`, undefined).catch(() => {});
      for (const id of [watched.id, target.id]) await adminCall("DELETE", `/api/status/components/${id}`, undefined).catch(() => {});
    });
    const answer = async (name: string) => {
      await adminCall("PATCH", `/api/status/components/${target.id}`, { name });
      await expect.poll(async () => (await (await fetch(`${origin}/api/status/components/${target.id}`)).json()).component.name).toBe(name);
      await checkNow();
    };
    await checkNow();
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const lines = async (p: Page) => p.locator("#resolved li a").allTextContents();
    const fresh = () => freshLoad(lines);
    // Down: the checks open an incident; up: they resolve it, and it is listed as recently resolved.
    await answer("Answer down");
    const card = page.locator("#active-incidents [data-incident]").filter({ hasText: watched.name });
    await card.waitFor();
    const id = await card.getAttribute("data-incident");
    await answer("Answer up");
    await card.waitFor({ state: "detached" });
    const line = page.locator(`#resolved [data-line="${id}"]`);
    await line.waitFor();
    // Down again within the reopen window: the same incident is open again, and no longer listed as resolved.
    await answer("Answer down again");
    await page.locator(`#active-incidents [data-incident="${id}"]`).waitFor();
    await line.waitFor({ state: "detached" });
    await expect.poll(async () => JSON.stringify(await lines(page)) === JSON.stringify(await fresh())).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("tags a component as awaiting its first check when a monitor is added, and drops the tag when it reports", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    // File Storage has no S3 credentials here: not monitored until an admin gives it a monitor.
    const tags = page.locator(`[data-component="${STORAGE}"] .comp-name .tag`);
    await expect.poll(() => tags.allTextContents()).toEqual(["not monitored"]);

    await adminCall("PATCH", `/api/status/components/${STORAGE}`, { monitor: { type: "http", url: `${origin}/healthz`, confirmations: 1 } });
    await expect.poll(() => tags.allTextContents()).toEqual(["awaiting first check"]);
    await adminCall("POST", "/api/status/health-check", undefined);
    await expect.poll(() => tags.allTextContents()).toEqual([]);

    await adminCall("PATCH", `/api/status/components/${STORAGE}`, { monitor: null });
    await expect.poll(() => tags.allTextContents()).toEqual(["not monitored"]);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says Reconnecting when the socket drops, then catches up on what changed meanwhile", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // Keeps a handle on the page's sockets so the test can drop them, and can hold off reconnection.
    await page.addInitScript(() => {
      const w = window as unknown as { sockets: WebSocket[]; urls: string[]; blocked: boolean };
      const Native = window.WebSocket;
      w.sockets = [];
      w.urls = [];
      w.blocked = false;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          if (w.blocked) throw new Error("offline");
          super(url, protocols);
          w.sockets.push(this);
          w.urls.push(String(url));
        }
      };
    });
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { sockets: WebSocket[]; blocked: boolean };
      w.blocked = true;
      for (const s of w.sockets) s.close();
    });
    await page.locator('#live[data-state="reconnecting"]').waitFor();
    expect(await page.locator("#live").textContent()).toContain("Reconnecting");

    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Search is slow", severity: "minor", affected_components: [API] });
    await page.evaluate(() => ((window as unknown as { blocked: boolean }).blocked = false));
    const card = page.locator(`[data-incident="${incident.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator("#overall").textContent()).toBe("Degraded Performance");
    await page.locator('#live[data-state="live"]').waitFor();
    const urls = await page.evaluate(() => (window as unknown as { urls: string[] }).urls);
    expect(urls.at(-1)).toMatch(/\/api\/status\/live\?since=\d+$/);

    await adminCall("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Cold cache.", resolution: "Warmed it." });
    await card.waitFor({ state: "detached" });
    expect(errors).toEqual([]);
    await page.close();
  });
  it("fits a 375 px phone with 60-character words in names, titles, descriptions and links", async () => {
    const word = "Supercalifragilisticexpialidociousnotificationdispatcherserv";
    expect(word).toHaveLength(60);
    const component = await adminCall("POST", "/api/status/components", { name: word, description: `Sends https://example.com/${word}/${word}` });
    const incident = await adminCall("POST", "/api/status/incidents/create", {
      title: `Slow ${word} for long payloads`,
      description: `The token ${word}${word} at https://example.com/${word}?q=${word}`,
      severity: "major",
      affected_components: [{ id: component.id, status: "partial_outage" }],
      notify: false,
    });
    // A subscriber's manage page lists every component by name.
    const signUp = await fetch(`${origin}/api/status/subscriptions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "narrow@example.com" }),
    });
    expect(signUp.status).toBe(202);
    let subscriberId = "";
    await expect
      .poll(async () => {
        const listed = await adminCall("GET", "/api/status/notifications", undefined);
        subscriberId = listed.subscribers.find((s: { address: string }) => s.address === "narrow@example.com")?.id ?? "";
        return subscriberId;
      })
      .not.toBe("");
    const manageToken = `${subscriberId}.${createHmac("sha256", SIGNING_SECRET).update(`manage:${subscriberId}`).digest("base64url").slice(0, 32)}`;

    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    for (const path of ["/", "/history", `/incidents/${incident.id}`, `/components/${component.id}`, `/api/status/subscriptions/manage?token=${manageToken}`]) {
      const res = await page.goto(origin + path);
      expect(res!.status(), path).toBe(200);
      expect(await page.content(), path).toContain(word);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
    }
    // The API reference too, whose parameter tables show each schema as unbroken JSON.
    await page.goto(origin + "/api/docs");
    expect(await page.evaluate(() => document.documentElement.scrollWidth), "/api/docs").toBeLessThanOrEqual(375);
    await page.goto(origin + "/");
    // On a phone the bar draws 30 days: Home goes to the oldest drawn one, while the other 60 stay in the
    // list for screen readers.
    const bar = page.locator(`[data-component="${component.id}"] .bar`);
    await bar.locator("li").last().focus();
    await page.keyboard.press("Home");
    expect(await page.evaluate(() => [...document.activeElement!.parentElement!.children].indexOf(document.activeElement!))).toBe(60);
    expect(await bar.locator("li").nth(0).evaluate((li) => li.getBoundingClientRect().width)).toBeLessThanOrEqual(1);
    // The subscribe form puts its label above the address field, which keeps the width of the screen.
    const field = await page.evaluate(() => {
      const label = document.querySelector("form.sub [data-channel=email]>span")!.getBoundingClientRect();
      const input = document.querySelector("form.sub input[name=email]")!.getBoundingClientRect();
      return { below: input.top >= label.bottom, width: input.width };
    });
    expect(field.below).toBe(true);
    expect(field.width).toBeGreaterThan(250);
    // The banner's incident titles stay inside the banner.
    const inside = await page.evaluate(() => {
      const banner = document.querySelector("#banner")!.getBoundingClientRect();
      return [...document.querySelectorAll("#banner a")].every((a) => [...a.getClientRects()].every((r) => r.left >= banner.left && r.right <= banner.right));
    });
    expect(inside).toBe(true);
    await page.close();
    await adminCall("DELETE", `/api/status/incidents/${incident.id}`, undefined);
  });
  it("keeps the label of every day a phone shows inside its screen", async () => {
    const component = await adminCall("POST", "/api/status/components", { name: `Labelled ${Date.now()}` });
    // Every day a phone shows names the incident: labels as long as they come.
    const incident = await adminCall("POST", "/api/status/incidents/create", {
      title: "Payments from some European cards are declined at checkout while the card network recovers",
      severity: "major",
      started_at: new Date(Date.now() - 29 * 86_400_000).toISOString(),
      affected_components: [component.id],
      notify: false,
    });
    for (const [width, path, bar] of [[375, "/", `[data-component="${component.id}"] .bar`], [414, "/", `[data-component="${component.id}"] .bar`], [375, `/components/${component.id}`, ".bar.big"]] as const) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(origin + path);
      const outside = await page.locator(bar).evaluate((bar) =>
        [...bar.children].slice(60).flatMap((cell, n) => {
          (cell as HTMLElement).focus();
          const tip = getComputedStyle(cell, "::after");
          const shift = new DOMMatrix(tip.transform === "none" ? undefined : tip.transform).m41;
          const left = cell.getBoundingClientRect().left + parseFloat(tip.left) + shift;
          const right = left + parseFloat(tip.width) + parseFloat(tip.paddingLeft) + parseFloat(tip.paddingRight);
          return tip.content.length > 60 && left >= 0 && right <= innerWidth && document.documentElement.scrollWidth <= innerWidth ? [] : [{ day: 61 + n, left, right }];
        }),
      );
      expect(outside, `${path} at ${width} px`).toEqual([]);
      await page.close();
    }
    await adminCall("DELETE", `/api/status/incidents/${incident.id}`, undefined);
    await adminCall("DELETE", `/api/status/components/${component.id}`, undefined);
  });

  it("keeps following the socket past a message it cannot draw, drawing the page again from the server instead", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    const asked: string[] = [];
    let socket: WebSocketRoute | undefined;
    await page.routeWebSocket(/\/api\/status\/live/, (ws) => {
      socket = ws;
      ws.onMessage((message) => asked.push(String(message)));
    });
    let refetched = 0;
    page.on("request", (req) => {
      if (req.resourceType() === "fetch" && new URL(req.url()).pathname === "/") refetched++;
    });
    await page.goto(origin + "/");
    await expect.poll(() => socket !== undefined).toBe(true);
    const version = Number(await page.locator("#live").getAttribute("data-version"));
    const send = (message: object) => socket!.send(JSON.stringify({ version, at: Date.now(), ...message }));
    send({ type: "snapshot", seq: 1 });
    // Its data missing, this one cannot be drawn; the next follows it in sequence.
    send({ type: "components.days", seq: 2 });
    send({ type: "components.days", seq: 3, data: { ids: [] } });
    await expect.poll(() => refetched).toBeGreaterThan(0);
    // Nothing was missed, so nothing is asked for again (a page stuck before the message asked on every one).
    expect(asked.filter((message) => message.includes("resume"))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says what to do when a chosen component was deleted meanwhile, or texts do not reach the country", async () => {
    const doomed = await adminCall("POST", "/api/status/components", { name: `Doomed ${Date.now()}` });
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of 400/);
    // A page that has not heard of the deletion (a live one draws its form again without the component).
    await page.routeWebSocket(/\/api\/status\/live/, () => {});
    await page.goto(origin + "/");
    const form = page.locator("form.sub");
    const notice = form.locator(".notice");
    const box = form.locator(`input[name=components][value="${doomed.id}"]`);
    await adminCall("DELETE", `/api/status/components/${doomed.id}`, undefined);
    await box.check();
    await form.locator("input[name=email]").fill(`gone-${Date.now()}@example.com`);
    await form.locator("button[type=submit]").click();
    await expect.poll(() => notice.textContent()).toBe("A chosen component no longer exists; reload the page to see the current ones.");
    // About no field the form has one input for: said in the form's notice, no field marked.
    expect(await form.locator("[aria-invalid]").count()).toBe(0);
    await box.uncheck();
    await form.locator("input[value=phone]").check();
    const phone = form.locator("input[name=phone]");
    await phone.fill("+447700900123");
    await form.locator("button[type=submit]").click();
    // About the number: said beside its field.
    await expect.poll(() => phone.getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator(`#${await phone.getAttribute("aria-describedby")}`).textContent()).toBe("SMS goes only to country codes +1 (the United States and Canada).");
    expect(await notice.textContent()).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("offers a webhook's owner the field to paste the challenge, as the page without scripts does", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of 400/);
    await page.goto(origin + "/");
    const form = page.locator("form.sub");
    const notice = form.locator(".notice");
    await form.locator("input[value=webhook]").check();
    await form.locator("input[name=webhook]").fill(`https://hooks.example.invalid/beacon-${Date.now()}`); // never resolves: the ping goes nowhere
    await form.locator("button[type=submit]").click();
    await expect.poll(() => notice.textContent()).toMatch(/^If this endpoint can be subscribed, it will receive a signed subscription\.ping\./);
    const challenge = page.getByLabel("Challenge from the subscription.ping");
    const confirm = page.locator("button", { hasText: "Confirm" });
    // Refused, the challenge is said beside its field, as the texted code is.
    const said = () => page.locator("#sub-code-error").textContent();
    await challenge.fill("not a challenge!");
    await confirm.click();
    await expect.poll(said).toBe("Paste the challenge from the subscription.ping your endpoint received.");
    expect(await challenge.getAttribute("aria-describedby")).toBe("sub-code-error");
    await challenge.fill("abc123");
    await challenge.press("Enter");
    await expect.poll(said).toBe("The code is wrong or expired. Subscribe the endpoint again for a new ping.");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sends the picked channel whatever another holds, with one code box for the latest sign-up", async () => {
    // A client of its own: the sign-ups of the other tests here count against 127.0.0.1's limit.
    const page = await browser.newPage({ extraHTTPHeaders: { "cf-connecting-ip": "198.51.100.41" } });
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    const form = page.locator("form.sub");
    const notice = form.locator(".notice");
    // A mistyped email, then texts picked instead: the hidden email field does not block the sign-up.
    await form.locator("input[name=email]").fill("not-an-email");
    await form.locator("input[value=phone]").check();
    await form.locator("input[name=phone]").fill("+14155550141");
    await form.locator("button[type=submit]").click();
    await expect.poll(() => notice.textContent()).toMatch(/we have texted it a 6-digit code/);
    // Another number, then an endpoint: each time one code box, for the latest sign-up.
    await form.locator("input[name=phone]").fill("+14155550142");
    await form.locator("button[type=submit]").click();
    await expect.poll(() => page.locator("form.code").count()).toBe(1);
    await form.locator("input[value=webhook]").check();
    await form.locator("input[name=webhook]").fill("https://hooks.example.com/one-box");
    await form.locator("button[type=submit]").click();
    await expect.poll(() => notice.textContent()).toMatch(/subscription\.ping/);
    expect(await page.locator("form.code").count()).toBe(1);
    expect(await page.locator("form.code:visible").textContent()).toContain("Challenge");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("tells screen readers what changed, once, and keeps bold text as written and day labels on screen on a phone", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    // Count every rewrite of the banner's words (a live region: each rewrite is read out).
    await page.evaluate(() => {
      (window as unknown as { rewrites: number }).rewrites = 0;
      new MutationObserver(() => (window as unknown as { rewrites: number }).rewrites++).observe(document.querySelector("#overall")!, { childList: true, characterData: true, subtree: true });
    });
    const incident = await adminCall("POST", "/api/status/incidents/create", { title: "Announced slowness", description: "Some **requests** fail", severity: "minor", affected_components: [], notify: false });
    await expect.poll(() => page.locator("#announce").textContent()).toBe("New incident: Announced slowness");
    const rewrites = await page.evaluate(() => (window as unknown as { rewrites: number }).rewrites);
    await adminCall("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Still on it", status: "identified", notify: false });
    await expect.poll(() => page.locator("#announce").textContent()).toBe("Update on Announced slowness: identified");
    // The overall status did not change with the update: its words were not written again.
    expect(await page.evaluate(() => (window as unknown as { rewrites: number }).rewrites)).toBe(rewrites);
    // The status icons are drawn, not read: the banner's heading is named by its words alone.
    const words = (await page.locator("#overall").textContent())!;
    expect(await page.getByRole("heading", { level: 1, name: words, exact: true }).count()).toBe(1);
    // Bold in a message stays as written; the update's status word is capitalised by design.
    const bold = page.locator(`[data-incident="${incident.id}"] .md strong`).first();
    expect(await bold.evaluate((b) => getComputedStyle(b).textTransform)).toBe("none");
    // The first day a phone shows opens its label to the right, inside the screen.
    const first = page.locator(".bar").first().locator("li").nth(60);
    await first.focus();
    const box = await first.evaluate((li) => {
      const after = getComputedStyle(li, "::after");
      return { left: after.left, transform: after.transform };
    });
    expect(box).toEqual({ left: "0px", transform: "none" });
    // Edits are not news: an update's text corrected, the start moved, a postmortem published say nothing,
    // though the page draws them.
    type Heard = { type: string; data: { incident: { started_at: number; postmortem_published_at: number | null } } };
    const heard = (what: "moved" | "written up") =>
      page.waitForFunction(
        (w) =>
          (window as unknown as { heard: Heard[] }).heard.some(
            (m) => m.type === "incident.updated" && (w === "moved" ? Date.now() - m.data.incident.started_at > 3_000_000 : m.data.incident.postmortem_published_at !== null),
          ),
        what,
      );
    await page.evaluate(() => {
      const w = window as unknown as { heard: unknown[] };
      w.heard = [];
      document.addEventListener("beacon:live", (e) => w.heard.push((e as CustomEvent).detail));
    });
    await page.evaluate(() => (document.querySelector("#announce")!.textContent = ""));
    const [update] = (await adminCall("GET", `/api/status/incidents/${incident.id}`, undefined)).updates;
    await adminCall("PATCH", `/api/status/incidents/${incident.id}/updates/${update.id}`, { message: "Still on it, with the database team" });
    await expect.poll(() => page.locator(`[data-incident="${incident.id}"] .timeline`).textContent()).toContain("with the database team");
    await adminCall("PATCH", `/api/status/incidents/${incident.id}`, { started_at: new Date(Date.now() - 3_600_000).toISOString() });
    await heard("moved");
    expect(await page.locator("#announce").textContent()).toBe("");
    await adminCall("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    await expect.poll(() => page.locator("#announce").textContent()).toBe("Resolved: Announced slowness");
    await adminCall("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "What happened" });
    await heard("written up");
    expect(await page.locator("#announce").textContent()).toBe("Resolved: Announced slowness");
    await page.close();
  });

  it("puts what arrives live where a reload would: incidents by start, newest first, windows soonest first", async () => {
    const page = await browser.newPage();
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    const now = Date.now();
    const recent = await adminCall("POST", "/api/status/incidents/create", { title: "Started just now", affected_components: [], notify: false });
    await page.locator(`[data-incident="${recent.id}"]`).waitFor();
    const backdated = await adminCall("POST", "/api/status/incidents/create", { title: "Started two hours ago", started_at: new Date(now - 7_200_000).toISOString(), affected_components: [], notify: false });
    await page.locator(`[data-incident="${backdated.id}"]`).waitFor();
    const running = await adminCall("POST", "/api/status/maintenance", { title: "Running window", scheduled_start: new Date(now - 60_000).toISOString(), scheduled_end: new Date(now + 3_600_000).toISOString(), notify: false });
    await page.locator(`[data-maintenance="${running.id}"]`).waitFor();
    const later = await adminCall("POST", "/api/status/maintenance", { title: "Later window", scheduled_start: new Date(now + 86_400_000).toISOString(), scheduled_end: new Date(now + 90_000_000).toISOString(), notify: false });
    await page.locator(`[data-maintenance="${later.id}"]`).waitFor();
    // Planned for later still, but started now: it is under way, so it goes before the window of tomorrow.
    const early = await adminCall("POST", "/api/status/maintenance", { title: "Started early", scheduled_start: new Date(now + 2 * 86_400_000).toISOString(), scheduled_end: new Date(now + 2 * 86_400_000 + 3_600_000).toISOString(), notify: false });
    await page.locator(`[data-maintenance="${early.id}"]`).waitFor();
    await adminCall("POST", `/api/status/maintenance/${early.id}/start`, undefined);
    await expect.poll(() => page.locator(`[data-maintenance="${early.id}"] .meta`).textContent()).toMatch(/^In progress/);
    const order = (selector: string, attr: string) => page.locator(selector).evaluateAll((nodes, a) => nodes.map((n) => n.getAttribute(a)), attr);
    const live = [await order("#active-incidents [data-incident]", "data-incident"), await order("#maintenance [data-maintenance]", "data-maintenance")];
    await page.reload();
    expect(live).toEqual([await order("#active-incidents [data-incident]", "data-incident"), await order("#maintenance [data-maintenance]", "data-maintenance")]);
    expect(live[0]!.indexOf(recent.id)).toBeLessThan(live[0]!.indexOf(backdated.id));
    expect(live[1]!.indexOf(running.id)).toBeLessThan(live[1]!.indexOf(later.id));
    expect(live[1]!.indexOf(early.id)).toBeLessThan(live[1]!.indexOf(later.id));
    for (const id of [recent.id, backdated.id]) await adminCall("POST", `/api/status/incidents/${id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    for (const id of [running.id, later.id, early.id]) await adminCall("POST", `/api/status/maintenance/${id}/cancel`, undefined);
    await page.close();
  });

  it("draws a renamed group and a moved component again from the server's markup, and keeps the bars' keys working", async () => {
    const group = await adminCall("POST", "/api/status/groups", { name: `Edge ${Date.now()}` });
    const inside = await adminCall("POST", "/api/status/components", { name: `CDN ${Date.now()}`, group_id: group.id });
    const outside = await adminCall("POST", "/api/status/components", { name: `Queue ${Date.now()}` });
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(origin + "/");
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    // A monitor added is drawn in place (its tag).
    await adminCall("PATCH", `/api/status/components/${outside.id}`, { monitor: { type: "http", url: "https://queue.example.com/health" } });
    await page.locator(`[data-component="${outside.id}"] .tag`).first().waitFor();
    // The group renamed: its heading follows, and the group stays closed as the reader left it.
    const details = page.locator(`details[data-group="${group.id}"]`);
    await details.locator("summary").click();
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    const renamed = `Edge and CDN ${Date.now()}`;
    await adminCall("PATCH", `/api/status/groups/${group.id}`, { name: renamed });
    await expect.poll(() => page.locator(`details[data-group="${group.id}"] summary .name`).textContent()).toBe(renamed);
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await details.locator("summary").click();
    // A component moved into the group.
    await adminCall("PATCH", `/api/status/components/${outside.id}`, { group_id: group.id });
    await page.locator(`details[data-group="${group.id}"] [data-component="${outside.id}"]`).waitFor();
    expect(await page.locator(`[data-component="${outside.id}"]`).count()).toBe(1);
    expect(await page.locator("#reload-note").isHidden()).toBe(true);
    // The redrawn bars walk with the arrow keys, one tab stop each.
    const bar = page.locator(`[data-component="${outside.id}"] .bar`);
    expect(await bar.locator('li[tabindex="0"]').count()).toBe(1);
    await bar.locator("li").last().focus();
    await page.keyboard.press("ArrowLeft");
    const cells = await bar.locator("li").count();
    expect(await bar.locator("li").nth(cells - 2).evaluate((cell) => cell === document.activeElement && cell.getAttribute("tabindex") === "0")).toBe(true);
    expect(await bar.locator("li").last().getAttribute("tabindex")).toBe("-1");
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    for (const c of [inside, outside]) await adminCall("DELETE", `/api/status/components/${c.id}`, undefined);
    await adminCall("DELETE", `/api/status/groups/${group.id}`, undefined);
  });

  it("subscribes once for a double click, and speaks plainly about a wrong address and the SMS code", async () => {
    const page = await browser.newPage();
    // The refusals this test provokes are logged by the browser as failed loads (400); nothing else may be.
    const errors = watchErrors(page, /status of 400/);
    await page.goto(origin + "/");
    const form = page.locator("form.sub");
    const notice = form.locator(".notice");

    // Passes the browser's own check, not the API's: the refusal is said beside the field, which it marks
    // and focuses, not under the button.
    const field = form.locator("input[name=email]");
    await field.fill("reader@localhost");
    await form.locator("button[type=submit]").click();
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    const reason = form.locator(`#${await field.getAttribute("aria-describedby")}`);
    expect(await reason.textContent()).toBe("Enter a valid email address, like name@example.com.");
    expect(await reason.evaluate((p) => p.previousElementSibling!.contains(document.querySelector("form.sub input[name=email]")))).toBe(true);
    expect(await field.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await notice.textContent()).toBe("");
    const errorColour = await reason.evaluate((p) => getComputedStyle(p).color);
    const invalidBorder = await field.evaluate((input) => getComputedStyle(input).borderColor);

    const email = `double-${Date.now()}@example.com`;
    await field.fill(email);
    await form.locator("button[type=submit]").dblclick();
    await expect.poll(() => notice.textContent()).toMatch(/^If this address can be subscribed, confirmation is on its way\./);
    // A sign-up that goes through clears the mark.
    expect(await field.getAttribute("aria-invalid")).toBeNull();
    expect(await field.getAttribute("aria-describedby")).toBeNull();
    expect(await reason.count()).toBe(0);
    // Without scripts the form comes back from the server the same way: marked, described and focused.
    const plain = await browser.newPage({ javaScriptEnabled: false });
    await plain.goto(origin + "/");
    await plain.locator("form.sub input[name=email]").fill("reader@localhost");
    await plain.locator("form.sub button[type=submit]").click();
    await plain.waitForURL(/\/subscribe$/);
    expect(
      await plain.evaluate(() => {
        const input = document.activeElement as HTMLInputElement;
        return [input.name, input.value, input.getAttribute("aria-invalid"), document.getElementById(input.getAttribute("aria-describedby")!)?.textContent];
      }),
    ).toEqual(["email", "reader@localhost", "true", "Enter a valid email address, like name@example.com."]);
    await plain.close();
    expect(await form.locator("button[type=submit]").getAttribute("aria-disabled")).toBeNull();
    const confirmations = async () => (await adminCall("GET", "/api/status/notifications?limit=500", undefined)).deliveries.filter((d: { recipient: string }) => d.recipient === email).length;
    await expect.poll(confirmations).toBe(1);
    // The only sign-up's link is the one that works, so there is no first email that fails.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await confirmations()).toBe(1);

    await form.locator("input[value=phone]").check();
    await form.locator("input[name=phone]").fill("+14155550123");
    await form.locator("button[type=submit]").click();
    const sent = "If this number can be subscribed, we have texted it a 6-digit code. Enter it below to confirm.";
    await expect.poll(() => notice.textContent()).toBe(sent);
    const code = page.getByLabel("6-digit code from the SMS");
    // The focus goes where the next thing to type is.
    await expect.poll(() => code.evaluate((input) => input === document.activeElement)).toBe(true);
    const confirm = page.locator("button", { hasText: "Confirm" });
    // A refused code is said as a refused address is: beside the field, in the same red, the field marked
    // and focused; the notice keeps saying where the code went.
    const refusedCode = async () => {
      await expect.poll(() => code.getAttribute("aria-invalid")).toBe("true");
      const said = page.locator(`#${await code.getAttribute("aria-describedby")}`);
      expect(await said.evaluate((p) => [p.className, getComputedStyle(p).color])).toEqual(["field-error", errorColour]);
      expect(await code.evaluate((input) => [input === document.activeElement, getComputedStyle(input).borderColor])).toEqual([true, invalidBorder]);
      expect(await notice.textContent()).toBe(sent);
      return said.textContent();
    };
    // What is typed that is no code at all is said as what to type, not as the API's "Invalid request body".
    await code.fill("12");
    await confirm.click();
    expect(await refusedCode()).toBe("Enter the 6-digit code from the text message.");
    const texts = async () => (await adminCall("GET", "/api/status/dev-outbox?to=%2B14155550123", undefined)).messages.map((m: { text: string }) => /^(\d{6}) is your/.exec(m.text)?.[1]).filter(Boolean);
    await expect.poll(async () => (await texts()).length, { timeout: 20_000, interval: 250 }).toBe(1);
    const [right] = (await texts()) as string[];
    // Enter in the code field confirms the code typed: it does not send the sign-up again (a second text,
    // which would void the first code).
    const wrong = right === "000000" ? "111111" : "000000";
    await code.fill(wrong);
    await code.press("Enter");
    expect(await refusedCode()).toBe("The code is wrong or expired: check it and try again, or subscribe again for a new one.");
    expect(await code.inputValue()).toBe(wrong);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await texts()).toEqual([right]);
    // A double click on Confirm is one confirmation: the second click must not come back "wrong or expired".
    await code.fill(right);
    await confirm.dblclick();
    const subscribed = "Subscribed. Every message tells you how to stop. Choose what you follow";
    await expect.poll(() => notice.textContent()).toBe(subscribed);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await notice.textContent()).toBe(subscribed);
    // Texts carry only STOP: the page gives the way to choose components, once.
    expect(await notice.locator("a").getAttribute("href")).toMatch(/\/api\/status\/subscriptions\/manage\?token=[\w.-]+$/);
    expect(await page.content()).not.toContain("/api/status/subscriptions/confirm");
    expect(errors).toEqual([]);
    await page.close();

    // Without scripts the code step is a page with a form of its own: Enter in its field sends the code, and
    // a refused one comes back beside the field, marked and focused.
    const bare = await browser.newPage({ javaScriptEnabled: false, extraHTTPHeaders: { "cf-connecting-ip": "198.51.100.43" } });
    await bare.goto(origin + "/");
    await bare.locator("form.sub input[value=phone]").check();
    await bare.locator("form.sub input[name=phone]").fill("+14155550124");
    await bare.locator("form.sub button[type=submit]").click();
    await bare.waitForURL(/\/subscribe$/);
    await bare.getByLabel("6-digit code from the SMS").fill("000000");
    await bare.getByLabel("6-digit code from the SMS").press("Enter");
    await bare.waitForURL(/\/subscribe\/confirm$/);
    expect(
      await bare.evaluate(() => {
        const input = document.activeElement as HTMLInputElement;
        return [input.name, input.getAttribute("aria-invalid"), document.getElementById(input.getAttribute("aria-describedby")!)?.textContent];
      }),
    ).toEqual(["code", "true", "The code is wrong or expired: check it and try again, or subscribe again for a new one."]);
    await bare.close();
  });
});
