import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { verifySession } from "../auth/clerk";
import {
  authenticateConsole,
  consoleParties,
  cookieIsSecure,
  csrfMatches,
  fromSameSite,
  frontendApiHost,
  localSignInEnabled,
  SESSION_COOKIE,
} from "../auth/console-session";
import { consoleAssets } from "../console/assets";
import { ComponentPage, ComponentsPage, type CheckResult } from "../console/components";
import { Dashboard } from "../console/dashboard";
import * as forms from "../console/forms";
import { IncidentPage, IncidentsPage, PostmortemPage, postmortemDraft } from "../console/incidents";
import { NotAdminPage, ProblemPage, renderConsole, SignInPage, type ConsoleContext } from "../console/layout";
import { MaintenanceListPage, MaintenancePage } from "../console/maintenance";
import { SubscribersPage } from "../console/subscribers";
import { TemplatePage, TemplatesPage } from "../console/templates";
import { consoleComponents, consoleGroups, deliveryCountsByChannel, findSubscribersByAddress, undeliveredDeliveries } from "../db/queries/console";
import { loadIncidentView } from "../snapshot/incident-view";
import { subscriberCounts } from "../db/queries/subscriptions";
import { findTemplate, listTemplates } from "../db/queries/templates";
import type { AppEnv, Bindings } from "../env";
import { readSnapshot } from "../snapshot/store";

