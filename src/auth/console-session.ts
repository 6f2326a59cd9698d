import { createClerkClient } from "@clerk/backend";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv, Bindings } from "../env";
import { base64url, constantTimeEqual, hmac, hmacKey } from "../crypto";
import { isLocalDev } from "../notify/channels";
import { acceptedSession, adminIdentity, authorizedParties, clerkIssuer, isAdminClaims, verifySession } from "./clerk";

/** Clerk's session cookie: set by Clerk's browser SDK in production, by the local sign-in link in dev. */
export const SESSION_COOKIE = "__session";

export interface ConsoleSession {
  /** The Clerk session JWT, which the console's calls to the admin API carry as a bearer token. */
  token: string;
  userId: string;
  sessionId: string;
  /** What the console shows as "signed in as". */
  label: string;
  /** From the session token's custom claims, when Clerk is set up to carry them (the audit log shows them). */
  email?: string;
  name?: string;
  csrf: string;
}

type Claims = NonNullable<Awaited<ReturnType<typeof verifySession>>> & { sid?: string; azp?: string; email?: unknown; name?: unknown };

export type ConsoleAuth =
  | { state: "admin"; session: ConsoleSession }
  | { state: "not-admin"; userId: string }
  | { state: "signed-out" }
  | { state: "handshake"; headers: Headers };

/**
 * The Frontend API host of a Clerk instance, read from its publishable key (never from CLERK_ISSUER, which
 * only names the issuer): null for anything else, so a malformed key opens no CSP hole.
 */
export function frontendApiHost(publishableKey: string | undefined): string | null {
  return clerkIssuer({ CLERK_PUBLISHABLE_KEY: publishableKey })?.replace(/^https:\/\//, "").toLowerCase() ?? null;
}

/** Local sign-in links work only on the local dev server (LOCAL_DEV, which a deploy never sets). */
export const localSignInEnabled = (env: Bindings) => isLocalDev(env);

/** Origins a console session may come from: those an API session may (see authorizedParties). */
export const consoleParties = authorizedParties;

/** Per session, without storage: an HMAC of the session id, so a page from another site cannot know it. */
async function csrfFor(env: Bindings, sessionId: string, userId: string): Promise<string> {
  const secret = env.SIGNING_SECRET || env.CLERK_SECRET_KEY || env.CLERK_JWT_KEY;
  if (!secret) throw new Error("no secret to derive console CSRF tokens from");
  return base64url(await hmac(await hmacKey(secret), `console-csrf:${sessionId}:${userId}`)).slice(0, 43);
}

export const csrfMatches = (session: ConsoleSession, sent: unknown) => typeof sent === "string" && constantTimeEqual(sent, session.csrf);

async function decide(env: Bindings, token: string, claims: Claims): Promise<ConsoleAuth> {
  const identity = adminIdentity(claims);
  if (!identity || !claims.sid) return { state: "signed-out" };
  const { userId, email, name } = identity;
  if (!isAdminClaims(claims, env)) return { state: "not-admin", userId };
  const session: ConsoleSession = { token, userId, sessionId: claims.sid, label: email ?? name ?? userId, csrf: await csrfFor(env, claims.sid, userId) };
  if (email) session.email = email;
  if (name) session.name = name;
  return { state: "admin", session };
}

/**
 * Who is behind a console request. With CLERK_PUBLISHABLE_KEY, Clerk's authenticateRequest reads the
 * session cookie (networkless with CLERK_JWT_KEY) and asks for a handshake when the short-lived token has
 * expired. Without it, only the local dev server (LOCAL_DEV) accepts the cookie the sign-in link
 * set, verified with the same key and the same admin rule as the API.
 */
export async function authenticateConsole(c: Context<AppEnv>): Promise<ConsoleAuth> {
  const env = c.env;
  const authorizedParties = consoleParties(env);
  if (frontendApiHost(env.CLERK_PUBLISHABLE_KEY)) {
    // Clerk's library insists on the secret key even when, with CLERK_JWT_KEY, it verifies without network.
    if (!env.CLERK_SECRET_KEY) {
      console.error("console sign-in with Clerk needs CLERK_SECRET_KEY as well as CLERK_PUBLISHABLE_KEY");
      return { state: "signed-out" };
    }
    const jwtKey = env.CLERK_JWT_KEY?.replace(/\\n/g, "\n");
    const clerk = createClerkClient({
      publishableKey: env.CLERK_PUBLISHABLE_KEY,
      secretKey: env.CLERK_SECRET_KEY,
      ...(jwtKey ? { jwtKey } : {}),
      ...(env.CLERK_API_URL ? { apiUrl: env.CLERK_API_URL } : {}),
    });
    let state;
    try {
      state = await clerk.authenticateRequest(c.req.raw, { authorizedParties, ...(jwtKey ? { jwtKey } : {}) });
    } catch (err) {
      console.error("console authentication failed", err);
      return { state: "signed-out" };
    }
    if (state.status === "handshake") return { state: "handshake", headers: state.headers };
    if (state.status !== "signed-in") return { state: "signed-out" };
    // Clerk answers "signed in" for a pending session too, with no claims by default: both are signed out
    // here, by the same rules as a bearer token's.
    const claims = acceptedSession(state.toAuth({ treatPendingAsSignedOut: false }).sessionClaims as Claims | null, env);
    return claims ? decide(env, state.token, claims) : { state: "signed-out" };
  }
  if (!localSignInEnabled(env)) return { state: "signed-out" };
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return { state: "signed-out" };
  const claims = (await verifySession(token, env)) as Claims | null;
  if (!claims || !claims.azp || !authorizedParties.includes(claims.azp)) return { state: "signed-out" };
  return decide(env, token, claims);
}

/**
 * A state-changing request must come from the console itself: a browser says where a request comes from
 * in Sec-Fetch-Site and Origin, and a page on another site cannot forge either.
 */
export function fromSameSite(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin") return false;
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  const allowed = new Set([new URL(c.req.url).origin, ...consoleParties(c.env)]);
  return allowed.has(origin);
}

/** Secure everywhere but plain-http localhost, where browsers would drop a Secure cookie. */
export function cookieIsSecure(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return !(protocol === "http:" && (hostname === "localhost" || hostname === "127.0.0.1"));
}
