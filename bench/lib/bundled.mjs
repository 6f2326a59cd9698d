// Serves the deployable bundle (what `wrangler deploy` uploads) under Miniflare directly, with in-memory D1,
// Durable Object, Queue and rate-limit bindings as wrangler.toml declares them. Unlike `wrangler dev`, no
// development proxy sits in front (it re-parses every HTML response to inject a live-reload script), so
// figures reflect the worker itself.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { generateKeyPairPem, mintSessionToken } from "../../scripts/lib/session-token.mjs";
import { root } from "./worker.mjs";

function bundle(outdir) {
  const run = spawnSync("npx", ["--no-install", "wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`bundling failed:\n${run.stdout}\n${run.stderr}`);
  return path.join(outdir, "index.js");
}

function tomlValue(toml, key) {
  return new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1];
}

/** Statements of a SQL text whose statements end with ";" at the end of a line. */
function statements(sql) {
  return sql
    .split(/--> statement-breakpoint|;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
}

/** `inspectorPort`: opens V8's inspector on that port (bench/heap.mjs reads the isolate's heap through it). */
export async function startBundled(seedSql, { inspectorPort } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "beacon-bundle-"));
  const scriptPath = bundle(dir);
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const vars = Object.fromEntries(
    [...toml.slice(toml.indexOf("[vars]")).matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]),
  );
  const keys = await generateKeyPairPem();
  const before = new Set(workerdProcesses().map((row) => row.pid));
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    ...(inspectorPort ? { inspectorPort } : {}),
    // The runtime logs every connection a load generator drops at the end of a run; keep the output readable.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
    workers: [
      {
        name: "beacon",
        // Listed explicitly so Miniflare does not try to resolve the optional dynamic import that `resend`
        // keeps for React email templates (never used here).
        modulesRoot: dir,
        modules: [{ type: "ESModule", path: scriptPath, contents: readFileSync(scriptPath, "utf8") }],
        compatibilityDate: tomlValue(toml, "compatibility_date"),
        d1Databases: { DB: "beacon" },
        durableObjects: { STATUS_HUB: { className: "StatusHub", useSQLite: true }, CHECK_PROBE: { className: "CheckProbe", useSQLite: true } },
        queueProducers: { NOTIFY_QUEUE: { queueName: "beacon-notifications" } },
        queueConsumers: {
          "beacon-notifications": { maxBatchSize: 25, maxBatchTimeout: 2, maxRetries: 8, deadLetterQueue: "beacon-notifications-dlq" },
          "beacon-notifications-dlq": { maxBatchSize: 25, maxBatchTimeout: 5 },
        },
        ratelimits: {
          SIGNUP_LIMITER: { simple: { limit: 10, period: 60 } },
          LIVE_LIMITER: { simple: { limit: 30, period: 60 } },
          HISTORY_LIMITER: { simple: { limit: 20, period: 60 } },
        },
        // A socket straight to the worker, as production has: no entry worker in front (it adds a hop, and
        // rewrites Accept-Encoding and CF-Connecting-IP).
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        bindings: { ...vars, CLERK_JWT_KEY: keys.publicKeyPem, SIGNING_SECRET: "bench-signing-secret" },
      },
      // The empty worker again, in Beacon's own runtime process: whatever that process does besides serving
      // Beacon (its other isolates, Miniflare's D1, queue and Durable Object machinery) shows here too.
      { name: "floor", ...FLOOR_WORKER, compatibilityDate: tomlValue(toml, "compatibility_date"), unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] },
    ],
  });
  const url = await mf.ready;
  const pids = new Set(workerdProcesses().map((row) => row.pid).filter((pid) => !before.has(pid)));
  const db = await mf.getD1Database("DB");
  const migrations = readdirSync(path.join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort();
  for (const file of migrations) {
    await db.batch(statements(readFileSync(path.join(root, "migrations", file), "utf8")).map((s) => db.prepare(s)));
  }
  if (seedSql) {
    const seed = statements(seedSql);
    for (let i = 0; i < seed.length; i += 20) await db.batch(seed.slice(i, i + 20).map((s) => db.prepare(s)));
  }
  const direct = await mf.unsafeGetDirectURL("beacon");
  const floorDirect = await mf.unsafeGetDirectURL("floor");
  return {
    origin: url.origin,
    direct: direct.origin,
    /** The empty worker in the same runtime process, straight to it. */
    floorDirect: floorDirect.origin,
    /** workerd's resident memory (KB) for this worker alone. */
    rssKb: () => workerdRssKb(pids),
    // A session made at the page's origin: the API takes sessions from there.
    adminToken: () => mintSessionToken(keys.privateKeyPem, { azp: new URL(vars.PAGE_URL).origin }),
    async stop() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function workerdProcesses() {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, rss, comm]) => ({ pid: Number(pid), ppid: Number(ppid), rss: Number(rss), comm }));
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) if (mine.has(row.ppid) && !mine.has(row.pid)) (mine.add(row.pid), (grew = true));
  }
  return rows.filter((row) => mine.has(row.pid) && /workerd/.test(row.comm));
}

/** Resident memory (KB) of the workerd processes in `pids` (those one Miniflare started), from ps. */
function workerdRssKb(pids) {
  return workerdProcesses()
    .filter((row) => pids.has(row.pid))
    .reduce((sum, row) => sum + row.rss, 0);
}

const FLOOR_WORKER = { modules: true, script: `export default { fetch() { return new Response("ok"); } };` };

/**
 * The runtime's own floor: a worker that answers "ok" and does nothing else, served the same way (same
 * workerd, a socket straight to the worker). What it shows under load is the runtime's, not Beacon's.
 */
export async function startFloor() {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    ...FLOOR_WORKER,
    compatibilityDate: tomlValue(readFileSync(path.join(root, "wrangler.toml"), "utf8"), "compatibility_date"),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  const direct = await mf.unsafeGetDirectURL();
  return { direct: direct.origin, stop: () => mf.dispose() };
}
