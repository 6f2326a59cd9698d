import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, inArray, like } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { chunkRows, runBatch } from "../src/db/batch";
import { DEV_OUTBOX_KEPT, recordDevOutbox } from "../src/db/queries/dev-outbox";
import { listSubscribers, setSubscriberComponents, signUpStatements, subscriberComponentIds } from "../src/db/queries/subscriptions";
import { confirmationBudget, deliveries, devOutbox as devOutboxTable, subscriberComponents, subscribers } from "../src/db/schema";
import type { Bindings } from "../src/env";
import { confirmedSubscription as confirmedSubscriptionResponse, devOutbox as devOutboxResponse } from "../src/openapi/responses";
import { unsubscribe } from "../src/notify/subscribe";
import { pageInfo } from "../src/snapshot/build";
import { admin, adminToken, BASE, call, createIncident, DEFAULT_COMPONENTS, json, withinOneMinute } from "./support/api";
import { activeSubscriber, aMinuteLater, captured, db, deliverMessages, deliveriesFor, devOutbox, freshComponent, outboxEvent, recordingQueue, subscriberRow, uniqueEmail, uniqueIp, uniquePhone } from "./support/subscribers";

afterEach(() => {
  vi.restoreAllMocks();
});

const subscribe = (body: Record<string, unknown>, ip = uniqueIp()) => call("POST", "/api/status/subscriptions", { body, headers: { "cf-connecting-ip": ip } });

