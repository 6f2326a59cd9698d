import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ifNoneMatchHits } from "./conditional";
import { fnv1a } from "./hash";

/**
 * Sends a body that depends only on configuration, with a weak ETag from its content (like every other read:
 * the same representation, whatever compression does to its bytes) and 304 on a match.
 */
export function sendStatic(c: Context<AppEnv>, opts: { body: string; contentType: string; cacheControl: string; headers?: Record<string, string> }): Response {
  const etag = `W/"${fnv1a(opts.body)}-${opts.body.length.toString(36)}"`;
  const headers = { "content-type": opts.contentType, etag, "cache-control": opts.cacheControl, ...opts.headers };
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(c.req.method === "HEAD" ? null : opts.body, { status: 200, headers });
}
