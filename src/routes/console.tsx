import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { z } from "zod";
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
import { AuditEntryPage, AuditPage } from "../console/audit";
import { actorAsSigned, deletedEntities, findAuditEntry } from "../db/queries/audit";
import { ComponentPage, ComponentsPage, type CheckResult } from "../console/components";
import { Dashboard } from "../console/dashboard";
import * as forms from "../console/forms";
import { defaultRegions } from "../checks/plan";
import { IncidentPage, IncidentsPage, PostmortemPage, postmortemDraft, type Automation } from "../console/incidents";
import { findIncident, linkedComponentChecks } from "../db/queries/incidents";
import { findMaintenance } from "../db/queries/maintenance";
import { ConfirmPage, NotAdminPage, ProblemPage, renderConsole, SignInPage, type ConsoleContext } from "../console/layout";
import { MaintenanceListPage, MaintenancePage } from "../console/maintenance";
import { SubscribersPage } from "../console/subscribers";
import { TemplatePage, TemplatesPage } from "../console/templates";
import { consoleComponents, consoleGroups, deliveryCountsByChannel, findSubscribersByAddress, undeliveredDeliveries } from "../db/queries/console";
import { loadIncidentView } from "../snapshot/incident-view";
import { findSubscriberById, subscriberCounts } from "../db/queries/subscriptions";
import { findTemplate, listTemplates } from "../db/queries/templates";
import { findIdempotentAnswer, IDEMPOTENCY_TTL_MS } from "../db/queries/idempotency";
import { commitOnce, type PendingKey } from "./admin-write";
import { sha256Hex } from "../crypto";
import { adminActor, CHANGED_SINCE_SHOWN, type Actor, type Change } from "../domain/change";
import { createComponent, createGroup, deleteComponent, deleteGroup, editComponent, editGroup, nameAlsoTaken, quorumProblem, reorderComponents } from "../domain/components";
import { movedInPage, pageBlocks } from "../domain/page-order";
import { deleteIncident, editIncident, editIncidentUpdate, openIncident, postIncidentUpdate, publishPostmortem, resolveIncident, undeletable } from "../domain/incidents";
import { cancelMaintenance, completeMaintenanceNow, editMaintenance, scheduleMaintenance, startMaintenanceNow } from "../domain/maintenance";
import { createTemplate, deleteTemplate, editTemplate } from "../domain/templates";
import { autoIncidentDefaults, checksSuggestion, componentAutoConfig } from "../domain/auto-incidents";
import { pageName, type AppEnv, type Bindings } from "../env";
import { ApiError, badRequest, errorBody, type ErrorDetail } from "../errors";
import { bodyLimit } from "../http/body-limit";
import * as schemas from "../schemas";
import { issuesOf, withAlsoRefused } from "../validation";
import { formatTime } from "../page/format";
import { readSnapshot } from "../snapshot/store";
import { isOpenIncident } from "../snapshot/build";
import { readAuditPage } from "./admin-audit";
import { pageTimeZone } from "../uptime/days";

/** Audit entries per screen (each shows its whole record before and after). */
const AUDIT_SCREEN_ENTRIES = 20;

