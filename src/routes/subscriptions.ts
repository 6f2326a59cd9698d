import { inPageOrder } from "../domain/page-order";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { createDb, type Database } from "../db/client";
import { runBatch } from "../db/batch";
import { assertComponentsExist } from "../domain/components";
import { findSubscriber, findSubscriberById, setSubscriberComponents, subscriberComponentIds, updateSubscriber, type SubscriberRow } from "../db/queries/subscriptions";
import { pageName, type AppEnv } from "../env";
import { asksForHtml, limitPerClient } from "../http/client";
import { ApiError, badRequest, conflict } from "../errors";
import { DEFAULT_SMS_COUNTRY_CODES, smsAllowed, webhookUrlProblem } from "../notify/address";
import { channelOffError, channelState } from "../notify/channels";
import { constantTimeEqual } from "../crypto";
import { tokenSigner, twilioSignature } from "../notify/crypto";
import { enqueueDeliveries } from "../notify/fan-out";
import { pageUrl, subscriptionLink } from "../notify/links";
import { escapeHtml } from "../notify/render";
import { awaitsThisConfirmation, confirmAddress, confirmSubscription, requestSubscription, sentConfirmationSecret, resubscribe, subscriberForToken, unsubscribe } from "../notify/subscribe";
import { verifyTurnstile } from "../notify/turnstile";
import { formatTime, refusedField, subscribeRefusal, type SubscribeTypedField } from "../page/format";
import { smsCodeBody, webhookCodeBody, subscribeBody, subscriptionPreferencesBody, subscriptionTokenQuery, twilioInboundForm } from "../schemas";
import { publicSnapshot } from "../snapshot/store";
import { uuid, validate } from "../validation";
import { cutText } from "../text/cut";
import { pageTimeZone } from "../uptime/days";

const STOP_WORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]);
/** Twilio's opt-in keywords: what its own reply to a STOP tells people to text to come back. */
const START_WORDS = new Set(["START", "UNSTOP", "YES"]);

