// Starts Beacon for a benchmark the way a deployment runs it: the real bundle under wrangler's local
// runtime, a fresh D1 (migrated, then seeded) in a temporary directory, and a key pair of its own so the
// benchmark can act as an admin. Shared by every script in bench/.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateKeyPairPem, mintSessionToken } from "../../scripts/lib/session-token.mjs";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

const quietEnv = {
  ...process.env,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
Object.assign(process.env, quietEnv);

function wrangler(args) {
  const run = spawnSync("npx", ["--no-install", "wrangler", ...args], { cwd: root, env: quietEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** A migrated local D1 in a temp dir; `seedSql` (optional) is executed after the migrations. */
export function prepareDatabase(seedSql) {
  const dir = mkdtempSync(path.join(tmpdir(), "beacon-bench-"));
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
  if (seedSql) {
    const file = path.join(dir, "seed.sql");
    writeFileSync(file, seedSql);
    wrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "--file", file]);
  }
  return dir;
}

/** Starts the worker on a free port; returns its origin, an admin token factory and stop(). */
export async function startWorker(persistDir, vars = {}) {
  const { unstable_startWorker } = await import("wrangler");
  const keys = await generateKeyPairPem();
  const worker = await unstable_startWorker({
    config: path.join(root, "wrangler.toml"),
    envFiles: [],
    bindings: Object.fromEntries(
      Object.entries({ CLERK_JWT_KEY: keys.publicKeyPem, SIGNING_SECRET: "bench-signing-secret", ...vars }).map(([k, v]) => [k, { type: "plain_text", value: v }]),
    ),
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: persistDir, logLevel: "warn", watch: false },
  });
  await worker.ready;
  const url = await worker.url;
  const origin = url.origin;
  return {
    origin,
    // A session made at the page's origin: the API takes sessions from there.
    adminToken: () => mintSessionToken(keys.privateKeyPem, { azp: new URL(vars.PAGE_URL ?? "http://localhost:8787").origin }),
    async stop() {
      await worker.dispose();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
