import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";

/**
 * Refuses a query string whose percent-encoding is not UTF-8 (`%FF`, a lone surrogate's `%ED%A0%80`): the
 * runtime would hand it on undecoded, and a badge would draw "%FF" or a filter look for it, as if it meant
 * something. Checked only when the URL has a `%` after its `?`, outside the console.
 */
export const wellEncodedQuery: MiddlewareHandler = async (c, next) => {
  // The console reads its own query strings and answers a bad one with a page of its own.
  if (c.req.path === "/admin" || c.req.path.startsWith("/admin/")) return next();
  const url = c.req.url;
  const at = url.indexOf("?");
  if (at >= 0 && url.includes("%", at)) {
    for (const part of url.slice(at + 1).split(/[&=]/)) {
      try {
        decodeURIComponent(part);
      } catch {
        throw new ApiError(400, "bad_request", "The query string is not valid percent-encoded UTF-8.");
      }
    }
  }
  await next();
};
