#!/usr/bin/env node
// `npm start`: Beacon on http://localhost:8787 (PORT overrides) with a local D1 that is migrated and seeded,
// local admin keys, and the cron fired every minute (wrangler dev does not fire crons by itself).
import { spawn, spawnSync } from "node:child_process";
import { ensureLocalSecrets, root } from "./lib/local-keys.mjs";

const port = Number(process.env.PORT || 8787);
const origin = `http://localhost:${port}`;
// No outside connections: no metrics, no update check, no request.cf lookup.
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
const wrangler = (args, options = {}) => spawn("npx", ["--no-install", "wrangler", ...args], { cwd: root, env, stdio: "inherit", ...options });

const created = await ensureLocalSecrets();
if (created.length) console.log(`Generated local secrets in .dev.vars: ${created.join(", ")}`);

// Migrations include the five default components; applying twice changes nothing. wrangler prints a table
// per migration (a thousand lines on a first start): one line says what happened, all of it if it failed.
const migrate = spawnSync("npx", ["--no-install", "wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  env: { ...env, CI: "true" },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
if (migrate.status !== 0) {
  process.stdout.write(migrate.stdout ?? "");
  process.stderr.write(migrate.stderr ?? "");
  process.exit(migrate.status ?? 1);
}
const applied = new Set((migrate.stdout ?? "").match(/\d{4}_[\w-]+\.sql/g) ?? []).size;
console.log(applied ? `Local D1: applied ${applied} migration${applied === 1 ? "" : "s"} (.wrangler/state).` : "Local D1: up to date (.wrangler/state).");

const dev = wrangler(["dev", "--port", String(port), "--ip", "127.0.0.1", "--var", `PAGE_URL:${origin}`, "--var", "PRECOMPRESS:false", "--var", "LOCAL_DEV:true", "--log-level", process.env.LOG_LEVEL || "info"]);

async function fireCron() {
  try {
    const res = await fetch(`${origin}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
    if (!res.ok) console.error(`cron: ${res.status}`);
  } catch {
    // Not listening yet, or restarting after a file change: the next tick will do.
  }
}

async function waitForServer() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return true;
    } catch {
      // still starting
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

let timer;
if (await waitForServer()) {
  console.log(
    `\nBeacon is up on ${origin} (admin token: npm run token; console: npm run -s signin-url).\n` +
      "The cron fires every 60 s: this script triggers it, so wrangler's note that scheduled workers are not triggered locally does not apply.\n",
  );
  await fireCron();
  timer = setInterval(fireCron, 60_000);
}

const stop = () => {
  clearInterval(timer);
  dev.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => {
  clearInterval(timer);
  process.exit(code ?? 0);
});
