/**
 * Where SMS may go when SMS_ALLOWED_COUNTRY_CODES is unset: the United States and Canada (+1) only, as
 * Twilio's own geo permissions start. Texts to premium-rate ranges abroad are what SMS pumping sells, so
 * every other country is opened by naming it; "*" opens all of them.
 */
export const DEFAULT_SMS_COUNTRY_CODES = "+1";

/**
 * Area codes of the countries that share +1 with the United States and Canada (NANPA's list: Anguilla,
 * Antigua and Barbuda, the Bahamas, Barbados, Bermuda, the British Virgin Islands, the Cayman Islands,
 * Dominica, the Dominican Republic, Grenada, Jamaica, Montserrat, Saint Kitts and Nevis, Saint Lucia, Saint
 * Vincent, Sint Maarten, Trinidad and Tobago, the Turks and Caicos). "+1" does not open them; each is opened
 * by its own code (`+1876` for Jamaica), as any other country is. US territories are the United States.
 */
const OTHER_NANP_COUNTRIES = new Set(["242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721", "758", "767", "784", "809", "829", "849", "868", "869", "876"]);

/** Country calling codes that SMS may go to (`SMS_ALLOWED_COUNTRY_CODES="+1,+44"`, or "*" for every number). */
export function smsAllowed(phone: string, allowedCodes: string | undefined): boolean {
  const list = (allowedCodes ?? "").trim() || DEFAULT_SMS_COUNTRY_CODES;
  if (list === "*") return true;
  const codes = list
    .split(",")
    .map((code) => code.trim().replace(/^\+?/, "+"))
    .filter((code) => code.length > 1);
  return codes.some((code) => phone.startsWith(code) && (code !== "+1" || !OTHER_NANP_COUNTRIES.has(phone.slice(2, 5))));
}

function privateIPv4(host: string): boolean {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  return privateIPv4Octets(parts as [number, number, number, number]);
}

function privateIPv4Octets([a, b, c]: [number, number, number, number]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    // Special purpose: protocol assignments 192.0.0.0/24, documentation 192.0.2.0/24, 198.51.100.0/24 and
    // 203.0.113.0/24, the retired 6to4 relays 192.88.99.0/24.
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    (a === 192 && b === 88 && c === 99) ||
    a >= 224
  );
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two), or null when it is not one. */
function ipv6Groups(raw: string): number[] | null {
  let h = raw.replace(/^\[|\]$/g, "").toLowerCase().replace(/%.*$/, "");
  if (!h.includes(":")) return null;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) {
    const octets = dotted[2]!.split(".").map(Number);
    if (octets.some((o) => o > 255)) return null;
    h = `${dotted[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0 || [...head, ...tail].some(Number.isNaN)) return null;
  return [...head, ...Array(missing).fill(0), ...tail];
}

const v4From = (hi: number, lo: number): [number, number, number, number] => [hi >> 8, hi & 255, lo >> 8, lo & 255];

function privateIPv6(host: string): boolean {
  const g = ipv6Groups(host);
  if (!g) return false;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::, ::1, and IPv4-compatible ::a.b.c.d (deprecated, but the stack may still route it to IPv4).
  if (zeroTo(6)) return true;
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-translated ::ffff:0:a.b.c.d: refused whatever the address.
  if (zeroTo(5) && g5 === 0xffff) return true;
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return true;
  // NAT64: the well-known prefix 64:ff9b::/96 carries an IPv4 address; 64:ff9b:1::/48 is for local use.
  if (g0 === 0x64 && g1 === 0xff9b) return g2 === 1 || (g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && privateIPv4Octets(v4From(g6, g7)));
  // 6to4: 2002:aabb:ccdd::/48 is the IPv4 address aa.bb.cc.dd.
  if (g0 === 0x2002) return privateIPv4Octets(v4From(g1, g2));
  // Teredo, 2001:0::/32: a relay hands the packet to the IPv4 address and port in its last bits, which
  // whoever made the address chose. Refused whatever it carries: Teredo is all but retired, and no
  // endpoint that wants events needs it.
  if (g0 === 0x2001 && g1 === 0) return true;
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (g0 & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g0 & 0xffc0) === 0xfec0 || // site-local fec0::/10 (deprecated, still routed by some networks)
    (g0 === 0x2001 && g1 === 0xdb8) || // documentation 2001:db8::/32
    (g0 === 0x3fff && (g1 & 0xf000) === 0) || // documentation 3fff::/20
    (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) || // discard-only 100::/64
    (g0 & 0xff00) === 0xff00 // multicast
  );
}

/** Names that resolve to the asker's own or private network: local suffixes, and public wildcard-DNS services. */
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain", ".intranet", ".corp", ".home", ".private"];
/**
 * Public domains whose every name resolves to loopback (localtest.me, lvh.me, ...) or to the address the
 * name spells (nip.io's 10.0.0.1.nip.io, traefik.me's 10-0-0-1.traefik.me). Tunnels such as localhost.run
 * are not among them: their names resolve to the tunnel's public servers.
 */
const LOOPBACK_DOMAINS = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "traefik.me",
  "localtest.me",
  "local.gd",
  "localh.st",
  "localho.st",
  "lvh.me",
  "fuf.me",
  "vcap.me",
  "127.ca",
  "lacolhost.com",
  "localhost.direct",
];

function localName(host: string): boolean {
  if (host === "localhost" || (!host.includes(".") && !host.includes(":"))) return true;
  if (LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix) || host === suffix.slice(1))) return true;
  return LOOPBACK_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/**
 * A webhook URL in the one spelling it is stored, capped and looked up by: as the URL parser reads it
 * (scheme and host lower-cased, the default port dropped), without the fragment, which never reaches the
 * server, and without a trailing dot on the host. The path and query are the receiver's and stay as sent.
 * A URL the parser cannot read is returned unchanged, for the checks to refuse.
 */
export function normalWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  url.hash = "";
  const host = url.hostname.replace(/\.+$/, "");
  if (host && host !== url.hostname) url.hostname = host;
  return url.href;
}

/**
 * Why a webhook URL must not be called, or null when it may be: https only, and no loopback, private,
 * link-local or local names (nor IPv4 addresses wrapped in IPv6 or reached through Teredo, nor
 * wildcard-DNS names that resolve to loopback or private addresses), so a subscriber cannot point the
 * worker at internal services. Hostnames are checked as written: the runtime resolves them, and on
 * Cloudflare the platform's egress, which cannot reach private networks, is the real boundary; this
 * filter is the part Beacon can check itself.
 */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "https:") return "must use https";
  if (url.username || url.password) return "must not contain credentials";
  // Port 0 is no port a connection can be made to.
  if (url.port === "0") return "must not use port 0";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (localName(host)) return "must not point at a local host name";
  if (privateIPv4(host) || privateIPv6(host)) return "must not point at a loopback, private, link-local or reserved address";
  return null;
}
