import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Snapshot } from "./types";
import { waitUntilOf } from "../http/background";
import { ifNoneMatchHits, unmodifiedSince } from "../http/conditional";
import { fnv1a } from "../http/hash";
import { checkedRecently } from "./store";
import { formatDuration } from "../page/format";

/** A snapshot older than this is flagged stale: the cron rebuilds it every minute while D1 is healthy. */
export const STALE_AFTER_MS = 3 * 60_000;

// Bodies are kept as Blobs, not strings or ArrayBuffers: the runtime sends a Blob's bytes by reference,
// while a body given as a string or an ArrayBuffer is copied into a new buffer for every response (165 KB
// per read of a year of incidents, even gzipped). The bytes also live outside the objects the collector marks.
interface Rendered {
  /**
   * The body as rendered once per snapshot version, cut where it reports the data's age: the age goes
   * between consecutive parts, as `cuts` says. One part: it reports none, and stays as it is.
   */
  parts: Blob[];
  /** How the age goes in each cut: as a number (`data.age_seconds`) or in words (a page's "5 min ago"). */
  cuts: AgeCut[];
  /** Whether the data was stale when rendered: crossing that line renders again (pages say so). */
  stale: boolean;
  body: Blob;
  etag: string;
  /** The response's headers, made once with the body (a gzip answer adds its encoding to a copy). */
  headers: Record<string, string>;
  /** The 10-second slice of the data's age the body reports; a later slice fills the age in again. */
  ageSlice: number;
  /** What the entry holds: its parts, the body when spliced from them, and its gzip once made. */
  bytes: number;
  /** The body's compression, started by the first request that accepts gzip. */
  gzip?: Promise<void>;
  /**
   * The latest compression done: of this body, or until this body's is done, of the one before it (its age
   * one slice older). Before the first, readers get the body as it is (the platform compresses it).
   */
  gzipped?: Blob;
  gzipHeaders?: Record<string, string>;
}

// While a body is rendered to be kept, the data's age reads as this number, which no data holds, and in
// words as this text, which no one writes: where either shows up in the text is where the age goes. Filling
// the age in then costs a copy of the bytes, not a rendering (35 ms for a year of incidents as JSON, every
// 10 seconds, on the thread serving every read), nor a parse of the snapshot's parts the rendering read.
const AGE_MARK = 9.8765432109e300;
const AGE_MARK_TEXT = JSON.stringify(AGE_MARK);
const AGE_WORDS_MARK = "\u2063age-in-words\u2063";
const AGE_MARKS = new RegExp(`(${AGE_MARK_TEXT.replace(/[.+]/g, "\\$&")}|${AGE_WORDS_MARK})`);
type AgeCut = "number" | "words";
let markingAge = false;

/** Bodies smaller than this are not worth compressing. */
const GZIP_MIN_BYTES = 1024;

/** Compressed this much at a time when yielding: one call for a 1.4 MB body holds every read for ~25 ms. */
const GZIP_PIECE_BYTES = 64 * 1024;

/**
 * Compresses a body, in one pass or, with `yielding`, a piece at a time with a turn of the event loop
 * between pieces. Yielding suits a body whose previous compression is served meanwhile: under saturation the
 * turns can take long, and a body with nothing compressed yet would go out uncompressed all that time.
 */
async function gzip(body: Blob, yielding: boolean): Promise<Blob> {
  if (!yielding) return new Response(body.stream().pipeThrough(new CompressionStream("gzip"))).blob();
  const stream = new CompressionStream("gzip");
  const compressed = new Response(stream.readable).blob();
  const writer = stream.writable.getWriter();
  for (let at = 0; at < body.size; at += GZIP_PIECE_BYTES) {
    if (at > 0) await new Promise((resume) => setTimeout(resume, 0));
    await writer.write(new Uint8Array(await body.slice(at, at + GZIP_PIECE_BYTES).arrayBuffer()));
  }
  await writer.close();
  return compressed;
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
  dropKeptAnswers();
}