// The admin console: server-rendered pages whose forms are read through the admin API's own zod schemas and
// carried out by the same domain functions, so the console cannot do anything the API would refuse.
// Operations that are not domain functions (run the checks, remove a subscriber, resend a delivery) go
// through the admin API in-process, with the signed-in session's own token. Reads come from the snapshot
// and D1 directly.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The console's policy: the page's, plus Clerk's Frontend API host (and nothing else) when Clerk signs people in. */
export function consoleCsp(clerkHost: string | null): string {
  const clerk = clerkHost ? ` https://${clerkHost}` : "";
  return [
    "default-src 'self'",
    `connect-src 'self'${clerk}`,
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
    pageName: pageName(c.env),
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

const problem = (c: Context<AppEnv>, status: ContentfulStatusCode, title: string, message: string, details?: string[], back?: string) =>
  page(c, <ProblemPage ctx={context(c)} title={title} message={message} details={details} back={back} />, status);

const flashOf = (c: Context<AppEnv>) => FLASH[c.req.query("done") ?? ""] ?? null;

/**
 * Who may use the console, checked before any handler: a request from another site is refused before it is
 * read; the session must be an admin's (the API's rule); a form must carry the session's CSRF token.
 */
const CONSOLE_METHODS = new Set(["GET", "HEAD", "POST"]);

const consoleGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The console takes pages and forms; anything else (OPTIONS, PUT...) is answered as at every address,
  // with what the address takes, and nothing of a session is needed to learn that.
  if (!CONSOLE_METHODS.has(c.req.method)) return next();
  const writes = c.req.method !== "GET" && c.req.method !== "HEAD";
  if (writes && !fromSameSite(c)) return problem(c, 403, "Refused", "This request came from another site, so it was refused and nothing changed.");
  const auth = await authenticateConsole(c);
  if (auth.state === "handshake" && !writes) return new Response(null, { status: 307, headers: auth.headers });
  if (auth.state === "handshake" || auth.state === "signed-out") {
    const typed = writes ? await typedWhileSignedOut(c) : [];
    if (typed === TOO_LONG_TO_SHOW) {
      return problem(c, 401, "Signed out: nothing was saved", "The session ended before this was sent, so nothing changed, and the form was too long to show back here: go back in the browser to copy what you wrote, then sign in again and send it.", undefined, c.req.path);
    }
    if (typed.length) {
      return problem(c, 401, "Signed out: nothing was saved", "The session ended before this was sent, so nothing changed. What you wrote is below, to copy; sign in again, then send it.", typed, c.req.path);
    }
    return page(c, <SignInPage ctx={context(c)} localSignIn={localSignInEnabled(c.env)} />, 401);
  }
  if (auth.state === "not-admin") return page(c, <NotAdminPage ctx={context(c)} userId={auth.userId} />, 403);
  c.set("consoleSession", auth.session);
  c.set("admin", { userId: auth.session.userId, sessionId: auth.session.sessionId, ...(auth.session.name ? { name: auth.session.name } : {}), ...(auth.session.email ? { email: auth.session.email } : {}) });
  if (writes) {
    // Only an admin's form is read, so nobody else can make the console hold half a megabyte of body.
    const tooLarge = await consoleBodyLimit(c, async () => {});
    if (tooLarge) return tooLarge;
    const form = await c.req.parseBody({ all: true }).catch(() => null);
    if (!form) return problem(c, 400, "Could not read the form", "The form arrived garbled, so nothing changed. Reload the page and send it again.");
    if (!csrfMatches(auth.session, forms.one(form, "_csrf"))) {
      return problem(c, 403, "Refused", "The form's security token is missing or out of date. Reload the page and try again; nothing changed.");
    }
  }
  await next();
};

/** The texts a console form carries that take writing, as they were typed. */
const WRITTEN_FIELDS = ["title", "message", "description", "root_cause", "resolution", "postmortem"];
/** The largest form read from a session that has ended (a signed-in admin's may be larger: CONSOLE_MAX_BODY_BYTES). */
const SIGNED_OUT_FORM_BYTES = 64 * 1024;

/** What typedWhileSignedOut answers for a form over SIGNED_OUT_FORM_BYTES. */
const TOO_LONG_TO_SHOW: string[] = [];
const signedOutBodies = bodyLimit(SIGNED_OUT_FORM_BYTES);

/**
 * What a form sent after its session ended had written, to give back rather than lose: read only from a
 * same-site form (checked before) within SIGNED_OUT_FORM_BYTES, counted as for every body (bodyLimit), so
 * nobody else can make the console hold more.
 */
async function typedWhileSignedOut(c: Context<AppEnv>): Promise<string[]> {
  if (!(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) return [];
  let text = "";
  try {
    await signedOutBodies(c, async () => {
      text = await c.req.text();
    });
  } catch (err) {
    return err instanceof ApiError && err.status === 413 ? TOO_LONG_TO_SHOW : [];
  }
  const form = new URLSearchParams(text);
  return WRITTEN_FIELDS.map((name) => forms.lineFeeds((form.get(name) ?? "").trim())).filter((typed) => typed !== "");
}

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

function doneLocation(to: string, done: string) {
  const [path, hash] = to.split("#");
  return `${path}${path!.includes("?") ? "&" : "?"}done=${done}${hash ? `#${hash}` : ""}`;
}

function redirectDone(c: Context<AppEnv>, to: string, done: string) {
  return c.redirect(doneLocation(to, done), 303);
}

/** Fields that differ between two sendings of one filled-in form without changing what it asks for. */
const TRANSPORT_FIELDS = new Set(["_csrf", "_submission", "tz_offset"]);

/**
 * The submission a console form stands for: its rendering's key (the `_submission` field) and what was
 * filled in. Sent twice as it was, it is one submission; changed and sent again (back, edit, send), another.
 */
async function submissionOf(c: Context<AppEnv>): Promise<PendingKey | null> {
  const form = await formOf(c);
  const rendering = forms.one(form, "_submission");
  if (!UUID.test(rendering)) return null;
  const filled = Object.keys(form)
    .filter((name) => !TRANSPORT_FIELDS.has(name))
    .sort()
    .map((name) => [name, [form[name]].flat().map((v) => (typeof v === "string" ? v : ""))]);
  const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${JSON.stringify(filled)}`);
  return { userId: c.get("consoleSession").userId, key: `console:${rendering}:${requestHash.slice(0, 32)}`, requestHash };
}

/** What went wrong, as the API would have said it: same status, same message, same details. */
function refused(c: Context<AppEnv>, status: number, error: { message?: string; details?: ErrorDetail[] }, back?: string) {
  const details = error.details?.filter((d) => !forms.saidByMessage(d)).map((d) => `${d.path || "form"}: ${d.message}`);
  const code = (status >= 400 && status < 600 ? status : 500) as ContentfulStatusCode;
  return problem(c, code, code === 409 ? "Not possible now" : "Could not save", error.message ?? `The request failed (${status}).`, details, back);
}

/**
 * The screen a refused form came from, drawn again around it: what was typed, and why it was refused, in the
 * screen's words. `screen` answers null when the form's screen is gone (its record deleted meanwhile).
 */
interface Again {
  fields: forms.FieldMap;
  screen: (refill: forms.Refill) => Promise<unknown | null>;
}

async function refusedForm(c: Context<AppEnv>, status: number, error: { message?: string; code?: string; details?: ErrorDetail[] }, again: Again) {
  const zone = zoneOf(c.env);
  const action = c.req.path.toLowerCase();
  const problems = forms.plainProblems(error, again.fields, (ms) => formatTime(ms, zone));
  // Drawn before another change: filled in as sent, it would put back what that change replaced when sent again.
  const refill: forms.Refill =
    status === 409 && error.message === CHANGED_SINCE_SHOWN
      ? forms.staleRefill(action, await formOf(c), again.fields, problems)
      : { action, values: await formOf(c), problems };
  const node = await again.screen(refill);
  return node === null ? refused(c, status, error) : page(c, node, status as ContentfulStatusCode);
}

/** An API answer as the console's: on success a redirect (so a reload does not post twice). */
function after(c: Context<AppEnv>, answer: ApiAnswer, to: string, done: string) {
  return answer.ok ? redirectDone(c, to, done) : refused(c, answer.status, answer.data?.error ?? {});
}

/** Form fields through the API's own schema: the same rules and the same messages. */
function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ApiError(400, "validation_failed", "Invalid form", issuesOf(result.error, body));
  return result.data;
}

/** parse for a form that names a component or a group: refused for anything, it also says whether the name is taken. */
async function parseNamed<T extends z.ZodType>(c: Context<AppEnv>, schema: T, body: unknown, kind: "component" | "group", exceptId: string | null): Promise<z.output<T>> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  // A component's quorum is also compared with the page's regions here (the domain does it once the rest
  // holds), so that every problem is said at once.
  const monitor = kind === "component" && typeof body === "object" && body !== null ? (body as { monitor?: { quorum?: unknown; regions?: unknown } | null }).monitor : null;
  const quorum = quorumProblem(monitor, defaultRegions(c.env.CHECK_REGIONS));
  throw new ApiError(400, "validation_failed", "Invalid form", withAlsoRefused(issuesOf(result.error, body), [...(await nameAlsoTaken(c.var.db, kind, body, exceptId)), ...(quorum ? [quorum] : [])]));
}

const actorOf = (c: Context<AppEnv>): Actor => {
  const s = c.get("consoleSession");
  return adminActor({ userId: s.userId, email: s.email, name: s.name });
};

/**
 * One domain operation, committed like the API commits it; refusals become a page, success a redirect. A
 * form sent again (see submissionOf) changes nothing and gets the first sending's redirect: the answer is
 * stored in the same batch as the change, so of two sendings racing, one commits and the other replays.
 */
async function perform<R>(c: Context<AppEnv>, run: (actor: Actor, now: number) => Promise<Change<R>>, to: (result: R) => string, done: string, again?: Again | { back: string }) {
  try {
    const submission = (await submissionOf(c)) ?? undefined;
    if (submission) {
      const earlier = await findIdempotentAnswer(c.var.db, submission.userId, submission.key, Date.now() - IDEMPOTENCY_TTL_MS);
      if (earlier?.body) return c.redirect(earlier.body, 303);
    }
    const change = await run(actorOf(c), Date.now());
    const location = doneLocation(to(change.result), done);
    const raced = await commitOnce(c, change, submission, { status: 303, body: location });
    return c.redirect(raced?.body ?? location, 303);
  } catch (err) {
    const { status, body } = errorBody(err);
    if (status >= 500) console.error(`${c.req.method} ${c.req.path} failed`, err);
    if (again && "screen" in again && status >= 400 && status < 500 && status !== 404) return refusedForm(c, status, body.error, again);
    return refused(c, status, body.error, again && "back" in again ? again.back : undefined);
  }
}

const formOf = (c: Context<AppEnv>) => c.req.parseBody({ all: true });

/** The version of what an edit form showed (see ConsoleForm), when it carries one. */
const shownVersion = async (c: Context<AppEnv>) => forms.formVersion(await formOf(c));

/** Whether a post that cannot be undone was confirmed: by the script's dialog, or on the confirmation page. */
const confirmed = async (c: Context<AppEnv>) => forms.one(await formOf(c), "confirm") === "1";

/** The confirmation page for this post: it sends the same post again, confirmed. */
const confirmFirst = (c: Context<AppEnv>, ask: { title: string; question: string; yes: string; keep: string; fields?: Record<string, string> }) =>
  page(c, <ConfirmPage ctx={context(c)} action={c.req.path} {...ask} />);

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const snapshotOf = (c: Context<AppEnv>) => readSnapshot(c.env, () => c.var.db, { revalidate: true });
const named = (list: { id: string; name: string }[]) => list.map((x) => ({ id: x.id, name: x.name }));
const zoneOf = (env: Bindings) => pageTimeZone(env);
/** Whether automatic incidents apply to a component, as the checks will decide it. */
const autoIncidentsOn = (env: Bindings, row: { autoIncidents: Parameters<typeof componentAutoConfig>[1] }) => componentAutoConfig(autoIncidentDefaults(env.AUTO_INCIDENTS), row.autoIncidents).enabled;

/** The id in the path, or a 404 page for anything that is not one. */
function idOr404(c: Context<AppEnv>, name = "id"): string | null {
  const id = c.req.param(name)?.toLowerCase() ?? "";
  return UUID.test(id) ? id : null;
}

// Each screen with forms, as a GET shows it and as a refused form comes back to it.

async function incidentsScreen(c: Context<AppEnv>, refill?: forms.Refill) {
  const [snapshot, templates] = await Promise.all([snapshotOf(c), listTemplates(c.var.db)]);
  const templateId = c.req.query("template")?.toLowerCase();
  const template = !refill && templateId && UUID.test(templateId) ? await findTemplate(c.var.db, templateId) : null;
  return (
    <IncidentsPage
      ctx={context(c, "/admin/incidents")}
      page={snapshot.page}
      incidents={snapshot.incidents}
      components={named(snapshot.components)}
      templates={templates}
      template={template}
      flash={refill ? null : flashOf(c)}
      refill={refill}
    />
  );
}

async function incidentScreen(c: Context<AppEnv>, id: string | null, refill?: forms.Refill) {
  const [incident, snapshot] = await Promise.all([id ? loadIncidentView(c.var.db, id) : null, snapshotOf(c)]);
  if (!incident) return null;
  const [automation, kept] = await Promise.all([incident.automatic ? automationOf(c, incident.id) : null, undeletable(c.var.db, incident)]);
  return (
    <IncidentPage
      ctx={context(c, "/admin/incidents")}
      page={snapshot.page}
      incident={incident}
      automation={automation}
      deletable={!kept}
      components={named(snapshot.components)}
      flash={refill ? null : flashOf(c)}
      refill={refill}
    />
  );
}

/** What the API's admin view says of an automatic incident: who took it over, and the checks' suggestion. */
async function automationOf(c: Context<AppEnv>, id: string): Promise<Automation> {
  const [row, checks] = await Promise.all([findIncident(c.var.db, id), linkedComponentChecks(c.var.db, id)]);
  // Named as that admin's session named them when they took it over, when it did.
  const signed = row?.takenOverBy ? await actorAsSigned(c.var.db, { type: "incident", id }, row.takenOverBy) : undefined;
  const takenOverByName = [signed?.name, signed?.email].filter(Boolean).join(", ") || null;
  return { takenOverBy: row?.takenOverBy ?? null, takenOverByName, suggestion: checksSuggestion(checks, Date.now()).suggestion };
}

async function templatesScreen(c: Context<AppEnv>, refill?: forms.Refill) {
  const [templates, snapshot] = await Promise.all([listTemplates(c.var.db), snapshotOf(c)]);
  return <TemplatesPage ctx={context(c, "/admin/templates")} templates={templates} components={named(snapshot.components)} flash={refill ? null : flashOf(c)} refill={refill} />;
}

async function templateScreen(c: Context<AppEnv>, id: string | null, refill?: forms.Refill) {
  const [template, snapshot] = await Promise.all([id ? findTemplate(c.var.db, id) : null, snapshotOf(c)]);
  if (!template) return null;
  return <TemplatePage ctx={context(c, "/admin/templates")} t={template} components={named(snapshot.components)} refill={refill} />;
}

async function maintenanceListScreen(c: Context<AppEnv>, refill?: forms.Refill) {
  const snapshot = await snapshotOf(c);
  return (
    <MaintenanceListPage
      ctx={context(c, "/admin/maintenance")}
      page={snapshot.page}
      maintenances={snapshot.maintenances}
      components={named(snapshot.components)}
      flash={refill ? null : flashOf(c)}
      refill={refill}
    />
  );
}

async function maintenanceScreen(c: Context<AppEnv>, id: string | null, refill?: forms.Refill) {
  const snapshot = await snapshotOf(c);
  const m = snapshot.maintenances.find((x) => x.id === id);
  if (!m) return null;
  // Whether subscribers hear of it is not on the public page, so not in the snapshot.
  const notify = (await findMaintenance(c.var.db, m.id))?.notify ?? true;
  return (
    <MaintenancePage ctx={context(c, "/admin/maintenance")} page={snapshot.page} m={m} notify={notify} components={named(snapshot.components)} flash={refill ? null : flashOf(c)} refill={refill} />
  );
}

async function componentsScreen(c: Context<AppEnv>, refill?: forms.Refill) {
  const [rows, groups, snapshot] = await Promise.all([consoleComponents(c.var.db), consoleGroups(c.var.db), snapshotOf(c)]);
  return (
    <ComponentsPage
      ctx={context(c, "/admin/components")}
      rows={rows}
      groups={groups}
      shown={new Map(snapshot.components.map((x) => [x.id, x]))}
      moved={refill ? null : (c.req.query("moved") ?? null)}
      flash={refill ? null : flashOf(c)}
      refill={refill}
    />
  );
}

async function componentScreen(c: Context<AppEnv>, id: string | null, refill?: forms.Refill, check?: CheckResult) {
  const [rows, groups, snapshot] = await Promise.all([consoleComponents(c.var.db), consoleGroups(c.var.db), snapshotOf(c)]);
  const row = rows.find((r) => r.id === id);
  if (!row) return null;
  return (
    <ComponentPage
      ctx={context(c, "/admin/components")}
      row={row}
      groups={groups}
      shown={snapshot.components.find((x) => x.id === id)}
      autoIncidents={autoIncidentsOn(c.env, row)}
      defaultRegions={defaultRegions(c.env.CHECK_REGIONS)}
      check={check}
      flash={refill || check ? null : flashOf(c)}
      refill={refill}
    />
  );
}

/**
 * The console's form posts may be larger than the API's bodies: a form-encoded character outside ASCII takes
 * up to 9 bytes, so a 50,000-character postmortem in Japanese is 450 KB. Every form within its fields' limits
 * fits, and one that does not is refused with a page, not the API's JSON.
 */
export const CONSOLE_MAX_BODY_BYTES = 512 * 1024;
const consoleBodies = bodyLimit(CONSOLE_MAX_BODY_BYTES);
const consoleBodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await consoleBodies(c, next);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 413) throw err;
    return problem(c, 413, "Too large to send", `The form was larger than the console takes (${CONSOLE_MAX_BODY_BYTES / 1024} KB), so nothing changed.`);
  }
};

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

  .get("/incidents", async (c) => page(c, await incidentsScreen(c)))
  .post("/incidents", async (c) => {
    const form = await formOf(c);
    return perform(c, (actor, now) => openIncident(c.var.db, parse(schemas.createIncidentBody, forms.openIncidentBody(form, zoneOf(c.env), now)), actor, now), (i) => `/admin/incidents/${i.id}`, "opened", {
      fields: forms.OPEN_INCIDENT_FIELDS,
      screen: (refill) => incidentsScreen(c, refill),
    });
  })
  .get("/incidents/:id", async (c) => {
    const screen = await incidentScreen(c, idOr404(c));
    return screen ? page(c, screen) : problem(c, 404, "Not found", "There is no incident with this id.");
  })
  .post("/incidents/:id/updates", async (c) => {
    const id = idOr404(c);
    const incident = id ? await loadIncidentView(c.var.db, id) : null;
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    const form = await formOf(c);
    // Resolved by someone else while this was being written: said as such, with the text to copy, rather than
    // refused for a status the form never chose.
    if (!isOpenIncident(incident.status)) {
      const typed = forms.one(form, "message");
      return problem(c, 409, "Not posted", "This incident was resolved while the update was being written, so nothing was posted." + (typed ? " What you wrote is below, to copy." : ""), typed ? [typed] : undefined, `/admin/incidents/${id}`);
    }
    return perform(c, (actor, now) => postIncidentUpdate(c.var.db, incident.id, parse(schemas.incidentUpdateBody, forms.incidentUpdateBody(form, zoneOf(c.env), now, incident)), actor, now), () => `/admin/incidents/${id}`, "updated", {
      fields: forms.UPDATE_FIELDS,
      screen: (refill) => incidentScreen(c, id, refill),
    });
  })
  .post("/incidents/:id/resolve", async (c) => {
    const id = idOr404(c);
    const incident = id ? await findIncident(c.var.db, id) : undefined;
    if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
    const form = await formOf(c);
    // Resolved by someone else meanwhile: said as such, with what this form had written to copy.
    if (!isOpenIncident(incident.status)) {
      const typed = [forms.one(form, "root_cause"), forms.one(form, "resolution")].filter((t) => t !== "");
      return problem(c, 409, "Not resolved", "This incident is already resolved, so nothing was saved." + (typed.length ? " What you wrote is below, to copy (its root cause and resolution can be edited on its page)." : ""), typed.length ? typed : undefined, `/admin/incidents/${id}`);
    }
    const body = forms.resolveBody(form);
    return perform(c, (actor, now) => resolveIncident(c.var.db, incident.id, parse(schemas.resolveIncidentBody, body), actor, now), () => `/admin/incidents/${id}`, "resolved", {
      fields: forms.RESOLVE_FIELDS,
      screen: (refill) => incidentScreen(c, id, refill),
    });
  })
  .post("/incidents/:id/edit", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no incident with this id.");
    const body = forms.editIncidentBody(await formOf(c));
    const shown = await shownVersion(c);
    return perform(c, (actor, now) => editIncident(c.var.db, id, parse(schemas.editIncidentBody, body), actor, now, shown), () => `/admin/incidents/${id}`, "edited", {
      fields: forms.EDIT_INCIDENT_FIELDS,
      screen: (refill) => incidentScreen(c, id, refill),
    });
  })
  .post("/incidents/:id/updates/:updateId", async (c) => {
    const id = idOr404(c);
    const updateId = idOr404(c, "updateId");
    if (!id || !updateId) return problem(c, 404, "Not found", "There is no such update.");
    const body = { message: forms.one(await formOf(c), "message") };
    const shown = await shownVersion(c);
    return perform(c, (actor, now) => editIncidentUpdate(c.var.db, id, updateId, parse(schemas.editIncidentUpdateBody, body), actor, now, shown), () => `/admin/incidents/${id}`, "edited", {
      fields: forms.EDIT_UPDATE_FIELDS,
      screen: (refill) => incidentScreen(c, id, refill),
    });
  })
  .post("/incidents/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no incident with this id.");
    if (!(await confirmed(c))) {
      const incident = await loadIncidentView(c.var.db, id);
      if (!incident) return problem(c, 404, "Not found", "There is no incident with this id.");
      // One that would be refused is refused now, rather than after asking.
      if (await undeletable(c.var.db, incident)) return perform(c, (actor, now) => deleteIncident(c.var.db, id, actor, now), () => "/admin/incidents", "deleted", { back: `/admin/incidents/${id}` });
      const question = `Delete "${incident.title}" and its ${plural(incident.updates.length, "update", "updates")} for good? It disappears from the status page and its history.`;
      return confirmFirst(c, { title: "Delete this incident?", question, yes: "Delete incident", keep: `/admin/incidents/${id}` });
    }
    // Refused (announced to subscribers: resolve it first), the way back is to the incident.
    return perform(c, (actor, now) => deleteIncident(c.var.db, id, actor, now), () => "/admin/incidents", "deleted", { back: `/admin/incidents/${id}` });
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
    const text = typeof form.postmortem === "string" ? forms.lineFeeds(form.postmortem) : "";
    const shown = await shownVersion(c);
    if (forms.one(form, "action") === "preview") {
      return page(c, <PostmortemPage ctx={context(c, "/admin/incidents")} page={snapshot.page} incident={incident} text={text} preview version={shown} />);
    }
    return perform(c, (actor, now) => publishPostmortem(c.var.db, incident.id, parse(schemas.postmortemBody, { postmortem: text }), actor, now, shown), () => `/admin/incidents/${id}`, "published", {
      fields: forms.POSTMORTEM_FIELDS,
      // Drawn before another postmortem was published: that one, unless this text was typed (see staleRefill).
      screen: async (refill) => (
        <PostmortemPage ctx={context(c, "/admin/incidents")} page={snapshot.page} incident={incident} text={refill.stale ? (incident.postmortem ?? postmortemDraft(incident)) : text} preview={false} refill={refill} />
      ),
    });
  })

  .get("/templates", async (c) => page(c, await templatesScreen(c)))
  .post("/templates", async (c) => {
    const body = forms.templateBody(await formOf(c));
    return perform(c, (actor, now) => createTemplate(c.var.db, parse(schemas.templateBody, body), actor, now), () => "/admin/templates", "created", {
      fields: forms.TEMPLATE_FIELDS,
      screen: (refill) => templatesScreen(c, refill),
    });
  })
  .get("/templates/:id", async (c) => {
    const screen = await templateScreen(c, idOr404(c));
    return screen ? page(c, screen) : problem(c, 404, "Not found", "There is no template with this id.");
  })
  .post("/templates/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no template with this id.");
    const body = forms.templateBody(await formOf(c));
    const shown = await shownVersion(c);
    return perform(c, (actor, now) => editTemplate(c.var.db, id, parse(schemas.editTemplateBody, body), actor, now, shown), () => "/admin/templates", "saved", {
      fields: forms.TEMPLATE_FIELDS,
      screen: (refill) => templateScreen(c, id, refill),
    });
  })
  .post("/templates/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no template with this id.");
    if (!(await confirmed(c))) {
      const template = await findTemplate(c.var.db, id);
      if (!template) return problem(c, 404, "Not found", "There is no template with this id.");
      return confirmFirst(c, { title: "Delete this template?", question: `Delete the template "${template.name}"? Incidents opened from it stay.`, yes: "Delete template", keep: `/admin/templates/${id}` });
    }
    return perform(c, (actor, now) => deleteTemplate(c.var.db, id, actor, now), () => "/admin/templates", "deleted", { back: "/admin/templates" });
  })

  .get("/maintenance", async (c) => page(c, await maintenanceListScreen(c)))
  .post("/maintenance", async (c) => {
    const body = forms.maintenanceBody(await formOf(c), zoneOf(c.env));
    return perform(c, (actor, now) => scheduleMaintenance(c.var.db, parse(schemas.maintenanceBody, body), actor, now), (m) => `/admin/maintenance/${m.id}`, "scheduled", {
      fields: forms.MAINTENANCE_FIELDS,
      screen: (refill) => maintenanceListScreen(c, refill),
    });
  })
  .get("/maintenance/:id", async (c) => {
    const screen = await maintenanceScreen(c, idOr404(c));
    return screen ? page(c, screen) : problem(c, 404, "Not found", "There is no maintenance with this id in the last year.");
  })
  .post("/maintenance/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no maintenance with this id.");
    const sent = forms.maintenanceBody(await formOf(c), zoneOf(c.env));
    // The form's times are whole minutes: one sent as the minute it showed is the stored time, seconds and
    // all, not a move to the minute (which a window in progress would refuse for its start).
    const m = (await snapshotOf(c)).maintenances.find((x) => x.id === id);
    const asShown = (time: string | undefined, stored: number | undefined) =>
      time !== undefined && stored !== undefined && Date.parse(time) === Math.floor(stored / 60_000) * 60_000;
    const { scheduled_start, scheduled_end, ...rest } = sent;
    const body = {
      ...rest,
      ...(asShown(scheduled_start, m?.scheduled_start) ? {} : { scheduled_start }),
      ...(asShown(scheduled_end, m?.scheduled_end) ? {} : { scheduled_end }),
    };
    // The form always shows both times: one emptied is a mistake to point out, not "leave it as it was".
    const emptied = (["scheduled_start", "scheduled_end"] as const).filter((field) => sent[field] === undefined);
    const shown = await shownVersion(c);
    const edit = (actor: Actor, now: number) => {
      if (emptied.length) throw badRequest("Invalid form", emptied.map((path) => ({ path, message: "is required", code: "required" as const })));
      return editMaintenance(c.var.db, id, parse(schemas.editMaintenanceBody, body), actor, now, shown);
    };
    return perform(c, edit, () => `/admin/maintenance/${id}`, "edited", {
      fields: forms.MAINTENANCE_FIELDS,
      screen: (refill) => maintenanceScreen(c, id, refill),
    });
  })
  .post("/maintenance/:id/:action{start|complete|cancel}", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no maintenance with this id.");
    const action = c.req.param("action");
    if (action === "cancel" && !(await confirmed(c))) {
      const m = (await snapshotOf(c)).maintenances.find((x) => x.id === id);
      if (!m) return problem(c, 404, "Not found", "There is no maintenance with this id in the last year.");
      return confirmFirst(c, { title: "Cancel this maintenance?", question: `Cancel "${m.title}"? It cannot be scheduled again; schedule a new window instead.`, yes: "Cancel maintenance", keep: `/admin/maintenance/${id}` });
    }
    const operation = action === "cancel" ? cancelMaintenance : action === "start" ? startMaintenanceNow : completeMaintenanceNow;
    // Refused (moved meanwhile, by another admin or the cron), the way back is to the window as it is now.
    return perform(c, (actor, now) => operation(c.var.db, id, actor, now), () => `/admin/maintenance/${id}`, action === "cancel" ? "cancelled" : action === "start" ? "started" : "completed", { back: `/admin/maintenance/${id}` });
  })

  .get("/components", async (c) => page(c, await componentsScreen(c)))
  .post("/components", async (c) => {
    const body = forms.componentBody(await formOf(c), false);
    return perform(c, async (actor, now) => createComponent(c.var.db, await parseNamed(c, schemas.createComponentBody, body, "component", null), actor, now, defaultRegions(c.env.CHECK_REGIONS)), (r) => `/admin/components#comp-${r.id}`, "created", {
      fields: forms.COMPONENT_FIELDS,
      screen: (refill) => componentsScreen(c, refill),
    });
  })
  .post("/components/:id/move", async (c) => {
    const id = idOr404(c);
    const direction = forms.one(await formOf(c), "direction");
    if (direction !== "up" && direction !== "down") return problem(c, 400, "Bad request", "A component moves up or down.");
    const rows = await consoleComponents(c.var.db);
    if (!id || !rows.some((r) => r.id === id)) return problem(c, 404, "Not found", "There is no component with this id.");
    // As the page shows them; at the edge of the list or of its group, the order as it is (numbered afresh).
    const ids = movedInPage(rows, id, direction) ?? pageBlocks(rows).flatMap((b) => b.members.map((r) => r.id));
    // No #fragment in the answer: Chromium skips autofocus on an address with one, and focus on the pressed
    // button (which scrolls its row into view) is what lets Down be pressed again.
    return perform(c, (actor, now) => reorderComponents(c.var.db, ids, actor, now), () => `/admin/components?moved=${id}:${direction}`, "moved");
  })
  .get("/components/:id", async (c) => {
    const screen = await componentScreen(c, idOr404(c));
    return screen ? page(c, screen) : problem(c, 404, "Not found", "There is no component with this id.");
  })
  .post("/components/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no component with this id.");
    const form = await formOf(c);
    const existing = (await consoleComponents(c.var.db)).find((r) => r.id === id);
    // Only a flipped switch is sent (the page showed what applied, default included), and only whether automatic
    // incidents are on; timings set through the API stay.
    const was = forms.one(form, "automatic_incidents_was");
    const now = forms.one(form, "automatic_incidents") === "on" ? "on" : "off";
    const auto = was && was !== now ? { auto_incidents: { ...(existing?.autoIncidents ?? {}), enabled: now === "on" } } : {};
    const body = { ...forms.componentBody(form, true), ...auto };
    // The boxes list regions in their own order: the same ones ticked are no change of order either.
    const regions = existing?.monitor?.regions;
    if (body.monitor?.regions && regions && body.monitor.regions.length === regions.length && regions.every((r) => body.monitor!.regions!.includes(r))) {
      body.monitor.regions = regions;
    }
    const shown = await shownVersion(c);
    return perform(c, async (actor, now) => editComponent(c.var.db, id, await parseNamed(c, schemas.editComponentBody, body, "component", id), actor, now, defaultRegions(c.env.CHECK_REGIONS), shown), () => `/admin/components/${id}`, "saved", {
      fields: forms.COMPONENT_FIELDS,
      screen: (refill) => componentScreen(c, id, refill),
    });
  })
  .post("/components/:id/check", async (c) => {
    const id = idOr404(c);
    if (!id || !(await consoleComponents(c.var.db)).some((r) => r.id === id)) return problem(c, 404, "Not found", "There is no component with this id.");
    const answer = await api(c, "POST", "/health-check");
    if (!answer.ok) return after(c, answer, "", "");
    const detail = (answer.data.details as { component_id: string; status: string; latency_ms: number | null; error: string | null; recorded: boolean }[]).find((d) => d.component_id === id);
    const check: CheckResult = detail
      ? { status: detail.status, latency_ms: detail.latency_ms, error: detail.error, recorded: detail.recorded }
      : { status: "not_checked", latency_ms: null, error: "This component has no check to run.", recorded: false };
    const screen = await componentScreen(c, id, undefined, check);
    return screen ? page(c, screen) : problem(c, 404, "Not found", "There is no component with this id.");
  })
  .post("/components/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no component with this id.");
    if (!(await confirmed(c))) {
      const row = (await consoleComponents(c.var.db)).find((r) => r.id === id);
      if (!row) return problem(c, 404, "Not found", "There is no component with this id.");
      return confirmFirst(c, { title: "Delete this component?", question: `Delete "${row.name}" and its history for good? It disappears from the status page, and whoever followed it alone is told.`, yes: "Delete component", keep: `/admin/components/${id}` });
    }
    return perform(c, (actor, now) => deleteComponent(c.var.db, id, actor, now), () => "/admin/components", "deleted", { back: `/admin/components/${id}` });
  })
  .post("/groups", async (c) => {
    const body = forms.groupBody(await formOf(c));
    return perform(c, async (actor, now) => createGroup(c.var.db, await parseNamed(c, schemas.groupBody, body, "group", null), actor, now), () => "/admin/components", "created", {
      fields: forms.GROUP_FIELDS,
      screen: (refill) => componentsScreen(c, refill),
    });
  })
  .post("/groups/:id", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no group with this id.");
    const body = forms.groupBody(await formOf(c));
    const shown = await shownVersion(c);
    return perform(c, async (actor, now) => editGroup(c.var.db, id, await parseNamed(c, schemas.editGroupBody, body, "group", id), actor, now, shown), () => "/admin/components", "saved", {
      fields: forms.GROUP_FIELDS,
      screen: (refill) => componentsScreen(c, refill),
    });
  })
  .post("/groups/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no group with this id.");
    if (!(await confirmed(c))) {
      const group = (await consoleGroups(c.var.db)).find((g) => g.id === id);
      if (!group) return problem(c, 404, "Not found", "There is no group with this id.");
      return confirmFirst(c, { title: "Delete this group?", question: `Delete the group "${group.name}"? Its components stay, ungrouped.`, yes: "Delete group", keep: "/admin/components" });
    }
    return perform(c, (actor, now) => deleteGroup(c.var.db, id, actor, now), () => "/admin/components", "deleted", { back: "/admin/components" });
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

  .get("/audit", async (c) => {
    // The API's query schema; an empty field (the filter's "All") means no filter. A screen holds fewer
    // entries than the API's page, each with its first changes only, so it stays a light load.
    const given = { limit: String(AUDIT_SCREEN_ENTRIES), ...Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== "")) };
    const parsed = schemas.auditQuery.safeParse(given);
    if (!parsed.success) {
      const details = issuesOf(parsed.error, given).map((d) => `${d.path || "query"}: ${d.message}`);
      return page(c, <ProblemPage ctx={context(c, "/admin/audit")} title="Cannot show that" message="The address asks for an audit page that does not exist." details={details} back="/admin/audit" />, 400);
    }
    // A screen never lists more than its budget holds, whatever limit the address asks for.
    const query = { ...parsed.data, limit: Math.min(parsed.data.limit, AUDIT_SCREEN_ENTRIES) };
    const { rows, nextCursor } = await readAuditPage(c.var.db, query);
    const gone = await deletedEntities(c.var.db, rows);
    return page(
      c,
      <AuditPage ctx={context(c, "/admin/audit")} zone={zoneOf(c.env)} rows={rows} nextCursor={nextCursor} entityType={query.entity_type} entityId={query.entity_id} paged={!!query.cursor} gone={gone} />,
    );
  })
  .get("/audit/:id", async (c) => {
    const id = idOr404(c);
    const row = id ? await findAuditEntry(c.var.db, id) : undefined;
    if (!row) return problem(c, 404, "Not found", "There is no audit entry with this id (entries are kept 365 days).");
    return page(c, <AuditEntryPage ctx={context(c, "/admin/audit")} zone={zoneOf(c.env)} row={row} gone={await deletedEntities(c.var.db, [row])} />);
  })
  .post("/subscribers/:id/delete", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no subscriber with this id.");
    const q = forms.one(await formOf(c), "q");
    if (!(await confirmed(c))) {
      const subscriber = await findSubscriberById(c.var.db, id);
      if (!subscriber) return problem(c, 404, "Not found", "There is no subscriber with this id.");
      const keep = `/admin/subscribers?q=${encodeURIComponent(q)}`;
      return confirmFirst(c, { title: "Remove this subscriber?", question: `Remove ${subscriber.address}? They get no more notifications; they can subscribe again.`, yes: "Remove subscriber", keep, fields: { q } });
    }
    return after(c, await api(c, "DELETE", `/notifications/subscribers/${id}`), `/admin/subscribers?q=${encodeURIComponent(q)}`, "removed");
  })
  .post("/deliveries/:id/retry", async (c) => {
    const id = idOr404(c);
    if (!id) return problem(c, 404, "Not found", "There is no delivery with this id.");
    return after(c, await api(c, "POST", `/notifications/deliveries/${id}/retry`), "/admin/subscribers#undelivered", "retried");
  })
  // A form refused is drawn again at the address it was posted to; reloaded, bookmarked or shared, that
  // address is opened with GET: it leads to the screen the form was on, not to the API's 405. Any other
  // address is a mistyped link, answered in the console's own layout rather than the public site's.
  .get("*", async (c) => {
    const screen = screenOfFormAddress(c.req.path);
    if (!screen) return problem(c, 404, "Not found", "There is no console screen at this address.");
    return c.redirect(screen, 303);
  });

