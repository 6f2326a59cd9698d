/** An entity tag's opaque part: `W/"x"` and `"x"` are the same tag under the weak comparison. */
const opaqueTag = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/**
 * Whether an If-None-Match header matches `etag`, so the answer is 304. RFC 9110 (13.1.2) makes this the
 * weak comparison: `"x"` matches `W/"x"` either way round (clients and caches drop or add the `W/`), in a
 * list of tags, and `*` matches any current representation.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const wanted = opaqueTag(etag);
  for (const [tag] of header.matchAll(/\*|(?:W\/)?"[^"]*"/g)) if (tag === "*" || opaqueTag(tag) === wanted) return true;
  return false;
}

/**
 * Whether an If-Modified-Since header says the client holds what was current at `modifiedAt`, so the answer
 * is 304 (RFC 9110, 13.1.3). Only when If-None-Match is absent (it wins when both are sent); a date that
 * cannot be read, or is later than now, is ignored. HTTP dates are whole seconds.
 */
export function unmodifiedSince(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, modifiedAt: number, now = Date.now()): boolean {
  if (ifNoneMatch !== undefined || !ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && since <= now && Math.floor(modifiedAt / 1000) * 1000 <= since;
}
