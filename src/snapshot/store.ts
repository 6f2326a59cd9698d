import type { Database } from "../db/client";
import type { Context } from "hono";
import type { AppEnv, Bindings } from "../env";
import { adminFromRequest } from "../auth/clerk";
import { ApiError } from "../errors";
import { waitUntilOf } from "../http/background";
import { statusHub } from "../live/status-hub";
import type { LiveMessage } from "../live/messages";
import { buildSnapshot } from "./build";
import { decodeSnapshot, encodeSnapshot, releaseIdleParts } from "./codec";
import type { Snapshot } from "./types";

/** How long an isolate serves its in-memory snapshot before asking the hub whether there is a newer one. */
const REVALIDATE_MS = 1000;
/** The longest a read that holds a snapshot waits for the hub before answering from what it holds. */
export const HUB_WAIT_MS = 150;
/** An admin's forced read (read-after-write) may wait a little longer for the hub's latest. */
const ADMIN_HUB_WAIT_MS = 2000;
/** A revalidation still unanswered after this is presumed lost (its request ended) and a new one may start. */
const REVALIDATION_LOST_MS = 10_000;

// Module scope is per isolate and shared by its requests: the hot path is a memory read. It is only ever
// filled inside a request, never at load.
let local: { snapshot: Snapshot; checkedAt: number } | null = null;
// One revalidation in flight per isolate, however many requests arrive while it runs.
let inflight: { promise: Promise<Snapshot | null>; startedAt: number } | null = null;

/** Whether `since` was less than `ms` ago (a time in the future, from a clock that moved back, is not). */
const within = (since: number, ms: number, now: number) => now >= since && now - since < ms;

/**
 * The snapshot in memory if it was checked against the hub within the last REVALIDATE_MS: the hot path. Parts
 * of it nothing has read for a while go back to being text here (see codec.ts).
 */
export function checkedRecently(now: number): Snapshot | null {
  if (!local) return null;
  releaseIdleParts(local.snapshot, now);
  return within(local.checkedAt, REVALIDATE_MS, now) ? local.snapshot : null;
}

function keep(snapshot: Snapshot, now: number) {
  if (!local || snapshot.version >= local.snapshot.version) local = { snapshot, checkedAt: now };
  else local.checkedAt = now;
}

export interface ReadOptions {
  /** Ask the hub now, whatever the isolate holds (an admin's read-after-write). */
  revalidate?: boolean;
  /** Lets a revalidation outlive the request that started it. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/**
 * Asks the hub for a newer snapshot than the one held, once per isolate at a time; when the hub has none,
 * or cannot be reached and nothing is held, builds one from D1. Resolves to what the isolate then holds.
 */
function revalidate(env: Bindings, db: () => Database, opts: ReadOptions): Promise<Snapshot | null> {
  const now = Date.now();
  if (inflight && !opts.revalidate && within(inflight.startedAt, REVALIDATION_LOST_MS, now)) return inflight.promise;
  const promise = (async () => {
    try {
      const stored = await statusHub(env).getSnapshot(local?.snapshot.version);
      if (stored.json) {
        keep(decodeSnapshot(stored.json), Date.now());
        return local!.snapshot;
      }
      if (stored.version && local) {
        local.checkedAt = Date.now();
        return local.snapshot;
      }
    } catch (err) {
      console.error("status hub unreachable, serving the snapshot in memory", err);
      if (local) {
        // Ask again in a second, not on every request.
        local.checkedAt = Date.now();
        return local.snapshot;
      }
    }
    try {
      return (await refreshSnapshot(env, db(), { evenUnpublished: true })).snapshot;
    } catch (err) {
      console.error("could not build a snapshot", err);
      return local?.snapshot ?? null;
    }
  })();
  const flight = { promise, startedAt: now };
  inflight = flight;
  void promise.finally(() => {
    if (inflight === flight) inflight = null;
  });
  opts.waitUntil?.(promise);
  return promise;
}

/**
 * The snapshot public reads are served from, without D1 on the hot path: memory (revalidated against the
 * StatusHub at most once a second, by one request at a time), then the hub's stored copy, and only when
 * neither has one, a build from D1. A read that holds a snapshot never waits on the hub for longer than
 * HUB_WAIT_MS: a slow or unreachable hub leaves it answering from memory, however old.
 */
export async function readSnapshot(env: Bindings, db: () => Database, opts: ReadOptions = {}): Promise<Snapshot> {
  const now = Date.now();
  const fresh = opts.revalidate ? null : checkedRecently(now);
  if (fresh) return fresh;
  const held = local;
  if (held) {
    // Another request is already asking: this one answers from memory at once.
    if (inflight && !opts.revalidate && within(inflight.startedAt, REVALIDATION_LOST_MS, now)) return held.snapshot;
    const pending = revalidate(env, db, opts);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), opts.revalidate ? ADMIN_HUB_WAIT_MS : HUB_WAIT_MS);
    });
    await Promise.race([pending, waited]);
    if (timer !== undefined) clearTimeout(timer);
    return local?.snapshot ?? held.snapshot;
  }
  // A fresh isolate holds nothing to fall back on: it waits for the hub, or for D1.
  const snapshot = await revalidate(env, db, opts);
  if (!snapshot) throw new ApiError(503, "unavailable", "Status data is temporarily unavailable; try again shortly.");
  return snapshot;
}

