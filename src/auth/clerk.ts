import { verifyToken } from "@clerk/backend";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ApiError } from "../errors";
import { oneLine } from "../validation";

export interface AdminIdentity {
  userId: string;
  sessionId: string | null;
  name?: string;
  email?: string;
}

export interface SessionClaims {
  sub?: string;
  sid?: string;
  sts?: unknown;
  exp?: unknown;
  iss?: unknown;
  v?: unknown;
  fea?: unknown;
  name?: unknown;
  email?: unknown;
  metadata?: { role?: unknown };
  /** Session token v2: the active organization. */
  o?: { id?: unknown; rol?: unknown; per?: unknown; fpm?: unknown };
  /** Session token v1. */
  org_id?: unknown;
  org_role?: unknown;
  org_permissions?: unknown;
}

/** The custom permission that makes a member of CLERK_ADMIN_ORG_ID a Beacon admin, besides the admin role. */
export const STATUS_PERMISSION = "org:status:manage";

/**
 * The active organization's permissions. A v2 token lists permission names in `o.per` and, per org-scoped
 * feature in `fea`, a decimal bitmask in `o.fpm` of which of them that feature grants.
 */
function orgPermissions(claims: SessionClaims): string[] {
  if (Array.isArray(claims.org_permissions)) return claims.org_permissions.filter((p): p is string => typeof p === "string");
  const per = typeof claims.o?.per === "string" ? claims.o.per.split(",").map((p) => p.trim()) : [];
  const fpm = typeof claims.o?.fpm === "string" ? claims.o.fpm.split(",").map((m) => m.trim()) : [];
  const features = typeof claims.fea === "string" ? claims.fea.split(",").map((f) => f.trim()).filter((f) => f.startsWith("o:")).map((f) => f.slice(2)) : [];
  const granted: string[] = [];
  features.forEach((feature, i) => {
    if (!/^\d+$/.test(fpm[i] ?? "")) return;
    const mask = BigInt(fpm[i]!);
    per.forEach((permission, bit) => {
      if ((mask >> BigInt(bit)) & 1n) granted.push(`org:${feature}:${permission}`);
    });
  });
  return granted;
}

/**
 * Admin is the custom session claim `metadata.role == "admin"`, or, only when CLERK_ADMIN_ORG_ID names an
 * organization, the admin role or the status permission in THAT organization. Anyone can create an
 * organization in Clerk and be its admin, so an organization role alone never counts.
 */
export function isAdminClaims(claims: SessionClaims, env: Pick<Bindings, "CLERK_ADMIN_ORG_ID"> = {}): boolean {
  if (claims.metadata?.role === "admin") return true;
  const adminOrg = env.CLERK_ADMIN_ORG_ID?.trim();
  if (!adminOrg) return false;
  const orgId = claims.o ? claims.o.id : claims.org_id;
  if (orgId !== adminOrg) return false;
  const role = claims.o ? (typeof claims.o.rol === "string" ? `org:${claims.o.rol}` : null) : claims.org_role;
  return role === "org:admin" || orgPermissions(claims).includes(STATUS_PERMISSION);
}