/** The worker's app with extra vars (Turnstile, Twilio, SMS country codes) and a recording queue. */
async function callWith(extra: Partial<Bindings>, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const { queue } = recordingQueue();
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(BASE + path, { method, body: init.body, headers: { "cf-connecting-ip": uniqueIp(), ...init.headers } }), { ...env, NOTIFY_QUEUE: queue, ...extra }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function subscriberByAddress(address: string) {
  return db().select().from(subscribers).where(eq(subscribers.address, address)).get();
}

/** What the admin's notification list shows for one recipient, once the queue has handled it. */
async function adminDeliveriesTo(recipient: string, count = 1) {
  return vi.waitFor(
    async () => {
      const body = await json(await admin("GET", "/api/status/notifications?limit=500"));
      const mine = body.deliveries.filter((d: any) => d.recipient === recipient && d.status === "sent");
      if (mine.length < count) throw new Error(`waiting for ${count} deliveries to ${recipient}`);
      return mine;
    },
    { timeout: 20_000, interval: 50 },
  );
}

/** Every refusal of an SMS code, whatever the number's state: it reveals nothing about it. */
const WRONG_SMS_CODE = "The code is wrong or expired: check it and try again, or subscribe again for a new one.";

const confirmLink = (text: string) => /https:\/\/status\.example\.com\/api\/status\/subscriptions\/confirm\?token=\S+/.exec(text)![0];
const path = (url: string) => url.replace(BASE, "");
/** Follows the confirmation link in `message` as an API client does, answered with the subscription as JSON. */
const confirmAsApi = (message: string) => call("POST", path(confirmLink(message)), { headers: { accept: "application/json" } });

describe("email subscriptions, offline through the dev outbox", () => {
  it("answers every click of a double-clicked confirmation as subscribed, and confirms once", async () => {
    const outbox = devOutbox();
    // Which click wins, and how the others interleave with it, varies: a few sign-ups, many clicks each.
    for (let round = 0; round < 4; round++) {
      const email = uniqueEmail();
      expect((await subscribe({ email })).status).toBe(202);
      const link = path(confirmLink((await outbox.waitFor(email))[0]!));
      const clicks = await Promise.all(Array.from({ length: 20 }, () => call("POST", link, { headers: { accept: "application/json", "cf-connecting-ip": uniqueIp() } })));
      expect(clicks.map((r) => r.status)).toEqual(Array(20).fill(200));
      const answers = await Promise.all(clicks.map((r) => json(r)));
      expect(answers.filter((a) => a.already_subscribed === false)).toHaveLength(1);
      expect(answers.every((a) => a.status === "active" && a.address === email)).toBe(true);
    }
  });

  it("confirms by link, notifies of an incident with links to it and to leave, and answers alike for known addresses", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    const first = await subscribe({ email: email.toUpperCase(), components: [DEFAULT_COMPONENTS.api] });
    expect(first.status).toBe(202);
    const answer = await json(first);
    expect(answer).toMatchObject({ status: "pending", channel: "email" });

    const [confirmation] = await adminDeliveriesTo(email);
    expect(confirmation).toMatchObject({ kind: "confirmation", channel: "email", provider_id: "dev-outbox", subject: "[Beacon Test] Confirm your subscription" });
    expect(confirmation.body_html).toContain("Confirm subscription");
    const link = confirmLink((await outbox.waitFor(email))[0]!);

    // Opening the link (or a scanner fetching it) only shows a button.
    const page = await call("GET", path(link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await subscriberByAddress(email))!.status).toBe("pending");

    const confirmed = await call("POST", path(link), { headers: { accept: "application/json" } });
    expect(confirmed.status).toBe(200);
    const { already_subscribed: firstTime, ...view } = await json(confirmed);
    expect(firstTime).toBe(false);
    expect(view).toMatchObject({ channel: "email", address: email, status: "active", all_components: false, components: [DEFAULT_COMPONENTS.api] });
    // Posted again by a client, the used link answers as a browser is answered: subscribed already, nothing changed.
    const before = await subscriberByAddress(email);
    const reused = await call("POST", path(link), { headers: { accept: "application/json" } });
    expect(reused.status).toBe(200);
    const reusedView = await json(reused);
    expect(reusedView).toEqual({ ...view, already_subscribed: true });
    expect(confirmedSubscriptionResponse.parse(reusedView)).toEqual(reusedView);
    expect(await subscriberByAddress(email)).toEqual(before);
    // Opened again in a browser, the used link says the address is subscribed and leads to its settings.
    for (const method of ["GET", "POST"] as const) {
      const opened = await call(method, path(link));
      expect(opened.status, method).toBe(200);
      const html = await opened.text();
      expect(html, method).toContain("<h1>You are already subscribed</h1>");
      expect(html, method).toContain(`<a href="${view.manage_url}">Manage your subscription</a>`);
    }
    // A made-up secret for the same subscriber learns nothing.
    const forged = await call("GET", path(link).replace(/\.[^.]+$/, ".not-a-secret"));
    expect(forged.status).toBe(400);
    expect(await forged.text()).not.toContain("already subscribed");
    // Nor does the real link with anything after it: a token has two parts.
    const lengthened = await call("GET", `${path(link)}.anything-at-all`, { headers: { accept: "application/json" } });
    expect(lengthened.status).toBe(400);

    // Signing up an address that is already active answers exactly the same and changes nothing; the address
    // gets the way to its choices (a lost manage link comes back this way).
    await aMinuteLater({ address: email });
    const again = await subscribe({ email });
    expect(again.status).toBe(202);
    expect(await json(again)).toEqual(answer);
    const [, reminder] = await outbox.waitFor(email, 2);
    expect(reminder).toContain("[Beacon Test] You are already subscribed");
    expect(reminder).toContain(`Choose what you follow, or unsubscribe: ${view.manage_url}`);
    expect(await subscriberByAddress(email)).toMatchObject({ status: "active", allComponents: false });

    const incident = await createIncident({ title: "Checkout errors", affected_components: [DEFAULT_COMPONENTS.api], estimated_resolution: "2037-11-27T15:00:00Z" });
    const sent = await adminDeliveriesTo(email, 3);
    expect(sent.find((d: any) => d.kind === "already_subscribed").body_text).not.toContain(view.manage_url);
    const notice = sent.find((d: any) => d.kind === "incident.created");
    expect(notice.subject).toBe("[Beacon Test] New incident: Checkout errors");
    expect(notice.body_text).toContain("Expected resolution: Fri, 27 Nov 2037 15:00 UTC");
    expect(notice.body_text).toContain(`https://status.example.com/incidents/${incident.id}`);
    expect(notice.body_html).toContain("Checkout errors");
    const [, , sentNotice] = await outbox.waitFor(email, 3);
    expect(sentNotice).toContain(`Unsubscribe: ${view.unsubscribe_url}`);
    expect(sent).toHaveLength(3);
  });

  it("texts a number already subscribed its manage link when it is signed up again, at most three times a day; an endpoint gets nothing", async () => {
    const outbox = devOutbox();
    // Each follows a component of its own, so no other test's incident reaches them.
    const own = await freshComponent();
    const phone = await activeSubscriber("sms", { components: [own] });
    for (let i = 0; i < 5; i++) {
      await aMinuteLater({ id: phone.id });
      expect((await subscribe({ phone: phone.address, components: [DEFAULT_COMPONENTS.database] })).status).toBe(202);
    }
    const texts = await outbox.waitFor(phone.address, 3);
    expect(texts[0]).toMatch(/This number already gets Beacon Test status updates\. Choose what you follow: https:\/\/status\.example\.com\/api\/status\/subscriptions\/manage\?token=\S+ Reply STOP to opt out\./);
    await new Promise((resume) => setTimeout(resume, 200));
    expect(await deliveriesFor(phone.id)).toHaveLength(3);
    // Nothing about it changed: still active, still following its one component.
    const row = (await subscriberRow(phone.id))!;
    expect(row.status).toBe("active");
    expect((await db().select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, phone.id))).map((c) => c.componentId)).toEqual([own]);

    const hook = await activeSubscriber("webhook", { components: [own] });
    expect((await subscribe({ webhook: hook.address })).status).toBe(202);
    await new Promise((resume) => setTimeout(resume, 200));
    expect(await deliveriesFor(hook.id)).toEqual([]);
  });

  it("keeps what it would have sent in a dev outbox the admin reads, links included", async () => {
    const email = uniqueEmail();
    expect((await subscribe({ email, components: [DEFAULT_COMPONENTS.api] })).status).toBe(202);
    const readOutbox = async (query: string, count: number) =>
      vi.waitFor(
        async () => {
          const res = await admin("GET", `/api/status/dev-outbox${query}`);
          expect(res.status).toBe(200);
          const body = devOutboxResponse.parse(await json(res));
          if (body.messages.length < count) throw new Error(`waiting for ${count} messages`);
          return body.messages;
        },
        { timeout: 20_000, interval: 50 },
      );
    const [confirmation] = await readOutbox(`?to=${encodeURIComponent(email)}`, 1);
    // Looked up as the sign-up spelt it: addresses are kept in lower case.
    expect(await readOutbox(`?to=${encodeURIComponent(email.toUpperCase())}`, 1)).toEqual([confirmation]);
    expect(confirmation).toMatchObject({ channel: "email", to: email, subject: "[Beacon Test] Confirm your subscription" });
    expect(confirmation!.html).toContain("Confirm subscription");
    expect(confirmation!.delivery_id).toEqual(expect.any(String));

    const confirmed = await confirmAsApi(confirmation!.text);
    expect(confirmed.status).toBe(200);
    const view = await json(confirmed);
    expect(view).toMatchObject({ address: email, status: "active" });

    await createIncident({ title: "Outbox incident", affected_components: [DEFAULT_COMPONENTS.api] });
    const [notice, first] = await readOutbox(`?to=${encodeURIComponent(email)}`, 2);
    expect(notice).toMatchObject({ to: email, subject: "[Beacon Test] New incident: Outbox incident" });
    expect(notice!.text).toContain(`Unsubscribe: ${view.unsubscribe_url}`);
    expect(first!.id).toBe(confirmation!.id);
    // Newest first, bounded by `limit`, across recipients without `to`.
    const [newest] = await readOutbox("?limit=1", 1);
    expect(newest!.id).toBeGreaterThanOrEqual(notice!.id);
    expect((await admin("GET", "/api/status/dev-outbox?limit=101")).status).toBe(400);
    expect((await admin("GET", "/api/status/dev-outbox?limit=0")).status).toBe(400);
  });

  it("shows the dev outbox to admins only, and only in local dev", async () => {
    expect((await call("GET", "/api/status/dev-outbox")).status).toBe(401);
    expect((await call("GET", "/api/status/dev-outbox", { token: await adminToken({ ttlSeconds: -60 }) })).status).toBe(401);
    expect((await call("GET", "/api/status/dev-outbox", { token: await adminToken({ role: "member" }) })).status).toBe(403);

    const deployed = { LOCAL_DEV: undefined, RESEND_API_KEY: "re_test_key", EMAIL_FROM: "Status <status@example.com>" };
    const res = await callWith(deployed, "GET", "/api/status/dev-outbox", { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatchObject({ code: "not_found", message: expect.stringContaining("only in local dev") });

    // A deployment sends through the provider and keeps no copy, even of a message the channel could not send.
    const rowsBefore = await db().$count(devOutboxTable);
    const email = uniqueEmail();
    const signUp = await callWith(deployed, "POST", "/api/status/subscriptions", { body: JSON.stringify({ email }), headers: { "content-type": "application/json" } });
    expect(signUp.status).toBe(202);
    const reader = await subscriberByAddress(email);
    const [pending] = await deliveriesFor(reader!.id);
    const message = { kind: "deliveries" as const, deliveryIds: [pending!.id] };
    // Without the key, and LOCAL_DEV unset: the email waits for a configuration.
    const waiting = await deliverMessages({ ...env, LOCAL_DEV: undefined } as Bindings, [message]);
    expect(waiting.retryMessages).toHaveLength(1);
    expect((await deliveriesFor(reader!.id))[0]!.status).toBe("pending");
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "email-1" }));
    await deliverMessages({ ...env, ...deployed } as Bindings, [message], { attempts: 2 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect((await deliveriesFor(reader!.id))[0]).toMatchObject({ status: "sent", providerId: "email-1" });
    expect(await db().$count(devOutboxTable)).toBe(rowsBefore);
  });

  it(`keeps only the newest ${DEV_OUTBOX_KEPT} messages in the dev outbox`, async () => {
    const d = db();
    const message = (n: number) => ({ channel: "email" as const, recipient: `cap-${n}@example.org`, subject: `Message ${n}`, bodyText: "text", bodyHtml: null, deliveryId: null, createdAt: Date.now() });
    await runBatch(d, recordDevOutbox(d, Array.from({ length: DEV_OUTBOX_KEPT + 3 }, (_, n) => message(n))));
    expect(await d.$count(devOutboxTable)).toBe(DEV_OUTBOX_KEPT);
    const [newest] = await json((await admin("GET", "/api/status/dev-outbox?limit=1"))).then((b) => b.messages);
    expect(newest.subject).toBe(`Message ${DEV_OUTBOX_KEPT + 2}`);
    expect(await d.$count(devOutboxTable, eq(devOutboxTable.recipient, "cap-2@example.org"))).toBe(0);
    expect(await d.$count(devOutboxTable, eq(devOutboxTable.recipient, "cap-3@example.org"))).toBe(1);
  });

  it("names the page Beacon in messages when PAGE_NAME is unset, as the page itself does", async () => {
    const email = uniqueEmail();
    const res = await callWith({ PAGE_NAME: undefined }, "POST", "/api/status/subscriptions", { body: JSON.stringify({ email }), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(202);
    const subscriber = await subscriberByAddress(email);
    const [confirmation] = await deliveriesFor(subscriber!.id);
    expect(confirmation!.subject).toBe("[Beacon] Confirm your subscription");
    expect(pageInfo({ ...env, PAGE_NAME: undefined }).name).toBe("Beacon");
  });

  it("refuses an expired confirmation link", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    await subscribe({ email });
    const [confirmation] = await outbox.waitFor(email);
    await db().update(subscribers).set({ confirmExpiresAt: Date.now() - 1 }).where(eq(subscribers.address, email));
    // In a browser, a page whose heading and text say the same; curl and API clients get the JSON refusal.
    for (const method of ["GET", "POST"]) {
      const page = await call(method, path(confirmLink(confirmation!)), { headers: { accept: "text/html,*/*;q=0.8" } });
      expect(page.status, method).toBe(400);
      const html = await page.text();
      expect(html, method).toContain("<h1>Link not valid</h1><p>This link is not valid.");
      const res = await call(method, path(confirmLink(confirmation!)), { headers: { accept: "*/*" } });
      expect(res.status, method).toBe(400);
      expect((await json(res)).error, method).toMatchObject({ code: "bad_request", message: "This confirmation link is invalid, already used or expired." });
    }
    expect((await subscriberByAddress(email))!.status).toBe("pending");
    // A forged token is refused the same way.
    const forged = await call("POST", `/api/status/subscriptions/confirm?token=${(await subscriberByAddress(email))!.id}.forged`, { headers: { accept: "application/json" } });
    expect(forged.status).toBe(400);
  });

  it("checks a confirmation link's secret before showing the address or spending an attempt, and limits links per client", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    await subscribe({ email });
    const link = path(confirmLink((await outbox.waitFor(email))[0]!));
    const id = (await subscriberByAddress(email))!.id;
    // Subscriber ids are in every manage link; with a wrong secret the link shows and spends nothing.
    const shown = await call("GET", `/api/status/subscriptions/confirm?token=${id}.wrong-secret`);
    expect(shown.status).toBe(400);
    expect(await shown.text()).not.toContain(email);
    for (let i = 0; i < 6; i++) expect((await call("POST", `/api/status/subscriptions/confirm?token=${id}.wrong-secret`)).status).toBe(400);
    expect((await subscriberByAddress(email))!.confirmAttempts).toBe(0);
    expect(await (await call("GET", link)).text()).toContain(email);
    expect((await call("POST", link, { headers: { accept: "application/json" } })).status).toBe(200);
    expect((await subscriberByAddress(email))!.status).toBe("active");

    const statuses = await withinOneMinute(async () => {
      const ip = uniqueIp();
      const seen: number[] = [];
      for (let i = 0; i < 11; i++) {
        const method = i % 2 ? "POST" : "GET";
        seen.push((await call(method, `/api/status/subscriptions/confirm?token=${crypto.randomUUID()}.x`, { headers: { "cf-connecting-ip": ip } })).status);
      }
      return seen;
    });
    expect(statuses).toEqual([...Array(10).fill(400), 429]);
  });

  it("unsubscribes on POST to the one-click link, never on GET", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    await subscribe({ email });
    const [confirmation] = await outbox.waitFor(email);
    const view = await json(await confirmAsApi(confirmation!));

    const shown = await call("GET", path(view.unsubscribe_url));
    expect(shown.status).toBe(200);
    expect(shown.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await shown.text()).toContain("Unsubscribe</button>");
    expect((await subscriberByAddress(email))!.status).toBe("active");

    // What a mail client sends for List-Unsubscribe-Post (RFC 8058): no login, no cookie.
    const res = await call("POST", path(view.unsubscribe_url), { body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You are unsubscribed");
    expect((await subscriberByAddress(email))!.status).toBe("unsubscribed");
    // The confirmation link no longer stands for a subscription: it is refused, not called a success.
    const confirmAgain = await confirmAsApi(confirmation!);
    expect(confirmAgain.status).toBe(400);
    expect((await json(confirmAgain)).error.code).toBe("bad_request");
    // Its manage page no longer offers choices that would send nothing, and says how to come back.
    const manage = await call("GET", path(view.manage_url));
    const manageHtml = await manage.text();
    expect(manageHtml).toContain("This address is unsubscribed and receives nothing");
    expect(manageHtml).not.toContain("Save</button>");
    // The same link opened again says so, rather than offering to unsubscribe once more.
    const again = await (await call("GET", path(view.unsubscribe_url))).text();
    expect(again).toContain("This address is unsubscribed and receives nothing");
    expect(again).not.toContain("Unsubscribe</button>");
    const saving = await call("POST", path(view.manage_url), { body: `components=${DEFAULT_COMPONENTS.api}`, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(saving.status).toBe(409);
    expect((await call("PATCH", path(view.manage_url), { body: { component_changes: true } })).status).toBe(409);

    await createIncident({ title: "After leaving" });
    await new Promise((r) => setTimeout(r, 300));
    const after = await deliveriesFor(view.id);
    expect(after.map((d) => d.subject)).not.toContain("[Beacon Test] New incident: After leaving");

    const tampered = await call("POST", path(view.unsubscribe_url).replace(/token=([^.]+)\.(.)/, (_, id, first) => `token=${id}.${first === "x" ? "y" : "x"}`), { headers: { accept: "application/json" } });
    expect(tampered.status).toBe(400);
    for (const url of [view.manage_url, view.unsubscribe_url]) {
      expect((await call("GET", `${path(url)}.anything-at-all`, { headers: { accept: "application/json" } })).status, url).toBe(400);
    }
  });

  it("retires the links sent to an address that left once it is signed up again, perhaps by someone new", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    await subscribe({ email });
    const [first] = await outbox.waitFor(email);
    const before = await json(await confirmAsApi(first!));
    await call("POST", path(before.unsubscribe_url), { body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } });
    // The mailbox changes hands, and its new owner subscribes.
    await aMinuteLater({ address: email });
    expect((await subscribe({ email, components: [DEFAULT_COMPONENTS.api] })).status).toBe(202);
    const [, second] = await outbox.waitFor(email, 2);
    const after = await json(await confirmAsApi(second!));
    expect([after.id, after.status]).toEqual([before.id, "active"]);
    // The links the one before kept neither show the new owner's subscription nor change or end it.
    for (const url of [before.manage_url, before.unsubscribe_url]) {
      const shown = await call("GET", path(url), { headers: { accept: "application/json" } });
      expect(shown.status, url).toBe(400);
      expect(JSON.stringify(await json(shown))).not.toContain(email);
    }
    expect((await call("PATCH", path(before.manage_url), { body: { components: [DEFAULT_COMPONENTS.database] } })).status).toBe(400);
    expect((await call("POST", path(before.unsubscribe_url), { body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(400);
    expect((await subscriberByAddress(email))!.status).toBe("active");
    // Nor does the confirmation link the one before used: opened again, it is no way into the new subscription.
    for (const [method, headers] of [["GET", {}], ["POST", {}], ["POST", { accept: "application/json" }]] as const) {
      const reopened = await call(method, path(confirmLink(first!)), { headers });
      const said = await reopened.text();
      expect(reopened.status, `${method} ${JSON.stringify(headers)}`).toBe(400);
      expect(said).not.toContain(after.manage_url.split("token=")[1]);
      expect(said).not.toContain(encodeURIComponent(after.manage_url.split("token=")[1]));
      expect(said).not.toContain("already subscribed");
    }
    // The new owner's own links work.
    expect(after.manage_url).not.toBe(before.manage_url);
    expect(await json(await call("GET", path(after.manage_url), { headers: { accept: "application/json" } }))).toMatchObject({ id: after.id, components: [DEFAULT_COMPONENTS.api] });
    expect((await call("POST", path(after.unsubscribe_url), { body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(200);
  });

  it("answers a link cut short or wrong with a page when a browser opens it, and with JSON otherwise", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    const long = "a".repeat(301);
    for (const action of ["manage", "unsubscribe", "confirm"]) {
      for (const query of ["", "?token=", `?token=${long}`, "?token=a&token=b"]) {
        for (const method of ["GET", "POST"]) {
          const where = `${method} ${action}${query.slice(0, 20)}`;
          const res = await call(method, `/api/status/subscriptions/${action}${query}`, { headers: { ...browser, "cf-connecting-ip": uniqueIp() } });
          expect(res.status, where).toBe(400);
          expect(res.headers.get("content-type"), where).toMatch(/^text\/html/);
          const html = await res.text();
          expect(html, where).toContain("<h1>Link not valid</h1>");
          expect(html, where).not.toContain("Invalid input");
        }
      }
      // Mail clients (one-click unsubscribe) and API clients keep the JSON refusal.
      const api = await call("POST", `/api/status/subscriptions/${action}`, { headers: { "cf-connecting-ip": uniqueIp() } });
      expect(api.status).toBe(400);
      expect((await json(api)).error).toMatchObject({ code: "validation_failed", details: [{ path: "token" }] });
      // A token cut to something readable is a wrong one, refused by the same rule: a page only for a browser.
      for (const method of ["GET", "POST"]) {
        for (const accept of [{ accept: "*/*" }, {}, { accept: "application/json" }] as Record<string, string>[]) {
          const where = `${method} ${action}?token=bad, accept ${accept.accept ?? "(none)"}`;
          const res = await call(method, `/api/status/subscriptions/${action}?token=bad`, { headers: { ...accept, "cf-connecting-ip": uniqueIp() } });
          expect(res.status, where).toBe(400);
          expect((await json(res)).error.code, where).toBe("bad_request");
        }
        const page = await call(method, `/api/status/subscriptions/${action}?token=bad`, { headers: { ...browser, "cf-connecting-ip": uniqueIp() } });
        expect(await page.text(), method).toContain("<h1>Link not valid</h1>");
      }
    }
  });

  it("lets a subscriber change which components they follow", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    await subscribe({ email });
    const [confirmation] = await outbox.waitFor(email);
    const view = await json(await confirmAsApi(confirmation!));
    expect(view.all_components).toBe(true);

    const res = await call("PATCH", path(view.manage_url), { body: { components: [DEFAULT_COMPONENTS.database], component_changes: true } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ all_components: false, components: [DEFAULT_COMPONENTS.database], component_changes: true });
    const unknown = await call("PATCH", path(view.manage_url), { body: { components: [crypto.randomUUID()] } });
    expect(unknown.status).toBe(400);
    // A component named twice is refused by name, not a failure on the table's key.
    const repeated = await call("PATCH", path(view.manage_url), { body: { components: [DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.api] } });
    expect(repeated.status).toBe(400);
    expect((await json(repeated)).error.details).toEqual([{ path: "components", message: "must not repeat", code: "duplicate" }]);

    await createIncident({ title: "Only the API", affected_components: [DEFAULT_COMPONENTS.api] });
    await createIncident({ title: "Database slow", affected_components: [DEFAULT_COMPONENTS.database] });
    const sent = await adminDeliveriesTo(email, 2);
    const subjects = sent.map((d: any) => d.subject);
    expect(subjects.some((s: string) => s.includes("Database slow"))).toBe(true);
    expect(subjects.some((s: string) => s.includes("Only the API"))).toBe(false);

    // The HTML manage page lists the components with checkboxes.
    const page = await call("GET", path(view.manage_url), { headers: { accept: "text/html" } });
    expect(await page.text()).toContain(`value="${DEFAULT_COMPONENTS.database}" checked`);
    // Unticking every box, or ticking only components that are gone, saves nothing rather than everything.
    const formPost = (body: string) => call("POST", path(view.manage_url), { body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    for (const body of ["", `components=${crypto.randomUUID()}`]) {
      const refused = await formPost(body);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("Tick at least one component");
    }
    // What no form of this page sends is refused for what it is, not read as nothing ticked or as "no".
    for (const [body, said] of [
      ["components=not-a-uuid", "not-a-uuid is not a component id"],
      [`components=${DEFAULT_COMPONENTS.api}&component_changes=maybe`, "component_changes is ticked (true) or left out"],
    ]) {
      const refused = await formPost(body!);
      expect(refused.status, body).toBe(400);
      expect(await refused.text(), body).toContain(said);
    }
    expect(await json(await call("GET", path(view.manage_url), { headers: { accept: "application/json" } }))).toMatchObject({ all_components: false, components: [DEFAULT_COMPONENTS.database] });
    // An id in capitals is the same component, as the API and the sign-up form read it.
    const capitals = await formPost(`components=${DEFAULT_COMPONENTS.storage.toUpperCase()}`);
    expect(capitals.status).toBe(200);
    expect(await json(await call("GET", path(view.manage_url), { headers: { accept: "application/json" } }))).toMatchObject({ all_components: false, components: [DEFAULT_COMPONENTS.storage] });
    const saved = await formPost(`components=${DEFAULT_COMPONENTS.api}&components=${DEFAULT_COMPONENTS.database}&components=${DEFAULT_COMPONENTS.api}`);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Your choices are saved");
  });
});

describe("sign-up input and abuse limits", () => {
  it("reads a number and an address as people type them: spaces, dashes, dots and brackets aside, and around an address", async () => {
    const phone = uniquePhone();
    const typed = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    expect((await subscribe({ phone: typed })).status).toBe(202);
    expect(await subscriberByAddress(phone)).toMatchObject({ channel: "sms", status: "pending" });
    const other = uniquePhone();
    expect((await subscribe({ phone: `001.${other.slice(2, 5)}.${other.slice(5, 8)}.${other.slice(8)}` })).status).toBe(202);
    expect(await subscriberByAddress(other)).toMatchObject({ channel: "sms" });
    // Dashes of any kind; a trunk "(0)" after the country code is not part of the number.
    const dashed = uniquePhone();
    expect((await subscribe({ phone: `+1 ${dashed.slice(2, 5)}\u2011${dashed.slice(5, 8)}\u2013${dashed.slice(8)}` })).status).toBe(202);
    expect(await subscriberByAddress(dashed)).toMatchObject({ channel: "sms" });
    for (const written of [(n: string) => `+1 (0) ${n}`, (n: string) => `001 ( 0 ) ${n}`]) {
      const trunk = uniquePhone();
      expect((await subscribe({ phone: written(trunk.slice(2)) })).status).toBe(202);
      expect(await subscriberByAddress(trunk)).toMatchObject({ channel: "sms" });
    }
    const email = uniqueEmail();
    expect((await subscribe({ email: `  ${email.toUpperCase()} ` })).status).toBe(202);
    expect(await subscriberByAddress(email)).toMatchObject({ channel: "email" });
  });

  it("refuses bad input with clear JSON errors", async () => {
    // Each refusal says what is wrong in words (hint) and by its detail's code.
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, "give exactly one", "one_channel"],
      [{ email: "a@example.org", phone: "+14155550100" }, "give exactly one", "one_channel"],
      [{ email: "not-an-email" }, "email", "invalid_format"],
      [{ email: `${"a".repeat(250)}@example.org` }, "at most 254 characters", "too_long"],
      [{ phone: "020 7946 0000" }, "E.164", "invalid_format"],
      [{ phone: "+1 415 555 0100 ext 2" }, "E.164", "invalid_format"],
      [{ webhook: "http://hooks.example.org/x" }, "https", "invalid_url"],
      [{ webhook: "https://127.0.0.1/hook" }, "loopback", "unsafe_url"],
      [{ webhook: "https://localhost/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://10.1.2.3/hook" }, "private", "unsafe_url"],
      [{ webhook: "https://[::1]/hook" }, "loopback", "unsafe_url"],
      // IPv4 wrapped in IPv6: mapped, compatible, NAT64 and 6to4 forms of private addresses; site-local.
      [{ webhook: "https://[::7f00:1]/hook" }, "loopback", "unsafe_url"],
      [{ webhook: "https://[::127.0.0.1]/hook" }, "loopback", "unsafe_url"],
      [{ webhook: "https://[::ffff:10.0.0.1]/hook" }, "loopback", "unsafe_url"],
      [{ webhook: "https://[64:ff9b::a9fe:a9fe]/hook" }, "private", "unsafe_url"],
      [{ webhook: "https://[64:ff9b::192.168.0.1]/hook" }, "private", "unsafe_url"],
      [{ webhook: "https://[2002:7f00:1::1]/hook" }, "private", "unsafe_url"],
      [{ webhook: "https://[2002:c0a8:101::]/hook" }, "private", "unsafe_url"],
      [{ webhook: "https://[fec0::1]/hook" }, "private", "unsafe_url"],
      // Special-purpose ranges no receiver lives in: protocol assignments, documentation, 6to4 relays, discard.
      [{ webhook: "https://192.0.0.1/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://192.0.2.1/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://198.51.100.1/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://203.0.113.1/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://192.88.99.1/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://[2001:db8::1]/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://[3fff::1]/hook" }, "reserved", "unsafe_url"],
      [{ webhook: "https://[100::1]/hook" }, "reserved", "unsafe_url"],
      // Teredo (2001:0::/32) carries an IPv4 address too, here 127.0.0.1 (the client's, bits inverted).
      [{ webhook: "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/" }, "loopback", "unsafe_url"],
      [{ webhook: "https://[2001::53aa:64c:0:1]/hook" }, "loopback", "unsafe_url"],
      // Names that resolve to loopback or to the local network.
      [{ webhook: "https://example.com:0/hook" }, "port 0", "unsafe_url"],
      [{ webhook: "https://127.0.0.1.nip.io/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://app.10.0.0.1.sslip.io/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://localtest.me/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://api.localtest.me/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://10-0-0-1.traefik.me/" }, "local host", "unsafe_url"],
      [{ webhook: "https://app.local.gd/" }, "local host", "unsafe_url"],
      [{ webhook: "https://localh.st/" }, "local host", "unsafe_url"],
      [{ webhook: "https://api.localho.st/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://app.fuf.me/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://app.127.ca/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://app.lvh.me/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://router.lan/hook" }, "local host", "unsafe_url"],
      [{ webhook: "https://nas.home.arpa/hook" }, "local host", "unsafe_url"],
      [{ email: uniqueEmail(), components: [crypto.randomUUID()] }, "Unknown component", "unknown_component"],
    ];
    // Beside a reserved range is not in it: 3fff:1000:: is past documentation's 3fff::/20.
    expect((await subscribe({ webhook: "https://[3fff:1000::1]/hook" })).status).toBe(202);
    for (const [body, hint, code] of cases) {
      const res = await subscribe(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await json(res);
      expect(JSON.stringify(answer)).toContain(hint);
      expect(answer.error.details.map((d: { code: string }) => d.code), JSON.stringify(body)).toContain(code);
    }
    // Public IPv6 and IPv4 in NAT64 or 6to4 form stay allowed, as do addresses beside Teredo's prefix and
    // tunnels to a developer's machine (localhost.run), which are public endpoints.
    for (const webhook of ["https://[2606:4700::6810:84e5]/hook", "https://[64:ff9b::808:808]/hook", "https://[2002:808:808::1]/hook", "https://[2001:4860:4860::8888]/hook", "https://abc123.localhost.run/hook", "https://hooks.fuf.me.example.com/hook"]) {
      const res = await callWith({}, "POST", "/api/status/subscriptions", { body: JSON.stringify({ webhook }), headers: { "content-type": "application/json" } });
      expect(res.status, webhook).toBe(202);
    }
    // A component named twice, even in two cases, is refused by name as the manage link refuses it.
    for (const components of [[DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.api], [DEFAULT_COMPONENTS.api, DEFAULT_COMPONENTS.api.toUpperCase()]]) {
      const res = await subscribe({ email: uniqueEmail(), components });
      expect(res.status, JSON.stringify(components)).toBe(400);
      expect((await json(res)).error.details).toEqual([expect.objectContaining({ path: "components", message: "must not repeat" })]);
    }
    const notJson = await call("POST", "/api/status/subscriptions", { body: "email=a@example.org", headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() } });
    expect([notJson.status, (await json(notJson)).error.code]).toEqual([415, "unsupported_media_type"]);
  });

  it("words each refusal of a sign-up or a code for a person (error.hint), as the page shows it", async () => {
    const cases: [string, Record<string, unknown>, number, string][] = [
      ["/api/status/subscriptions", { email: "not-an-email" }, 400, "Enter a valid email address, like name@example.com."],
      ["/api/status/subscriptions", { webhook: "https://127.0.0.1/hook" }, 400, "Enter a webhook URL that starts with https:// and points to a public host."],
      ["/api/status/subscriptions", { phone: "+447700900123" }, 400, "SMS goes only to country codes +1 (the United States and Canada)."],
      ["/api/status/subscriptions", { email: uniqueEmail(), components: [crypto.randomUUID()] }, 400, "A chosen component no longer exists; reload the page to see the current ones."],
      ["/api/status/subscriptions", { email: uniqueEmail(), components: ["not-an-id"] }, 400, "Choose components from the list on the page."],
      ["/api/status/subscriptions/confirm/sms", { phone: "+14155550100", code: "12" }, 400, "Enter the 6-digit code from the text message."],
      ["/api/status/subscriptions/confirm/webhook", { webhook: "https://hooks.example.org/x", code: "" }, 400, "Paste the challenge from the subscription.ping your endpoint received."],
      ["/api/status/subscriptions/confirm/webhook", { webhook: "https://hooks.example.org/x", code: "not-the-challenge" }, 400, "The code is wrong or expired. Subscribe the endpoint again for a new ping."],
    ];
    for (const [path, body, status, hint] of cases) {
      const res = await call("POST", path, { body, headers: { "cf-connecting-ip": uniqueIp() } });
      expect(res.status, JSON.stringify(body)).toBe(status);
      const { error } = await json(res);
      expect(error.hint, JSON.stringify(body)).toBe(hint);
      // Beside the API's own words, not instead of them.
      expect(error.code).toBeTypeOf("string");
      expect(error.message).toBeTypeOf("string");
    }
    // A limit says to wait, and keeps its Retry-After.
    const limited = await withinOneMinute(async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 10; i++) await subscribe({ email: "not an address" }, ip);
      return subscribe({ email: uniqueEmail() }, ip);
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeTruthy();
    expect((await json(limited)).error.hint).toBe("Too many requests from your address; try again in a minute.");
  });

  it("limits sign-ups per IP address", async () => {
    const { statuses, res } = await withinOneMinute(async () => {
      const ip = uniqueIp();
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await subscribe({ email: uniqueEmail() }, ip)).status);
      return { statuses, res: await subscribe({ email: uniqueEmail() }, ip) };
    });
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(await json(res)).toMatchObject({ error: { code: "rate_limited" } });
  });

  it("sends an address at most three confirmations a day, however often it is signed up", async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 5; i++) {
      expect((await subscribe({ email })).status).toBe(202);
      await aMinuteLater({ address: email });
    }
    await adminDeliveriesTo(email, 3);
    await new Promise((r) => setTimeout(r, 300));
    const subscriber = await subscriberByAddress(email);
    expect(await deliveriesFor(subscriber!.id)).toHaveLength(3);
  });

  it("sends one confirmation when 30 sign-ups of an address arrive at once, and never answers 500", async () => {
    const errors = vi.spyOn(console, "error");
    const email = uniqueEmail();
    const post = () => callWith({}, "POST", "/api/status/subscriptions", { body: JSON.stringify({ email }), headers: { "content-type": "application/json" } });
    const answers = await Promise.all(Array.from({ length: 30 }, post));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(202));
    expect(errors).not.toHaveBeenCalled();
    const rows = await db().select().from(subscribers).where(eq(subscribers.address, email));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.confirmSentCount).toBe(1);
    expect(await deliveriesFor(rows[0]!.id)).toHaveLength(1);
  });

  it("keeps a sign-up or a change of choices whose component is deleted meanwhile, without that component", async () => {
    // What the batches hold when a component checked a moment before is deleted before they run.
    const [kept, gone] = [await freshComponent(), await freshComponent()];
    await admin("DELETE", `/api/status/components/${gone}`);
    const now = Date.now();
    const signUp = { id: crypto.randomUUID(), channel: "email" as const, address: uniqueEmail(), allComponents: false, componentChanges: false, confirmTokenHash: "h", confirmExpiresAt: now + 86_400_000, webhookSecret: null, day: new Date(now).toISOString().slice(0, 10) };
    const delivery = { id: crypto.randomUUID(), eventId: "confirm", subject: "s", bodyText: "t", bodyHtml: null, now };
    await runBatch(db(), signUpStatements(db(), signUp, { perAddress: 3, perChannel: 1000, resendAfterMs: 60_000 }, delivery, [kept, gone]));
    expect(await subscriberComponentIds(db(), signUp.id)).toEqual([kept]);
    await runBatch(db(), setSubscriberComponents(db(), signUp.id, [gone, kept]));
    expect(await subscriberComponentIds(db(), signUp.id)).toEqual([kept]);
  });

  it("takes a sign-up posted twice as one: one message, and the link it carries confirms", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    for (let i = 0; i < 2; i++) expect((await subscribe({ email, components: [DEFAULT_COMPONENTS.api] })).status).toBe(202);
    const [sent] = await outbox.waitFor(email);
    await new Promise((resume) => setTimeout(resume, 300));
    const subscriber = (await subscriberByAddress(email))!;
    expect(await deliveriesFor(subscriber.id)).toHaveLength(1);
    const confirmed = await confirmAsApi(sent!);
    expect(confirmed.status).toBe(200);
    expect((await json(confirmed)).status).toBe("active");
    // Confirmed a moment ago and signed up once more: nothing is sent that soon either.
    expect((await subscribe({ email })).status).toBe(202);
    await new Promise((resume) => setTimeout(resume, 300));
    expect(await deliveriesFor(subscriber.id)).toHaveLength(1);
  });

  it("answers a new address and a subscribed one with the same work done before the answer", async () => {
    const active = uniqueEmail();
    await db().insert(subscribers).values({ id: crypto.randomUUID(), channel: "email", address: active, status: "active", createdAt: Date.now(), updatedAt: Date.now(), confirmedAt: Date.now() });
    const known = await subscribe({ email: active });
    const fresh = await subscribe({ email: uniqueEmail() });
    expect(await json(known)).toEqual(await json(fresh));
    // Every statement about the address runs after the answer: both paths send D1 the same before it.
    expect(known.headers.get("x-d1-queries")).toBe(fresh.headers.get("x-d1-queries"));
  });

  it("limits an IPv6 client by its /64, not by each address in it", async () => {
    const { network, statuses } = await withinOneMinute(async () => {
      const network = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
      const statuses: number[] = [];
      for (let i = 1; i <= 11; i++) statuses.push((await subscribe({ email: uniqueEmail() }, `${network}::${i.toString(16)}:${(i * 7).toString(16)}`)).status);
      return { network, statuses };
    });
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another /64 is another client.
    expect((await subscribe({ email: uniqueEmail() }, `${network.replace(/:[0-9a-f]+$/, ":1")}::1`)).status).toBe(202);
  });

  it("limits an IPv4 client written as IPv4-mapped IPv6 as that IPv4 client, not as one /64 of them all", async () => {
    const statuses = await withinOneMinute(async () => {
      const statuses: number[] = [];
      // Eleven clients, each in the mapped form: none is another's budget.
      for (let i = 1; i <= 11; i++) statuses.push((await subscribe({ email: uniqueEmail() }, `::ffff:198.51.${100 + i}.${i}`)).status);
      // One client however its address is written: its eleventh sign-up in the minute is refused.
      const one = uniqueIp();
      const [a, b, c, d] = one.split(".").map(Number) as [number, number, number, number];
      const spellings = [one, `::ffff:${one}`, `0:0:0:0:0:ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`];
      for (let i = 0; i < 11; i++) statuses.push((await subscribe({ email: uniqueEmail() }, spellings[i % 3])).status);
      return statuses;
    });
    expect(statuses.slice(0, 21)).toEqual(Array(21).fill(202));
    expect(statuses[21]).toBe(429);
  });

  it("stops confirmations once the channel's daily budget is spent, but keeps notifying confirmed subscribers", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const [row] = await db().select().from(confirmationBudget).where(and(eq(confirmationBudget.channel, "email"), eq(confirmationBudget.day, today)));
    const budget = { EMAIL_CONFIRMATIONS_PER_DAY: String((row?.sent ?? 0) + 2) };
    const addresses = [uniqueEmail(), uniqueEmail(), uniqueEmail(), uniqueEmail()];
    for (const email of addresses) {
      const res = await callWith(budget, "POST", "/api/status/subscriptions", { body: JSON.stringify({ email }), headers: { "content-type": "application/json" } });
      expect(res.status).toBe(202);
    }
    const sentTo = await db().select().from(deliveries).where(inArray(deliveries.recipient, addresses));
    expect(sentTo.map((d) => d.recipient).sort()).toEqual(addresses.slice(0, 2).sort());

    const outbox = devOutbox();
    const { sent, queue } = recordingQueue();
    const budgetEnv = { ...env, ...budget, NOTIFY_QUEUE: queue };
    const reader = await activeSubscriber("email");
    const eventId = await outboxEvent("incident.created", { incident_id: crypto.randomUUID(), title: "Over budget, still told", status: "investigating" }, []);
    await deliverMessages(budgetEnv, [{ kind: "event", eventId }]);
    await deliverMessages(budgetEnv, [...sent]);
    expect(outbox.messagesTo(reader.address)).toHaveLength(1);
    expect(outbox.messagesTo(reader.address)[0]).toContain("Over budget, still told");
  });

  it("keeps a pending sign-up and the link it was sent when a sign-up again finds the day's budget spent", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const spent = async () => (await db().select().from(confirmationBudget).where(and(eq(confirmationBudget.channel, "email"), eq(confirmationBudget.day, today))))[0]?.sent ?? 0;
    const signUp = async (budget: number, body: Record<string, unknown>) =>
      (await callWith({ EMAIL_CONFIRMATIONS_PER_DAY: String(budget) }, "POST", "/api/status/subscriptions", { body: JSON.stringify(body), headers: { "content-type": "application/json" } })).status;
    const email = uniqueEmail();
    expect(await signUp((await spent()) + 1, { email, components: [DEFAULT_COMPONENTS.api] })).toBe(202);
    const subscriber = (await subscriberByAddress(email))!;
    const [delivery] = await deliveriesFor(subscriber.id);
    const { tokenSigner } = await import("../src/notify/crypto");
    const link = `/api/status/subscriptions/confirm?token=${subscriber.id}.${await (await tokenSigner(env)).confirmationSecret(delivery!.id, "email")}`;
    // The budget is spent when the address is signed up again, a minute on, for something else: no message
    // goes out, so nothing changes either (the link already sent stays the one that works).
    await aMinuteLater({ address: email });
    expect(await signUp(await spent(), { email, components: [DEFAULT_COMPONENTS.database], component_changes: true })).toBe(202);
    expect(await deliveriesFor(subscriber.id)).toHaveLength(1);
    const confirmed = await call("POST", link, { headers: { accept: "application/json", "cf-connecting-ip": uniqueIp() } });
    expect(confirmed.status).toBe(200);
    expect(await json(confirmed)).toMatchObject({ status: "active", all_components: false, components: [DEFAULT_COMPONENTS.api], component_changes: false, already_subscribed: false });
  });

  it("verifies Turnstile when a secret is configured", async () => {
    const turnstile = { TURNSTILE_SECRET_KEY: "ts-secret" };
    const body = (extra: Record<string, unknown>) => ({ body: JSON.stringify({ email: uniqueEmail(), ...extra }), headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.7" } });
    expect((await callWith(turnstile, "POST", "/api/status/subscriptions", body({}))).status).toBe(400);

    const spy = vi.spyOn(globalThis, "fetch").mockImplementationOnce(async () => Response.json({ success: false, "error-codes": ["invalid-input-response"] }));
    const refused = await callWith(turnstile, "POST", "/api/status/subscriptions", body({ turnstile_token: "bad-token" }));
    expect(refused.status).toBe(403);
    const [req] = await captured(spy);
    expect(req!.url).toBe("https://challenges.cloudflare.com/turnstile/v0/siteverify");
    const form = new URLSearchParams(req!.body);
    expect(form.get("secret")).toBe("ts-secret");
    expect(form.get("response")).toBe("bad-token");

    spy.mockImplementationOnce(async () => Response.json({ success: true }));
    expect((await callWith(turnstile, "POST", "/api/status/subscriptions", body({ turnstile_token: "good-token" }))).status).toBe(202);
  });
});