/** Twilio's answer to an inbound text: a reply to send, or none. */
const twiml = (reply: string | null) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?><Response>${reply === null ? "" : `<Message>${escapeHtml(reply)}</Message>`}</Response>`, {
    headers: { "content-type": "text/xml; charset=utf-8" },
  });

/** An id no subscriber has: what a lookup made for an address nobody subscribed asks about. */
const NO_SUBSCRIBER = "00000000-0000-0000-0000-000000000000";

const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? null;
const wantsJson = (c: Context<AppEnv>) => (c.req.header("accept") ?? "").includes("application/json");
/**
 * A refusal is a page only for a client that asks for HTML (a browser), as the rest of the app answers:
 * curl, mail clients posting one-click unsubscribes and API clients get the JSON error.
 */
const wantsPage = (c: Context<AppEnv>) => !wantsJson(c) && asksForHtml(c);

/** Per-client limit (SIGNUP_LIMITER) for anything that sends a message or guesses a code. */
const limitSignUps = (c: Context<AppEnv>, what: string) =>
  limitPerClient(c, c.env.SIGNUP_LIMITER, what, "Too many requests from your address; try again in a minute.");

/** An email confirmation link reads D1 to check its secret, so a client may open only so many a minute. */
const limitConfirmLinks: MiddlewareHandler<AppEnv> = async (c, next) => {
  await limitSignUps(c, "confirm-link");
  await next();
};

// Inline styles only, forms only to this origin, never framed (a framed unsubscribe button is a clickjacking target).
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A small, fully escaped HTML page for people who follow a link from an email. */
function htmlPage(c: Context<AppEnv>, title: string, body: string, status: 200 | 400 | 409 = 200) {
  const name = escapeHtml(pageName(c.env));
  return c.html(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${name}</title>
<style>:root{color-scheme:light dark}body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#111;background:#fff}button{font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid #111;background:#111;color:#fff;cursor:pointer}form[action^=unsubscribe] button{background:transparent;color:inherit}label{display:block;margin:.25rem 0}a{color:inherit}body,fieldset{overflow-wrap:anywhere;min-width:0}@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}button{border-color:#e6edf3;background:#e6edf3;color:#0d1117}}</style></head>
<body><header><p><a href="${escapeHtml(pageUrl(c.env))}/">${name} status</a></p></header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    status,
    { "content-security-policy": PAGE_POLICY },
  );
}

/**
 * Every refusal of an SMS code, whether the number awaits a code, never signed up or is subscribed: telling
 * these apart would tell anyone whether a number has a pending sign-up. It serves a person who mistyped
 * the code and one whose code expired or took its last attempt alike.
 */
const WRONG_SMS_CODE = "The code is wrong or expired: check it and try again, or subscribe again for a new one.";

const BAD_LINK = "This link is not valid. Use the newest link you received, or subscribe again.";

const EXPIRED_CONFIRMATION = "This confirmation link is invalid, already used or expired.";

const NOTHING_TICKED = "Tick at least one component to follow. To stop every update, use Unsubscribe instead.";

/** Preferences are kept for an address that left, but nothing is sent to it: saving them would mislead. */
const LEFT = "This address is unsubscribed and receives nothing. To receive updates again, subscribe on the status page.";

const subscribeAgain = (c: Context<AppEnv>) =>
  `<p>${escapeHtml(LEFT)}</p><p><a href="${escapeHtml(pageUrl(c.env))}/#subscribe">Subscribe again</a></p>`;

const badLinkPage = (c: Context<AppEnv>) => htmlPage(c, "Link not valid", `<p>${escapeHtml(BAD_LINK)}</p>`, 400);

/**
 * A link whose token is missing or mangled (a mail client that cut it short, a partial copy), opened in a
 * browser: the page a wrong token gets, not the API's JSON refusal, which other clients get for both.
 */
const linkFromBrowser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tokens = c.req.queries("token") ?? [];
  const readable = tokens.length === 1 && subscriptionTokenQuery.safeParse({ token: tokens[0] }).success;
  if (!readable && wantsPage(c)) return badLinkPage(c);
  await next();
};

/**
 * A confirmation link opened again after it did its work, while the subscription it confirmed stands: no
 * error, and the way to the preferences (for a client asking for JSON, the subscription, saying so).
 */
async function alreadySubscribed(c: Context<AppEnv>, subscriber: SubscriberRow | undefined, secret: string, answerJson: boolean) {
  if (subscriber?.channel !== "email" || subscriber.status !== "active" || !(await sentConfirmationSecret(c.env, c.var.db, subscriber, secret))) return null;
  const view = await subscriptionView(c, subscriber);
  if (answerJson) return c.json({ ...view, already_subscribed: true });
  return htmlPage(
    c,
    "You are already subscribed",
    `<p>Status updates already go to <strong>${escapeHtml(subscriber.address)}</strong>; this link has done its work.</p>
