import type { Database } from "./db/client";
import type { AdminIdentity, SessionClaims } from "./auth/clerk";
import type { ConsoleSession } from "./auth/console-session";
import type { StatusHub } from "./live/status-hub";
import type { CheckProbe } from "./probes/check-probe";
import type { NotifyMessage } from "./notify/messages";

/** Every binding and variable the worker reads, typed once. Optional vars are features that stay off until set. */
export interface Bindings {
  DB: D1Database;
  STATUS_HUB: DurableObjectNamespace<StatusHub>;
  /** HTTP monitors' probes: one Durable Object per region and shard, placed with the region as location hint. */
  CHECK_PROBE: DurableObjectNamespace<CheckProbe>;
  NOTIFY_QUEUE: Queue<NotifyMessage>;
  SIGNUP_LIMITER?: RateLimit;
  /** Live socket upgrades per client (IPv4 address or IPv6 /64). */
  LIVE_LIMITER?: RateLimit;
  /** Reads of incidents older than the snapshot (the only public reads that reach D1), per client. */
  HISTORY_LIMITER?: RateLimit;

  PAGE_NAME?: string;
  PAGE_URL?: string;
  PAGE_LOGO_URL?: string;
  PAGE_DESCRIPTION?: string;
  PAGE_TIME_ZONE?: string;

  CLERK_JWT_KEY?: string;
  CLERK_SECRET_KEY?: string;
  CLERK_AUTHORIZED_PARTIES?: string;
  CLERK_API_URL?: string;
  /** The Clerk organization whose admins (or holders of org:status:manage) are Beacon admins; unset: none are. */
  CLERK_ADMIN_ORG_ID?: string;
  /** The instance's issuer (https://<frontend-api>); derived from CLERK_PUBLISHABLE_KEY when unset. */
  CLERK_ISSUER?: string;
  /** Turns on Clerk sign-in for the console (its Frontend API host is read from this key) and names the issuer. */
  CLERK_PUBLISHABLE_KEY?: string;

  S3_ENDPOINT?: string;
  S3_REGION?: string;
  S3_BUCKET?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;

  RESEND_API_KEY?: string;
  EMAIL_FROM?: string;
  /** Base URL of the Resend API (a local fake for benchmarks); default https://api.resend.com. */
  RESEND_API_URL?: string;

  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_FROM?: string;
  /** Base URL of the Twilio API; default https://api.twilio.com. */
  TWILIO_API_URL?: string;
  /** Country calling codes SMS may go to; unset means DEFAULT_SMS_COUNTRY_CODES, "*" means every country. */
  SMS_ALLOWED_COUNTRY_CODES?: string;
  /** Page-wide confirmation messages per channel per UTC day (defaults in notify/subscribe.ts). */
  EMAIL_CONFIRMATIONS_PER_DAY?: string;
  SMS_CONFIRMATIONS_PER_DAY?: string;
  WEBHOOK_CONFIRMATIONS_PER_DAY?: string;

  TURNSTILE_SECRET_KEY?: string;
  TURNSTILE_SITE_KEY?: string;

  /**
   * "true" only where `npm start` (and the test config) runs Beacon: a channel without credentials then
   * records its messages in the dev outbox. A deployment never sets it, so there such a channel is off.
   */
  LOCAL_DEV?: string;
  /** Secret for signing unsubscribe links and other tokens; generated into .dev.vars locally. */
  SIGNING_SECRET?: string;
  /**
   * "false" turns off serving large public reads pre-compressed. Local dev sets it: wrangler dev's proxy
   * asks the worker for gzip on every client's behalf but does not decompress for clients that did not.
   */
  PRECOMPRESS?: string;
  /** Bytes of rendered public responses an isolate keeps (default 16 MiB). */
  RENDER_CACHE_BYTES?: string;
  /** URLs whose whole answers an isolate keeps, per encoding (default 256). */
  KEPT_ANSWER_URLS?: string;
  CHECK_TIMEOUT_MS?: string;
  /** Latency (ms) above which a built-in check reports degraded. */
  CHECK_DEGRADED_LATENCY_MS?: string;
  /** Comma-separated URLs the API check probes instead of the worker's own /healthz. */
  API_HEALTH_URL?: string;
  /** A Clerk JWKS URL (e.g. https://<frontend-api>/.well-known/jwks.json) the Authentication check fetches. */
  CLERK_JWKS_URL?: string;
  CHECK_RETENTION_DAYS?: string;
  /** Comma-separated location hints HTTP monitors are probed from unless a monitor lists its own; default wnam,enam,weur. */
  CHECK_REGIONS?: string;
  /**
   * Automatic incidents from agreed check results: on by default; "off" turns them off for every component
   * that does not turn them on itself; a JSON object sets the defaults (see README).
   */
  AUTO_INCIDENTS?: string;
  /** Unset: any page may open the live socket; set: only PAGE_URL's origin and these (comma-separated). */
  LIVE_ALLOWED_ORIGINS?: string;
}

/** The page's name: PAGE_NAME, or "Beacon" when unset, the same on the page, the console, feeds and messages. */
export const pageName = (env: Pick<Bindings, "PAGE_NAME">) => env.PAGE_NAME || "Beacon";

export interface Variables {
  db: Database;
  admin: AdminIdentity;
  /** The bearer token's session, verified on first use (see adminFromRequest). */
  bearerSession?: Promise<SessionClaims | null>;
  /** The signed-in console user: the session token (what the console's own API calls carry) and its CSRF token. */
  consoleSession: ConsoleSession;
  /** An admin write's Idempotency-Key, when it sent one that has no stored answer yet. */
  /** `ttlMs`: how long the answer is replayed (a day for a client's key; see addsOnce for keyless ones). */
  idempotency?: { userId: string; key: string; requestHash: string; ttlMs?: number };
  /** Statements sent to D1 while serving this request (the bench reads it from a response header). */
  d1Queries: { count: number };
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

declare global {
  // Lets `env` and `exports` from `cloudflare:workers` (used by the tests) carry the same types.
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "StatusHub" | "CheckProbe";
    }
    interface Env extends Bindings {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      TEST_CLERK_PRIVATE_KEY: string;
    }
  }
}
