import { verifyToken } from "@clerk/backend";
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ApiError } from "../errors";

export interface AdminIdentity {
  userId: string;
  sessionId: string | null;
  /** From optional `name` / `email` session claims (a Clerk session token template), for the audit log. */
  name?: string;
  email?: string;
}

interface SessionClaims {
  sub?: string;
  sid?: string;
  metadata?: { role?: unknown };
  o?: { rol?: unknown };
  name?: unknown;
  email?: unknown;
}

/** A display claim worth keeping: a short single-line string. */
const displayClaim = (value: unknown) => (typeof value === "string" && value.trim() && value.length <= 200 && !/[\r\n]/.test(value) ? value.trim() : undefined);

/** A Clerk session is an admin when its custom claim or its active organization role says so. */
export function isAdminClaims(claims: SessionClaims): boolean {
  return claims.metadata?.role === "admin" || claims.o?.rol === "admin";
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/**
 * Verifies a Clerk session JWT. With CLERK_JWT_KEY (PEM) no network is used; only when no key is set and
 * CLERK_SECRET_KEY is, Clerk's JWKS is fetched. With neither, nobody is an admin.
 */
export async function verifySession(token: string, env: Bindings): Promise<SessionClaims | null> {
  const authorizedParties = env.CLERK_AUTHORIZED_PARTIES?.split(",")
    .map((party) => party.trim())
    .filter(Boolean);
  const keyOptions = env.CLERK_JWT_KEY
    ? { jwtKey: env.CLERK_JWT_KEY.replace(/\\n/g, "\n") }
    : env.CLERK_SECRET_KEY
      ? { secretKey: env.CLERK_SECRET_KEY, ...(env.CLERK_API_URL ? { apiUrl: env.CLERK_API_URL } : {}) }
      : null;
  if (!keyOptions) return null;
  try {
    const result = await verifyToken(token, {
      ...keyOptions,
      ...(authorizedParties?.length ? { authorizedParties } : {}),
    });
    // Its declared type is a { data } | { errors } result, but this version returns the payload and throws
    // on failure; accept both shapes.
    const outcome = result as unknown as { errors?: unknown; data?: SessionClaims } & SessionClaims;
    if (outcome.errors) return null;
    return outcome.data ?? outcome;
  } catch {
    return null;
  }
}

/** Refuses the request with 401 (no or bad credentials) or 403 (a valid session that is not an admin). */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError(401, "unauthorized", "An admin session token is required (Authorization: Bearer).");
  const claims = await verifySession(token, c.env);
  if (!claims?.sub) throw new ApiError(401, "unauthorized", "The session token is invalid or expired.");
  if (!isAdminClaims(claims)) throw new ApiError(403, "forbidden", "This session does not have the admin role.");
  const name = displayClaim(claims.name);
  const email = displayClaim(claims.email);
  c.set("admin", { userId: claims.sub, sessionId: claims.sid ?? null, ...(name && { name }), ...(email && { email }) });
  await next();
};
