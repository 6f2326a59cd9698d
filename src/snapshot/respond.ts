import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Snapshot } from "./types";
import { fnv1a } from "../http/hash";

/** A snapshot older than this is flagged stale: the cron rebuilds it every minute while D1 is healthy. */
export const STALE_AFTER_MS = 3 * 60_000;

// Bodies are kept as Blobs, not strings or ArrayBuffers: the runtime sends a Blob's bytes by reference,
// while a body given as a string or an ArrayBuffer is copied into a new buffer for every response (165 KB
// per read of a year of incidents, even gzipped). The bytes also live outside the objects the collector marks.
interface Rendered {
  body: Blob;
  etag: string;
  /** The response's headers, made once with the body (a gzip answer adds its encoding to a copy). */
  headers: Record<string, string>;
  /** The 10-second slice of the data's age the body reports; a later slice re-renders it in place. */
  ageSlice: number;
  /** What the entry holds: the body's bytes and its gzip once made. */
  bytes: number;
  /** Compressed once, on the first request that accepts gzip. */
  gzip?: Promise<Blob>;
  gzipHeaders?: Record<string, string>;
}

/** Bodies smaller than this are not worth compressing. */
const GZIP_MIN_BYTES = 1024;

function gzip(body: Blob): Promise<Blob> {
  return new Response(body.stream().pipeThrough(new CompressionStream("gzip"))).blob();
}

function acceptsGzip(header: string | undefined): boolean {
  return /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(header ?? "");
}

/**
 * Memory the renderings of one isolate may hold (an isolate has 128 MB, the snapshot itself a few). Least
 * recently used renderings go first; one bigger than a quarter of it is sent without being kept.
 */
export const RENDER_CACHE_BYTES = 16 * 1024 * 1024;

// Rendered bodies per snapshot version and variant: a warm public read is a map lookup. Cleared when the
// version moves; the map's order is the order of last use.
let renderedVersion = -1;
const rendered = new Map<string, Rendered>();
let renderedBytes = 0;

function budget(c: Context<AppEnv>): number {
  const configured = Number(c.env.RENDER_CACHE_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : RENDER_CACHE_BYTES;
}

function forget(key: string) {
  const entry = rendered.get(key);
  if (!entry) return;
  rendered.delete(key);
  renderedBytes -= entry.bytes;
}

function evictTo(limit: number) {
  for (const key of rendered.keys()) {
    if (renderedBytes <= limit) break;
    forget(key);
  }
}

/** What the render cache holds now (tests and benches watch it stay bounded). */
export function renderCacheStats() {
  return { entries: rendered.size, bytes: renderedBytes };
}

export function snapshotAge(snapshot: Snapshot, now = Date.now()) {
  const ageMs = Math.max(0, now - snapshot.generated_at);
  return { age_seconds: Math.floor(ageMs / 1000), stale: ageMs > STALE_AFTER_MS };
}

/**
 * Renders (once per snapshot version and key, refreshed as the data ages) and sends a public representation,
 * with a weak ETag that answers If-None-Match with 304, gzip-compressed (also once) for clients that accept
 * it: a year of incidents is 1.4 MB as JSON and a tenth of that compressed.
 */
export async function sendFromSnapshot(
  c: Context<AppEnv>,
  snapshot: Snapshot,
  opts: {
    key: string;
    contentType: string;
    cacheControl?: string;
    render: () => string;
    /** false for variants a client can make up (any label, any window): rendered per request, never kept. */
    cache?: boolean;
  },
): Promise<Response> {
  if (renderedVersion !== snapshot.version) {
    rendered.clear();
    renderedBytes = 0;
    renderedVersion = snapshot.version;
  }
  // Bodies carry the data's age, so a rendering is reused for at most 10 seconds of it.
  const ageSlice = Math.floor(snapshotAge(snapshot).age_seconds / 10);
  const limit = budget(c);
  let entry = opts.cache === false ? undefined : rendered.get(opts.key);
  if (entry && entry.ageSlice === ageSlice) {
    // Most recently used goes last.
    rendered.delete(opts.key);
    rendered.set(opts.key, entry);
  } else {
    forget(opts.key);
    const body = new Blob([opts.render()]);
    // Weak: renderings of one version differ only in the age they report.
    const etag = `W/"${snapshot.version.toString(36)}-${fnv1a(opts.key)}"`;
    const headers = {
      "content-type": opts.contentType,
      etag,
      "cache-control": opts.cacheControl ?? "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400",
      "last-modified": new Date(snapshot.generated_at).toUTCString(),
      vary: "accept-encoding",
    };
    entry = { body, etag, headers, ageSlice, bytes: body.size };
    if (opts.cache !== false && entry.bytes <= limit / 4) {
      rendered.set(opts.key, entry);
      renderedBytes += entry.bytes;
      evictTo(limit);
    }
  }
  const headers = entry.headers;
  const ifNoneMatch = c.req.header("if-none-match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === entry.etag || tag.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  // Only kept renderings are compressed here (once); the platform compresses the others on the way out.
  const kept = rendered.get(opts.key) === entry;
  if (kept && c.env.PRECOMPRESS !== "false" && entry.body.size >= GZIP_MIN_BYTES && acceptsGzip(c.req.header("accept-encoding"))) {
    if (!entry.gzip) {
      const held = entry;
      held.gzip = gzip(held.body);
      void held.gzip.then((compressed) => {
        if (rendered.get(opts.key) !== held) return;
        held.bytes += compressed.size;
        renderedBytes += compressed.size;
        evictTo(limit);
      });
    }
    const compressed = await entry.gzip;
    entry.gzipHeaders ??= { ...headers, "content-encoding": "gzip" };
    // "manual": the bytes are already encoded; the runtime must send them as they are.
    return new Response(c.req.method === "HEAD" ? null : compressed, { status: 200, headers: entry.gzipHeaders, encodeBody: "manual" });
  }
  return new Response(c.req.method === "HEAD" ? null : entry.body, { status: 200, headers });
}

export const sendJsonFromSnapshot = (c: Context<AppEnv>, snapshot: Snapshot, key: string, render: () => unknown, options: { cache?: boolean } = {}) =>
  sendFromSnapshot(c, snapshot, {
    key,
    contentType: "application/json; charset=utf-8",
    render: () => JSON.stringify(render()),
    ...options,
  });