<p><a href="${escapeHtml(view.manage_url)}">Manage your subscription</a></p>`,
  );
}

async function subscriberForManageToken(c: Context<AppEnv>, token: string): Promise<SubscriberRow | null> {
  const signed = await (await tokenSigner(c.env)).readManageToken(token);
  const subscriber = signed ? await findSubscriberById(c.var.db, signed.id) : undefined;
  // A link from before the address signed up again (perhaps by someone new) no longer manages it.
  return signed && subscriber?.manageEpoch === signed.epoch ? subscriber : null;
}

async function subscriptionView(c: Context<AppEnv>, s: SubscriberRow) {
  const token = await (await tokenSigner(c.env)).manageToken(s.id, s.manageEpoch);
  return {
    id: s.id,
    channel: s.channel,
    address: s.address,
    status: s.status,
    all_components: s.allComponents,
    components: s.allComponents ? [] : await subscriberComponentIds(c.var.db, s.id),
    component_changes: s.componentChanges,
    manage_url: subscriptionLink(c.env, "manage", token),
    unsubscribe_url: subscriptionLink(c.env, "unsubscribe", token),
  };
}

async function savePreferences(db: Database, s: SubscriberRow, prefs: { components?: string[]; component_changes?: boolean }, now: number) {
  if (prefs.components) await assertComponentsExist(db, prefs.components, "components");
  await runBatch(db, [
    updateSubscriber(db, s.id, {
      ...(prefs.components ? { allComponents: prefs.components.length === 0 } : {}),
      ...(prefs.component_changes !== undefined ? { componentChanges: prefs.component_changes } : {}),
      updatedAt: now,
    }),
    ...(prefs.components ? setSubscriberComponents(db, s.id, prefs.components) : []),
  ]);
}

/**
 * Each refusal of a sign-up or of its code also said in a person's words (`error.hint`), as the status page
 * shows it with scripts and without: one place decides what someone filling in the form is told. A code
 * route knows its channel; for a sign-up it is the field the refusal names, if any.
 */
const inWords =
  (channel: SubscribeTypedField | "named"): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await next();
    const res = c.res;
    if (res.status < 400 || res.status >= 500 || !res.headers.get("content-type")?.startsWith("application/json")) return;
    const reply: unknown = await res.clone().json().catch(() => null);
    const error = typeof reply === "object" && reply !== null ? (reply as { error?: unknown }).error : undefined;
    if (typeof error !== "object" || error === null) return;
    const refused = error as { message?: string; details?: { path: string; message: string; code: string }[] };
    const field = channel !== "named" ? channel : (refusedField(refused.details) ?? "email");
    const timeZone = pageTimeZone(c.env);
    const hint = subscribeRefusal(refused, field, (ms) => formatTime(ms, timeZone));
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    // Unset first, or Hono would copy the old answer's headers onto the new one.
    c.res = undefined;
    c.res = new Response(JSON.stringify({ ...(reply as object), error: { ...refused, hint } }), { status: res.status, headers });
  };

export const subscriptions = new Hono<AppEnv>()
  .post(
    "/subscriptions",
    inWords("named"),
    async (c, next) => {
      await limitSignUps(c, "signup");
      await next();
    },
    validate("json", subscribeBody),
    async (c) => {
      const body = c.req.valid("json");
      await verifyTurnstile(c.env, body.turnstile_token, clientIp(c));
      const channel = body.email !== undefined ? "email" : body.phone !== undefined ? "sms" : "webhook";
      const address = body.email?.trim().toLowerCase() ?? body.phone ?? body.webhook!;
      const { state, missing } = channelState(c.env, channel);
      if (state === "off") throw badRequest(channelOffError(channel, missing));
      if (channel === "sms" && !smsAllowed(address, c.env.SMS_ALLOWED_COUNTRY_CODES)) {
        // "+1" alone is the United States and Canada: a Caribbean number under it is told so.
        const allowed = (c.env.SMS_ALLOWED_COUNTRY_CODES || DEFAULT_SMS_COUNTRY_CODES)
          .split(",")
          .map((code) => code.trim())
          .map((code) => (code.replace(/^\+?/, "+") === "+1" ? "+1 (the United States and Canada)" : code))
          .join(", ");
        throw badRequest("SMS is not available for this country code", [{ path: "phone", message: `SMS goes only to country codes ${allowed}`, code: "sms_country_not_allowed" }]);
      }
      if (channel === "webhook") {
        const problem = webhookUrlProblem(address);
        if (problem) throw new ApiError(400, "validation_failed", "Invalid request body", [{ path: "webhook", message: problem, code: "unsafe_url" }]);
      }
      const componentIds = body.components ?? [];
      await assertComponentsExist(c.var.db, componentIds, "components");
      // Answered before anything about the address is read or written, so a known address and a new one
      // take the same time. A confirmation recorded but not queued is sent later by the cron's sweep. Its
      // statements are not the request's (x-d1-queries counts what was done before the answer).
      const db = createDb(c.env.DB);
      c.executionCtx.waitUntil(
        requestSubscription(c.env, db, { channel, address, componentIds, componentChanges: body.component_changes }, Date.now())
          .then((queued) => enqueueDeliveries(c.env, queued))
          .catch((err) => console.error("could not record or queue a sign-up's confirmation", err)),
      );
      const next = {
        email: "Check your inbox for a confirmation link (valid for 48 hours).",
        sms: "We sent a 6-digit code by SMS; confirm it with POST /api/status/subscriptions/confirm/sms.",
        webhook: 'Your endpoint will receive a signed subscription.ping carrying its signing secret and a challenge: answer it with a 2xx and {"challenge": "<the challenge>"}, or post {"webhook", "code": "<the challenge>"} to /api/status/subscriptions/confirm/webhook.',
      }[channel];
      // The same answer whether or not the address was already subscribed.
      return c.json({ status: "pending", channel, message: `If this ${channel === "sms" ? "number" : channel === "email" ? "address" : "endpoint"} can be subscribed, confirmation is on its way. ${next}` }, 202);
    },
  )
  .get("/subscriptions/confirm", limitConfirmLinks, linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    const { token } = c.req.valid("query");
    const { subscriber, secret } = await subscriberForToken(c.var.db, token);
    // The confirmation page is one for people: the used link's answer is a page too, whatever was asked for.
    const used = await alreadySubscribed(c, subscriber, secret, false);
    if (used) return used;
    if (!subscriber || !(await awaitsThisConfirmation(c.env, subscriber, secret, Date.now()))) {
      if (!wantsPage(c)) throw badRequest(EXPIRED_CONFIRMATION);
      return badLinkPage(c);
    }
    // Confirming takes a click: link scanners that open every URL must not subscribe anyone.
    return htmlPage(
      c,
      "Confirm your subscription",
      `<p>Receive ${escapeHtml(pageName(c.env))} status updates at <strong>${escapeHtml(subscriber.address)}</strong>?</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}"><button type="submit">Confirm subscription</button></form>`,
    );
  })
  .post("/subscriptions/confirm", limitConfirmLinks, linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    const { token } = c.req.valid("query");
    const { subscriber, secret } = await subscriberForToken(c.var.db, token);
    const matches = await awaitsThisConfirmation(c.env, subscriber, secret, Date.now());
    const confirmed = matches ? await confirmSubscription(c.env, c.var.db, subscriber, secret, Date.now()) : null;
    if (!confirmed) {
      // Lost to a concurrent click of the same link: what that click made of the subscriber is what counts.
      const now = matches ? await findSubscriberById(c.var.db, subscriber!.id) : subscriber;
      const used = await alreadySubscribed(c, now, secret, wantsJson(c));
      if (used) return used;
      if (!wantsPage(c)) throw badRequest(EXPIRED_CONFIRMATION);
      return badLinkPage(c);
    }
    const view = await subscriptionView(c, confirmed);
    if (wantsJson(c)) return c.json({ ...view, already_subscribed: false });
    return htmlPage(
      c,
      "You are subscribed",
      `<p>Status updates will go to <strong>${escapeHtml(confirmed.address)}</strong>. Every message has a link to leave.</p>
<p><a href="${escapeHtml(view.manage_url)}">Choose which components you follow</a></p>`,
    );
  })
  .post(
    "/subscriptions/confirm/sms",
    inWords("phone"),
    async (c, next) => {
      await limitSignUps(c, "sms-code");
      await next();
    },
    validate("json", smsCodeBody),
    async (c) => {
      const { phone, code } = c.req.valid("json");
      const confirmed = await confirmAddress(c.env, c.var.db, "sms", phone, code, Date.now());
      if (!confirmed) throw badRequest(WRONG_SMS_CODE);
      return c.json(await subscriptionView(c, confirmed));
    },
  )
  .post(
    "/subscriptions/confirm/webhook",
    inWords("webhook"),
    async (c, next) => {
      await limitSignUps(c, "webhook-code");
      await next();
    },
    validate("json", webhookCodeBody),
    async (c) => {
      const { webhook, code } = c.req.valid("json");
      const confirmed = await confirmAddress(c.env, c.var.db, "webhook", webhook, code, Date.now());
      if (!confirmed) {
        // Its ping echoed (or this pasted) already: the challenge proves the endpoint's owner, who is told so.
        // Asked for any endpoint, subscribed or not, so that a wrong code costs the same work either way.
        const subscriber = await findSubscriber(c.var.db, "webhook", webhook);
        const sent = await sentConfirmationSecret(c.env, c.var.db, subscriber ?? { id: NO_SUBSCRIBER, channel: "webhook", manageEpoch: 0 }, code);
        if (sent && subscriber?.status === "active") return c.json({ ...(await subscriptionView(c, subscriber)), already_subscribed: true });
        throw badRequest("The code is wrong or expired. Subscribe the endpoint again for a new ping.");
      }
      return c.json(await subscriptionView(c, confirmed));
    },
  )
  .get("/subscriptions/manage", linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    const subscriber = await subscriberForManageToken(c, c.req.valid("query").token);
    if (!subscriber) {
      if (!wantsPage(c)) throw badRequest(BAD_LINK);
      return badLinkPage(c);
    }
    const view = await subscriptionView(c, subscriber);
    if (wantsJson(c)) return c.json(view);
    if (subscriber.status === "unsubscribed") return htmlPage(c, "You are unsubscribed", subscribeAgain(c));
    const snapshot = await publicSnapshot(c);
    const followed = new Set(view.components);
    // Every component a subscriber chose was deleted since (a form never saves none).
    const followsNothing = !view.all_components && !snapshot.components.some((comp) => followed.has(comp.id));
    const boxes = inPageOrder(snapshot.components)
      .map((comp) => `<label><input type="checkbox" name="components" value="${escapeHtml(comp.id)}"${view.all_components || followed.has(comp.id) ? " checked" : ""}> ${escapeHtml(comp.name)}</label>`)
      .join("");
    return htmlPage(
      c,
      "Your subscription",
      `<p>Updates go to <strong>${escapeHtml(subscriber.address)}</strong> (${escapeHtml(subscriber.status)}).</p>
${followsNothing ? `<p role="status"><strong>You follow no component now</strong>: what you followed was removed from this page, so only news about the whole page reaches you. Tick what to follow, or unsubscribe.</p>\n` : ""}<form method="post"><fieldset><legend>Components you follow (all ticked = everything, including new ones)</legend>${boxes}</fieldset>
<label><input type="checkbox" name="component_changes" value="true"${view.component_changes ? " checked" : ""}> Also tell me when a component's status changes on its own</label>
<p><button type="submit">Save</button></p></form>
<form method="post" action="unsubscribe?token=${escapeHtml(encodeURIComponent(c.req.valid("query").token))}"><button type="submit">Unsubscribe</button></form>`,
    );
  })
  .patch("/subscriptions/manage", validate("query", subscriptionTokenQuery), validate("json", subscriptionPreferencesBody), async (c) => {
    const subscriber = await subscriberForManageToken(c, c.req.valid("query").token);
    if (!subscriber) throw badRequest(BAD_LINK);
    if (subscriber.status === "unsubscribed") throw conflict(LEFT);
    await savePreferences(c.var.db, subscriber, c.req.valid("json"), Date.now());
    return c.json(await subscriptionView(c, (await findSubscriberById(c.var.db, subscriber.id))!));
  })
  .post("/subscriptions/manage", linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    // The HTML form on the manage page: every component ticked means "all", including ones added later.
    const subscriber = await subscriberForManageToken(c, c.req.valid("query").token);
    if (!subscriber) {
      if (!wantsPage(c)) throw badRequest(BAD_LINK);
      return badLinkPage(c);
    }
    const back = `<p><a href="${escapeHtml(subscriptionLink(c.env, "manage", c.req.valid("query").token))}">Back</a></p>`;
    if (subscriber.status === "unsubscribed") {
      if (!wantsPage(c)) throw conflict(LEFT);
      return htmlPage(c, "You are unsubscribed", subscribeAgain(c), 409);
    }
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
    const sent = ([] as unknown[]).concat(form.components ?? []).filter((v): v is string => typeof v === "string");
    // The page's form sends ids and "true" only: anything else is said for what it is. An id is read as the
    // API reads it (in capitals, the same component).
    const notAnId = sent.find((v) => !uuid.safeParse(v).success);
    const picked = sent.map((v) => v.toLowerCase());
    const why =
      notAnId !== undefined
        ? `${cutText(notAnId, 100)} is not a component id.`
        : form.component_changes !== undefined && form.component_changes !== "true"
          ? "component_changes is ticked (true) or left out."
          : null;
    if (why) {
      if (!wantsPage(c)) throw badRequest(why);
      return htmlPage(c, "Nothing saved", `<p>${escapeHtml(why)}</p>${back}`, 400);
    }
    const snapshot = await publicSnapshot(c);
    const known = new Set(snapshot.components.map((comp) => comp.id));
    const chosen = [...new Set(picked)].filter((id) => known.has(id));
    // Nothing ticked reads as "nothing", not as "everything": saying so beats widening the subscription.
    if (chosen.length === 0) {
      if (!wantsPage(c)) throw badRequest(NOTHING_TICKED);
      return htmlPage(c, "Nothing saved", `<p>${escapeHtml(NOTHING_TICKED)}</p>${back}`, 400);
    }
    const everything = snapshot.components.every((comp) => chosen.includes(comp.id));
    await savePreferences(c.var.db, subscriber, { components: everything ? [] : chosen, component_changes: form.component_changes === "true" }, Date.now());
    return htmlPage(c, "Saved", `<p>Your choices are saved.</p>${back}`);
  })
  .get("/subscriptions/unsubscribe", linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    const { token } = c.req.valid("query");
    const subscriber = await subscriberForManageToken(c, token);
    if (!subscriber) {
      if (!wantsPage(c)) throw badRequest(BAD_LINK);
      return badLinkPage(c);
    }
    if (subscriber.status === "unsubscribed") return htmlPage(c, "You are unsubscribed", subscribeAgain(c));
    // A GET only shows the button: link scanners and previews open URLs, and must not unsubscribe anyone.
    return htmlPage(
      c,
      "Unsubscribe",
      `<p>Stop sending ${escapeHtml(pageName(c.env))} status updates to <strong>${escapeHtml(subscriber.address)}</strong>?</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  })
  .post("/subscriptions/unsubscribe", linkFromBrowser, validate("query", subscriptionTokenQuery), async (c) => {
    // RFC 8058 one-click: mail clients POST here with no login; the signed token is the authority.
    const subscriber = await subscriberForManageToken(c, c.req.valid("query").token);
    if (!subscriber) {
      if (!wantsPage(c)) throw badRequest(BAD_LINK);
      return badLinkPage(c);
    }
    await unsubscribe(c.var.db, subscriber, Date.now());
    if (wantsJson(c)) return c.json({ status: "unsubscribed" });
    return htmlPage(c, "You are unsubscribed", `<p><strong>${escapeHtml(subscriber.address)}</strong> will receive no more updates.</p>`);
  })
  .post("/subscriptions/sms/inbound", validate("form", twilioInboundForm), async (c) => {
    // Twilio's inbound-message webhook. Only a request signed with our auth token is believed.
    if (!c.env.TWILIO_AUTH_TOKEN) throw new ApiError(404, "not_found", "SMS is not configured on this page");
    const form = c.req.valid("form");
    const params = Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
    const expected = await twilioSignature(c.env.TWILIO_AUTH_TOKEN, c.req.url, params);
    if (!constantTimeEqual(expected, c.req.header("x-twilio-signature") ?? "")) throw new ApiError(403, "forbidden", "The Twilio signature does not match.");
    const word = form.Body.trim().toUpperCase();
    const subscriber = await findSubscriber(c.var.db, "sms", form.From);
    if (subscriber && STOP_WORDS.has(word)) await unsubscribe(c.var.db, subscriber, Date.now());
    else if (subscriber && START_WORDS.has(word)) await resubscribe(c.var.db, subscriber, Date.now());
    else if (subscriber && /^\d{6}$/.test(word) && subscriber.status !== "active") {
      // Said back, so that whoever texted the code knows it worked (Twilio answers STOP and START itself).
      if (await confirmSubscription(c.env, c.var.db, subscriber, word, Date.now())) return twiml(`Subscribed to ${pageName(c.env)} status updates. Reply STOP to unsubscribe.`);
    }
    return twiml(null);
  });