describe("the page's subscribe form", () => {
  const SITE_KEY = "0x4AAAAAAATestSiteKey";
  const turnstile = { TURNSTILE_SITE_KEY: SITE_KEY, TURNSTILE_SECRET_KEY: "ts-secret" };
  const formPost = (fields: Record<string, string>, headers: Record<string, string> = {}, extra: Partial<Bindings> = {}) =>
    callWith(extra, "POST", "/subscribe", { body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });

  it("takes every box ticked as everything, components added later included, as the manage page says", async () => {
    const email = uniqueEmail();
    const all = (await json(await call("GET", "/api/status", { headers: { "cache-control": "no-cache" } }))).components.map((c: { id: string }) => c.id);
    const fields = new URLSearchParams({ channel: "email", email });
    for (const id of all) fields.append("components", id);
    const res = await call("POST", "/subscribe", { body: fields.toString(), headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() } });
    expect(res.status).toBe(200);
    expect(await subscriberByAddress(email)).toMatchObject({ allComponents: true });
    // One box left unticked is a choice of components.
    const some = uniqueEmail();
    const fewer = new URLSearchParams({ channel: "email", email: some });
    for (const id of all.slice(1)) fewer.append("components", id);
    await call("POST", "/subscribe", { body: fewer.toString(), headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() } });
    expect(await subscriberByAddress(some)).toMatchObject({ allComponents: false });
  });

  it("renders Turnstile's widget, and opens the CSP to Cloudflare's challenge host, only when it is configured", async () => {
    const page = await callWith(turnstile, "GET", "/");
    const html = await page.text();
    expect(html).toContain(`<div class="cf-turnstile" data-sitekey="${SITE_KEY}"></div>`);
    expect(html).toContain('<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async="" defer=""></script>');
    const csp = page.headers.get("content-security-policy")!.split("; ");
    expect(csp).toContain("script-src 'self' https://challenges.cloudflare.com");
    expect(csp).toContain("frame-src https://challenges.cloudflare.com");
    expect(csp.filter((d) => d.includes("challenges.cloudflare.com"))).toHaveLength(2);
    // The page's script sends the widget's token with the JSON sign-up.
    const script = await (await callWith(turnstile, "GET", /src="(\/assets\/live\.[^"]+\.js)"/.exec(html)![1]!)).text();
    expect(script).toContain('body.turnstile_token = String(data.get("cf-turnstile-response"))');

    const plain = await callWith({}, "GET", "/");
    expect(await plain.text()).not.toContain("cf-turnstile");
    expect(plain.headers.get("content-security-policy")).not.toContain("challenges.cloudflare.com");
  });

  it("tells a visitor without scripts that the human check needs them, rather than naming a missing field", async () => {
    const res = await formPost({ channel: "email", email: uniqueEmail() }, { "sec-fetch-site": "same-origin" }, turnstile);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("This page checks that you are a person before it subscribes anyone, which needs JavaScript");
    expect(html).not.toContain("turnstile_token");
  });

  it("sends the widget's token from the form posted without scripts, and refuses a failed check", async () => {
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementationOnce(async () => Response.json({ success: true }))
      .mockImplementationOnce(async () => Response.json({ success: false, "error-codes": ["timeout-or-duplicate"] }));
    const ok = await formPost({ channel: "email", email: uniqueEmail(), "cf-turnstile-response": "widget-token" }, { "sec-fetch-site": "same-origin", "cf-connecting-ip": "198.51.100.23" }, turnstile);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Almost subscribed");
    const refused = await formPost({ channel: "email", email: uniqueEmail(), "cf-turnstile-response": "used-token" }, { "sec-fetch-site": "same-origin" }, turnstile);
    expect(refused.status).toBe(400);
    const calls = await captured(spy);
    expect(calls.map((c) => [c.url, c.method])).toEqual([
      ["https://challenges.cloudflare.com/turnstile/v0/siteverify", "POST"],
      ["https://challenges.cloudflare.com/turnstile/v0/siteverify", "POST"],
    ]);
    expect(Object.fromEntries(new URLSearchParams(calls[0]!.body))).toEqual({ secret: "ts-secret", response: "widget-token", remoteip: "198.51.100.23" });
    expect(new URLSearchParams(calls[1]!.body).get("response")).toBe("used-token");
  });

  it("refuses posts from other sites", async () => {
    const tries: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "https://evil.example" }, { origin: "null" }];
    for (const headers of tries) {
      const email = uniqueEmail();
      const res = await formPost({ channel: "email", email }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).toContain("This form only works from this status page");
      expect(await subscriberByAddress(email)).toBeUndefined();
    }
    const email = uniqueEmail();
    expect((await formPost({ channel: "email", email }, { "sec-fetch-site": "same-origin", origin: BASE })).status).toBe(200);
    expect((await formPost({ channel: "email", email: uniqueEmail() }, { origin: BASE })).status).toBe(200);
    expect(await subscriberByAddress(email)).toBeDefined();
  });
});