function evictTo(limit: number) {
  for (const key of rendered.keys()) {
    if (renderedBytes <= limit) break;
    forget(key);
  }
}

let renders = 0;

/** What the render cache holds now, and how many bodies were rendered (tests and benches watch both). */
export function renderCacheStats() {
  return { entries: rendered.size, bytes: renderedBytes, renders };
}

export function snapshotAge(snapshot: Snapshot, now = Date.now()) {
  const ageMs = Math.max(0, now - snapshot.generated_at);
  return { age_seconds: Math.floor(ageMs / 1000), stale: ageMs > STALE_AFTER_MS };
}

/** The age a body reports as a number (`data.age_seconds`): marked while a kept body is rendered. */
export function reportedAge(snapshot: Snapshot) {
  const age = snapshotAge(snapshot);
  return markingAge ? { ...age, age_seconds: AGE_MARK } : age;
}

/** The data's age in words, for text (the page's "5 min ago"): marked while a kept body is rendered. */
export function wordedAge(snapshot: Snapshot): string {
  return markingAge ? AGE_WORDS_MARK : formatDuration(snapshotAge(snapshot).age_seconds);
}

/** Renders a body; with the data's age marked, cut where the age shows, and how it shows at each cut. */
function renderParts(render: () => string, markAge: boolean): { parts: Blob[]; cuts: AgeCut[] } {
  renders++;
  if (!markAge) return { parts: [new Blob([render()])], cuts: [] };
  markingAge = true;
  let text: string;
  try {
    text = render();
  } finally {
    markingAge = false;
  }
  // Split with a capturing group: texts at even places, the marks between them at odd ones.
  const pieces = text.split(AGE_MARKS);
  const parts: Blob[] = [];
  const cuts: AgeCut[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) parts.push(new Blob([piece]));
    else cuts.push(piece === AGE_WORDS_MARK ? "words" : "number");
  });
  return { parts, cuts };
}

/**
 * Compresses a kept body in the background. No read waits for it: a read that shared another's compression
 * would hang with it if that client hung up, and a large body takes tens of milliseconds. A failed
 * compression is forgotten, so the next read that accepts gzip starts another.
 */
function compress(held: Rendered, key: string, limit: number, waitUntil: ((promise: Promise<unknown>) => void) | undefined) {
  const pending: Promise<void> = gzip(held.body, held.gzipped !== undefined).then(
    (compressed) => {
      // Kept only if the entry still holds the body this compressed.
      if (rendered.get(key) !== held || held.gzip !== pending) return;
      const grown = compressed.size - (held.gzipped?.size ?? 0);
      held.gzipped = compressed;
      dropKeptAnswers();
      held.bytes += grown;
      renderedBytes += grown;
      evictTo(limit);
    },
    () => {
      if (held.gzip === pending) held.gzip = undefined;
    },
  );
  waitUntil?.(pending);
  return pending;
}

/** Bytes held for the parts and the body made from them (the same Blob when the body reports no age). */
const heldBytes = (parts: Blob[], body: Blob) => (parts.length === 1 ? body.size : parts.reduce((sum, part) => sum + part.size, body.size));

