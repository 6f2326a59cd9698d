import { Hono } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ApiError } from "../errors";
import { statusHub } from "../live/status-hub";

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The page's own origin and those listed in LIVE_ALLOWED_ORIGINS (comma-separated) may open the socket. */
function allowedOrigins(env: Bindings): Set<string> {
  const listed = (env.LIVE_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  return new Set([env.PAGE_URL || "http://localhost:8787", ...listed].map(originOf).filter((o): o is string => o !== null));
}

/**
 * The live socket. Browsers always send Origin on a WebSocket handshake, so another site's page is refused;
 * clients without one (servers, CLI tools) are allowed, as they could read the public API anyway.
 */
export const live = new Hono<AppEnv>().all("/live", async (c) => {
  if (c.req.method !== "GET" || c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    c.header("upgrade", "websocket");
    throw new ApiError(426, "upgrade_required", "GET /api/status/live with a WebSocket upgrade (Upgrade: websocket)");
  }
  const origin = c.req.header("origin");
  if (origin && !allowedOrigins(c.env).has(origin)) throw new ApiError(403, "forbidden", "This origin may not open the live socket");
  return statusHub(c.env).fetch(c.req.raw);
});
