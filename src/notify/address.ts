/** Country calling codes that SMS may go to (`SMS_ALLOWED_COUNTRY_CODES="+1,+44"`); unset allows every number. */
export function smsAllowed(phone: string, allowedCodes: string | undefined): boolean {
  const codes = (allowedCodes ?? "")
    .split(",")
    .map((code) => code.trim().replace(/^\+?/, "+"))
    .filter((code) => code.length > 1);
  return codes.length === 0 || codes.some((code) => phone.startsWith(code));
}

function privateIPv4(host: string): boolean {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const [a, b] = parts as [number, number, number, number];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function privateIPv6(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (!h.includes(":")) return false;
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return privateIPv4(mapped[1]!);
  // ::ffff:7f00:1 is how the URL parser writes a mapped IPv4 address: refuse the whole mapped range.
  if (h.startsWith("::ffff:")) return true;
  return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("ff");
}

/**
 * Why a webhook URL must not be called, or null when it may be: https only, and no loopback, private,
 * link-local or local names, so a subscriber cannot point the worker at internal services. Hostnames are
 * checked as written (the runtime resolves them; Workers cannot reach private networks by name anyway).
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
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal") || !host.includes(".") && !host.includes(":")) {
    return "must not point at a local host name";
  }
  if (privateIPv4(host) || privateIPv6(host)) return "must not point at a loopback, private or link-local address";
  return null;
}
