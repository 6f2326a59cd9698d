import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import { commitChange } from "../changes";
import { errorText } from "../db/queries/guards";
import { writtenSince } from "../db/queries/audit";
import { findIdempotentAnswer, IDEMPOTENCY_TTL_MS, insertIdempotentAnswer, isIdempotencyKeyTaken, sealIdempotentAnswer, type IdempotentAnswer } from "../db/queries/idempotency";
import type { Change } from "../domain/change";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { sha256Hex } from "../crypto";

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * What makes two requests the same one: the method, the path with its ids in lower case (they are taken in
 * either case) and the body as parsed, keys in order, so a faithful retry that spells them differently
 * replays. A body that is no JSON is taken as sent (validation refuses it, and refusals are not stored).
 */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function requestHash(c: Context<AppEnv>): Promise<string> {
  const raw = await c.req.text();
  let body = raw;
  try {
    body = raw === "" ? "" : canonicalJson(JSON.parse(raw));
  } catch {
    // not JSON: hashed as it came
  }
  return sha256Hex(`${c.req.method} ${c.req.path.toLowerCase()}\n${body}`);
}

/** The body as a retry may spell it: keys in any order, ids in either case (both name the same record). */
function canonicalJson(value: unknown): string {
  if (typeof value === "string" && UUID_TEXT.test(value)) return JSON.stringify(value.toLowerCase());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function replay(c: Context<AppEnv>, stored: IdempotentAnswer, requestHash: string): Response {
  if (stored.requestHash !== requestHash) {
    throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request; send a new key with a new request.");
  }
  c.header("idempotent-replayed", "true");
  if (stored.body === null) return c.body(null, stored.status as StatusCode);
  return c.body(stored.body, stored.status as ContentfulStatusCode, { "content-type": "application/json" });
}

/**
 * `Idempotency-Key` on an admin write (after requireAdmin): a retry with the same key, by the same admin,
 * within a day, gets the first answer again and changes nothing; the same key with another request is a 422.
 */
export const idempotent: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!KEY_FORMAT.test(key)) throw new ApiError(400, "bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters");
  const userId = c.var.admin.userId;
  const hash = await requestHash(c);
  const stored = await findIdempotentAnswer(c.var.db, userId, key, Date.now() - IDEMPOTENCY_TTL_MS);
  if (stored) return replay(c, stored, hash);
  c.set("idempotency", { userId, key, requestHash: hash });
  await next();
  // A retry that looked before its first attempt committed, and read the record after, is refused for the
  // state that attempt left (the incident already resolved, or gone): it is the same request, and gets its answer.
  if (c.error) {
    const first = await findIdempotentAnswer(c.var.db, userId, key, Date.now() - IDEMPOTENCY_TTL_MS);
    if (first) c.res = replay(c, first, hash);
  }
};

/** How long an admin's same keyless request to add something is taken as a double submit of the first. */
export const DOUBLE_SUBMIT_MS = 60_000;

/**
 * On a write that adds something (an incident, an update, a window, a component, a group, a template):
 * without an Idempotency-Key, the same request by the same admin within DOUBLE_SUBMIT_MS, with nothing else
 * written in between by anyone (a double click, a client's retry, a script run twice), is taken as the first
 * one sent again, and gets its answer: the key is the request itself. After another write (the template
 * deleted, the component set back to operational, by this admin, another or Beacon) it is a new request.
 * Transitions need no such key: the state they start from is gone after the first.
 */
export const addsOnce: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("idempotency-key") !== undefined) return idempotent(c, next);
  const userId = c.var.admin.userId;
  const hash = await requestHash(c);
  // A space is never in a client's key: the two kinds cannot meet.
  const key = `same-request ${hash}`;
  const now = Date.now();
  const stored = await findIdempotentAnswer(c.var.db, userId, key, now - DOUBLE_SUBMIT_MS);
  if (stored && !(await writtenSince(c.var.db, stored))) return replay(c, stored, hash);
  // An answer outdated by a write since is replaced: its key lives no longer than up to that answer.
  const ttlMs = stored ? now - stored.createdAt : DOUBLE_SUBMIT_MS;
  c.set("idempotency", { userId, key, requestHash: hash, ttlMs });
  await next();
};

export type PendingKey = NonNullable<AppEnv["Variables"]["idempotency"]>;

/**
 * Commits a change, and with a key, the answer to it in the same batch, first: of two requests with one key
 * racing, one commits and the other's batch fails on the key and changes nothing. Resolves to null when this
 * request committed, or to the answer the one that got there first stored. Shared by the API's
 * Idempotency-Key and the console's form submissions.
 */
export async function commitOnce<R>(
  c: Context<AppEnv>,
  change: Change<R>,
  pending: PendingKey | undefined,
  answer: { status: number; body: string | null },
): Promise<IdempotentAnswer | null> {
  const now = Date.now();
  const liveSince = now - (pending?.ttlMs ?? IDEMPOTENCY_TTL_MS);
  const statements = pending
    ? [
        ...insertIdempotentAnswer(c.var.db, { userId: pending.userId, key: pending.key, requestHash: pending.requestHash, ...answer, createdAt: now, auditSeq: null }, liveSince),
        ...change.statements,
        sealIdempotentAnswer(c.var.db, pending),
      ]
    : change.statements;
  try {
    await commitChange(c.env, c.var.db, { ...change, statements });
    return null;
  } catch (err) {
    const stored = pending && isIdempotencyKeyTaken(errorText(err)) ? await findIdempotentAnswer(c.var.db, pending.userId, pending.key, liveSince) : undefined;
    if (stored) return stored;
    throw err;
  }
}

/**
 * Commits an admin write and answers it from the change's result. With an Idempotency-Key, a concurrent
 * request with the same key changes nothing and gets the stored answer (see commitOnce).
 */
export async function commitAndAnswer<R>(c: Context<AppEnv>, change: Change<R>, status: 200 | 201 | 204, serialize?: (result: R) => unknown): Promise<Response> {
  const body = serialize ? JSON.stringify(serialize(change.result)) : null;
  const pending = c.var.idempotency;
  const raced = await commitOnce(c, change, pending, { status, body });
  if (raced) return replay(c, raced, pending!.requestHash);
  if (body === null) return c.body(null, status);
  return c.body(body, status as ContentfulStatusCode, { "content-type": "application/json" });
}
