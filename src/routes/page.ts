import { Hono, type Context } from "hono";
import { z } from "zod";
import { loadIncidentView, mayBeOlderIncident } from "../snapshot/incident-view";
import { limitPerClient } from "../http/client";
import type { AppEnv } from "../env";
import { pageUrl } from "../notify/links";
import { assets, faviconSvg } from "../page/assets";
import { renderComponent } from "../page/component-page";
import { HISTORY_PAGES, renderHistory, renderHome, renderIncident, renderMaintenance, renderMessage } from "../page/pages";
import { sendFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import type { Snapshot } from "../snapshot/types";
import { validate } from "../validation";

const HTML = "text/html; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const sendPage = (c: Context<AppEnv>, snapshot: Snapshot, key: string, render: () => string) =>
  sendFromSnapshot(c, snapshot, { key: `page:${key}`, contentType: HTML, render });

const notFoundPage = (c: Context<AppEnv>, snapshot: Snapshot, what: string) =>
  c.html(renderMessage(snapshot, `${what} not found`, `There is no ${what.toLowerCase()} at this address.`), 404);

export const historyQuery = z.object({
  page: z
    .string()
    .regex(/^\d+$/, "must be a page number")
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(HISTORY_PAGES, `must be at most ${HISTORY_PAGES}`))
    .default(1),
});

/** The subscribe form as the subscriptions API's JSON body (the form posts here when scripts do not run). */
export function subscribeFormBody(form: Record<string, string | File | (string | File)[]>) {
  const one = (name: string) => {
    const value = form[name];
    return typeof value === "string" ? value.trim() : "";
  };
  const list = (name: string) => [form[name] ?? []].flat().filter((v): v is string => typeof v === "string");
  const channel = ["email", "phone", "webhook"].includes(one("channel")) ? one("channel") : "email";
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

/** The status page people open: server-rendered from the snapshot, no D1 query per view. */
export const statusPage = new Hono<AppEnv>()
  .get("/", async (c) => {
    const snapshot = await publicSnapshot(c);
    const turnstileSiteKey = c.env.TURNSTILE_SITE_KEY;
    return sendPage(c, snapshot, turnstileSiteKey ? "home:turnstile" : "home", () => renderHome(snapshot, { turnstileSiteKey }));
  })
  .get("/history", validate("query", historyQuery), async (c) => {
    const { page } = c.req.valid("query");
    const snapshot = await publicSnapshot(c);
    return sendPage(c, snapshot, `history:${page}`, () => renderHistory(snapshot, page));
  })
  .get("/incidents/:id", async (c) => {
    const id = c.req.param("id");
    const snapshot = await publicSnapshot(c);
    if (!UUID.test(id)) return notFoundPage(c, snapshot, "Incident");
    const incident = snapshot.incidents.find((i) => i.id === id);
    if (incident) return sendPage(c, snapshot, `incident:${id}`, () => renderIncident(snapshot, incident));
    // Older than the snapshot's year: a rare read that goes to D1, only for an id the index knows, limited.
    if (!mayBeOlderIncident(snapshot, id)) return notFoundPage(c, snapshot, "Incident");
    await limitPerClient(c, c.env.HISTORY_LIMITER, "history", "Too many reads of old incidents from this address; try again in a minute");
    const older = await loadIncidentView(c.var.db, id.toLowerCase());
    if (!older) return notFoundPage(c, snapshot, "Incident");
    return c.html(renderIncident(snapshot, older));
  })
  .get("/components/:id", async (c) => {
    const id = c.req.param("id").toLowerCase();
    const snapshot = await publicSnapshot(c);
    const component = snapshot.components.find((x) => x.id === id);
    if (!component) return notFoundPage(c, snapshot, "Component");
    const turnstileSiteKey = c.env.TURNSTILE_SITE_KEY;
    return sendPage(c, snapshot, `component:${id}${turnstileSiteKey ? ":turnstile" : ""}`, () => renderComponent(snapshot, component, { turnstileSiteKey }));
  })
  .get("/maintenance/:id", async (c) => {
    const id = c.req.param("id");
    const snapshot = await publicSnapshot(c);
    const maintenance = snapshot.maintenances.find((m) => m.id === id);
    if (!maintenance) return notFoundPage(c, snapshot, "Maintenance");
    return sendPage(c, snapshot, `maintenance:${id}`, () => renderMaintenance(snapshot, maintenance));
  })
  .post("/subscribe", async (c) => {
    // Another site's page must not sign its visitors' browsers up to anything (email bombing by proxy).
    if (crossSitePost(c)) {
      const snapshot = await publicSnapshot(c);
      return c.html(renderMessage(snapshot, "Could not subscribe", "This form only works from this status page. Go back to it and try again."), 403);
    }
    const form = await c.req.parseBody({ all: true });
    // The same API the script calls, in-process, so its validation, rate limit and answers apply unchanged.
    const { app } = await import("../app");
    const headers = new Headers({ "content-type": "application/json" });
    for (const name of ["cf-connecting-ip", "x-forwarded-for"]) {
      const value = c.req.header(name);
      if (value) headers.set(name, value);
    }
    const res = await app.fetch(
      new Request(new URL("/api/status/subscriptions", c.req.url), { method: "POST", headers, body: JSON.stringify(subscribeFormBody(form)) }),
      c.env,
      c.executionCtx,
    );
    const reply = (await res.json().catch(() => ({}))) as { message?: string; error?: { message?: string; details?: { path: string; message: string }[] } };
    const snapshot = await publicSnapshot(c);
    if (res.ok) return c.html(renderMessage(snapshot, "Almost subscribed", reply.message ?? "Check your inbox to confirm."), 200);
    const details = (reply.error?.details ?? []).map((d) => `${d.path || "form"}: ${d.message}`).join("; ");
    const text = `${reply.error?.message ?? "Something went wrong."}${details ? ` (${details})` : ""}. Go back to correct it.`;
    return c.html(renderMessage(snapshot, "Could not subscribe", text), res.status >= 500 ? 503 : res.status === 429 ? 429 : 400);
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
  .get("/assets/:file", (c) => {
    const asset = assets().byPath.get(c.req.path);
    if (!asset) return c.json({ error: { code: "not_found", message: "No such asset" } }, 404);
    return c.body(asset.body, 200, {
      "content-type": asset.contentType,
      "cache-control": IMMUTABLE,
    });
  });
