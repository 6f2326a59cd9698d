import { Hono, type Context } from "hono";
import type { H, RouterRoute } from "hono/types";
import { adminFromRequest } from "./auth/clerk";
import { database } from "./db/middleware";
import type { AppEnv } from "./env";
import { errorBody } from "./errors";
import { BODY_METHODS, bodyLimit } from "./http/body-limit";
import { httpPolicy } from "./http/headers";
import { wellEncodedQuery } from "./http/query";
import { MethodRouter } from "./http/router";
import { adminAudit } from "./routes/admin-audit";
import { adminComponents } from "./routes/admin-components";
import { adminIncidents } from "./routes/admin-incidents";
import { adminMaintenance } from "./routes/admin-maintenance";
import { adminNotifications } from "./routes/admin-notifications";
import { adminTemplates } from "./routes/admin-templates";
import { adminConsole, CONSOLE_MAX_BODY_BYTES } from "./routes/console";
import { apiDocs } from "./routes/api-docs";
import { badges } from "./routes/badges";
import { calendar } from "./routes/calendar";
import { feeds } from "./routes/feeds";
import { health } from "./routes/health";
import { latency } from "./routes/latency";
import { live } from "./routes/live";
import { statusPage, unknownPage } from "./routes/page";
import { publicStatus } from "./routes/status";
import { subscriptions } from "./routes/subscriptions";
import { uptime } from "./routes/uptime";
import { statuspageV2 } from "./routes/v2";

const MAX_BODY_BYTES = 64 * 1024;
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const router = new MethodRouter<[H, RouterRoute]>();
export const app = new Hono<AppEnv>({ router });

app.use(httpPolicy);
app.use(wellEncodedQuery);
/**
 * An admin may send through the API what the console takes: a 50,000-character postmortem in a script of 3
 * bytes a character is 150 KB, twice that with every character escaped in JSON. Checked only for a body
 * over MAX_BODY_BYTES, so no one else makes the worker buffer more than that.
 */
const adminBodies = {
  maxBytes: CONSOLE_MAX_BODY_BYTES,
  allowed: (c: Context<AppEnv>) => adminFromRequest(c).then((admin) => admin !== null, () => false),
};

// Only requests that may carry a body pass through the limit; a read skips the layer. The console's forms
// have a limit of their own (CONSOLE_MAX_BODY_BYTES), refused with a page.
const apiBodies = bodyLimit(MAX_BODY_BYTES, adminBodies);
app.on(BODY_METHODS, "*", (c, next) => (c.req.path === "/admin" || c.req.path.startsWith("/admin/") ? next() : apiBodies(c, next)));
app.use(database);

// The runtime's own ceiling: touches nothing else (no D1, no hub). The API health check probes it.
app.get("/healthz", (c) => c.json({ status: "ok" }));

app.route("/api/status", publicStatus);
app.route("/api/status", feeds);
app.route("/api/status", adminIncidents);
app.route("/api/status", adminMaintenance);
app.route("/api/status", adminComponents);
app.route("/api/status", subscriptions);
app.route("/api/status", adminNotifications);
app.route("/api/status", adminTemplates);
app.route("/api/status", adminAudit);
app.route("/api/status", health);
app.route("/api/status", live);
app.route("/api/status", uptime);
app.route("/api/status", latency);
app.route("/api/status", calendar);
app.route("/api/v2", statuspageV2);
app.route("/api", apiDocs);
app.route("/admin", adminConsole);
app.route("/", badges);
app.route("/", statusPage);

app.notFound(async (c) => {
  const allowed = router.allowedMethods(c.req.path);
  if (allowed.length === 0) return (await unknownPage(c)) ?? c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404);
  // HEAD is answered wherever GET is, and OPTIONS (which asks what an address takes) everywhere.
  const allow = METHOD_ORDER.filter((m) => allowed.includes(m) || (m === "HEAD" && allowed.includes("GET")) || m === "OPTIONS").join(", ");
  if (c.req.method === "OPTIONS") return c.body(null, 204, { allow });
  return c.json({ error: { code: "method_not_allowed", message: `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}` } }, 405, { allow });
});

app.onError((err, c) => {
  const { status, body } = errorBody(err);
  if (status >= 500) console.error(`${c.req.method} ${c.req.path} failed`, err);
  return c.json(body, status);
});
