import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { unstable_startWorker } from "wrangler";
import { generateKeyPairPem } from "../../../scripts/lib/session-token.mjs";

// What every browser test stands on: the real worker under wrangler with a fresh, migrated local D1 and its
// own admin key pair, and Debian's Chromium.

const root = path.resolve(__dirname, "../../..");
const offline = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
Object.assign(process.env, offline);

/** .ci/run installs Chromium; where it is missing the browser tests are skipped with a note. */
export const CHROMIUM = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"].find((p) => existsSync(p));

export interface RunningBeacon {
  origin: string;
  port: number;
  /** Signs admin session tokens the worker accepts (made at pageOrigin: the API takes sessions from there). */
  privateKey: string;
  /** PAGE_URL's origin. */
  pageOrigin: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** A free port, known before the worker starts so PAGE_URL can name it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startBeacon(options: { name: string; pageUrl?: (port: number) => string; vars?: Record<string, string> }): Promise<RunningBeacon> {
  const persist = mkdtempSync(path.join(tmpdir(), `beacon-${options.name}-`));
  execFileSync("npx", ["--no-install", "wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: root,
    env: { ...process.env, ...offline, CI: "true" },
    stdio: "pipe",
  });
  const keys = await generateKeyPairPem();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const vars: Record<string, string> = {
    CLERK_JWT_KEY: keys.publicKeyPem,
    PAGE_URL: options.pageUrl?.(port) ?? origin,
    PAGE_NAME: "Beacon E2E",
    ...options.vars,
  };
  const worker = await unstable_startWorker({
    config: path.join(root, "wrangler.toml"),
    envFiles: [],
    bindings: {
      ...Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: "plain_text" as const, value }])),
      // Every page a test opens connects from 127.0.0.1: one file opens more live sockets a minute than the
      // per-client limit allows one visitor (the limit itself is tested in the workers project).
      LIVE_LIMITER: { type: "ratelimit" as const, name: "LIVE_LIMITER", namespace_id: "1002", simple: { limit: 1000, period: 60 as const } },
    },
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist, logLevel: "warn", watch: false },
  });
  await worker.ready;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return {
    origin,
    port,
    privateKey: keys.privateKeyPem,
    pageOrigin: new URL(vars.PAGE_URL!).origin,
    browser,
    async stop() {
      await browser.close();
      await worker.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Collects script errors and blocked resources (a CSP violation shows up as a console error). */
export function watchErrors(page: Page, ignore?: RegExp) {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !ignore?.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}