/** The parts with the age between each two, as a number or in words as each cut says. */
function spliceAge(parts: Blob[], cuts: AgeCut[], ageSeconds: number): Blob {
  if (parts.length === 1) return parts[0]!;
  const age = { number: String(ageSeconds), words: formatDuration(ageSeconds) };
  return new Blob(parts.flatMap((part, i) => (i === 0 ? [part] : [age[cuts[i - 1] ?? "number"], part])));
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
    dropKeptAnswers();
  }
  // Bodies that report the data's age have it filled in again for each 10-second slice of it.
  const { age_seconds, stale } = snapshotAge(snapshot);
  const ageSlice = Math.floor(age_seconds / 10);
  const limit = budget(c);
  let entry = opts.cache === false ? undefined : rendered.get(opts.key);
  // A body that reports no age stays for the whole version.
  if (entry && entry.stale === stale && (entry.ageSlice === ageSlice || entry.parts.length === 1)) {
    // Most recently used goes last.
    rendered.delete(opts.key);
    rendered.set(opts.key, entry);
  } else if (entry && entry.stale === stale) {
    const held = entry;
    held.body = spliceAge(held.parts, held.cuts, age_seconds);
    dropKeptAnswers();
    held.ageSlice = ageSlice;
    held.gzip = undefined;
    const bytes = heldBytes(held.parts, held.body) + (held.gzipped?.size ?? 0);
    renderedBytes += bytes - held.bytes;
    held.bytes = bytes;
    rendered.delete(opts.key);
    rendered.set(opts.key, held);
    evictTo(limit);
  } else {
    forget(opts.key);
    const kept = opts.cache !== false;
    // A body for one request needs no marks.
    const { parts, cuts } = renderParts(opts.render, kept);
    const body = spliceAge(parts, cuts, age_seconds);
    // Weak: renderings of one version differ only in the age they report. Stale data has a validator of its
    // own, so a client revalidating through an outage gets the body that says so, not a 304.
    const etag = `W/"${snapshot.version.toString(36)}-${fnv1a(opts.key)}${stale ? "-stale" : ""}"`;
    const headers = {
      "content-type": opts.contentType,
      etag,
      "cache-control": opts.cacheControl ?? "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400",
      "last-modified": new Date(snapshot.generated_at).toUTCString(),
      vary: "accept-encoding",
    };
    entry = { parts, cuts, stale, body, etag, headers, ageSlice, bytes: heldBytes(parts, body) };
    if (kept && entry.bytes <= limit / 4) {
      rendered.set(opts.key, entry);
      renderedBytes += entry.bytes;
      evictTo(limit);
    }
  }
  const headers = entry.headers;
  // By date too, but never across the data going stale: Last-Modified does not move when it does.
  const ifNoneMatch = c.req.header("if-none-match");
  if (ifNoneMatchHits(ifNoneMatch, entry.etag) || (!stale && unmodifiedSince(ifNoneMatch, c.req.header("if-modified-since"), snapshot.generated_at))) {
    return new Response(null, { status: 304, headers });
  }
  // Only kept renderings are compressed here (once); the platform compresses the others on the way out.
  const kept = rendered.get(opts.key) === entry;
  const compressible = kept && c.env.PRECOMPRESS !== "false" && entry.body.size >= GZIP_MIN_BYTES;
  const gzipReader = acceptsGzip(c.req.header("accept-encoding"));
  const answered = { snapshot, ageSlice, stale };
  if (compressible && gzipReader) {
    entry.gzip ??= compress(entry, opts.key, limit, waitUntilOf(c));
    if (entry.gzipped) {
      entry.gzipHeaders ??= { ...headers, "content-encoding": "gzip" };
      if (c.req.method === "GET") served.set(c.req.raw, { ...answered, body: entry.gzipped, gzip: true });
      // "manual": the bytes are already encoded; the runtime must send them as they are.
      return new Response(c.req.method === "HEAD" ? null : entry.gzipped, { status: 200, headers: entry.gzipHeaders, encodeBody: "manual" });
    }
  }
  // Kept only once final: a gzip reader of a body still being compressed gets the gzip answer next.
  if (kept && c.req.method === "GET" && !(compressible && gzipReader)) served.set(c.req.raw, { ...answered, body: entry.body, gzip: false });
  return new Response(c.req.method === "HEAD" ? null : entry.body, { status: 200, headers });
}

/** A public read's whole answer, as the routes and the HTTP policy made it, from one rendering. */
interface KeptAnswer {
  /** The snapshot it was rendered from (the very object: a revalidation that replaces it retires the answer). */
  snapshot: Snapshot;
  ageSlice: number;
  stale: boolean;
  body: Blob;
  gzip: boolean;
  init: ResponseInit;
}