describe("the subscribe form without scripts", () => {
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    call("POST", path, { body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp(), ...headers } });

  it("says in a page, in words a visitor reads, why the API refused, and never answers 500", async () => {
    const unknownId = crypto.randomUUID();
    const cases: [Record<string, string>, string][] = [
      [{ channel: "phone", phone: "+447700900123" }, "SMS goes only to country codes +1 (the United States and Canada)."],
      // A component deleted while the page was open.
      [{ channel: "email", email: uniqueEmail(), components: unknownId }, "A chosen component no longer exists; reload the page to see the current ones. Go back"],
      [{ channel: "email", email: uniqueEmail(), components: "not-an-id" }, "Choose components from the list on the page. Go back"],
      [{ channel: "email", email: "not an address" }, "Enter a valid email address, like name@example.com."],
      [{ channel: "phone", phone: "0800 123" }, "Enter a mobile number in international format, like +14155550100."],
    ];
    for (const [fields, reason] of cases) {
      const res = await form("/subscribe", fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      expect(html).toContain("<h1>Could not subscribe</h1>");
      expect(html).toContain(reason);
      // Never the API's own vocabulary: paths, ids or "Invalid request body".
      expect(html).not.toMatch(/\(\w+(\.\d+)?: |Invalid request|unknown component /);
      // A refusal of the typed field marks it in the form that comes back; one about the boxes is said on its own.
      const field = fields.components ? null : fields.channel!;
      expect(html.match(/<input[^>]*aria-invalid="true"[^>]*>/g)?.map((input) => /name="(\w+)"/.exec(input)?.[1]) ?? null, JSON.stringify(fields)).toEqual(field && [field]);
    }
    // A limit has nothing to correct: it says to wait.
    const limited = await withinOneMinute(async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 10; i++) await form("/subscribe", { channel: "email", email: "not an address" }, { "cf-connecting-ip": ip });
      return form("/subscribe", { channel: "email", email: uniqueEmail() }, { "cf-connecting-ip": ip });
    });
    expect(limited.status).toBe(429);
    const wait = await limited.text();
    expect(wait).toContain("Too many requests from your address; try again in a minute.");
    expect(wait).not.toContain("Go back to correct it");
    // Only a hand-made post names a box twice; it is refused in words about the boxes, not the address.
    const twice = `channel=email&email=${encodeURIComponent(uniqueEmail())}&components=${DEFAULT_COMPONENTS.api}&components=${DEFAULT_COMPONENTS.api.toUpperCase()}`;
    const res = await call("POST", "/subscribe", { body: twice, headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("<h1>Could not subscribe</h1>");
    expect(html).toContain("Choose each component once. Go back to correct it.");

    // A multipart body cut short cannot be read; it is a page that says so, for either form.
    for (const [path, title] of [["/subscribe", "Could not subscribe"], ["/subscribe/confirm", "Could not confirm"]]) {
      const broken = await call("POST", path!, {
        body: '--xyz\r\nContent-Disposition: form-data; name="email"\r\n\r\nreader@example.org',
        headers: { "content-type": "multipart/form-data; boundary=xyz", "cf-connecting-ip": uniqueIp() },
      });
      expect(broken.status, path).toBe(400);
      const page = await broken.text();
      expect(page).toContain(`<h1>${title}</h1>`);
      expect(page).toContain("The form could not be read.");
    }
    // Twilio's inbound hook reads a form too: a broken one is a 400 in JSON, never a 500.
    const inbound = await call("POST", "/api/status/subscriptions/sms/inbound", {
      body: '--xyz\r\nContent-Disposition: form-data; name="From"\r\n\r\n+14155550100',
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
    });
    expect(inbound.status).toBe(400);
    expect(((await inbound.json()) as { error: { code: string } }).error.code).toBeTypeOf("string");
  });

  it("takes the texted code through a form, and brings the form back with the reason when it is wrong", async () => {
    const outbox = devOutbox();
    // Without the script every field shows and Email is picked first: a number typed alone is what is meant.
    const typedAlone = uniquePhone();
    const alone = await form("/subscribe", { channel: "email", email: "", phone: typedAlone, webhook: "" });
    expect(alone.status).toBe(200);
    expect(await alone.text()).toContain(`<input type="hidden" name="phone" value="${typedAlone}"/>`);
    expect(await subscriberByAddress(typedAlone)).toMatchObject({ channel: "sms" });
    // With the picked field filled, the picked channel is the one.
    const both = uniqueEmail();
    expect((await form("/subscribe", { channel: "email", email: both, phone: uniquePhone() })).status).toBe(200);
    expect(await subscriberByAddress(both)).toMatchObject({ channel: "email" });

    const phone = uniquePhone();
    const signUp = await form("/subscribe", { channel: "phone", phone });
    expect(signUp.status).toBe(200);
    const step = await signUp.text();
    expect(step).toContain('<form class="code" method="post" action="/subscribe/confirm">');
    expect(step).toContain(`<input type="hidden" name="phone" value="${phone}"/>`);
    expect(step).not.toContain("POST /api/status");
    const code = /(\d{6}) is your/.exec((await outbox.waitFor(phone))[0]!)![1]!;

    const wrong = await form("/subscribe/confirm", { channel: "phone", phone, code: code === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    const again = await wrong.text();
    expect(again).toContain("<h1>Could not confirm</h1>");
    expect(again).toContain('action="/subscribe/confirm"');
    // Said beside the code field, which it marks and focuses, as a refused address is on the sign-up form.
    const codeField = /<input[^>]*name="code"[^>]*>/.exec(again)![0];
    expect(codeField).toContain('aria-invalid="true"');
    expect(codeField).toContain('aria-describedby="sub-code-error"');
    expect(codeField).toContain("autofocus");
    expect(again).toContain(`<p class="field-error" id="sub-code-error">${WRONG_SMS_CODE}</p>`);
    expect(again).not.toContain('role="alert"');
    expect((await subscriberByAddress(phone))!.status).toBe("pending");
    // What is typed that is no code at all is said as what to type, not as the API's path and rule.
    const mistyped: [Record<string, string>, string][] = [
      [{ channel: "phone", phone, code: "12" }, "Enter the 6-digit code from the text message."],
      [{ channel: "phone", phone: "hello", code }, "Enter a mobile number in international format, like +14155550100."],
      [{ channel: "webhook", webhook: "https://hooks.example.com/beacon", code: "not a challenge!" }, "Paste the challenge from the subscription.ping your endpoint received."],
    ];
    for (const [fields, reason] of mistyped) {
      const res = await form("/subscribe/confirm", fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const html = await res.text();
      expect(html).toContain(`id="sub-code-error">${reason}</p>`);
      expect(html).not.toContain("Invalid request body");
    }
    // A limit has nothing to correct in the field: it is said above the form, the field left unmarked.
    const limited = await withinOneMinute(async () => {
      const ip = uniqueIp();
      for (let i = 0; i < 10; i++) await form("/subscribe/confirm", { channel: "phone", phone, code: "12" }, { "cf-connecting-ip": ip });
      return form("/subscribe/confirm", { channel: "phone", phone, code }, { "cf-connecting-ip": ip });
    });
    expect(limited.status).toBe(429);
    const wait = await limited.text();
    expect(wait).toContain('<p class="notice" role="alert">Too many requests from your address; try again in a minute.</p>');
    expect(wait).not.toContain("aria-invalid");

    const right = await form("/subscribe/confirm", { channel: "phone", phone, code });
    expect(right.status).toBe(200);
    const done = await right.text();
    expect(done).toContain("<h1>You are subscribed</h1>");
    const manage = /href="([^"]*\/subscriptions\/manage\?token=[^"]+)"/.exec(done)![1]!.replace(/&amp;/g, "&");
    expect((await call("GET", new URL(manage).pathname + new URL(manage).search, { headers: { accept: "application/json" } })).status).toBe(200);
    expect((await subscriberByAddress(phone))!.status).toBe("active");
  });

  it("refuses a code posted from another site", async () => {
    const res = await form("/subscribe/confirm", { channel: "phone", phone: uniquePhone(), code: "123456" }, { "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This form only works from this status page");
  });
});

describe("SMS subscriptions", () => {
  it("only accepts configured country codes", async () => {
    const res = await callWith({ SMS_ALLOWED_COUNTRY_CODES: "+44, +33" }, "POST", "/api/status/subscriptions", {
      body: JSON.stringify({ phone: "+14155550100" }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toContain("country code");
    const ok = await callWith({ SMS_ALLOWED_COUNTRY_CODES: "+44, +33" }, "POST", "/api/status/subscriptions", {
      body: JSON.stringify({ phone: "+447700900123" }),
      headers: { "content-type": "application/json" },
    });
    expect(ok.status).toBe(202);
  });

  it("texts only North American numbers unless more countries are named, and every country only with *", async () => {
    const signUp = (phone: string, extra: Partial<Bindings> = {}) =>
      callWith(extra, "POST", "/api/status/subscriptions", { body: JSON.stringify({ phone }), headers: { "content-type": "application/json" } });
    const abroad = await signUp("+2693123456");
    expect(abroad.status).toBe(400);
    expect(await json(abroad)).toMatchObject({ error: { code: "bad_request", details: [{ path: "phone", message: "SMS goes only to country codes +1 (the United States and Canada)", code: "sms_country_not_allowed" }] } });
    expect((await signUp(uniquePhone())).status).toBe(202);
    expect((await signUp("+2693123457", { SMS_ALLOWED_COUNTRY_CODES: "*" })).status).toBe(202);
    // +1 is the United States (territories included) and Canada: the Caribbean countries that share the code
    // (Jamaica, the Dominican Republic, the Turks and Caicos) are opened by their own codes, as any country is.
    for (const phone of ["+18762345678", "+18092345678", "+16492345678"]) {
      const refused = await signUp(phone);
      expect(refused.status, phone).toBe(400);
      expect((await json(refused)).error.details[0].message, phone).toBe("SMS goes only to country codes +1 (the United States and Canada)");
    }
    for (const phone of ["+17872345678", "+14165550123"]) expect((await signUp(phone)).status, phone).toBe(202);
    expect((await signUp("+18762345679", { SMS_ALLOWED_COUNTRY_CODES: "+1, +1876" })).status).toBe(202);
  });

  it("takes under +1 only numbers that can exist, and no premium-rate ones; other countries keep the E.164 rule", async () => {
    const signUp = (phone: string, extra: Partial<Bindings> = {}) =>
      callWith(extra, "POST", "/api/status/subscriptions", { body: JSON.stringify({ phone }), headers: { "content-type": "application/json" } });
    const NANP = { path: "phone", message: "must be a North American number: +1 and 10 digits", code: "invalid_format" };
    // Too short, too long, an area code or an exchange starting 0 or 1.
    for (const phone of ["+1234567", "+100000000", "+141555501000", "+10155550100", "+11155550100", "+14150550100", "+14151550100"]) {
      const res = await signUp(phone, { SMS_ALLOWED_COUNTRY_CODES: "*" });
      expect(res.status, phone).toBe(400);
      const { error } = await json(res);
      expect(error.details, phone).toEqual([NANP]);
      expect(error.hint).toBe("Enter a mobile number in international format, like +14155550100.");
    }
    // The 900 area code and 976 exchanges are premium-rate: whoever signs one up is paid for each text.
    for (const phone of ["+19005550100", "+12129765555"]) {
      const res = await signUp(phone);
      expect(res.status, phone).toBe(400);
      const { error } = await json(res);
      expect(error.details, phone).toEqual([{ path: "phone", message: "SMS does not go to premium-rate numbers (area code 900 or exchange 976)", code: "premium_rate_number" }]);
      expect(error.hint).toBe("SMS does not go to premium-rate numbers (area code 900 or exchange 976).");
    }
    const code = await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone: "+1234567", code: "123456" }, headers: { "cf-connecting-ip": uniqueIp() } });
    expect(code.status).toBe(400);
    expect((await json(code)).error.details).toEqual([NANP]);
    for (const phone of ["+12125550123", "+19095550100", "+19765550100", uniquePhone()]) expect((await signUp(phone)).status, phone).toBe(202);
    // Elsewhere a number is E.164 as before: +1 is only North America's.
    for (const phone of ["+447700900123", "+3312345", "+861012345678901"]) expect((await signUp(phone, { SMS_ALLOWED_COUNTRY_CODES: "*" })).status, phone).toBe(202);
    expect((await json(await signUp("+0123456789", { SMS_ALLOWED_COUNTRY_CODES: "*" }))).error.details).toEqual([
      { path: "phone", message: "must be an E.164 phone number such as +14155550100", code: "invalid_format" },
    ]);
  });

  it("counts every code attempt atomically: 30 wrong guesses at once, then the right code, does not subscribe", async () => {
    const outbox = devOutbox();
    const phone = uniquePhone();
    expect((await subscribe({ phone })).status).toBe(202);
    const [text] = await outbox.waitFor(phone);
    const code = /(\d{6}) is your/.exec(text!)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    const guess = (c: string) => call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone, code: c }, headers: { "cf-connecting-ip": uniqueIp() } });
    const guesses = await Promise.all(Array.from({ length: 30 }, () => guess(wrong)));
    expect(guesses.map((r) => r.status)).toEqual(Array(30).fill(400));
    expect((await guess(code)).status).toBe(400);
    const row = await subscriberByAddress(phone);
    expect(row!.status).toBe("pending");
    expect(row!.confirmAttempts).toBe(5);
  });

  it("confirms with the texted code, and stops accepting guesses after five wrong ones", async () => {
    const outbox = devOutbox();
    const phone = uniquePhone();
    expect((await subscribe({ phone })).status).toBe(202);
    const [text] = await outbox.waitFor(phone);
    const code = /(\d{6}) is your/.exec(text!)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    const ip = uniqueIp();
    const attempt = (c: string) => call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone, code: c }, headers: { "cf-connecting-ip": ip } });
    const mistyped = await attempt(wrong);
    expect(mistyped.status).toBe(400);
    expect((await json(mistyped)).error.message).toBe(WRONG_SMS_CODE);
    expect((await subscriberByAddress(phone))!.confirmAttempts).toBe(1);
    const ok = await attempt(code);
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ channel: "sms", address: phone, status: "active" });

    const other = uniquePhone();
    await subscribe({ phone: other });
    const [otherText] = await outbox.waitFor(other);
    const otherCode = /(\d{6}) is your/.exec(otherText!)![1]!;
    const bad = otherCode === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone: other, code: bad }, headers: { "cf-connecting-ip": uniqueIp() } });
    const late = await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone: other, code: otherCode }, headers: { "cf-connecting-ip": uniqueIp() } });
    expect(late.status).toBe(400);
    expect((await json(late)).error.message).toBe(WRONG_SMS_CODE);
    expect((await subscriberByAddress(other))!.status).toBe("pending");
  });

  it("answers a wrong code the same whether the number awaits a code, never signed up, or is already subscribed", async () => {
    const outbox = devOutbox();
    const pending = uniquePhone();
    expect((await subscribe({ phone: pending })).status).toBe(202);
    const code = /(\d{6}) is your/.exec((await outbox.waitFor(pending))[0]!)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    const spent = uniquePhone();
    expect((await subscribe({ phone: spent })).status).toBe(202);
    await outbox.waitFor(spent);
    await db().update(subscribers).set({ confirmAttempts: 5 }).where(eq(subscribers.address, spent));
    const expired = uniquePhone();
    expect((await subscribe({ phone: expired })).status).toBe(202);
    await outbox.waitFor(expired);
    await db().update(subscribers).set({ confirmExpiresAt: Date.now() - 1000 }).where(eq(subscribers.address, expired));
    const active = (await activeSubscriber("sms")).address;
    const unknown = uniquePhone();

    // Everything a client sees of a refusal: status, body (message and hint) and the count of D1 statements.
    const refusal = async (phone: string) => {
      const res = await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone, code: wrong }, headers: { "cf-connecting-ip": uniqueIp() } });
      return { status: res.status, body: await res.text(), d1: res.headers.get("x-d1-queries") };
    };
    const first = await refusal(pending);
    expect(first.status).toBe(400);
    expect(JSON.parse(first.body).error).toMatchObject({ code: "bad_request", message: WRONG_SMS_CODE, hint: WRONG_SMS_CODE });
    for (const phone of [spent, expired, active, unknown]) expect(await refusal(phone), phone).toEqual(first);
    // Each wrong code still takes one attempt from a number awaiting one, and none from the others.
    expect((await subscriberByAddress(pending))!.confirmAttempts).toBe(1);
    expect((await subscriberByAddress(spent))!.confirmAttempts).toBe(5);
    expect((await subscriberByAddress(expired))!.confirmAttempts).toBe(0);
    expect((await subscriberByAddress(active))!.status).toBe("active");
    expect((await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone: pending, code }, headers: { "cf-connecting-ip": uniqueIp() } })).status).toBe(200);
  });

  it("unsubscribes on a STOP from Twilio's signed inbound webhook, subscribes again on START, and ignores forged ones", async () => {
    const phone = uniquePhone();
    const id = crypto.randomUUID();
    await db().insert(subscribers).values({ id, channel: "sms", address: phone, status: "active", createdAt: Date.now(), updatedAt: Date.now(), confirmedAt: Date.now() });
    const twilio = { TWILIO_AUTH_TOKEN: "inbound-token" };
    const url = `${BASE}/api/status/subscriptions/sms/inbound`;
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("inbound-token"), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    const texted = async (body: string, from = phone, forge = false) => {
      const params = { AccountSid: "AC123", Body: body, From: from, MessageSid: `SM${crypto.randomUUID().slice(0, 8)}`, To: "+15005550006" };
      // Twilio's documented scheme, written out independently: HMAC-SHA1 over the URL + sorted name/value pairs.
      const data = url + Object.keys(params).sort().map((k) => k + params[k as keyof typeof params]).join("");
      const signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)))));
      return callWith(twilio, "POST", "/api/status/subscriptions/sms/inbound", {
        body: new URLSearchParams(params).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": forge ? signature.replace(/^./, (c) => (c === "A" ? "B" : "A")) : signature },
      });
    };

    expect((await texted(" stop ", phone, true)).status).toBe(403);
    expect((await subscriberRow(id))!.status).toBe("active");

    const res = await texted(" stop ");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/xml/);
    expect((await subscriberRow(id))!.status).toBe("unsubscribed");
    // Twilio's own opt-out reply says to text START to come back: that brings back what it followed.
    expect((await texted("START", phone, true)).status).toBe(403);
    expect((await subscriberRow(id))!.status).toBe("unsubscribed");
    expect((await texted("Start")).status).toBe(200);
    expect(await subscriberRow(id)).toMatchObject({ status: "active", unsubscribedAt: null });
    // A number that never confirmed is not subscribed by texting START: only its code confirms it.
    const stranger = uniquePhone();
    const strangerId = crypto.randomUUID();
    await db().insert(subscribers).values({ id: strangerId, channel: "sms", address: stranger, status: "unsubscribed", createdAt: Date.now(), updatedAt: Date.now(), unsubscribedAt: Date.now() });
    expect((await texted("UNSTOP", stranger)).status).toBe(200);
    expect((await subscriberRow(strangerId))!.status).toBe("unsubscribed");

    // Its code texted back confirms a number, and the reply says so; a wrong one gets no reply.
    const signing = uniquePhone();
    expect((await subscribe({ phone: signing })).status).toBe(202);
    const code = /(\d{6}) is your/.exec((await devOutbox().waitFor(signing))[0]!)![1]!;
    expect(await (await texted(code === "000000" ? "111111" : "000000", signing)).text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await (await texted(code, signing)).text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Subscribed to Beacon Test status updates. Reply STOP to unsubscribe.</Message></Response>');
    expect((await subscriberByAddress(signing))!.status).toBe("active");
  });

  it("does not let a STOP or a one-click read before the number signed up again end the new sign-up", async () => {
    const phone = uniquePhone();
    const id = crypto.randomUUID();
    await db().insert(subscribers).values({ id, channel: "sms", address: phone, status: "active", createdAt: Date.now(), updatedAt: Date.now(), confirmedAt: Date.now() });
    const before = (await subscriberRow(id))!;
    // Between the read and the write, the number leaves and is signed up again, by its next owner.
    await db().update(subscribers).set({ status: "unsubscribed", unsubscribedAt: Date.now() }).where(eq(subscribers.id, id));
    await aMinuteLater({ address: phone });
    expect((await subscribe({ phone })).status).toBe(202);
    const signedUp = (await subscriberRow(id))!;
    expect(signedUp).toMatchObject({ status: "pending", manageEpoch: before.manageEpoch + 1 });
    await unsubscribe(db(), before, Date.now());
    expect(await subscriberRow(id)).toMatchObject({ status: "pending", confirmTokenHash: signedUp.confirmTokenHash });
    // Read as it is now, the same request ends it.
    await unsubscribe(db(), signedUp, Date.now());
    expect((await subscriberRow(id))!.status).toBe("unsubscribed");
  });
});

