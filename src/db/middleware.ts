import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { countingD1, createDb } from "./client";

const BOOKMARK_HEADER = "x-d1-bookmark";

function openSession(d1: D1Database, constraint: string): D1DatabaseSession {
  try {
    return d1.withSession(constraint);
  } catch {
    // A garbage bookmark from a client must never become a 500: fall back to any replica.
    return d1.withSession("first-unconstrained");
  }
}

/**
 * One Drizzle client per request, over a D1 session (Sessions API). Writes and admin requests start at the
 * primary; public reads may use any replica, or continue from the bookmark the client sent back, which is
 * what gives a writer read-after-write. The session's latest bookmark goes back in `x-d1-bookmark`.
 */
export const database: MiddlewareHandler<AppEnv> = async (c, next) => {
  const counter = { count: 0 };
  const write = c.req.method !== "GET" && c.req.method !== "HEAD";
  const bookmark = c.req.header(BOOKMARK_HEADER);
  const constraint = write ? "first-primary" : bookmark && /^[\w-]{1,200}$/.test(bookmark) ? bookmark : "first-unconstrained";
  let session: D1DatabaseSession | null = null;
  try {
    session = openSession(c.env.DB, constraint);
  } catch {
    session = null; // Sessions are unavailable: use the binding as it is.
  }
  c.set("d1Queries", counter);
  c.set("db", createDb(countingD1(session ?? c.env.DB, counter)));
  await next();
  c.header("x-d1-queries", String(counter.count));
  const latest = counter.count > 0 ? session?.getBookmark() : null;
  if (latest) c.header(BOOKMARK_HEADER, latest);
};