/**
 * Whole answers to warm public reads, by URL, for gzip readers and for the others: the next identical request
 * is answered from here before routing. A warm read through the router and its middleware allocates some
 * 6 KB (a second Response among it), and at a few hundred reads a second that rate keeps V8's young
 * generation at its largest, whose collections then stall every request for tens of milliseconds; answered
 * from here a read allocates under 2 KB, and V8 shrinks the young generation back. Emptied whenever the
 * render cache changes what it holds, so an answer never outlives its rendering or pins a body it dropped.
 */
const keptForGzip = new Map<string, KeptAnswer>();
const keptForIdentity = new Map<string, KeptAnswer>();
/** Each answer is a URL's headers and references to bodies the render cache holds: ~1 KB apiece. */
export const KEPT_ANSWER_URLS = 256;
// What sendFromSnapshot answered a GET with, until the entry point has the response the middleware finished.
const served = new WeakMap<Request, Omit<KeptAnswer, "init">>();
let keptHits = 0;

function dropKeptAnswers() {
  keptForGzip.clear();
  keptForIdentity.clear();
}

/** How many reads were answered before routing, and how many answers are held (tests and benches watch). */
export function keptAnswerStats() {
  return { hits: keptHits, answers: keptForGzip.size + keptForIdentity.size };
}

/**
 * Keeps `response` as the answer to requests like `request`, when it is one sendFromSnapshot kept rendered;
 * past `limit` URLs (per encoding) the one least recently asked for goes, so a client cycling made-up query
 * strings pushes out its own answers, not the page's popular ones.
 */
export function keepAnswer(request: Request, response: Response, limit = KEPT_ANSWER_URLS) {
  const answer = served.get(request);
  // Only a warm read's answer is the same for the next request: one that built the snapshot says so in its
  // query count (and may carry a D1 bookmark of its own).
  if (!answer || response.status !== 200 || response.headers.get("x-d1-queries") !== "0" || response.headers.has("set-cookie")) return;
  const kept = acceptsGzip(request.headers.get("accept-encoding") ?? undefined) ? keptForGzip : keptForIdentity;
  kept.delete(request.url);
  for (const oldest of kept.keys()) {
    if (kept.size < limit) break;
    kept.delete(oldest);
  }
  kept.set(request.url, { ...answer, init: { status: 200, headers: new Headers(response.headers), encodeBody: answer.gzip ? "manual" : "automatic" } });
}

/**
 * The kept answer to a GET or HEAD, or null for the router to answer: when none is kept for the URL, when the
 * snapshot is due for revalidation or has moved on, when the data's age moved to another 10-second slice, and
 * for conditional or authorized requests (304s, and an admin's forced revalidation, go through the routes).
 */
export function answerFromKept(request: Request): Response | null {
  if ((request.method !== "GET" && request.method !== "HEAD") || keptForGzip.size + keptForIdentity.size === 0) return null;
  const headers = request.headers;
  if (headers.has("if-none-match") || headers.has("if-modified-since") || headers.has("authorization")) return null;
  const kept = acceptsGzip(headers.get("accept-encoding") ?? undefined) ? keptForGzip : keptForIdentity;
  const answer = kept.get(request.url);
  if (!answer) return null;
  const now = Date.now();
  const snapshot = checkedRecently(now);
  if (snapshot !== answer.snapshot) return null;
  const { age_seconds, stale } = snapshotAge(snapshot, now);
  if (stale !== answer.stale || Math.floor(age_seconds / 10) !== answer.ageSlice) return null;
  keptHits++;
  // Most recently asked for goes last: the last to go when the map is full.
  kept.delete(request.url);
  kept.set(request.url, answer);
  return new Response(request.method === "HEAD" ? null : answer.body, answer.init);
}

export const sendJsonFromSnapshot = (c: Context<AppEnv>, snapshot: Snapshot, key: string, render: () => unknown, options: { cache?: boolean } = {}) =>
  sendFromSnapshot(c, snapshot, {
    key,
    contentType: "application/json; charset=utf-8",
    render: () => JSON.stringify(render()),
    ...options,
  });