describe("secrets at rest and channels without credentials", () => {
  it("keeps confirmation links and SMS codes out of stored deliveries and admin answers, yet sends working ones", async () => {
    const outbox = devOutbox();
    const email = uniqueEmail();
    const phone = uniquePhone();
    await subscribe({ email });
    await subscribe({ phone });
    const link = confirmLink((await outbox.waitFor(email))[0]!);
    const code = /(\d{6}) is your/.exec((await outbox.waitFor(phone))[0]!)![1]!;
    const token = new URL(link).searchParams.get("token")!;

    const stored = await db().select().from(deliveries).where(inArray(deliveries.recipient, [email, phone]));
    expect(stored).toHaveLength(2);
    for (const d of stored) {
      expect(d.bodyText).not.toContain(token);
      expect(d.bodyHtml ?? "").not.toContain(token);
      expect(d.bodyText).not.toContain(code);
    }
    const listed = (await json(await admin("GET", "/api/status/notifications?limit=500"))).deliveries.filter((d: any) => [email, phone].includes(d.recipient));
    expect(listed).toHaveLength(2);
    const shown = JSON.stringify(listed);
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(`${code} is your`);
    expect(shown).toContain("[confirmation link, sent only to the recipient]");
    expect(shown).toContain("[code, sent only to the recipient] is your");

    // What was sent still works.
    expect((await call("POST", path(link), { headers: { accept: "application/json" } })).status).toBe(200);
    expect((await call("POST", "/api/status/subscriptions/confirm/sms", { body: { phone, code }, headers: { "cf-connecting-ip": uniqueIp() } })).status).toBe(200);
    // Manage links in admin answers of later notifications are withheld too.
    await createIncident({ title: "Secrets stay home" });
    // Every subscriber of this file hears of it: wait for this one's delivery, then find it in the admin's
    // pages (deliveries of one event share a time, so it may be on any of them).
    const subscriber = await subscriberByAddress(email);
    const written = await vi.waitFor(
      async () => {
        const found = (await deliveriesFor(subscriber!.id)).find((d) => d.subject.includes("Secrets stay home"));
        if (!found) throw new Error("waiting for the notice");
        return found;
      },
      { timeout: 20_000, interval: 100 },
    );
    let notice: any;
    for (let cursor = ""; !notice; ) {
      const listed = await json(await admin("GET", `/api/status/notifications?limit=500${cursor && `&cursor=${cursor}`}`));
      notice = listed.deliveries.find((d: any) => d.id === written.id);
      if (!listed.next_cursor) break;
      cursor = encodeURIComponent(listed.next_cursor);
    }
    expect(notice.body_text).toContain("Unsubscribe: [unsubscribe link, sent only to the recipient]");
    expect(notice.body_html).not.toMatch(/token=/);
  });

  it("turns a channel without complete credentials off outside local dev, and says so in the health check", async () => {
    const deployed = { LOCAL_DEV: undefined, RESEND_API_KEY: "re_live_key" };
    const signUp = (body: Record<string, unknown>, extra: Partial<Bindings> = deployed) =>
      callWith(extra, "POST", "/api/status/subscriptions", { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const email = await signUp({ email: uniqueEmail() });
    expect(email.status).toBe(400);
    const off = "Email notifications are off on this page: EMAIL_FROM is not configured.";
    expect(await json(email)).toEqual({ error: { code: "bad_request", message: off, hint: off } });
    const sms = await signUp({ phone: uniquePhone() });
    expect((await json(sms)).error.message).toBe("SMS notifications are off on this page: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM are not configured.");
    expect((await signUp({ webhook: `https://hooks.example.org/${crypto.randomUUID()}` })).status).toBe(202);
    expect((await signUp({ email: uniqueEmail() }, { ...deployed, EMAIL_FROM: "Status <status@example.com>" })).status).toBe(202);

    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ data: [] }));
    const health = await callWith(deployed, "POST", "/api/status/health-check", { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect(health.status).toBe(200);
    expect((await json(health)).notification_channels).toEqual({
      email: { state: "off", missing: ["EMAIL_FROM"] },
      sms: { state: "off", missing: ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"] },
      webhook: { state: "on" },
    });
    const local = await callWith({}, "POST", "/api/status/health-check", { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect((await json(local)).notification_channels.email).toEqual({ state: "dev-outbox", missing: ["RESEND_API_KEY", "EMAIL_FROM"] });
  });
});

describe("webhook subscriptions", () => {
  /** Signs an endpoint up and hands its ping to a receiver that answers with `answer(ping)`. */
  async function pingEndpoint(answer: (ping: any) => Response | Promise<Response>) {
    const { sent, queue } = recordingQueue();
    const url = `https://hooks.example.org/${crypto.randomUUID()}`;
    const ctx = createExecutionContext();
    const testEnv = { ...env, NOTIFY_QUEUE: queue };
    const res = await app.fetch(
      new Request(`${BASE}/api/status/subscriptions`, { method: "POST", body: JSON.stringify({ webhook: url }), headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() } }),
      testEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(202);
    const subscriber = await subscriberByAddress(url);
    expect(subscriber!.status).toBe("pending");
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => answer(JSON.parse(String((init as RequestInit).body))));
    await deliverMessages(testEnv, sent);
    const [req] = await captured(spy);
    return { url, req: req!, subscriber: subscriber! };
  }

  it("sends a signed ping carrying the secret; an answer echoing its challenge confirms the endpoint", async () => {
    const { url, req, subscriber } = await pingEndpoint((ping) => Response.json({ challenge: ping.data.challenge }));
    expect(req.url).toBe(url);
    const ping = JSON.parse(req.body);
    expect(ping.type).toBe("subscription.ping");
    expect(ping.data.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(ping.data.challenge).toMatch(/^[\w-]{43}$/);
    expect(ping.data.manage_url).toMatch(/^https:\/\/status\.example\.com\/api\/status\/subscriptions\/manage\?token=/);
    const secretBytes = Uint8Array.from(atob(ping.data.secret.slice(6)), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", secretBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const signed = `${req.headers.get("webhook-id")}.${req.headers.get("webhook-timestamp")}.${req.body}`;
    const expected = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signed)))));
    expect(req.headers.get("webhook-signature")).toBe(`v1,${expected}`);
    expect((await subscriberRow(subscriber.id))!.status).toBe("active");
    // Neither the secret nor the challenge is kept in the delivery, nor shown to an admin.
    const [stored] = await deliveriesFor(subscriber.id);
    expect(stored!.bodyText).not.toContain(ping.data.secret);
    expect(stored!.bodyText).not.toContain(ping.data.challenge);
    const listed = (await json(await admin("GET", "/api/status/notifications?channel=webhook&limit=500"))).deliveries.find((d: any) => d.subscriber_id === subscriber.id);
    expect(listed.body_text).not.toContain(ping.data.secret);
    expect(listed.body_text).toContain("[signing secret, sent only to the endpoint]");
  });

  it("stops a ping's retries once the endpoint is confirmed with its code, and an old ping never confirms an endpoint its owner left", async () => {
    // The receiver is down: the ping is retried.
    const { sent, queue } = recordingQueue();
    const testEnv = { ...env, NOTIFY_QUEUE: queue };
    const signUp = async (url: string) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(`${BASE}/api/status/subscriptions`, { method: "POST", body: JSON.stringify({ webhook: url }), headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() } }), testEnv, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(202);
      return (await subscriberByAddress(url))!;
    };
    const url = `https://hooks.example.org/${crypto.randomUUID()}`;
    const subscriber = await signUp(url);
    let challenge = "";
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
      challenge = JSON.parse(String((init as RequestInit).body)).data.challenge;
      throw new TypeError("Network connection lost.");
    });
    const pings = sent.splice(0);
    expect((await deliverMessages(testEnv, pings)).retryMessages).toHaveLength(1);
    expect((await subscriberRow(subscriber.id))!.failingSince).not.toBeNull();
    // Its owner pastes the challenge from their logs: confirmed, with no failures to its name (the ping's were
    // not the endpoint's record), and the ping is not sent again.
    expect((await call("POST", "/api/status/subscriptions/confirm/webhook", { body: { webhook: url, code: challenge }, headers: { "cf-connecting-ip": uniqueIp() } })).status).toBe(200);
    expect(await subscriberRow(subscriber.id)).toMatchObject({ status: "active", consecutiveFailures: 0, failingSince: null });
    spy.mockClear();
    await deliverMessages(testEnv, pings, { attempts: 2 });
    expect(spy).not.toHaveBeenCalled();
    expect((await deliveriesFor(subscriber.id))[0]).toMatchObject({ status: "skipped" });

    // Another endpoint signs up, and its owner leaves before the ping gets through: an echo then confirms nothing.
    const other = `https://hooks.example.org/${crypto.randomUUID()}`;
    const leaving = await signUp(other);
    const otherPings = sent.splice(0);
    await deliverMessages(testEnv, otherPings);
    await db().update(subscribers).set({ status: "unsubscribed", unsubscribedAt: Date.now() }).where(eq(subscribers.id, leaving.id));
    spy.mockImplementation(async (_input, init) => Response.json({ challenge: JSON.parse(String((init as RequestInit).body)).data.challenge }));
    spy.mockClear();
    await deliverMessages(testEnv, otherPings, { attempts: 2 });
    expect(spy).not.toHaveBeenCalled();
    expect((await subscriberRow(leaving.id))!.status).toBe("unsubscribed");
  });

  it("does not confirm an endpoint its owner leaves while the ping is on its way, though the answer echoes it", async () => {
    const { subscriber } = await pingEndpoint(async (ping) => {
      // The owner follows the ping's manage link and unsubscribes before the receiver's answer comes back.
      const left = await call("POST", path(ping.data.manage_url.replace("/manage?", "/unsubscribe?")), { headers: { accept: "application/json" } });
      expect(left.status).toBe(200);
      return Response.json({ challenge: ping.data.challenge });
    });
    expect((await deliveriesFor(subscriber.id))[0]!.status).toBe("sent");
    expect(await subscriberRow(subscriber.id)).toMatchObject({ status: "unsubscribed", confirmedAt: null });
  });

  it("does not confirm an endpoint that answers 2xx without echoing the challenge", async () => {
    for (const answer of [() => new Response(null, { status: 204 }), () => Response.json({ ok: true }), () => new Response("wrong-challenge")]) {
      const { subscriber } = await pingEndpoint(answer);
      expect((await subscriberRow(subscriber.id))!.status).toBe("pending");
      const [delivery] = await deliveriesFor(subscriber.id);
      expect(delivery).toMatchObject({ status: "failed" });
      expect(delivery!.lastError).toContain("without echoing the challenge");
    }
    // The plain text challenge is accepted too.
    const { subscriber } = await pingEndpoint((ping) => new Response(ping.data.challenge));
    expect((await subscriberRow(subscriber.id))!.status).toBe("active");
  });

  it("counts an endpoint as one address however its URL is spelt, so respelling it gets no more than three pings a day", async () => {
    const { queue } = recordingQueue();
    const signUp = async (webhook: string) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`${BASE}/api/status/subscriptions`, { method: "POST", body: JSON.stringify({ webhook }), headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() } }),
        { ...env, NOTIFY_QUEUE: queue },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status, webhook).toBe(202);
    };
    const endpointRows = (host: string) => db().select().from(subscribers).where(like(subscribers.address, `%${host.toLowerCase()}%`));

    // A fragment never reaches the server.
    const fragHost = `frag-${crypto.randomUUID().slice(0, 8)}.example.net`;
    for (let i = 1; i <= 6; i++) {
      await signUp(`https://${fragHost}/hook#${i}`);
      await aMinuteLater({ address: `https://${fragHost}/hook` });
    }
    const [fragged, ...moreFragged] = await endpointRows(fragHost);
    expect(moreFragged).toEqual([]);
    expect(fragged!.address).toBe(`https://${fragHost}/hook`);
    expect(await deliveriesFor(fragged!.id)).toHaveLength(3);

    // Case in the scheme and host, the default port, no slashes after the scheme, a trailing dot: one host.
    const host = `hooks-${crypto.randomUUID().slice(0, 8)}.example.com`;
    for (const webhook of [`https://${host}/beacon`, `HTTPS://${host.toUpperCase()}/beacon`, `https://${host}:443/beacon`, `https:${host}/beacon`, `https://${host}./beacon`]) {
      await signUp(webhook);
      await aMinuteLater({ address: `https://${host}/beacon` });
    }
    const [respelt, ...moreRespelt] = await endpointRows(host);
    expect(moreRespelt).toEqual([]);
    expect(respelt!.address).toBe(`https://${host}/beacon`);
    expect(await deliveriesFor(respelt!.id)).toHaveLength(3);
    // Every ping goes to that one spelling.
    expect(new Set((await deliveriesFor(respelt!.id)).map((d) => d.recipient))).toEqual(new Set([`https://${host}/beacon`]));

    // The path and query are the receiver's: kept as sent, so another path or query is another endpoint.
    await signUp(`https://${host}/Beacon?b=2&a=1`);
    expect((await endpointRows(host)).map((row) => row.address).sort()).toEqual([`https://${host}/Beacon?b=2&a=1`, `https://${host}/beacon`]);
  });

  it("confirms an endpoint by its normal spelling whichever one its owner types, and shows that spelling", async () => {
    const { sent, queue } = recordingQueue();
    const testEnv = { ...env, NOTIFY_QUEUE: queue };
    const host = `hooks-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const url = `https://${host}/beacon?v=1`;
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`${BASE}/api/status/subscriptions`, { method: "POST", body: JSON.stringify({ webhook: `HTTPS://${host.toUpperCase()}.:443/beacon?v=1#top` }), headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() } }),
      testEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(202);
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 204 }));
    await deliverMessages(testEnv, sent);
    expect(spy.mock.calls.map(([input]) => String(input))).toEqual([url]);
    const challenge = JSON.parse(String((spy.mock.calls[0]![1] as RequestInit).body)).data.challenge;
    spy.mockRestore();

    const pasted = await call("POST", "/api/status/subscriptions/confirm/webhook", { body: { webhook: `https:${host}:443/beacon?v=1#pasted`, code: challenge }, headers: { "cf-connecting-ip": uniqueIp() } });
    expect(pasted.status).toBe(200);
    const view = await json(pasted);
    expect(view).toMatchObject({ channel: "webhook", address: url, status: "active" });
    const manage = await call("GET", path(view.manage_url), { headers: { accept: "application/json" } });
    expect(await json(manage)).toMatchObject({ address: url });
    expect(await (await call("GET", path(view.manage_url))).text()).toContain(`<strong>${url}</strong>`);
  });

  it("confirms an endpoint that cannot echo when its owner pastes the ping's challenge", async () => {
    const { url, req, subscriber } = await pingEndpoint(() => new Response(null, { status: 204 }));
    const challenge = JSON.parse(req.body).data.challenge;
    const paste = (code: string) => call("POST", "/api/status/subscriptions/confirm/webhook", { body: { webhook: url, code }, headers: { "cf-connecting-ip": uniqueIp() } });
    const wrong = await paste(challenge.replace(/^./, (ch: string) => (ch === "A" ? "B" : "A")));
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).error.message).toContain("The code is wrong or expired");
    // An endpoint never signed up is refused with the same words and the same work as this pending one.
    const stranger = await call("POST", "/api/status/subscriptions/confirm/webhook", { body: { webhook: `${url}-other`, code: challenge }, headers: { "cf-connecting-ip": uniqueIp() } });
    expect(stranger.status).toBe(400);
    expect(stranger.headers.get("x-d1-queries")).toBe(wrong.headers.get("x-d1-queries"));
    expect((await json(stranger)).error.message).toContain("The code is wrong or expired");
    expect((await subscriberRow(subscriber.id))!.status).toBe("pending");
    const right = await paste(challenge);
    expect(right.status).toBe(200);
    expect(await json(right)).toMatchObject({ channel: "webhook", address: url, status: "active" });
    // Pasted again (or after its echo confirmed it): the owner is told it is subscribed, not that the code is wrong.
    const again = await paste(challenge);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ channel: "webhook", address: url, status: "active", already_subscribed: true });
    // Only that challenge tells it, and a wrong one costs the same work as for an endpoint never subscribed.
    const guessed = await paste(challenge.replace(/^./, (ch: string) => (ch === "A" ? "B" : "A")));
    expect([guessed.status, (await json(guessed)).error.message]).toEqual([400, expect.stringContaining("The code is wrong or expired")]);
    expect(guessed.headers.get("x-d1-queries")).toBe(stranger.headers.get("x-d1-queries"));
  });
});