/** The screens whose forms post to these addresses (ids are checked by the screen itself). */
const FORM_ADDRESSES: [RegExp, (id: string) => string][] = [
  [/^\/admin\/incidents\/([0-9A-Za-z-]{1,64})\/(?:updates(?:\/[^/]+)?|resolve|edit|delete)$/, (id) => `/admin/incidents/${id}`],
  [/^\/admin\/templates\/([0-9A-Za-z-]{1,64})\/delete$/, (id) => `/admin/templates/${id}`],
  [/^\/admin\/maintenance\/([0-9A-Za-z-]{1,64})\/(?:start|complete|cancel)$/, (id) => `/admin/maintenance/${id}`],
  [/^\/admin\/components\/([0-9A-Za-z-]{1,64})\/(?:check|delete)$/, (id) => `/admin/components/${id}`],
  // The order's Up and Down buttons are on the list.
  [/^\/admin\/components\/[0-9A-Za-z-]{1,64}\/move$/, () => "/admin/components"],
  [/^\/admin\/groups(?:\/[^/]+(?:\/delete)?)?$/, () => "/admin/components"],
  [/^\/admin\/(?:subscribers\/[^/]+\/delete|deliveries\/[^/]+\/retry)$/, () => "/admin/subscribers"],
  [/^\/admin\/sign-out$/, () => "/admin"],
];

function screenOfFormAddress(path: string): string | null {
  for (const [pattern, screen] of FORM_ADDRESSES) {
    const match = pattern.exec(path);
    if (match) return screen(match[1] ?? "");
  }
  return null;
}