// The admin console: server-rendered pages whose forms go through the same admin API the JSON clients use
// (in-process, with the signed-in session's own token), so the console cannot do anything the API would
// refuse, and both are audited alike. Reads come from the snapshot and D1 directly.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The console's policy: the page's, plus Clerk's Frontend API host (and nothing else) when Clerk signs people in. */
export function consoleCsp(clerkHost: string | null): string {
  const clerk = clerkHost ? ` https://${clerkHost}` : "";
  return [
    "default-src 'self'",
    `connect-src 'self' ws: wss:${clerk}`,
    `img-src 'self' data:${clerk}`,
    // Clerk's sign-in component injects its own styles.
    `style-src 'self'${clerk ? " 'unsafe-inline'" : ""}`,
    `script-src 'self'${clerk}`,
    `frame-src${clerk || " 'none'"}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

const FLASH: Record<string, string> = {
  opened: "Incident opened.",
  updated: "Update posted.",
  resolved: "Incident resolved.",
  edited: "Changes saved.",
  deleted: "Deleted.",
  published: "Postmortem published.",
  scheduled: "Maintenance scheduled.",
  started: "Maintenance started.",
  completed: "Maintenance completed.",
  cancelled: "Maintenance cancelled.",
  saved: "Saved.",
  created: "Created.",
  removed: "Subscriber removed.",
  retried: "Delivery queued again.",
  moved: "Order saved.",
};

function context(c: Context<AppEnv>, section?: string): ConsoleContext {
  const host = frontendApiHost(c.env.CLERK_PUBLISHABLE_KEY);
  return {
    pageName: c.env.PAGE_NAME || "Beacon",
    clerkHost: host,
    ...(host ? { publishableKey: c.env.CLERK_PUBLISHABLE_KEY } : {}),
    ...(c.get("consoleSession") ? { session: c.get("consoleSession") } : {}),
    ...(section ? { section } : {}),
  };
}

const page = (c: Context<AppEnv>, node: unknown, status: ContentfulStatusCode = 200) => {
  c.header("content-security-policy", consoleCsp(frontendApiHost(c.env.CLERK_PUBLISHABLE_KEY)));
  return c.html(renderConsole(node), status);
};

const problem = (c: Context<AppEnv>, status: ContentfulStatusCode, title: string, message: string, details?: string[]) =>
  page(c, <ProblemPage ctx={context(c)} title={title} message={message} details={details} />, status);

const flashOf = (c: Context<AppEnv>) => FLASH[c.req.query("done") ?? ""] ?? null;

/**
 * Who may use the console, checked before any handler: a request from another site is refused before it is
 * read; the session must be an admin's (the API's rule); a form must carry the session's CSRF token.
 */
const consoleGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const writes = c.req.method !== "GET" && c.req.method !== "HEAD";
  if (writes && !fromSameSite(c)) return problem(c, 403, "Refused", "This request came from another site, so it was refused and nothing changed.");
  const auth = await authenticateConsole(c);
  if (auth.state === "handshake" && !writes) return new Response(null, { status: 307, headers: auth.headers });
  if (auth.state === "handshake" || auth.state === "signed-out") {
    return page(c, <SignInPage ctx={context(c)} localSignIn={localSignInEnabled(c.env)} />, 401);
  }
  if (auth.state === "not-admin") return page(c, <NotAdminPage ctx={context(c)} userId={auth.userId} />, 403);
  c.set("consoleSession", auth.session);
  c.set("admin", { userId: auth.session.userId, sessionId: auth.session.sessionId });
  if (writes) {
    const form = await c.req.parseBody({ all: true });
    if (!csrfMatches(auth.session, forms.one(form, "_csrf"))) {
      return problem(c, 403, "Refused", "The form's security token is missing or out of date. Reload the page and try again; nothing changed.");
    }
  }
  await next();
};

interface ApiAnswer {
  ok: boolean;
  status: number;
  data: any;
}

/** One admin API call, in-process, as the signed-in admin. */
async function api(c: Context<AppEnv>, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const { app } = await import("../app");
  const headers = new Headers({ authorization: `Bearer ${c.get("consoleSession").token}` });
  if (body !== undefined) headers.set("content-type", "application/json");
  const res = await app.fetch(
    new Request(new URL(`/api/status${path}`, c.req.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    c.env,
    c.executionCtx,
  );
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, data };
}

/** The API's answer as the console's: on success a redirect (so a reload does not post twice), else what went wrong. */
function after(c: Context<AppEnv>, answer: ApiAnswer, to: string, done: string) {
  if (answer.ok) {
    const [path, hash] = to.split("#");
    return c.redirect(`${path}${path!.includes("?") ? "&" : "?"}done=${done}${hash ? `#${hash}` : ""}`, 303);
  }
  const error = answer.data?.error ?? {};
  const details = Array.isArray(error.details) ? error.details.map((d: { path?: string; message?: string }) => `${d.path || "form"}: ${d.message ?? ""}`) : undefined;
  const status = (answer.status >= 400 && answer.status < 600 ? answer.status : 500) as ContentfulStatusCode;
  return problem(c, status, status === 409 ? "Not possible now" : "Could not save", error.message ?? `The request failed (${answer.status}).`, details);
}

const formOf = (c: Context<AppEnv>) => c.req.parseBody({ all: true });
const snapshotOf = (c: Context<AppEnv>) => readSnapshot(c.env, () => c.var.db, { revalidate: true });
const named = (list: { id: string; name: string }[]) => list.map((x) => ({ id: x.id, name: x.name }));
const zoneOf = (env: Bindings) => env.PAGE_TIME_ZONE || "UTC";

/** The id in the path, or a 404 page for anything that is not one. */
function idOr404(c: Context<AppEnv>, name = "id"): string | null {
  const id = c.req.param(name)?.toLowerCase() ?? "";
  return UUID.test(id) ? id : null;
}

export const adminConsole = new Hono<AppEnv>()
  .get("/assets/:file", (c) => {
    const asset = consoleAssets().byPath.get(c.req.path);
    if (!asset) return c.json({ error: { code: "not_found", message: "No such asset" } }, 404);
    return c.body(asset.body, 200, { "content-type": asset.contentType, "cache-control": "public, max-age=31536000, immutable" });
  })
  // The local dev server's sign-in link (npm run signin-url): a session token minted with the local key.
  .get("/sign-in/local", async (c) => {
    if (!localSignInEnabled(c.env)) return c.json({ error: { code: "not_found", message: `No route for GET ${c.req.path}` } }, 404);
    const token = c.req.query("token") ?? "";
    const claims = token ? ((await verifySession(token, c.env)) as { sub?: string; sid?: string; azp?: string; exp?: number } | null) : null;
    if (!claims?.sub || !claims.sid || !claims.azp || !consoleParties(c.env).includes(claims.azp)) {
      return problem(c, 401, "Sign-in link not accepted", "The link is invalid or has expired. Run npm run -s signin-url again.");
    }
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      secure: cookieIsSecure(c.req.url),
      sameSite: "Lax",
      path: "/",
      maxAge: Math.max(0, (claims.exp ?? 0) - Math.floor(Date.now() / 1000)),
    });
    return c.redirect("/admin", 303);
  })
  .post("/sign-out", async (c) => {
    if (!fromSameSite(c)) return problem(c, 403, "Refused", "This request came from another site, so it was refused.");
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: cookieIsSecure(c.req.url) });
    if (frontendApiHost(c.env.CLERK_PUBLISHABLE_KEY)) {
      // Clerk's session lives with Clerk: its script ends it, then comes back here.
      return page(c, <SignInPage ctx={context(c)} localSignIn={false} signingOut />);
    }
    return c.redirect("/admin", 303);
  })
  .use("*", consoleGate)

  .get("/", async (c) => {
    const [snapshot, rows, byStatus] = await Promise.all([snapshotOf(c), consoleComponents(c.var.db), deliveryCountsByChannel(c.var.db)]);
    const totals: Record<string, number> = {};
    for (const r of byStatus) totals[r.status] = (totals[r.status] ?? 0) + r.count;
    return page(c, <Dashboard ctx={context(c, "/admin")} snapshot={snapshot} rows={rows} health={{ byStatus: totals }} flash={flashOf(c)} />);
  })

  .get("/incidents", async (c) => {
    const [snapshot, templates] = await Promise.all([snapshotOf(c), listTemplates(c.var.db)]);
    const templateId = c.req.query("template")?.toLowerCase();
    const template = templateId && UUID.test(templateId) ? await findTemplate(c.var.db, templateId) : null;
    return page(
      c,
      <IncidentsPage
        ctx={context(c, "/admin/incidents")}
        page={snapshot.page}
        incidents={snapshot.incidents}
        components={named(snapshot.components)}
        templates={templates}
        template={template}
        flash={flashOf(c)}
      />,
    );
  })
  .post("/incidents", async (c) => {
    const answer = await api(c, "POST", "/incidents/create", forms.openIncidentBody(await formOf(c), zoneOf(c.env), Date.now()));
    return after(c, answer, answer.ok ? `/admin/incidents/${answer.data.id}` : "/admin/incidents", "opened");
  })
  .get("/incidents/:id", async (c) => {
    const id = idOr404(c);
    const [incident, snapshot] = await Promise.all([id ? loadIncidentView(c.var.db, id) : null, snapshotOf(c)]);
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    return page(c, <IncidentPage ctx={context(c, "/admin/incidents")} page={snapshot.page} incident={incident} components={named(snapshot.components)} flash={flashOf(c)} />);
  })
  .post("/incidents/:id/updates", async (c) => {
    const id = idOr404(c);
    const incident = id ? await loadIncidentView(c.var.db, id) : null;
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    const body = forms.incidentUpdateBody(await formOf(c), zoneOf(c.env), Date.now(), incident.components);
    return after(c, await api(c, "POST", `/incidents/${id}/updates`, body), `/admin/incidents/${id}`, "updated");
  })
  .post("/incidents/:id/resolve", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no incident with this id.");
    return after(c, await api(c, "POST", `/incidents/${id}/resolve`, forms.resolveBody(await formOf(c))), `/admin/incidents/${id}`, "resolved");
  })
  .post("/incidents/:id/edit", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no incident with this id.");
    return after(c, await api(c, "PATCH", `/incidents/${id}`, forms.editIncidentBody(await formOf(c))), `/admin/incidents/${id}`, "edited");
  })
  .post("/incidents/:id/updates/:updateId", async (c) => {
    const id = idOr404(c);
    const updateId = idOr404(c, "updateId");
    if (!id || !updateId) return problem(c, 404, "Not found", "There is no such update.");
    const body = { message: forms.one(await formOf(c), "message") };
    return after(c, await api(c, "PATCH", `/incidents/${id}/updates/${updateId}`, body), `/admin/incidents/${id}`, "edited");
  })
  .post("/incidents/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no incident with this id.");
    return after(c, await api(c, "DELETE", `/incidents/${id}`), "/admin/incidents", "deleted");
  })
  .get("/incidents/:id/postmortem", async (c) => {
    const id = idOr404(c);
    const [incident, snapshot] = await Promise.all([id ? loadIncidentView(c.var.db, id) : null, snapshotOf(c)]);
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    const text = incident.postmortem ?? postmortemDraft(incident);
    return page(c, <PostmortemPage ctx={context(c, "/admin/incidents")} page={snapshot.page} incident={incident} text={text} preview={false} />);
  })
  .post("/incidents/:id/postmortem", async (c) => {
    const id = idOr404(c);
    const [incident, snapshot] = await Promise.all([id ? loadIncidentView(c.var.db, id) : null, snapshotOf(c)]);
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    const form = await formOf(c);
    const text = typeof form.postmortem === "string" ? form.postmortem : "";
    if (forms.one(form, "action") === "preview") {
      return page(c, <PostmortemPage ctx={context(c, "/admin/incidents")} page={snapshot.page} incident={incident} text={text} preview />);
    }
    return after(c, await api(c, "POST", `/incidents/${id}/postmortem`, { postmortem: text }), `/admin/incidents/${id}`, "published");
  })

  .get("/templates", async (c) => {
    const [templates, snapshot] = await Promise.all([listTemplates(c.var.db), snapshotOf(c)]);
    return page(c, <TemplatesPage ctx={context(c, "/admin/templates")} templates={templates} components={named(snapshot.components)} flash={flashOf(c)} />);
  })
  .post("/templates", async (c) => after(c, await api(c, "POST", "/templates", forms.templateBody(await formOf(c))), "/admin/templates", "created"))
  .get("/templates/:id", async (c) => {
    const id = idOr404(c);
    const [template, snapshot] = await Promise.all([id ? findTemplate(c.var.db, id) : null, snapshotOf(c)]);
    if (!template) return problem(c, 404, "Not found", "There is no template with this id.");
    return page(c, <TemplatePage ctx={context(c, "/admin/templates")} t={template} components={named(snapshot.components)} />);
  })
  .post("/templates/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no template with this id.");
    return after(c, await api(c, "PATCH", `/templates/${id}`, forms.templateBody(await formOf(c))), "/admin/templates", "saved");
  })
  .post("/templates/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no template with this id.");
    return after(c, await api(c, "DELETE", `/templates/${id}`), "/admin/templates", "deleted");
  })

  .get("/maintenance", async (c) => {
    const snapshot = await snapshotOf(c);
    return page(
      c,
      <MaintenanceListPage ctx={context(c, "/admin/maintenance")} page={snapshot.page} maintenances={snapshot.maintenances} components={named(snapshot.components)} flash={flashOf(c)} />,
    );
  })
  .post("/maintenance", async (c) => {
    const answer = await api(c, "POST", "/maintenance", forms.maintenanceBody(await formOf(c), zoneOf(c.env)));
    return after(c, answer, answer.ok ? `/admin/maintenance/${answer.data.id}` : "/admin/maintenance", "scheduled");
  })
  .get("/maintenance/:id", async (c) => {
    const id = idOr404(c);
    const snapshot = await snapshotOf(c);
    const m = snapshot.maintenances.find((x) => x.id === id);
    if (!m) return problem(c, 404, "Not found", "There is no maintenance with this id in the last year.");
    return page(c, <MaintenancePage ctx={context(c, "/admin/maintenance")} page={snapshot.page} m={m} components={named(snapshot.components)} flash={flashOf(c)} />);
  })
  .post("/maintenance/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no maintenance with this id.");
    return after(c, await api(c, "PATCH", `/maintenance/${id}`, forms.maintenanceBody(await formOf(c), zoneOf(c.env))), `/admin/maintenance/${id}`, "edited");
  })
  .post("/maintenance/:id/:action{start|complete|cancel}", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no maintenance with this id.");
    const action = c.req.param("action");
    const now = new Date().toISOString();
    const answer =
      action === "cancel"
        ? await api(c, "POST", `/maintenance/${id}/cancel`, {})
        : await api(c, "PATCH", `/maintenance/${id}`, action === "start" ? { scheduled_start: now } : { scheduled_end: now });
    return after(c, answer, `/admin/maintenance/${id}`, action === "cancel" ? "cancelled" : action === "start" ? "started" : "completed");
  })

  .get("/components", async (c) => {
    const [rows, groups, snapshot] = await Promise.all([consoleComponents(c.var.db), consoleGroups(c.var.db), snapshotOf(c)]);
    return page(
      c,
      <ComponentsPage
        ctx={context(c, "/admin/components")}
        rows={rows}
        groups={groups}
        shown={new Map(snapshot.components.map((x) => [x.id, x]))}
        moved={c.req.query("moved") ?? null}
        flash={flashOf(c)}
      />,
    );
  })
  .post("/components", async (c) => {
    const answer = await api(c, "POST", "/components", forms.componentBody(await formOf(c), false));
    return after(c, answer, "/admin/components", "created");
  })
  .post("/components/:id/move", async (c) => {
    const id = idOr404(c);
    const direction = forms.one(await formOf(c), "direction") === "up" ? "up" : "down";
    const ids = (await consoleComponents(c.var.db)).map((r) => r.id);
    const at = id ? ids.indexOf(id) : -1;
    if (at < 0) return problem(c, 404, "Not found", "There is no component with this id.");
    const to = direction === "up" ? at - 1 : at + 1;
    if (to >= 0 && to < ids.length) [ids[at], ids[to]] = [ids[to]!, ids[at]!];
    return after(c, await api(c, "POST", "/components/reorder", { ids }), `/admin/components?moved=${id}:${direction}#comp-${id}`, "moved");
  })
  .get("/components/:id", async (c) => {
    const id = idOr404(c);
    const [rows, groups, snapshot] = await Promise.all([consoleComponents(c.var.db), consoleGroups(c.var.db), snapshotOf(c)]);
    const row = rows.find((r) => r.id === id);
    if (!row) return problem(c, 404, "Not found", "There is no component with this id.");
    return page(c, <ComponentPage ctx={context(c, "/admin/components")} row={row} groups={groups} shown={snapshot.components.find((x) => x.id === id)} flash={flashOf(c)} />);
  })
  .post("/components/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no component with this id.");
    return after(c, await api(c, "PATCH", `/components/${id}`, forms.componentBody(await formOf(c), true)), `/admin/components/${id}`, "saved");
  })
  .post("/components/:id/check", async (c) => {
    const id = idOr404(c);
    const answer = await api(c, "POST", "/health-check");
    const [rows, groups, snapshot] = await Promise.all([consoleComponents(c.var.db), consoleGroups(c.var.db), snapshotOf(c)]);
    const row = rows.find((r) => r.id === id);
    if (!row) return problem(c, 404, "Not found", "There is no component with this id.");
    if (!answer.ok) return after(c, answer, "", "");
    const detail = (answer.data.details as { component_id: string; status: string; latency_ms: number | null; error: string | null }[]).find((d) => d.component_id === id);
    const check: CheckResult = detail
      ? { status: detail.status, latency_ms: detail.latency_ms, error: detail.error, recorded: answer.data.recorded }
      : { status: "not_checked", latency_ms: null, error: "This component has no check to run.", recorded: false };
    return page(c, <ComponentPage ctx={context(c, "/admin/components")} row={row} groups={groups} shown={snapshot.components.find((x) => x.id === id)} check={check} />);
  })
  .post("/components/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no component with this id.");
    return after(c, await api(c, "DELETE", `/components/${id}`), "/admin/components", "deleted");
  })
  .post("/groups", async (c) => after(c, await api(c, "POST", "/groups", forms.groupBody(await formOf(c))), "/admin/components", "created"))
  .post("/groups/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no group with this id.");
    return after(c, await api(c, "PATCH", `/groups/${id}`, forms.groupBody(await formOf(c))), "/admin/components", "saved");
  })
  .post("/groups/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no group with this id.");
    return after(c, await api(c, "DELETE", `/groups/${id}`), "/admin/components", "deleted");
  })

  .get("/subscribers", async (c) => {
    const query = (c.req.query("q") ?? "").trim().slice(0, 254);
    const db = c.var.db;
    const [snapshot, counts, deliveries, undelivered, found] = await Promise.all([
      snapshotOf(c),
      subscriberCounts(db),
      deliveryCountsByChannel(db),
      undeliveredDeliveries(db, 50),
      query ? findSubscribersByAddress(db, query, 50) : Promise.resolve(null),
    ]);
    return page(
      c,
      <SubscribersPage
        ctx={context(c, "/admin/subscribers")}
        page={snapshot.page}
        subscriberCounts={counts}
        deliveryCounts={deliveries}
        query={query}
        found={found}
        undelivered={undelivered}
        flash={flashOf(c)}
      />,
    );
  })
  .post("/subscribers/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no subscriber with this id.");
    const q = forms.one(await formOf(c), "q");
    return after(c, await api(c, "DELETE", `/notifications/subscribers/${id}`), `/admin/subscribers?q=${encodeURIComponent(q)}`, "removed");
  })
  .post("/deliveries/:id/retry", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no delivery with this id.");
    return after(c, await api(c, "POST", `/notifications/deliveries/${id}/retry`), "/admin/subscribers#undelivered", "retried");
  });
