import type { Context } from "hono";
import type { AppEnv } from "../env";

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/** Sends a body that depends only on configuration, with a strong ETag from its content and 304 on a match. */
export function sendStatic(c: Context<AppEnv>, opts: { body: string; contentType: string; cacheControl: string; headers?: Record<string, string> }): Response {
  const etag = `"${fnv1a(opts.body)}-${opts.body.length.toString(36)}"`;
  const headers = { "content-type": opts.contentType, etag, "cache-control": opts.cacheControl, ...opts.headers };
  const ifNoneMatch = c.req.header("if-none-match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => [etag, `W/${etag}`, "*"].includes(tag.trim()))) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(c.req.method === "HEAD" ? null : opts.body, { status: 200, headers });
}
