import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors";

/** The methods whose requests pass through the body limit: every one that may carry a body. */
export const BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

/**
 * How much of a refused chunked body is read and thrown away, so the connection stays usable: as much as
 * Cloudflare lets through to a worker on any plan (100 MB on the smallest; it refuses larger bodies itself).
 * Reading costs the sender as much bandwidth as it costs the worker.
 */
export const DRAIN_BYTES = 100 * 1024 * 1024;

/** A larger allowance for some senders, checked only once a body is over the limit everyone gets. */
export interface LargerBodies {
  maxBytes: number;
  /** Whether this request may send up to `maxBytes` (an admin's): asked at most once per request. */
  allowed: (c: Context) => Promise<boolean>;
}

/**
 * Refuses a request body over `maxBytes` with a 413: by its Content-Length when it gives one (the body is
 * then never read), else by counting a chunked body as it arrives. With `larger`, a body over `maxBytes`
 * goes on to `larger.maxBytes` when `larger.allowed` says the sender may, so nobody else makes the worker
 * buffer more than `maxBytes`. A chunked body refused half read must be read to its end: left mid-stream
 * (as Hono's bodyLimit leaves it) or cancelled, the connection it came on is left broken, and under
 * wrangler dev the next write from anyone fails with a 503. The rest is read and discarded, up to
 * DRAIN_BYTES, so a client cannot hold the request open forever.
 */
export function bodyLimit(maxBytes: number, larger?: LargerBodies): MiddlewareHandler {
  const tooLarge = (limit: number) => new ApiError(413, "payload_too_large", `Request body must be at most ${limit} bytes`);
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    let limit = maxBytes;
    // Past the common limit: the larger one if the sender may use it, else the common one's refusal.
    const raise = async () => {
      if (limit === maxBytes && larger && (await larger.allowed(c))) limit = larger.maxBytes;
      return limit;
    };
    const declared = c.req.raw.headers.get("content-length");
    if (declared !== null && !c.req.raw.headers.has("transfer-encoding")) {
      if (Number(declared) > maxBytes && Number(declared) > (await raise())) throw tooLarge(limit);
      return next();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit && (limit !== maxBytes || size > (await raise()))) {
        await drain(reader, DRAIN_BYTES - size);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}

/** Reads and discards up to `budget` more bytes; a body longer still is cancelled. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number) {
  let left = budget;
  try {
    while (left > 0) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to keep usable.
  }
}