/**
 * The snapshot for a public request. `Cache-Control: no-cache` (or `Pragma: no-cache`) from an admin (a valid
 * admin bearer token) skips the isolate's memory and gets the hub's latest: read-after-write for the person
 * who just wrote. From anyone else it changes nothing, so no client can make every read a hub round trip.
 */
export async function publicSnapshot(c: Context<AppEnv>): Promise<Snapshot> {
  const asksFresh = /no-cache/i.test(c.req.header("cache-control") ?? "") || /no-cache/i.test(c.req.header("pragma") ?? "");
  const revalidate = asksFresh && c.req.header("authorization") !== undefined && (await adminFromRequest(c)) !== null;
  // The hot path, before building what a revalidation would need.
  const fresh = revalidate ? null : checkedRecently(Date.now());
  if (fresh) return fresh;
  return readSnapshot(c.env, () => c.var.db, { revalidate, waitUntil: waitUntilOf(c) });
}

/**
 * Rebuilds the snapshot from D1 and publishes it to the hub, which stores it and broadcasts what changed.
 * Called after every write that changes what the public sees; the writer's isolate sees it at once.
 */
export async function refreshSnapshot(env: Bindings, db: Database, opts: { evenUnpublished?: boolean } = {}): Promise<{ snapshot: Snapshot; messages: LiveMessage[] }> {
  const built = await buildSnapshot(db, env);
  const text = encodeSnapshot(built);
  const published = await statusHub(env)
    .publish(text)
    .catch((err) => {
      if (!opts.evenUnpublished) throw err;
      console.error("status hub unreachable, serving a snapshot built from D1", err);
      return null;
    });
  if (!published) {
    // A read with nothing in memory and no hub to ask: D1's answer is served (and held, so the isolate asks
    // the hub again in a second, not D1 on every read) until the hub publishes a newer one.
    const snapshot = decodeSnapshot(text);
    keep(snapshot, Date.now());
    return { snapshot, messages: [] };
  }
  if (!published.accepted) return { snapshot: built, messages: published.messages };
  // Kept as every other isolate keeps it, parts left as text until read: the built objects go.
  const snapshot = decodeSnapshot(text);
  snapshot.version = published.version;
  keep(snapshot, Date.now());
  return { snapshot, messages: published.messages };
}

/** Forgets the in-memory copy (tests use it to read as a fresh isolate would). */
export function forgetLocalSnapshot() {
  local = null;
  inflight = null;
}