describe("admin notifications", () => {
  it("refuses anyone but an admin", async () => {
    expect((await call("GET", "/api/status/notifications")).status).toBe(401);
    expect((await call("GET", "/api/status/notifications", { token: "not.a.jwt" })).status).toBe(401);
    expect((await call("GET", "/api/status/notifications", { token: await adminToken({ ttlSeconds: -60 }) })).status).toBe(401);
    expect((await call("GET", "/api/status/notifications", { token: await adminToken({ role: null }) })).status).toBe(403);
    expect((await call("DELETE", `/api/status/notifications/subscribers/${crypto.randomUUID()}`, { token: await adminToken({ role: "member" }) })).status).toBe(403);
  });

  it("lists deliveries with their details, counts subscribers, and removes one", async () => {
    const email = uniqueEmail();
    await subscribe({ email });
    const [delivery] = await adminDeliveriesTo(email);
    expect(Object.keys(delivery)).toEqual(
      expect.arrayContaining(["channel", "recipient", "subject", "body_text", "body_html", "status", "attempts", "last_error", "created_at", "sent_at"]),
    );
    const body = await json(await admin("GET", "/api/status/notifications?channel=email&status=sent&limit=5"));
    expect(body.deliveries.length).toBeLessThanOrEqual(5);
    expect(body.deliveries.every((d: any) => d.channel === "email" && d.status === "sent")).toBe(true);
    expect(body.subscriber_counts.email.pending).toBeGreaterThanOrEqual(1);
    expect(body.delivery_counts.sent).toBeGreaterThanOrEqual(1);
    expect((await admin("GET", "/api/status/notifications?limit=0")).status).toBe(400);
    expect((await admin("GET", "/api/status/notifications?cursor=yesterday")).status).toBe(400);
    // Pages follow one another without gaps or repeats, even where deliveries share a creation time.
    const all = (await json(await admin("GET", "/api/status/notifications?limit=500"))).deliveries.map((d: any) => d.id);
    const page1 = await json(await admin("GET", "/api/status/notifications?limit=2"));
    const page2 = await json(await admin("GET", `/api/status/notifications?limit=2&cursor=${page1.next_cursor}`));
    expect([...page1.deliveries, ...page2.deliveries].map((d: any) => d.id)).toEqual(all.slice(0, 4));

    const subscriber = body.subscribers.find((s: any) => s.address === email);
    expect(subscriber).toMatchObject({ channel: "email", status: "pending" });
    expect((await admin("DELETE", `/api/status/notifications/subscribers/${subscriber.id}`)).status).toBe(204);
    expect((await admin("DELETE", `/api/status/notifications/subscribers/${subscriber.id}`)).status).toBe(404);
    expect((await admin("DELETE", "/api/status/notifications/subscribers/not-a-uuid")).status).toBe(400);
    expect(await subscriberByAddress(email)).toBeUndefined();
    // Its history stays for the admin.
    expect((await db().select().from(deliveries).where(eq(deliveries.recipient, email))).length).toBe(1);
  });

  it("lists subscribers by channel and status, a page at a time", async () => {
    const hooks = [await activeSubscriber("webhook"), await activeSubscriber("webhook"), await activeSubscriber("webhook")];
    await activeSubscriber("email");
    // Signed up in one moment: pages must still follow one another without gaps or repeats.
    await db().update(subscribers).set({ createdAt: Date.now() - 60_000 }).where(inArray(subscribers.id, hooks.map((h) => h.id)));

    // The overview's channel filter holds for its subscribers as for its deliveries.
    const overview = await json(await admin("GET", "/api/status/notifications?channel=webhook"));
    expect(overview.subscribers.map((s: any) => s.id)).toEqual(expect.arrayContaining(hooks.map((h) => h.id)));
    expect(overview.subscribers.every((s: any) => s.channel === "webhook")).toBe(true);
    expect(overview.subscribers_next_cursor).toBeNull();
    // There `status` is a delivery's; the refusal says where subscribers are filtered by theirs.
    const refused = await admin("GET", "/api/status/notifications?status=active");
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.details[0]).toMatchObject({ path: "status", message: expect.stringContaining("/api/status/subscribers") });

    const all = (await json(await admin("GET", "/api/status/subscribers?channel=webhook&status=active&limit=500"))).subscribers;
    expect(all.map((s: any) => s.id)).toEqual(expect.arrayContaining(hooks.map((h) => h.id)));
    expect(all.every((s: any) => s.channel === "webhook" && s.status === "active")).toBe(true);
    expect(all[0]).toEqual(overview.subscribers.find((s: any) => s.id === all[0].id));
    const page1 = await json(await admin("GET", "/api/status/subscribers?channel=webhook&status=active&limit=2"));
    const page2 = await json(await admin("GET", `/api/status/subscribers?channel=webhook&status=active&limit=2&cursor=${page1.next_cursor}`));
    expect([...page1.subscribers, ...page2.subscribers].map((s: any) => s.id)).toEqual(all.slice(0, 4).map((s: any) => s.id));
    expect((await json(await admin("GET", "/api/status/subscribers?status=unsubscribed&channel=email"))).subscribers.every((s: any) => s.status === "unsubscribed")).toBe(true);
    for (const query of ["status=sent", "channel=pigeon", "limit=0", "limit=501", "cursor=yesterday"]) {
      const res = await admin("GET", `/api/status/subscribers?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json(res)).error.code, query).toBe("validation_failed");
    }
    expect((await call("GET", "/api/status/subscribers")).status).toBe(401);
    expect((await call("GET", "/api/status/subscribers", { token: await adminToken({ role: "member" }) })).status).toBe(403);
    // Every admin list reads limit= as the public ones do: as written, with the same words.
    const component = DEFAULT_COMPONENTS.api;
    for (const path of ["/api/status/subscribers", "/api/status/notifications", "/api/status/dev-outbox", `/api/status/components/${component}/checks`]) {
      for (const limit of ["abc", "1.5", "1e2", "0x10", " 5"]) {
        const res = await admin("GET", `${path}?limit=${encodeURIComponent(limit)}`);
        expect(res.status, `${path} ${limit}`).toBe(400);
        expect((await json(res)).error.details[0], `${path} ${limit}`).toMatchObject({ path: "limit", code: "invalid_format", message: "must be a whole number" });
      }
      expect((await admin("GET", `${path}?limit=2`)).status, path).toBe(200);
    }
    // A page of a list of a hundred thousand reads a page of rows in order, not the whole table and a sort.
    for (const filter of [{}, { channel: "webhook" as const }, { status: "active" as const }, { channel: "webhook" as const, status: "active" as const, after: { at: Date.now(), id: hooks[0]!.id } }]) {
      const query = listSubscribers(db(), { limit: 50, ...filter }).toSQL();
      const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).bind(...query.params).all<{ detail: string }>()).results.map((r) => r.detail).join("; ");
      expect(plan).toMatch(/USING INDEX subscribers_(status_|channel_)?created_idx/);
      expect(plan).not.toContain("TEMP B-TREE");
    }
  });

  it("goes on from the overview's 500 subscribers to the rest of them", async () => {
    const at = Date.now() - 7_200_000;
    const rows = Array.from({ length: 502 }, (_, i) => ({ id: crypto.randomUUID(), channel: "sms" as const, address: `+1555${String(i).padStart(7, "0")}`, status: "disabled" as const, createdAt: at, updatedAt: at }));
    const d = db();
    await runBatch(d, chunkRows(rows, 20).map((chunk) => d.insert(subscribers).values(chunk)));
    try {
      const overview = await json(await admin("GET", "/api/status/notifications?channel=sms"));
      expect(overview.subscribers).toHaveLength(500);
      expect(overview.subscribers.every((s: any) => s.channel === "sms")).toBe(true);
      const rest = await json(await admin("GET", `/api/status/subscribers?channel=sms&limit=500&cursor=${overview.subscribers_next_cursor}`));
      const seen = [...overview.subscribers, ...rest.subscribers].map((s: any) => s.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(rows.map((r) => r.id)));
    } finally {
      await d.delete(subscribers).where(and(eq(subscribers.channel, "sms"), eq(subscribers.createdAt, at)));
    }
  });
});
