import type { Database } from "../db/client";
import type { Context } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ApiError } from "../errors";
import { statusHub } from "../live/status-hub";
import type { LiveMessage } from "../live/messages";
import { buildSnapshot } from "./build";
import type { Snapshot } from "./types";

/** How long an isolate serves its in-memory snapshot before asking the hub whether there is a newer one. */
const REVALIDATE_MS = 1000;

// Module scope is per isolate and shared by its requests: the hot path is a memory read. It is only ever
// filled inside a request, never at load.
let local: { snapshot: Snapshot; checkedAt: number } | null = null;

function keep(snapshot: Snapshot, now: number) {
  if (!local || snapshot.version >= local.snapshot.version) local = { snapshot, checkedAt: now };
  else local.checkedAt = now;
}

/**
 * The snapshot public reads are served from, without D1 on the hot path: memory (revalidated against the
 * StatusHub at most once a second), then the hub's stored copy, and only when neither has one, a build
 * from D1. When D1 and the hub both fail, the last copy in memory is served, however old.
 */
export async function readSnapshot(env: Bindings, db: () => Database, opts: { revalidate?: boolean } = {}): Promise<Snapshot> {
  const now = Date.now();
  if (local && !opts.revalidate && now - local.checkedAt < REVALIDATE_MS) return local.snapshot;
  try {
    const stored = await statusHub(env).getSnapshot(local?.snapshot.version);
    if (stored.json) {
      keep(JSON.parse(stored.json) as Snapshot, now);
      return local!.snapshot;
    }
    if (stored.version && local) {
      local.checkedAt = now;
      return local.snapshot;
    }
  } catch (err) {
    console.error("status hub unreachable, serving the snapshot in memory", err);
    if (local) return local.snapshot;
  }
  try {
    return (await refreshSnapshot(env, db())).snapshot;
  } catch (err) {
    console.error("could not build a snapshot", err);
    if (local) return local.snapshot;
    throw new ApiError(503, "unavailable", "Status data is temporarily unavailable; try again shortly.");
  }
}

/**
 * The snapshot for a public request. A client that asks for fresh data (`Cache-Control: no-cache`, as a
 * hard reload sends) skips the isolate's memory and gets the hub's latest: read-after-write for anyone who
 * needs it, at the cost of one Durable Object call.
 */
export function publicSnapshot(c: Context<AppEnv>): Promise<Snapshot> {
  const wantsFresh = /no-cache/i.test(c.req.header("cache-control") ?? "") || /no-cache/i.test(c.req.header("pragma") ?? "");
  return readSnapshot(c.env, () => c.var.db, { revalidate: wantsFresh });
}

/**
 * Rebuilds the snapshot from D1 and publishes it to the hub, which stores it and broadcasts what changed.
 * Called after every write that changes what the public sees; the writer's isolate sees it at once.
 */
export async function refreshSnapshot(env: Bindings, db: Database): Promise<{ snapshot: Snapshot; messages: LiveMessage[] }> {
  const snapshot = await buildSnapshot(db, env);
  const published = await statusHub(env).publish(JSON.stringify(snapshot));
  if (published.accepted) {
    snapshot.version = published.version;
    keep(snapshot, Date.now());
  }
  return { snapshot, messages: published.messages };
}

/** Forgets the in-memory copy (tests use it to read as a fresh isolate would). */
export function forgetLocalSnapshot() {
  local = null;
}
