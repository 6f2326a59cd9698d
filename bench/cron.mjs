#!/usr/bin/env node
// npm run bench:cron: one cron round over 2,000 HTTP monitors (BENCH_MONITORS) whose target answers after
// 300 ms, each probed from the three default regions. Every probe request keeps to six connections at
// once, as production enforces (workerd does not, so the probes' own limiter is what models it here).
// Prints the round's wall time, shards and probe invocations, the slowest shard, the D1 statements the
// round wrote, and what that means for 10,000 monitors.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { cpus, loadavg } from "node:os";
import { prepareDatabase, root, startWorker } from "./lib/worker.mjs";

const MONITORS = Number(process.env.BENCH_MONITORS || 2000);
const DELAY_MS = 300;
const REGIONS = 3;

let open = 0;
let peak = 0;
let served = 0;
const server = createServer((req, res) => {
  open++;
  peak = Math.max(peak, open);
  setTimeout(() => {
    served++;
    open--;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  }, DELAY_MS);
});
server.keepAliveTimeout = 1000;
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const targetOrigin = `http://127.0.0.1:${server.address().port}`;

// The monitors go straight into the seed: 2,000 admin API calls would only time the API.
const now = Date.now();
const rows = Array.from({ length: MONITORS }, (_, i) => {
  const monitor = { type: "http", url: `${targetOrigin}/svc/${i}`, method: "GET", expected_status: null, keyword: null, timeout_ms: 10_000, degraded_latency_ms: null, regions: null, quorum: null };
  return `('${randomUUID()}', 'Service ${i + 1}', ${100 + i}, 'http', '${JSON.stringify(monitor)}', 2, ${now}, ${now})`;
});
const seed = [];
for (let i = 0; i < rows.length; i += 200) {
  seed.push(`INSERT INTO components (id, name, position, check_kind, monitor, confirmations, created_at, updated_at) VALUES ${rows.slice(i, i + 200).join(",\n")};`);
}
const persistDir = prepareDatabase(seed.join("\n"));

function query(sql) {
  const run = spawnSync("npx", ["--no-install", "wrangler", "d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql], {
    cwd: root,
    env: process.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`query failed:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout)[0].results;
}

const worker = await startWorker(persistDir);
try {
  await (await fetch(`${worker.origin}/healthz`)).arrayBuffer();
  const scheduledTime = Math.floor(Date.now() / 60_000) * 60_000;
  const started = performance.now();
  const cron = await fetch(`${worker.origin}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${scheduledTime}`);
  await cron.arrayBuffer();
  const wallMs = performance.now() - started;
  if (!cron.ok) throw new Error(`scheduled handler: HTTP ${cron.status}`);

  const [run] = query(`SELECT started_at, finished_at, summary FROM check_runs WHERE scheduled_time = ${scheduledTime}`);
  const summary = JSON.parse(run?.summary ?? "{}");
  const outcomes = query(`SELECT outcome, count(*) AS n FROM check_results WHERE checked_at = ${scheduledTime} AND component_id IN (SELECT id FROM components WHERE check_kind = 'http') GROUP BY outcome`);
  const [{ n: regionRows }] = query(`SELECT count(*) AS n FROM check_region_results WHERE checked_at = ${scheduledTime}`);
  const recorded = outcomes.reduce((sum, o) => sum + o.n, 0);

  // Shards run side by side, so the round costs about its slowest shard plus recording; probes, statements
  // and the cron's subrequests grow with the monitors.
  const scale = 10_000 / MONITORS;
  console.log(`\nOne cron round over ${MONITORS} HTTP monitors x ${REGIONS} regions (target answers after ${DELAY_MS} ms), 6 connections per probe request`);
  console.log(`  results recorded        ${recorded} of ${MONITORS} (${outcomes.map((o) => `${o.n} ${o.outcome}`).join(", ")}); ${regionRows} region rows`);
  console.log(`  round wall time         ${((run.finished_at - run.started_at) / 1000).toFixed(1)} s from claim to recorded (goal: within 60 s, ideally 20 s)`);
  console.log(`  scheduled handler       ${(wallMs / 1000).toFixed(1)} s as wrangler's local trigger saw it (snapshot and outbox included)`);
  console.log(`  shards                  ${summary.shards} (${Math.ceil((MONITORS * REGIONS) / summary.shards)} checks each at most)`);
  console.log(`  probe invocations       ${summary.probeCalls} (${summary.unanswered} unanswered)`);
  console.log(`  slowest shard           ${summary.slowestShard}: ${summary.slowestShardMs} ms`);
  console.log(`  D1 statements written   ${summary.statements} in one batch`);
  console.log(`  target requests         ${served} served, at most ${peak} open at once across all probes (limit: 6 x ${summary.shards} shards)`);
  console.log(`  machine                 ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} (every probe shares one local workerd)`);
  console.log(`  at 10,000 monitors      ~${Math.ceil(summary.shards * scale)} shards and probe invocations (cron subrequests), at most ~${Math.ceil(summary.statements * scale)} statements (they grow with the bytes written); the wall time stays about the slowest shard`);
} finally {
  await worker.stop();
  server.close();
}
