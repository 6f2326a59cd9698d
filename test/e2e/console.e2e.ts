import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, startBeacon, watchErrors, type RunningBeacon } from "./support/beacon";
import { mintSessionToken } from "../../scripts/lib/session-token.mjs";

// The console as an admin uses it under pressure: signed in with the local sign-in link, working through
// forms (and only the keyboard), with the public page open in another tab.

const DATABASE = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002";

let beacon: RunningBeacon;
let browser: Browser;
let origin: string;
let privateKey: string;

/** What `npm run -s signin-url` prints, for this test's worker and key. */
async function signInUrl(role = "admin", sub = role === "admin" ? "user_e2e_admin" : "user_e2e_member") {
  const token = await mintSessionToken(privateKey, { azp: origin, role, sub, sid: `sess_${crypto.randomUUID()}`, claims: { email: `${role}@example.com` } });
  return `${origin}/admin/sign-in/local?token=${token}`;
}

async function incidents(): Promise<{ id: string; title: string; status: string; postmortem: string | null; updates: { message: string; estimated_resolution: string | null }[] }[]> {
  const res = await fetch(`${origin}/api/status/incidents?days=1`, { headers: { "cache-control": "no-cache" } });
  return (await res.json()).incidents;
}

if (!CHROMIUM) console.warn("Skipping the console browser test: Chromium is not installed (apt-get install -y chromium).");

beforeAll(async () => {
  if (!CHROMIUM) return;
  beacon = await startBeacon({
    name: "console",
    vars: { SIGNING_SECRET: "console-e2e-signing-secret-0123456789", LOCAL_DEV: "true" },
  });
  ({ origin, browser, privateKey } = beacon);
}, 60_000);

afterAll(() => beacon?.stop());

async function signedIn(role = "admin", live = true, timezoneId?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(timezoneId ? { timezoneId } : {});
  // Tests that load many pages and need no live updates answer the socket here: the hub holds a limited
  // number of sockets per address, and closed ones linger in it for a while.
  if (!live) await context.routeWebSocket(/\/api\/status\/live$/, () => {});
  const page = await context.newPage();
  await page.goto(await signInUrl(role));
  return { context, page };
}

/** The admin API as another admin working beside the console: each call must succeed; answers its JSON. */
async function otherAdmin() {
  const token = await mintSessionToken(privateKey, { azp: origin, sid: `sess_${crypto.randomUUID()}` });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(origin + path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
    return res.status === 204 ? null : res.json();
  };
  return { token, api };
}

