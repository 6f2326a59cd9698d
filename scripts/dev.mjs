#!/usr/bin/env node
// `npm start`: Beacon on http://localhost:8787 (PORT overrides) with a local D1 that is migrated and seeded,
// local admin keys, and the cron fired every minute (wrangler dev does not fire crons by itself).
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureLocalSecrets, root } from "./lib/local-keys.mjs";
import { localPort } from "./lib/session-token.mjs";

let port;
try {
  port = localPort(process.env.PORT);
} catch (error) {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(2);
}
const origin = `http://localhost:${port}`;
// No outside connections: no metrics, no update check, no request.cf lookup.
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

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

// wrangler itself, not through npx (which does not pass signals on), in a process group of its own, so that
// stopping this script stops wrangler and the workerd it runs, however this script is stopped.
const dev = spawn(
  join(root, "node_modules", ".bin", "wrangler"),
  ["dev", "--port", String(port), "--ip", "127.0.0.1", "--var", `PAGE_URL:${origin}`, "--var", "PRECOMPRESS:false", "--var", "LOCAL_DEV:true", "--log-level", process.env.LOG_LEVEL || "info"],
  { cwd: root, env, stdio: "inherit", detached: true },
);

let timer;
/** Signals wrangler's whole process group (wrangler and workerd); gone already is fine. */
const signalServer = (signal) => {
  try {
    process.kill(-dev.pid, signal);
  } catch {
    // already stopped
  }
};
let stopping = false;
const stop = () => {
  clearInterval(timer);
  if (stopping) return;
  stopping = true;
  signalServer("SIGINT");
  // wrangler shuts workerd down in a moment; one that hangs is not left holding the port.
  setTimeout(() => signalServer("SIGKILL"), 5_000).unref();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);
// `npm start` stopped by a signal of its own (a process manager, `kill`) does not pass it on: this script
// would be left running, with the server. It stops when its parent goes.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1_000).unref();
dev.on("exit", (code) => {
  clearInterval(timer);
  signalServer("SIGKILL");
  process.exit(code ?? 0);
});

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

if ((await waitForServer()) && !stopping) {
  console.log(
    `\nBeacon is up on ${origin} (admin token: npm run token; console: npm run -s signin-url).\n` +
      "The cron fires every 60 s: this script triggers it, so wrangler's note that scheduled workers are not triggered locally does not apply.\n",
  );
  await fireCron();
  timer = setInterval(fireCron, 60_000);
}