/** The instance's issuer: CLERK_ISSUER, or the Frontend API host a publishable key encodes (base64, ending in `$`). */
export function clerkIssuer(env: Pick<Bindings, "CLERK_ISSUER" | "CLERK_PUBLISHABLE_KEY">): string | null {
  if (env.CLERK_ISSUER) return env.CLERK_ISSUER.trim().replace(/\/+$/, "");
  const encoded = /^pk_(?:test|live)_([A-Za-z0-9+/=_-]+)$/.exec(env.CLERK_PUBLISHABLE_KEY?.trim() ?? "")?.[1];
  if (!encoded) return null;
  try {
    const host = atob(encoded.replace(/-/g, "+").replace(/_/g, "/")).replace(/\$$/, "");
    return /^[a-z0-9.-]+(:\d+)?$/i.test(host) ? `https://${host}` : null;
  } catch {
    return null;
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/**
 * Origins a session may come from (its `azp`): CLERK_AUTHORIZED_PARTIES, or else the page's own. Never none:
 * a PAGE_URL that is no URL names no origin a session could come from ("null"), rather than every one.
 */
export function authorizedParties(env: Bindings): string[] {
  const listed = (env.CLERK_AUTHORIZED_PARTIES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (listed.length) return listed;
  try {
    return [new URL(env.PAGE_URL || "http://localhost:8787").origin];
  } catch {
    return ["null"];
  }
}

/**
 * Verifies a Clerk session JWT. With CLERK_JWT_KEY (PEM) no network is used; only when no key is set and
 * CLERK_SECRET_KEY is, Clerk's JWKS is fetched. With neither, nobody is an admin. Only what Clerk itself
 * accepts as a session counts: a `sid`, a session that is not pending, and the instance's issuer when known.
 */
export async function verifySession(token: string, env: Bindings): Promise<SessionClaims | null> {
  const parties = authorizedParties(env);
  const keyOptions = env.CLERK_JWT_KEY
    ? { jwtKey: env.CLERK_JWT_KEY.replace(/\\n/g, "\n") }
    : env.CLERK_SECRET_KEY
      ? { secretKey: env.CLERK_SECRET_KEY, ...(env.CLERK_API_URL ? { apiUrl: env.CLERK_API_URL } : {}) }
      : null;
  if (!keyOptions) return null;
  let claims: SessionClaims;
  try {
    const result = await verifyToken(token, {
      ...keyOptions,
      ...(parties.length ? { authorizedParties: parties } : {}),
    });
    // Its declared type is a { data } | { errors } result, but this version returns the payload and throws
    // on failure; accept both shapes.
    const outcome = result as unknown as { errors?: unknown; data?: SessionClaims } & SessionClaims;
    if (outcome.errors) return null;
    claims = outcome.data ?? outcome;
  } catch {
    return null;
  }
  // Clerk allows 5 s of clock skew on every time claim, which a fresh token's iat needs; an expiry needs none.
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now()) return null;
  return acceptedSession(claims, env);
}

/**
 * What Beacon asks of a session whose token Clerk has verified, however it arrived (a bearer token, or
 * Clerk's session cookie, whose expiry Clerk answers with a handshake): a `sid`, a session that is not
 * pending, and the instance's issuer when known. Null when any is missing.
 */
export function acceptedSession<C extends SessionClaims>(claims: C | null | undefined, env: Bindings): C | null {
  if (!claims) return null;
  if (typeof claims.sid !== "string" || !claims.sid) return null;
  if (claims.sts === "pending") return null;
  const issuer = clerkIssuer(env);
  if (issuer && (typeof claims.iss !== "string" || claims.iss.replace(/\/+$/, "") !== issuer)) return null;
  return claims;
}

/** What a session's claims may hold in each of the audit log's fields (a Clerk user id is about 32). */
const CLAIM_MAX = 200;
const claimText = (value: unknown) => (typeof value === "string" ? oneLine(value, CLAIM_MAX) || undefined : undefined);

/**
 * The admin a verified session names, with the optional `name` and `email` custom claims when present, each
 * as it is recorded and shown (see oneLine); null when its `sub` holds no user id that could be shown.
 */
export function adminIdentity(claims: SessionClaims): AdminIdentity | null {
  const userId = claimText(claims.sub);
  if (!userId) return null;
  const name = claimText(claims.name);
  const email = claimText(claims.email);
  return { userId, sessionId: claims.sid ?? null, ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/**
 * The session an `Authorization: Bearer` header carries, verified once per request however many layers ask
 * (the API's body limit for a large body, then requireAdmin), or null (no token, or a bad one).
 */
function bearerSession(c: Context<AppEnv>): Promise<SessionClaims | null> {
  let verified = c.get("bearerSession");
  if (!verified) {
    const token = bearerToken(c.req.header("authorization"));
    verified = token ? verifySession(token, c.env) : Promise.resolve(null);
    c.set("bearerSession", verified);
  }
  return verified;
}

/** The admin behind the request's `Authorization: Bearer` header, or null (no token, a bad one, or not an admin). */
export async function adminFromRequest(c: Context<AppEnv>): Promise<AdminIdentity | null> {
  const claims = await bearerSession(c);
  return claims && isAdminClaims(claims, c.env) ? adminIdentity(claims) : null;
}

/**
 * Refuses the request with 401 (no or bad credentials) or 403 (a valid session that is not an admin). A 401
 * names the scheme that would be taken (RFC 9110 requires it; RFC 6750 says how a bearer token's is told).
 */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!bearerToken(c.req.header("authorization"))) {
    c.header("www-authenticate", "Bearer");
    throw new ApiError(401, "unauthorized", "An admin session token is required (Authorization: Bearer).");
  }
  const claims = await bearerSession(c);
  const admin = claims && adminIdentity(claims);
  if (!claims || !admin) {
    c.header("www-authenticate", 'Bearer error="invalid_token"');
    throw new ApiError(401, "unauthorized", "The session token is invalid or expired.");
  }
  if (!isAdminClaims(claims, c.env)) throw new ApiError(403, "forbidden", "This session does not have the admin role.");
  c.set("admin", admin);
  await next();
};
