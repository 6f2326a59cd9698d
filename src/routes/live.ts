import { Hono } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ApiError, errorBody } from "../errors";
import { clientKey, limitPerClient } from "../http/client";
import { CLIENT_KEY_HEADER, statusHub } from "../live/status-hub";
import { liveQuery } from "../schemas";
import { validate } from "../validation";

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Unset (the default): any page may open the socket. It carries only public data, already served with CORS
 * `*`, so an Origin check protects nothing and would refuse the page's own visitors on another host name
 * (workers.dev, www, http). Set to a comma-separated list to restrict browsers to the page and those origins.
 */
function allowedOrigins(env: Bindings): Set<string> | null {
  const listed = (env.LIVE_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  if (!listed.length) return null;
  return new Set([env.PAGE_URL || "http://localhost:8787", ...listed].map(originOf).filter((o): o is string => o !== null));
}

/**
 * The live socket. Abuse is bounded per client (an IPv4 address or an IPv6 /64): upgrades by the
 * LIVE_LIMITER rate limit, open sockets by the hub.
 */
export const live = new Hono<AppEnv>().get("/live", validate("query", liveQuery), async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    // 426 names the protocol to upgrade to (RFC 9110).
    const { body } = errorBody(new ApiError(426, "upgrade_required", "GET /api/status/live with a WebSocket upgrade (Upgrade: websocket)"));
    return c.json(body, 426, { upgrade: "websocket" });
  }
  const origin = c.req.header("origin");
  const allowed = allowedOrigins(c.env);
  if (origin && allowed && !allowed.has(origin)) throw new ApiError(403, "forbidden", "This origin may not open the live socket");
  await limitPerClient(c, c.env.LIVE_LIMITER, "live", "Too many live connections from this address; try again in a minute");
  const client = clientKey(c);
  const headers = new Headers(c.req.raw.headers);
  headers.delete(CLIENT_KEY_HEADER);
  if (client) headers.set(CLIENT_KEY_HEADER, client);
  return statusHub(c.env).fetch(new Request(c.req.url, { headers }));
});
