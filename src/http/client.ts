import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** Whether the client asks for HTML (a browser): pages answer it, every other client gets the API's JSON. */
export const asksForHtml = (c: Context<AppEnv>) => /\btext\/html\b/.test(c.req.header("accept") ?? "");

/**
 * The key per-client limits count against: the IPv4 address Cloudflare reports, or the /64 an IPv6 address
 * sits in (one subscriber line gets a whole /64, so a per-/128 key would give one client 2^64 budgets).
 * Null where no address is reported (local tests); on Cloudflare `cf-connecting-ip` is always set.
 */
export function clientKey(c: Context<AppEnv>): string | null {
  const ip = c.req.header("cf-connecting-ip")?.trim();
  if (!ip) return null;
  if (!ip.includes(":")) return ip;
  return ipv4Mapped(ip) ?? `${ipv6Prefix64(ip)}::/64`;
}

/**
 * The IPv4 address an IPv4-mapped IPv6 one (`::ffff:198.51.100.7`, `::ffff:c633:6407`) stands for: that client,
 * not the one /64 every IPv4 address would otherwise share in that form. Null for any other address.
 */
function ipv4Mapped(ip: string): string | null {
  let host: string;
  try {
    // The URL parser writes an IPv6 address in one canonical form, whichever way it was spelt.
    host = new URL(`http://[${ip.replace(/^\[|\]$/g, "").split("%")[0]}]/`).hostname;
  } catch {
    return null;
  }
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (!mapped) return null;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** The first four hextets of an IPv6 address, expanded and lower-case. */
export function ipv6Prefix64(ip: string): string {
  const address = ip.replace(/^\[|\]$/g, "").split("%")[0]!.toLowerCase();
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  // An embedded IPv4 tail takes two hextets' room; it never reaches the first four unless the address is odd.
  const missing = Math.max(0, 8 - left.length - right.length);
  const hextets = address.includes("::") ? [...left, ...Array(missing).fill("0"), ...right] : left;
  return hextets
    .slice(0, 4)
    .map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? h.replace(/^0+(?=.)/, "") : "0"))
    .join(":");
}

/** Spends one unit of a per-client rate limit; 429 when it is used up. No address (local tests): no limit. */
export async function limitPerClient(c: Context<AppEnv>, limiter: RateLimit | undefined, what: string, message: string) {
  const key = clientKey(c);
  if (!key || !limiter) return;
  const { success } = await limiter.limit({ key: `${what}:${key}` });
  if (!success) {
    c.header("retry-after", "60");
    throw new ApiError(429, "rate_limited", message);
  }
}
