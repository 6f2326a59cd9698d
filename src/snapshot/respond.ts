import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Snapshot } from "./types";
import { fnv1a } from "../http/hash";

/** A snapshot older than this is flagged stale: the cron rebuilds it every minute while D1 is healthy. */
export const STALE_AFTER_MS = 3 * 60_000;

interface Rendered {
  body: string;
  etag: string;
  /** Compressed once, on the first request that accepts gzip. */
  gzip?: Promise<ArrayBuffer>;
}

/** Bodies smaller than this are not worth compressing. */
const GZIP_MIN_CHARS = 1024;

function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

function acceptsGzip(header: string | undefined): boolean {
  return /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(header ?? "");
}

// Rendered bodies per snapshot version: a warm public read is a map lookup. Cleared when the version moves.
let renderedVersion = -1;
const rendered = new Map<string, Rendered>();
const MAX_RENDERED = 500;

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
  opts: { key: string; contentType: string; cacheControl?: string; render: () => string },
): Promise<Response> {
  if (renderedVersion !== snapshot.version) {
    rendered.clear();
    renderedVersion = snapshot.version;
  }
  // Bodies carry the data's age, so a rendering is reused for at most 10 seconds of it.
  const { age_seconds } = snapshotAge(snapshot);
  const key = `${opts.key}|${Math.floor(age_seconds / 10)}`;
  let entry = rendered.get(key);
  if (!entry) {
    const body = opts.render();
    // Weak: renderings of one version differ only in the age they report.
    entry = { body, etag: `W/"${snapshot.version.toString(36)}-${fnv1a(opts.key)}"` };
    if (rendered.size >= MAX_RENDERED) rendered.clear();
    rendered.set(key, entry);
  }
  const headers: Record<string, string> = {
    "content-type": opts.contentType,
    etag: entry.etag,
    "cache-control": opts.cacheControl ?? "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400",
    "last-modified": new Date(snapshot.generated_at).toUTCString(),
    vary: "accept-encoding",
  };
  const ifNoneMatch = c.req.header("if-none-match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === entry.etag || tag.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  if (c.env.PRECOMPRESS !== "false" && entry.body.length >= GZIP_MIN_CHARS && acceptsGzip(c.req.header("accept-encoding"))) {
    entry.gzip ??= gzip(entry.body);
    const compressed = await entry.gzip;
    headers["content-encoding"] = "gzip";
    // "manual": the bytes are already encoded; the runtime must send them as they are.
    return new Response(c.req.method === "HEAD" ? null : compressed, { status: 200, headers, encodeBody: "manual" });
  }
  return new Response(c.req.method === "HEAD" ? null : entry.body, { status: 200, headers });
}

export const sendJsonFromSnapshot = (c: Context<AppEnv>, snapshot: Snapshot, key: string, render: () => unknown) =>
  sendFromSnapshot(c, snapshot, {
    key,
    contentType: "application/json; charset=utf-8",
    render: () => JSON.stringify(render()),
  });
