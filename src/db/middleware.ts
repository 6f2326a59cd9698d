import type { MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../env";
import { base64url, constantTimeEqual, hmac, hmacKey } from "../crypto";
import { countingD1, createDb } from "./client";

const BOOKMARK_HEADER = "x-d1-bookmark";

async function bookmarkSignature(env: Bindings, bookmark: string): Promise<string | null> {
  if (!env.SIGNING_SECRET) return null;
  return base64url(await hmac(await hmacKey(env.SIGNING_SECRET), `d1-bookmark:${bookmark}`)).slice(0, 22);
}

/** A bookmark as Beacon hands it out: D1's bookmark and a signature, so a client can only send back ours. */
async function signBookmark(env: Bindings, bookmark: string): Promise<string | null> {
  const signature = await bookmarkSignature(env, bookmark);
  return signature ? `${bookmark}.${signature}` : null;
}

/** The D1 bookmark inside one Beacon issued, or null (unsigned, forged, or a constraint such as first-primary). */
async function issuedBookmark(env: Bindings, header: string | undefined): Promise<string | null> {
  const match = /^([\w-]{1,200})\.([\w-]{22})$/.exec(header ?? "");
  if (!match) return null;
  const expected = await bookmarkSignature(env, match[1]!);
  return expected && constantTimeEqual(match[2]!, expected) ? match[1]! : null;
}

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
 * primary; public reads may use any replica, or continue from a bookmark Beacon issued (signed with
 * SIGNING_SECRET), which is what gives a writer read-after-write. Anything else a client sends, `first-primary`
 * included, is ignored: no client pins reads to the primary. The latest bookmark goes back in `x-d1-bookmark`.
 */
export const database: MiddlewareHandler<AppEnv> = async (c, next) => {
  const counter = { count: 0 };
  const write = c.req.method !== "GET" && c.req.method !== "HEAD";
  const bookmark = write ? null : await issuedBookmark(c.env, c.req.header(BOOKMARK_HEADER));
  const constraint = write ? "first-primary" : (bookmark ?? "first-unconstrained");
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
  const issued = latest ? await signBookmark(c.env, latest) : null;
  if (issued) c.header(BOOKMARK_HEADER, issued);
};
