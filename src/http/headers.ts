import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../env";
import { TURNSTILE_ORIGIN } from "../notify/turnstile";
import { publicReadRoute } from "../openapi/routes";

/**
 * The page's policy, built in this one place: scripts and styles from /assets, live updates over the same
 * origin's socket (CSP Level 3 `'self'` covers ws:/wss: to the page's own host), forms posting only back to
 * the page, and no `<base>`. A feature that needs a third-party origin adds it here, only when it is on.
 */
export function pageCsp(env: Bindings): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "connect-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
  };
  if (env.TURNSTILE_SITE_KEY) {
    // Turnstile's widget: its script, and the challenge it frames.
    directives["script-src"]!.push(TURNSTILE_ORIGIN);
    directives["frame-src"] = [TURNSTILE_ORIGIN];
  }
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(" ")}`)
    .join("; ");
}

// Media other sites embed or fetch without CORS (badges in <img>, feeds in readers, calendars): they must
// not be blocked by Cross-Origin-Resource-Policy.
const EMBEDDABLE = /^(image\/svg\+xml|application\/(rss|atom)\+xml|application\/feed\+json|text\/calendar)\b/;

const READ_METHODS = new Set(["GET", "HEAD"]);

function fill(target: Headers, headers: Record<string, string>) {
  for (const name in headers) if (!target.has(name)) target.set(name, headers[name]!);
}

function setHeaders(c: Context<AppEnv>, headers: Record<string, string>) {
  try {
    fill(c.res.headers, headers);
  } catch {
    // A response passed through from fetch() has immutable headers: copy it once.
    const res = new Response(c.res.body, c.res);
    fill(res.headers, headers);
    c.res = res;
  }
}

/** What every answer carries, preflights included. */
function securityHeaders(contentType: string): Record<string, string> {
  return {
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-resource-policy": EMBEDDABLE.test(contentType) ? "cross-origin" : "same-site",
  };
}

/**
 * Answers CORS preflights for public reads; after the handler, adds CORS (public reads only, never admin
 * routes or writes), security headers, and a cache policy for responses that did not choose one.
 */
export const httpPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  const publicRead = publicReadRoute(c.req.path);
  const preflightFor = c.req.header("access-control-request-method")?.toUpperCase();
  if (c.req.method === "OPTIONS" && publicRead && preflightFor && READ_METHODS.has(preflightFor)) {
    return c.body(null, 204, {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD, OPTIONS",
      // x-d1-bookmark: the token a read of an old incident hands back (see Reads that survive a dead database).
      "access-control-allow-headers": "If-None-Match, If-Modified-Since, Cache-Control, X-D1-Bookmark",
      "access-control-max-age": "86400",
      ...securityHeaders(""),
    });
  }
  await next();
  // WebSocket upgrades carry no body to protect and their headers belong to the runtime.
  if (c.res.status === 101) return;

  const contentType = c.res.headers.get("content-type") ?? "";
  const headers = securityHeaders(contentType);
  if (contentType.startsWith("text/html")) {
    headers["content-security-policy"] = pageCsp(c.env);
    // For browsers that predate CSP's frame-ancestors.
    headers["x-frame-options"] = "DENY";
  }
  else if (contentType.startsWith("image/svg+xml")) headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'";

  const isPublic = publicRead && READ_METHODS.has(c.req.method);
  if (isPublic) {
    headers["access-control-allow-origin"] = "*";
    headers["access-control-expose-headers"] = "ETag, Last-Modified, Retry-After, X-D1-Bookmark";
  }
  // Anything that did not pick a policy: public data briefly; liveness, admin, personal links and errors never.
  headers["cache-control"] = isPublic && !publicRead.uncached && c.res.status === 200 ? "public, max-age=10" : "no-store";
  setHeaders(c, headers);
};
