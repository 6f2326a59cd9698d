import { Hono, type Context } from "hono";
import * as z from "zod";
import { loadIncidentView, mayBeOlderIncident } from "../snapshot/incident-view";
import { asksForHtml, limitPerClient } from "../http/client";
import type { AppEnv } from "../env";
import { ApiError, type ErrorDetail } from "../errors";
import { pageUrl } from "../notify/links";
import { assets, faviconSvg } from "../page/assets";
import { renderComponent } from "../page/component-page";
import type { RefusedSignUp } from "../page/parts";
import { refusedField, SUBSCRIBE_CODE_STEP } from "../page/format";
import { HISTORY_PAGES, renderCodeStep, renderHistory, renderHome, renderIncident, renderMaintenance, renderMessage, renderSubscribed, renderSubscribeRefused } from "../page/pages";
import { sendFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { holdsIncident } from "../snapshot/codec";
import type { Snapshot } from "../snapshot/types";
import { uuid } from "../validation";

const HTML = "text/html; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Pages are revalidated on every visit (a 304 from memory when nothing changed): a copy kept for a few seconds
 * would show someone who came back after an incident opened or resolved a page the live socket only partly
 * corrects (the banner and the open incidents, not the history or the bars).
 */
const PAGE_CACHE = "public, no-cache, stale-if-error=86400";

const sendPage = (c: Context<AppEnv>, snapshot: Snapshot, key: string, render: () => string) =>
  sendFromSnapshot(c, snapshot, { key: `page:${key}`, contentType: HTML, cacheControl: PAGE_CACHE, render });

/** The page's id, lowered as the API lowers it; null when it is no UUID (the page then answers 404). */
const pathId = (c: Context<AppEnv>) => uuid.safeParse(c.req.param("id")).data ?? null;

/**
 * An address no route answers, asked for by a browser (a mistyped link): the site's own 404 page rather than
 * the API's JSON. API paths, and clients that do not ask for HTML, get the JSON error.
 */
export async function unknownPage(c: Context<AppEnv>): Promise<Response | null> {
  if (c.req.method !== "GET" || c.req.path.startsWith("/api/") || !asksForHtml(c)) return null;
  const snapshot = await publicSnapshot(c);
  return c.html(renderMessage(snapshot, "Page not found", "There is no page at this address."), 404);
}

const notFoundPage = (c: Context<AppEnv>, snapshot: Snapshot, what: string) =>
  c.html(renderMessage(snapshot, `${what} not found`, `There is no ${what.toLowerCase()} at this address.`), 404);

/** `?page=`: a number from 1; past the last page of history there is nothing (404), not a mistake (400). */
export const historyQuery = z.object({
  page: z.string().regex(/^\d+$/, "must be a page number").transform(Number).pipe(z.number().min(1, "must be at least 1")).default(1),
});

/** The subscribe form as the subscriptions API's JSON body (the form posts here when scripts do not run). */
type SignUpForm = Record<string, string | File | (string | File)[]>;
const SIGN_UP_CHANNELS = ["email", "phone", "webhook"] as const;
const formValue = (form: SignUpForm, name: string) => {
  const value = form[name];
  return typeof value === "string" ? value.trim() : "";
};

/**
 * The channel a sign-up form is for: the one picked, unless its field is empty and exactly one other is
 * filled in (without the script every field shows and Email is picked first: a number typed alone is meant).
 */
export function formChannel(form: SignUpForm): (typeof SIGN_UP_CHANNELS)[number] {
  const picked = SIGN_UP_CHANNELS.find((c) => c === formValue(form, "channel")) ?? "email";
  if (formValue(form, picked)) return picked;
  const filled = SIGN_UP_CHANNELS.filter((c) => formValue(form, c));
  return filled.length === 1 ? filled[0]! : picked;
}

export function subscribeFormBody(form: SignUpForm) {
  const one = (name: string) => formValue(form, name);
  const list = (name: string) => [form[name] ?? []].flat().filter((v): v is string => typeof v === "string");
  const channel = formChannel(form);
  const body: Record<string, unknown> = { [channel]: one(channel), component_changes: one("component_changes") === "on" };
  const components = list("components");
  if (components.length) body.components = components;
  // The field Turnstile's widget adds to the form.
  if (one("cf-turnstile-response")) body.turnstile_token = one("cf-turnstile-response");
  return body;
}

/**
 * A form post from another site: browsers say so in Sec-Fetch-Site, and older ones in Origin. A post with
 * neither comes from no browser page at all (curl, a script), and gains nothing from a visitor's browser.
 */
function crossSitePost(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = c.req.header("origin");
  if (!origin) return false;
  return origin !== new URL(c.req.url).origin && origin !== pageUrl(c.env);
}

/** What the subscriptions API answers, as far as the pages use it. */
interface ApiReply {
  message?: string;
  address?: string;
  manage_url?: string;
  error?: { code?: string; message?: string; details?: ErrorDetail[]; hint?: string };
}

/**
 * Sends a form's fields to a subscriptions API route in-process, so its validation, rate limits and answers
 * apply unchanged, with the client's address for the limits.
 */
async function callSubscriptionsApi(c: Context<AppEnv>, path: string, body: Record<string, unknown>): Promise<{ res: Response; reply: ApiReply }> {
  const { app } = await import("../app");
  const headers = new Headers({ "content-type": "application/json" });
  for (const name of ["cf-connecting-ip", "x-forwarded-for"]) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  const res = await app.fetch(new Request(new URL(path, c.req.url), { method: "POST", headers, body: JSON.stringify(body) }), c.env, c.executionCtx);
  const reply: unknown = await res.json().catch(() => ({}));
  return { res, reply: typeof reply === "object" && reply !== null ? (reply as ApiReply) : {} };
}

/** The API's refusal in the page's words: the API says it (`error.hint`), for this page and its script alike. */
const refusal = (reply: ApiReply) => reply.error?.hint ?? reply.error?.message ?? "The request was refused.";

const refusalStatus = (res: Response) => (res.status >= 500 ? 503 : res.status === 429 ? 429 : 400);

async function refuseCrossSite(c: Context<AppEnv>, title: string) {
  const snapshot = await publicSnapshot(c);
  return c.html(renderMessage(snapshot, title, "This form only works from this status page. Go back to it and try again."), 403);
}

/** A form body that does not parse (a broken multipart body, say): nothing was sent, so nothing is done. */
async function unreadableForm(c: Context<AppEnv>, title: string) {
  const snapshot = await publicSnapshot(c);
  return c.html(renderMessage(snapshot, title, "The form could not be read. Go back to the page and send it again."), 400);
}

/** The status page people open: server-rendered from the snapshot, no D1 query per view. */
export const statusPage = new Hono<AppEnv>()
  .get("/", async (c) => {
    const snapshot = await publicSnapshot(c);
    const turnstileSiteKey = c.env.TURNSTILE_SITE_KEY;
    return sendPage(c, snapshot, turnstileSiteKey ? "home:turnstile" : "home", () => renderHome(snapshot, { turnstileSiteKey }));
  })
  .get("/history", async (c) => {
    // Given twice, a parameter reaches the schema as a list, refused as the API refuses it.
    const query = historyQuery.safeParse(Object.fromEntries(Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0] : values])));
    const snapshot = await publicSnapshot(c);
    // A mistyped address in a browser: a page in the site's layout, not the API's JSON error.
    if (!query.success) return c.html(renderMessage(snapshot, "Not a page of history", `The page number must be a whole number from 1 to ${HISTORY_PAGES}.`), 400);
    const { page } = query.data;
    if (page > HISTORY_PAGES) return c.html(renderMessage(snapshot, "Page not found", `Incident history goes back ${HISTORY_PAGES} pages; this one is past the end.`), 404);
    return sendPage(c, snapshot, `history:${page}`, () => renderHistory(snapshot, page));
  })
  .get("/incidents/:id", async (c) => {
    const id = pathId(c);
    const snapshot = await publicSnapshot(c);
    if (!id) return notFoundPage(c, snapshot, "Incident");
    // Known from the snapshot's index: the incidents themselves are read only to render the page anew.
    if (holdsIncident(snapshot, id)) return sendPage(c, snapshot, `incident:${id}`, () => renderIncident(snapshot, snapshot.incidents.find((i) => i.id === id)!));
    // Older than the snapshot's year: a rare read that goes to D1, only for an id the index knows, limited.
    if (!mayBeOlderIncident(snapshot, id)) return notFoundPage(c, snapshot, "Incident");
    try {
      await limitPerClient(c, c.env.HISTORY_LIMITER, "history", "Too many reads of old incidents from this address; try again in a minute");
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 429)) throw err;
      return c.html(renderMessage(snapshot, "Too many requests", `${err.message}.`), 429);
    }
    const older = await loadIncidentView(c.var.db, id);
    if (!older) return notFoundPage(c, snapshot, "Incident");
    return c.html(renderIncident(snapshot, older));
  })
  .get("/components/:id", async (c) => {
    const id = pathId(c);
    const snapshot = await publicSnapshot(c);
    const component = id && snapshot.components.find((x) => x.id === id);
    if (!component) return notFoundPage(c, snapshot, "Component");
    const turnstileSiteKey = c.env.TURNSTILE_SITE_KEY;
    return sendPage(c, snapshot, `component:${id}${turnstileSiteKey ? ":turnstile" : ""}`, () => renderComponent(snapshot, component, { turnstileSiteKey }));
  })
  .get("/maintenance/:id", async (c) => {
    const id = pathId(c);
    const snapshot = await publicSnapshot(c);
    const maintenance = id && snapshot.maintenances.find((m) => m.id === id);
    if (!maintenance) return notFoundPage(c, snapshot, "Maintenance");
    return sendPage(c, snapshot, `maintenance:${id}`, () => renderMaintenance(snapshot, maintenance));
  })
  .post("/subscribe", async (c) => {
    // Another site's page must not sign its visitors' browsers up to anything (email bombing by proxy).
    if (crossSitePost(c)) return refuseCrossSite(c, "Could not subscribe");
    const form = await c.req.parseBody({ all: true }).catch(() => null);
    if (!form) return unreadableForm(c, "Could not subscribe");
    const body = subscribeFormBody(form);
    const snapshot = await publicSnapshot(c);
    // Every box ticked is everything, as on the manage page: components added later included.
    if (Array.isArray(body.components) && snapshot.components.every((comp) => (body.components as string[]).some((id) => id.toLowerCase() === comp.id))) delete body.components;
    const { res, reply } = await callSubscriptionsApi(c, "/api/status/subscriptions", body);
    const picked = formChannel(form);
    const channel = picked === "email" ? null : picked;
    if (!res.ok) {
      // A refusal of the typed field brings the form back with the reason beside it, as the script shows it.
      const field = refusalStatus(res) === 400 ? refusedField(reply.error?.details) : null;
      if (field) {
        const sent = channel === "phone" || channel === "webhook" ? channel : "email";
        const refused: RefusedSignUp = { channel: sent, address: String(body[sent] ?? ""), componentChanges: body.component_changes === true, field, reason: refusal(reply) };
        const selected = Array.isArray(body.components) ? body.components.map(String) : [];
        return c.html(renderSubscribeRefused(snapshot, { refused, selected, turnstileSiteKey: c.env.TURNSTILE_SITE_KEY }), 400);
      }
      // Any other refusal of what was sent has something to correct; a limit or an outage is waited out.
      const next = refusalStatus(res) === 400 ? " Go back to correct it." : "";
      return c.html(renderMessage(snapshot, "Could not subscribe", `${refusal(reply)}${next}`), refusalStatus(res));
    }
    if (!channel) return c.html(renderMessage(snapshot, "Almost subscribed", reply.message ?? "Check your inbox to confirm."), 200);
    return c.html(renderCodeStep(snapshot, { title: "Almost subscribed", text: SUBSCRIBE_CODE_STEP[channel], channel, address: String(body[channel]) }), 200);
  })
  .post("/subscribe/confirm", async (c) => {
    if (crossSitePost(c)) return refuseCrossSite(c, "Could not confirm");
    const form = await c.req.parseBody().catch(() => null);
    if (!form) return unreadableForm(c, "Could not confirm");
    const field = (name: string) => (typeof form[name] === "string" ? form[name].trim() : "");
    const channel = field("channel") === "webhook" ? "webhook" : "phone";
    const address = field(channel);
    const code = field("code");
    const { res, reply } = await callSubscriptionsApi(c, `/api/status/subscriptions/confirm/${channel === "phone" ? "sms" : "webhook"}`, { [channel]: address, code });
    const snapshot = await publicSnapshot(c);
    if (res.ok && typeof reply.manage_url === "string") return c.html(renderSubscribed(snapshot, String(reply.address ?? address), reply.manage_url), 200);
    // A refused code is said beside its field; a limit or an outage is waited out, not corrected there.
    const reason = refusal(reply);
    const said = refusalStatus(res) === 400 ? { refusedCode: reason } : { error: reason };
    return c.html(renderCodeStep(snapshot, { title: "Could not confirm", text: SUBSCRIBE_CODE_STEP[channel], channel, address, ...said }), refusalStatus(res));
  })
  .get("/favicon.svg", async (c) => {
    const snapshot = await publicSnapshot(c);
    return sendFromSnapshot(c, snapshot, {
      key: "favicon",
      contentType: "image/svg+xml",
      cacheControl: "public, max-age=60",
      render: () => faviconSvg(snapshot.overall_status),
    });
  })
  // Asked for by browsers on what links no icon (a feed opened in a tab): the page's icon, not a 404.
  .get("/favicon.ico", (c) => c.redirect("/favicon.svg", 301))
  .get("/assets/:file", (c) => {
    const asset = assets().byPath.get(c.req.path);
    if (!asset) return c.json({ error: { code: "not_found", message: "No such asset" } }, 404);
    return c.body(asset.body, 200, {
      "content-type": asset.contentType,
      "cache-control": IMMUTABLE,
    });
  });
