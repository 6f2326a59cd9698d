import { env, exports } from "cloudflare:workers";
import { mintSessionToken } from "../../scripts/lib/session-token.mjs";

export const BASE = "https://status.example.com";

export const DEFAULT_COMPONENTS = {
  api: "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001",
  database: "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002",
  storage: "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003",
  email: "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0004",
  auth: "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005",
} as const;

/** A session of the tests' admin, made at the page's origin (the API takes sessions from there). */
export const adminToken = (options: Parameters<typeof mintSessionToken>[1] = {}) => mintSessionToken(env.TEST_CLERK_PRIVATE_KEY, { azp: new URL(env.PAGE_URL!).origin, ...options });

interface CallOptions {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

/** Sends a request through the worker's own fetch handler, as a client on the internet would. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return exports.default.fetch(new Request(BASE + path, { method, headers, body }));
}

/**
 * A read that accepts gzip, repeated until it comes compressed (and, with `until`, until its decoded body
 * passes): a kept body is compressed in the background after the first read that accepts gzip, and until
 * then sent as it is, or as the previous slice of the data's age was compressed.
 */
export async function readCompressed(
  path: string,
  opts: { headers?: Record<string, string>; until?: (body: string) => boolean } = {},
): Promise<Response> {
  const headers = opts.headers ?? { "accept-encoding": "gzip" };
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await call("GET", path, { headers });
    if (res.headers.get("content-encoding") === "gzip" && (!opts.until || opts.until(await res.clone().text()))) return res;
    await res.arrayBuffer();
    await new Promise((resume) => setTimeout(resume, 10));
  }
  throw new Error(`${path} was never sent compressed as expected`);
}

/** An admin call: a fresh admin token unless one is given. */
export async function admin(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
  return call(method, path, { body, token: token ?? (await adminToken()) });
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function createIncident(overrides: Record<string, unknown> = {}) {
  const body = { title: "Elevated API errors", description: "Some requests fail.", severity: "major", affected_components: [DEFAULT_COMPONENTS.api], ...overrides };
  // A key of its own: without one, the same request again within a minute is a double submit of the first.
  const res = await call("POST", "/api/status/incidents/create", { body, token: await adminToken(), headers: { "idempotency-key": crypto.randomUUID() } });
  if (res.status !== 201) throw new Error(`createIncident: ${res.status} ${await res.text()}`);
  return json(res);
}

/**
 * Waits out the last seconds of a wall-clock minute. The runtime's rate limiters count in fixed windows on
 * the clock, so a test that expects the limit to bite after N requests must not straddle a window's end.
 */
export async function awayFromMinuteEdge(marginMs = 5_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resume) => setTimeout(resume, left + 50));
}

/**
 * Runs `steps` within one minute of the clock, as a per-minute limit counts: on a slow machine a run that
 * started well away from the edge may still cross it, and is then run again in the next minute.
 */
export async function withinOneMinute<T>(steps: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await awayFromMinuteEdge();
    const minute = Math.floor(Date.now() / 60_000);
    const result = await steps();
    if (Math.floor(Date.now() / 60_000) === minute || attempt === 2) return result;
  }
}
