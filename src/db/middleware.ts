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
 * `make()`, called on first use. A warm public read answers from memory and never touches its Drizzle
 * client, so it should not pay for building one (a D1 session and a few hundred bytes of Drizzle objects).
 * Methods are bound to the real client, so `this` inside Drizzle is always the client itself.
 */
function onFirstUse<T extends object>(make: () => T): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get(_, prop) {
      made ??= make();
      const value = Reflect.get(made, prop, made);
      return typeof value === "function" ? value.bind(made) : value;
    },
  });
}

/**
 * One Drizzle client per request, over a D1 session (Sessions API), made when the request first uses it.
 * Writes and an admin's requests (reads too, once authenticated) start at the primary; public reads may use
 * any replica, or continue from a bookmark Beacon issued (signed with SIGNING_SECRET), which is what gives a
 * writer read-after-write. Anything else a client sends, `first-primary` included, is ignored: no client pins reads to the primary. The latest
 * bookmark goes back in `x-d1-bookmark`.
 */
export const database: MiddlewareHandler<AppEnv> = async (c, next) => {
  const counter = { count: 0 };
  const write = c.req.method !== "GET" && c.req.method !== "HEAD";
  const sent = write ? undefined : c.req.header(BOOKMARK_HEADER);
  const bookmark = sent ? await issuedBookmark(c.env, sent) : null;
  // Decided on first use, after authentication: an admin's reads (the console's screens, the admin API's GETs)
  // start at the primary too, so a screen shown right after a write never reads a replica that lags it.
  const constraint = () => (write || c.get("admin") ? "first-primary" : (bookmark ?? "first-unconstrained"));
  // Set by the client's first use, which TypeScript cannot see from here: hence the widened initializer.
  let session = null as D1DatabaseSession | null;
  c.set("d1Queries", counter);
  c.set(
    "db",
    onFirstUse(() => {
      try {
        session = openSession(c.env.DB, constraint());
      } catch {
        session = null; // Sessions are unavailable: use the binding as it is.
      }
      return createDb(countingD1(session ?? c.env.DB, counter));
    }),
  );
  await next();
  c.header("x-d1-queries", String(counter.count));
  const latest = counter.count > 0 ? session?.getBookmark() : null;
  const issued = latest ? await signBookmark(c.env, latest) : null;
  if (issued) c.header(BOOKMARK_HEADER, issued);
};