describe.skipIf(!CHROMIUM)("the console in a browser", () => {
  it("signs in locally, opens an incident the public page shows without a reload, and runs it to a postmortem", async () => {
    const { context, page } = await signedIn();
    const errors = watchErrors(page, /status of 40[13]/);
    expect(new URL(page.url()).pathname).toBe("/admin");
    expect(await page.locator(".who").textContent()).toContain("Signed in as admin@example.com");

    const publicPage = await context.newPage();
    const publicErrors = watchErrors(publicPage);
    await publicPage.goto(origin + "/");
    await publicPage.locator('#live[data-state="live"]').waitFor();
    await publicPage.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

    // A second console tab on the dashboard follows along over the live socket, too.
    const dashboard = await context.newPage();
    await dashboard.goto(origin + "/admin");
    await dashboard.locator('#live[data-state="live"]').waitFor();

    await page.goto(origin + "/admin/incidents");
    await page.getByLabel("Title").fill("Database unreachable");
    await page.getByLabel("What is happening").fill("Queries time out.\n\nWe are on it.");
    await page.getByLabel("Severity").selectOption("critical");
    await page.getByLabel("Database", { exact: true }).selectOption("major_outage");
    await page.getByRole("button", { name: "Open incident" }).click();
    await page.waitForURL(/\/admin\/incidents\/[0-9a-f-]{36}\?done=opened$/);
    expect(await page.locator(".flash").textContent()).toBe("Incident opened.");
    const id = /incidents\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    const card = publicPage.locator(`[data-incident="${id}"]`);
    await card.waitFor();
    expect(await card.locator("h3").textContent()).toBe("Database unreachable");
    await expect.poll(() => publicPage.locator("#overall").textContent()).toBe("Major System Outage");
    expect(await publicPage.locator(`[data-component="${DATABASE}"] .st`).textContent()).toBe("Major Outage");
    await dashboard.locator(`#dash a[href="/admin/incidents/${id}"]`).waitFor();
    expect(await dashboard.locator("#dash").textContent()).toContain('Incident "Database unreachable" sets Major Outage');
    // The header's status line says what changed, not only when.
    expect(await dashboard.locator("#live").textContent()).toMatch(/^Live · (.+; )?incident opened: Database unreachable(; .+)? · \d{1,2}:\d{2}:\d{2}\s[AP]M [A-Z]/);
    await dashboard.close();

    await page.locator("#u-status").selectOption("identified");
    await page.locator("#u-message").fill("A failed disk; replacing it.");
    await page.locator("#u-eta-in").selectOption("60");
    const before = Date.now();
    await page.getByRole("button", { name: "Post update" }).click();
    await page.waitForURL(/done=updated$/);
    const updated = (await incidents()).find((i) => i.id === id)!;
    expect(updated.status).toBe("identified");
    const eta = Date.parse(updated.updates[0]!.estimated_resolution!);
    expect(eta).toBeGreaterThanOrEqual(before + 59 * 60_000);
    expect(eta).toBeLessThanOrEqual(Date.now() + 61 * 60_000);
    await expect.poll(() => card.locator(".timeline li").count()).toBe(2);
    expect(await page.locator("#incident .meta").textContent()).toContain("expected resolution");

    await page.locator("#r-root").fill("A disk failed in the primary.");
    await page.locator("#r-resolution").fill("Replaced the disk and failed over.");
    await page.getByRole("button", { name: "Resolve incident" }).click();
    await page.waitForURL(/done=resolved$/);
    await card.waitFor({ state: "detached" });
    await expect.poll(() => publicPage.locator("#overall").textContent()).toBe("All Systems Operational");

    await page.getByRole("link", { name: "Write the postmortem" }).click();
    const editor = page.locator("#pm-text");
    const draft = await editor.inputValue();
    expect(draft).toContain("**Timeline**");
    expect(draft).toContain("identified: A failed disk; replacing it.");
    expect(draft).toContain("A disk failed in the primary.");
    await editor.fill(draft.replace("What happened, in two sentences.", "The primary's disk *failed*.") + "rotate disks yearly");
    await page.getByRole("button", { name: "Preview" }).click();
    expect(await page.locator(".preview em").textContent()).toBe("failed");
    expect((await incidents()).find((i) => i.id === id)!.postmortem).toBeNull();
    await page.getByRole("button", { name: "Publish postmortem" }).click();
    await page.waitForURL(/done=published$/);

    // The audit screen, reached from the navigation, names the signed-in admin for each of those steps.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" }).click();
    await page.waitForURL(/\/admin\/audit$/);
    const latest = page.locator("#audit > li").first();
    expect(await latest.locator("strong").first().textContent()).toBe("incident.postmortem");
    expect(await latest.locator(".meta").textContent()).toContain("admin@example.com");
    expect(await latest.locator(".who-id").textContent()).toBe("user_e2e_admin");
    expect(await latest.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const opened = page.locator("#audit > li", { hasText: "incident.open" }).first();
    expect(await opened.locator(".who-id").textContent()).toBe("user_e2e_admin");
    // Both records are on the entry's own screen, one click away.
    await opened.getByRole("link", { name: "Before and after" }).click();
    await page.waitForURL(/\/admin\/audit\/[0-9a-f-]{36}$/);
    expect(await page.locator("pre.json").last().textContent()).toContain('"title": "Database unreachable"');
    await page.goBack();
    await page.getByLabel("Entity type").selectOption("component");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/entity_type=component$/);
    expect(await page.locator("#audit > li", { hasText: "incident." }).count()).toBe(0);
    await page.goto(origin + "/admin/audit?entity_type=incident");
    // Each entry names what it is about, linked while it exists.
    await page.locator("#audit > li").first().getByRole("link", { name: "Database unreachable" }).click();
    expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${id}`);

    await publicPage.goto(`${origin}/incidents/${id}`);
    expect(await publicPage.locator(".incident-page .md em").last().textContent()).toBe("failed");
    expect(await publicPage.locator(".incident-page .md li").last().textContent()).toBe("rotate disks yearly");
    expect(errors).toEqual([]);
    expect(publicErrors).toEqual([]);
    await context.close();
  });

  it("opens an incident with the keyboard alone", async () => {
    const { context, page } = await signedIn();
    await page.goto(origin + "/admin/incidents");
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");
    const tabTo = async (id: string) => {
      for (let i = 0; i < 80 && (await focusedId()) !== id; i++) await page.keyboard.press("Tab");
      expect(await focusedId()).toBe(id);
    };
    await tabTo("f-title");
    await page.keyboard.type("Search is slow");
    await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("f-message");
    await page.keyboard.type("Results take seconds.");
    await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("f-severity");
    await page.keyboard.press("ArrowDown");
    await tabTo(`open-${DATABASE}`);
    // Not affected -> Operational -> Degraded Performance.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await tabTo("open-notify");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Open incident");
    await page.keyboard.press("Enter");
    await page.waitForURL(/done=opened$/);
    const opened = (await incidents()).find((i) => i.title === "Search is slow")!;
    expect(opened.status).toBe("investigating");
    const full = await (await fetch(`${origin}/api/status/incidents?days=1`)).json();
    const row = full.incidents.find((i: { id: string }) => i.id === opened.id);
    expect(row.severity).toBe("major");
    expect(row.affected_components).toEqual([expect.objectContaining({ id: DATABASE, status: "degraded" })]);
    await context.close();
  });

  it("keeps the focus on the moved component's button, so Down can be pressed again", async () => {
    const { context, page } = await signedIn("admin", false);
    await page.goto(origin + "/admin/components");
    const names = () => page.locator("#component-order li > span:first-child > a").allTextContents();
    const name = (await names())[0]!;
    // The first Up is off, and looks it: faded, with no pointer; the Down beside it looks pressable.
    const look = (direction: string) => page.locator(`button[aria-label='Move ${name} ${direction}']`).evaluate((b) => [(b as HTMLButtonElement).disabled, getComputedStyle(b).cursor, Number(getComputedStyle(b).opacity) < 1]);
    expect([await look("up"), await look("down")]).toEqual([
      [true, "default", true],
      [false, "pointer", false],
    ]);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.tagName);
    await page.locator(`button[aria-label='Move ${name} down']`).focus();
    // The browser applies autofocus after the page loads, at its next rendering: a key pressed before that
    // goes nowhere, so each press waits for the focus as a person's next press would.
    for (const at of [1, 2]) {
      await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
      expect(await names()).toHaveProperty(String(at), name);
      await expect.poll(focused).toBe(`Move ${name} down`);
    }
    // And back to the top, where Up is off: the focus goes to its Down.
    await page.locator(`button[aria-label='Move ${name} up']`).focus();
    await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
    await expect.poll(focused).toBe(`Move ${name} up`);
    await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
    expect((await names())[0]).toBe(name);
    await expect.poll(focused).toBe(`Move ${name} down`);
    await context.close();
  });

  it("deletes in one step once the script's dialog is accepted, and not at all when it is dismissed", async () => {
    const { context, page } = await signedIn("admin", false);
    await page.goto(origin + "/admin/components");
    await page.getByLabel("New group name").fill("Short-lived group");
    await page.getByRole("button", { name: "Add group" }).click();
    await page.waitForURL(/done=created$/);
    const row = page.locator(".lines li", { has: page.locator('input[value="Short-lived group"]') });
    const asked: string[] = [];
    let answer = false;
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await row.getByRole("button", { name: "Delete group" }).click();
    expect(asked).toEqual(["Delete the group Short-lived group? Its components stay, ungrouped."]);
    expect(await row.count()).toBe(1);
    answer = true;
    await row.getByRole("button", { name: "Delete group" }).click();
    await page.waitForURL(/done=deleted$/);
    expect(await page.locator(".flash").textContent()).toBe("Deleted.");
    expect(await row.count()).toBe(0);
    await context.close();
  });

  it("brings a refused update back filled in, its reason focused, and posts it once corrected", async () => {
    const { context, page } = await signedIn();
    const errors = watchErrors(page, /status of 400/);
    await page.goto(origin + "/admin/incidents");
    await page.getByLabel("Title").fill("Refused update test");
    await page.getByRole("button", { name: "Open incident" }).click();
    await page.waitForURL(/done=opened$/);
    await page.locator("#u-status").selectOption("monitoring");
    await page.locator("#u-message").fill("Long carefully worded customer update.");
    await page.locator("#u-eta").fill("2020-01-01T10:00");
    await page.getByRole("button", { name: "Post update" }).click();
    await page.locator("[data-form-error]").waitFor();
    expect(await page.evaluate(() => document.activeElement?.hasAttribute("data-form-error"))).toBe(true);
    expect(await page.locator("[data-form-error]").textContent()).toContain("Expected resolution must be after the incident started (");
    expect(await page.locator("#u-message").inputValue()).toBe("Long carefully worded customer update.");
    expect(await page.locator("#u-status").inputValue()).toBe("monitoring");
    expect(await page.locator("#u-eta").getAttribute("aria-invalid")).toBe("true");
    // Another admin's change meanwhile is announced, and leaves the refused form as it is.
    const id = /incidents\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.locator('#live[data-state="live"]').waitFor();
    const token = await mintSessionToken(privateKey, { azp: origin, sid: `sess_${crypto.randomUUID()}` });
    const edit = await fetch(`${origin}/api/status/incidents/${id}`, { method: "PATCH", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ severity: "major" }) });
    expect(edit.status).toBe(200);
    await expect.poll(() => page.locator("#live").textContent()).toContain("incident updated: Refused update test");
    expect(await page.locator("#u-message").inputValue()).toBe("Long carefully worded customer update.");
    expect(await page.locator("[data-form-error]").count()).toBe(1);
    expect(await page.locator("#gone").count()).toBe(0);
    await page.locator("#u-eta").fill("");
    await page.getByRole("button", { name: "Post update" }).click();
    await page.waitForURL(/done=updated$/);
    expect((await incidents()).find((i) => i.id === id)!.updates.map((u) => u.message)).toContain("Long carefully worded customer update.");
    expect(errors).toEqual([]);
    await context.close();
  });

  // Each time read with the offset in force at that time, and shown back as typed: saving the form with only
  // its title changed moves neither time.
  const ZONED = [
    // July: New York is on daylight time (UTC-4) there, though not today.
    { zone: "America/New_York", title: "Zoned window", start: "2027-07-10T02:00", end: "2027-07-10T04:30", utc: ["2027-07-10T06:00:00Z", "2027-07-10T08:30:00Z"] },
    // Berlin moves from UTC+1 to UTC+2 at 02:00 local on 2030-03-31, between the start and the end.
    { zone: "Europe/Berlin", title: "Across the change", start: "2030-03-31T01:00", end: "2030-03-31T04:00", utc: ["2030-03-31T00:00:00Z", "2030-03-31T02:00:00Z"] },
  ];
  it.each(ZONED)("reads maintenance times in the admin's zone ($zone), each with its own offset, and shows them back in it", async ({ zone, title, start, end, utc }) => {
    const { context, page } = await signedIn("admin", false, zone);
    const windows = async () => (await (await fetch(`${origin}/api/status/maintenance`, { headers: { "cache-control": "no-cache" } })).json()).maintenance_windows as { id: string; title: string; scheduled_start: string; scheduled_end: string }[];
    await page.goto(origin + "/admin/maintenance");
    await page.locator("#ms-title").fill(title);
    await page.locator("#ms-start").fill(start);
    await page.locator("#ms-end").fill(end);
    await page.getByRole("button", { name: "Schedule maintenance" }).click();
    await page.waitForURL(/done=scheduled$/);
    let window = (await windows()).find((w) => w.title === title)!;
    expect([window.scheduled_start, window.scheduled_end]).toEqual(utc);
    expect([await page.locator("#me-start").inputValue(), await page.locator("#me-end").inputValue()]).toEqual([start, end]);
    await page.locator("#me-title").fill(`${title}, renamed`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/done=edited$/);
    window = (await windows()).find((w) => w.id === window.id)!;
    expect([window.title, window.scheduled_start, window.scheduled_end]).toEqual([`${title}, renamed`, ...utc]);
    await context.close();
  });

  it("does not bring a sent form back with Back, ready to post the same thing again", async () => {
    const { context, page } = await signedIn();
    await page.goto(origin + "/admin/incidents");
    await page.getByLabel("Title").fill("Double submit test");
    await page.getByLabel("What is happening").fill("Checkout payments failing.");
    await page.getByRole("button", { name: "Open incident" }).click();
    await page.waitForURL(/done=opened$/);
    const id = /incidents\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    await page.locator("#u-status").selectOption("identified");
    await page.locator("#u-message").fill("Found the cause.");
    await page.getByRole("button", { name: "Post update" }).click();
    await page.waitForURL(/done=updated$/);
    await page.goBack();
    await page.waitForURL(/done=opened$/);
    expect(await page.locator("#u-message").inputValue()).toBe("");
    await page.goBack();
    await page.waitForURL(/\/admin\/incidents$/);
    expect(await page.getByLabel("Title").inputValue()).toBe("");
    expect(await page.getByLabel("What is happening").inputValue()).toBe("");

    expect((await incidents()).filter((i) => i.title === "Double submit test")).toHaveLength(1);
    expect((await incidents()).find((i) => i.id === id)!.updates).toHaveLength(2);
    await context.close();
  });

  it("keeps an open incident screen current while another admin works on it, and says when it is deleted", async () => {
    const { api } = await otherAdmin();
    const incident = await api("POST", "/api/status/incidents/create", { title: "Watched elsewhere", description: "Searches time out.", severity: "minor", notify: false });
    const { context, page } = await signedIn();
    const errors = watchErrors(page);
    await page.goto(`${origin}/admin/incidents/${incident.id}`);
    await page.locator('#live[data-state="live"]').waitFor();

    await api("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found the slow query.", status: "identified", notify: false });
    await page.locator("#incident-updates").getByText("Found the slow query.").first().waitFor();
    await api("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A missing index.", resolution: "Added it.", notify: false });
    await page.getByRole("link", { name: "Write the postmortem" }).waitFor();
    expect(await page.getByRole("button", { name: "Post update" }).count()).toBe(0);

    await api("DELETE", `/api/status/incidents/${incident.id}`);
    await page.locator("#gone").waitFor();
    expect(await page.locator("#gone").textContent()).toBe("This was deleted since the page was loaded.");
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await context.close();
  });

  it("refuses a save from a tab drawn before another tab's save, shows the other save with what was typed kept, and focuses why", async () => {
    const { context, page: first } = await signedIn("admin", false);
    const errors = watchErrors(first, /status of 409/);
    await first.goto(origin + "/admin/components");
    await first.getByLabel("Name", { exact: true }).first().fill("Two tabs");
    await first.getByRole("button", { name: "Add component" }).click();
    await first.waitForURL(/done=created/);
    const id = /comp-([0-9a-f-]{36})/.exec(first.url())![1]!;
    const second = await context.newPage();
    await first.goto(`${origin}/admin/components/${id}`);
    await second.goto(`${origin}/admin/components/${id}`);

    // The first tab adds a monitor; the second, drawn before it with an empty URL field, renames.
    await first.getByLabel("URL").fill("https://two-tabs.example.com/health");
    await first.getByRole("button", { name: "Save component" }).click();
    await first.waitForURL(/done=saved$/);
    await second.locator("#ec-name").fill("Two tabs, renamed");
    await second.getByRole("button", { name: "Save component" }).click();
    await second.locator("[data-form-error]").waitFor();
    await expect.poll(() => second.evaluate(() => document.activeElement?.hasAttribute("data-form-error"))).toBe(true);
    expect(await second.locator("[data-form-error]").textContent()).toContain("after this form was opened, so nothing was saved");
    expect(await second.locator("#ec-name").inputValue()).toBe("Two tabs, renamed");
    // The monitor the first tab added is in the form now: saving it again keeps both changes.
    expect(await second.getByLabel("URL").inputValue()).toBe("https://two-tabs.example.com/health");
    const saved = await (await fetch(`${origin}/api/status/components/${id}`)).json();
    expect(saved.component.name).toBe("Two tabs");
    await second.getByRole("button", { name: "Save component" }).click();
    await second.waitForURL(/done=saved$/);
    const both = await (await fetch(`${origin}/api/status/admin/components/${id}`, { headers: { authorization: `Bearer ${await mintSessionToken(privateKey, { azp: origin, sid: `sess_${crypto.randomUUID()}` })}` } })).json();
    expect([both.name, both.monitor?.url]).toEqual(["Two tabs, renamed", "https://two-tabs.example.com/health"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("reads the subscriber and delivery tables on a 375 px phone: no word broken, a wide table scrolls in its box", async () => {
    const address = `a-rather-long-mailbox-for-a-narrow-screen-${Date.now()}@subscribers.example.com`;
    const signUp = await fetch(`${origin}/api/status/subscriptions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: address }) });
    expect(signUp.status).toBe(202);
    const { context, page } = await signedIn("admin", false);
    await page.setViewportSize({ width: 375, height: 812 });
    // The sign-up is written after its answer: look until it is found.
    await expect
      .poll(async () => {
        await page.goto(`${origin}/admin/subscribers?q=${encodeURIComponent(address)}`);
        return page.locator("td", { hasText: address }).count();
      })
      .toBe(1);
    const layout = await page.evaluate(() => {
      // Every word of a header or cell on one line; only an address (an @ or a /) may wrap inside itself.
      const broken: string[] = [];
      for (const cell of document.querySelectorAll("main th, main td")) {
        const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = texts.nextNode(); node; node = texts.nextNode()) {
          for (const word of node.textContent!.matchAll(/\S+/g)) {
            if (/[@/]/.test(word[0])) continue;
            const range = document.createRange();
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken.push(word[0]);
          }
        }
      }
      return {
        broken,
        pageWidth: document.documentElement.scrollWidth,
        scrolls: [...document.querySelectorAll("main .scroll")].some((box) => box.scrollWidth > box.clientWidth),
      };
    });
    expect(layout).toEqual({ broken: [], pageWidth: 375, scrolls: true });
    await context.close();
  });

  it("keeps a 375 px phone's header within the screen when the live line names a long change, and follows components and a window changed elsewhere", async () => {
    const { api } = await otherAdmin();
    const { context, page } = await signedIn();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 375, height: 812 });
    await page.locator('#live[data-state="live"]').waitFor();
    const incident = (await api("POST", "/api/status/incidents/create", { title: "Payments are failing for some customers in the European region while we investigate", affected_components: [], notify: false })) as { id: string };
    await expect.poll(() => page.locator("#live").textContent()).toContain("Payments are failing");
    const header = await page.evaluate(() => {
      const signOut = document.querySelector(".who button")!.getBoundingClientRect();
      const who = document.querySelector(".who > span")!;
      return { pageWidth: document.documentElement.scrollWidth, signOutInside: signOut.right <= 375, whoLines: who.getClientRects().length <= 2 && who.getBoundingClientRect().width > 100 };
    });
    expect(header).toEqual({ pageWidth: 375, signOutInside: true, whoLines: true });
    await api("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });

    // The component list follows a rename made elsewhere.
    const made = (await api("POST", "/api/status/components", { name: `Phone ${Date.now()}` })) as { id: string; name: string };
    await page.goto(`${origin}/admin/components`);
    await page.locator('#live[data-state="live"]').waitFor();
    await api("PATCH", `/api/status/components/${made.id}`, { name: `${made.name} renamed` });
    await expect.poll(() => page.locator(`#comp-${made.id} a`).textContent()).toBe(`${made.name} renamed`);
    // A window's screen follows it being started elsewhere.
    const start = Date.now() + 86_400_000;
    const window = (await api("POST", "/api/status/maintenance", { title: "Phone window", scheduled_start: start, scheduled_end: start + 3_600_000, notify: false })) as { id: string };
    await page.goto(`${origin}/admin/maintenance/${window.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    expect(await page.locator("#window .meta").first().textContent()).toMatch(/^scheduled/);
    // Being edited here: its state and actions follow at once, the form keeps what is typed.
    const title = page.locator("#window-edit input[name=title]");
    await title.fill("Typed meanwhile");
    await api("POST", `/api/status/maintenance/${window.id}/start`, {});
    await expect.poll(() => page.locator("#window .meta").first().textContent()).toMatch(/^in progress/);
    expect(await page.locator("#window button", { hasText: "Complete now" }).count()).toBe(1);
    expect(await title.inputValue()).toBe("Typed meanwhile");
    // A focused button is not redrawn under the pointer, but is once the focus leaves it.
    await page.locator("#window button", { hasText: "Complete now" }).focus();
    await api("POST", `/api/status/maintenance/${window.id}/complete`, {});
    await expect.poll(() => page.locator("#live").textContent()).toContain("maintenance completed");
    expect(await page.locator("#window .meta").first().textContent()).toMatch(/^in progress/);
    await page.locator("h1").first().click();
    await expect.poll(() => page.locator("#window .meta").first().textContent()).toMatch(/^completed/);
    await api("DELETE", `/api/status/components/${made.id}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("says the session ended where it said Live, rather than go on looking live", async () => {
    const { api } = await otherAdmin();
    const { context, page } = await signedIn();
    const errors = watchErrors(page);
    await page.goto(`${origin}/admin`);
    await page.locator('#live[data-state="live"]').waitFor();
    const cookies = await context.cookies();
    await context.clearCookies();
    const other = (await api("POST", "/api/status/incidents/create", { title: "While signed out", affected_components: [], notify: false })) as { id: string };
    // Said once a second try, 5 s later, is refused too (Clerk's script may be renewing the session meanwhile).
    await expect.poll(() => page.locator("#live").textContent(), { timeout: 15_000 }).toBe("Signed out: reload to sign in again; forms sent now are not saved");
    expect(await page.locator("#live").getAttribute("data-state")).toBe("signed-out");
    // Signed in again (another tab, or the session renewed): live again at the next change.
    await context.addCookies(cookies);
    await api("POST", `/api/status/incidents/${other.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    await expect.poll(() => page.locator("#live").getAttribute("data-state")).toBe("live");
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    await context.close();
  });

  it("keeps a window's times in the reader's zone when its screen is drawn again live, so saving a title moves nothing", async () => {
    const { token, api } = await otherAdmin();
    const start = Date.parse("2031-03-20T05:00:00Z");
    const window = (await api("POST", "/api/status/maintenance", { title: "Zone check", scheduled_start: start, scheduled_end: start + 7_200_000, notify: false })) as { id: string };
    const { context, page } = await signedIn("admin", true, "America/New_York");
    const errors = watchErrors(page);
    await page.goto(`${origin}/admin/maintenance/${window.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    const startField = page.locator("#me-start");
    expect(await startField.inputValue()).toBe("2031-03-20T01:00");
    // Something else happens: the screen's region is drawn again from the server.
    await page.evaluate(() => ((document.getElementById("window-edit") as HTMLElement & { old?: boolean }).old = true));
    const other = (await api("POST", "/api/status/incidents/create", { title: "Elsewhere", affected_components: [], notify: false })) as { id: string };
    await page.waitForFunction(() => !(document.getElementById("window-edit") as HTMLElement & { old?: boolean }).old, undefined, { timeout: 8000 });
    expect(await startField.inputValue()).toBe("2031-03-20T01:00");
    await page.locator("#me-title").fill("Zone check, renamed");
    await page.locator("#window-edit button[type=submit]", { hasText: "Save changes" }).click();
    await page.waitForURL(/done=edited/);
    const listed = (await (await fetch(`${origin}/api/status/maintenance`, { headers: { authorization: `Bearer ${token}`, "cache-control": "no-cache" } })).json()) as { maintenance_windows: { id: string }[] };
    const saved = listed.maintenance_windows.find((m) => m.id === window.id);
    expect(saved).toMatchObject({ title: "Zone check, renamed", scheduled_start: "2031-03-20T05:00:00Z" });
    await api("POST", `/api/status/incidents/${other.id}/resolve`, { root_cause: "r", resolution: "s", notify: false });
    await api("POST", `/api/status/maintenance/${window.id}/cancel`, {});
    expect(errors).toEqual([]);
    await context.close();
  });

  it("puts a component's own address back after Check now, so its screen keeps following live changes", async () => {
    const { api } = await otherAdmin();
    const made = (await api("POST", "/api/status/components", { name: `Checked ${Date.now()}` })) as { id: string; name: string };
    const { context, page } = await signedIn();
    const errors = watchErrors(page);
    await page.goto(`${origin}/admin/components/${made.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.locator("button", { hasText: "Check now" }).click();
    await page.locator("#check-result").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/components/${made.id}`);
    await page.locator('#live[data-state="live"]').waitFor();
    await api("PATCH", `/api/status/components/${made.id}`, { name: `${made.name} renamed` });
    await expect.poll(() => page.locator("#component-head h1").textContent()).toBe(`${made.name} renamed`);
    // Its edit form, untouched, follows too: it shows the new name and saves without a 409.
    await expect.poll(() => page.locator("#ec-name").inputValue()).toBe(`${made.name} renamed`);
    await page.locator("#ec-description").fill("Written after the rename.");
    await page.locator("button", { hasText: "Save component" }).click();
    await page.locator(".flash").first().waitFor();
    expect(await page.locator("[role=alert]").count()).toBe(0);
    const saved = (await api("GET", `/api/status/admin/components/${made.id}`)) as { name: string; description: string };
    expect(saved).toMatchObject({ name: `${made.name} renamed`, description: "Written after the rename." });
    await api("DELETE", `/api/status/components/${made.id}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens an incident from a template with the focus in its prefilled title, for the keyboard", async () => {
    const { api } = await otherAdmin();
    const template = (await api("POST", "/api/status/templates", { name: `Focus ${Date.now()}`, title: "Search is slow", message: "Looking into it.", severity: "minor", components: [] })) as { id: string };
    const { context, page } = await signedIn("admin", false);
    await page.goto(`${origin}/admin/templates`);
    await page.locator(`a[href="/admin/incidents?template=${template.id}#open-form"]`).click();
    await page.waitForURL(/#open-form$/);
    await expect.poll(() => page.evaluate(() => [(document.activeElement as HTMLInputElement).name, (document.activeElement as HTMLInputElement).value])).toEqual(["title", "Search is slow"]);
    await api("DELETE", `/api/status/templates/${template.id}`);
    await context.close();
  });

  it("shows a signed-in non-admin a 403 page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await signInUrl("member"));
    const res = await page.goto(origin + "/admin/incidents");
    expect(res!.status()).toBe(403);
    expect(await page.locator("h1").textContent()).toBe("You are signed in, but not an admin");
    expect(await page.locator("form[action='/admin/incidents']").count()).toBe(0);
    await context.close();
  });

  it("refuses a form another site posts to the console, and changes nothing", async () => {
    const { context, page } = await signedIn();
    const count = (await incidents()).length;
    const attacker = "http://attacker.example/";
    await page.route(attacker, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!DOCTYPE html><form method="post" action="${origin}/admin/incidents"><input name="_csrf" value="guess"><input name="title" value="Forged"><input name="severity" value="critical"></form><script>document.forms[0].submit()</script>`,
      }),
    );
    const landed = page.waitForResponse((r) => r.url() === `${origin}/admin/incidents` && r.request().method() === "POST");
    await page.goto(attacker);
    const res = await landed;
    expect(res.status()).toBe(403);
    await page.waitForLoadState();
    expect(await page.locator(".error").textContent()).toContain("came from another site");
    expect((await incidents()).length).toBe(count);
    await context.close();
  });
});
