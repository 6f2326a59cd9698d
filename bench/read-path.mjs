#!/usr/bin/env node
// npm run bench: how close public reads come to the runtime's own ceiling, on a realistic dataset.
// First the tail: each read at a fixed rate below saturation (open loop: latency counted from when a request
// was due, so a pause counts for everyone who arrived during it), BENCH_ROUNDS times, beside an empty worker
// on the same runtime. Then throughput: req/s, p50, p90 and p99 per endpoint under 50 closed-loop
// connections and its ratio to /healthz in the same run, through Miniflare's entry worker and then straight
// to the worker (as in production) BENCH_ROUNDS times, with workerd's memory after each round, and the D1
// statements a warm read sent. Last, the time for one broadcast to reach 2,000 sockets.
//
// wrk corrects its percentiles for coordinated omission: from every response slower than twice the
// connection's average interval it extrapolates the requests a steady client would have sent meanwhile. At
// saturation one 300 ms pause of the runtime becomes hundreds of samples, which is why an empty worker's wrk
// p99 is hundreds of times its p50 here; the open loop measures the tail without saturating anything.
import { spawn, spawnSync } from "node:child_process";
import autocannon from "autocannon";
import WebSocket from "ws";
import { readPathDataset } from "./lib/dataset.mjs";
import { startBundled, startFloor } from "./lib/bundled.mjs";
import { openLoopInChild } from "./lib/load.mjs";

const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const SOCKETS = Number(process.env.BENCH_SOCKETS || 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
// The fixed rate of the open-loop runs: a busy page for one isolate, and below what every read sustains here.
const RATE = Number(process.env.BENCH_RATE || 500);
// A read's tail this many times its median is a stall (a lock, a round trip, a collection), not load.
const TAIL_RATIO = 5;
// BENCH_ONLY=tail stops after the open loop: a few minutes instead of half an hour.
const TAIL_ONLY = process.env.BENCH_ONLY === "tail";
// What browsers, feed readers and HTTP libraries send; bodies over 1 KB are then served gzip-compressed.
const HEADERS = { "accept-encoding": "gzip" };

const dataset = readPathDataset();
console.log(`Seeding: ${Object.entries(dataset.counts).map(([k, v]) => `${v} ${k}`).join(", ")}`);
const worker = await startBundled(dataset.sql);
const floor = await startFloor();
const { origin, direct } = worker;
const FLOOR = "(empty worker)";
// The same empty worker inside Beacon's runtime process: a pause it shares is the process's, not Beacon's.
const FLOOR_BESIDE = "(empty worker, same process)";
const hasWrk = spawnSync("wrk", ["--version"]).error === undefined;

// A window of the incident list nobody keeps rendered, which any client can ask for: in the throughput runs
// only, since 500 of its 1.5 MB answers a second (750 MB/s) is past what any read here sustains.
const UNCOMMON_WINDOW = "/api/status/incidents?days=364";
const endpoints = [
  "/healthz",
  "/api/status",
  "/api/v2/summary.json",
  "/",
  "/api/status/rss",
  `/api/status/components/${dataset.componentIds[0]}`,
  "/api/status/incidents?days=365",
  UNCOMMON_WINDOW,
  `/components/${dataset.componentIds[0]}`,
  `/api/status/components/${dataset.componentIds[0]}/latency?range=24h`,
  `/api/status/components/${dataset.componentIds[0]}/latency?range=90d`,
];

try {
  // Warm every endpoint once (the first read builds and publishes the snapshot), then record how many
  // D1 statements a warm hit sends.
  const queries = {};
  for (const path of endpoints) {
    await fetch(origin + path, { headers: HEADERS }).then((r) => r.arrayBuffer());
    const res = await fetch(origin + path, { headers: HEADERS });
    const identity = (await res.text()).length;
    // Content-Length is the compressed size where the worker compressed; small bodies go as they are.
    const sent = Number(res.headers.get("content-length")) || identity;
    queries[path] = { status: res.status, d1: res.headers.get("x-d1-queries"), identity, sent };
  }

  const table = (client, rows, where = "the deployable bundle under Miniflare on 127.0.0.1, through its entry worker") => {
    const ceiling = rows[0].rps;
    console.log(`\n${client}: ${DURATION} s per endpoint, ${CONNECTIONS} connections, Accept-Encoding: gzip; ${where}\n`);
    console.log(["endpoint".padEnd(40), "req/s".padStart(7), "p50 ms".padStart(7), "p90 ms".padStart(7), "p99 ms".padStart(7), "x ceiling".padStart(9), "D1/req".padStart(6), "KB sent".padStart(8), "KB body".padStart(8), "errors".padStart(7)].join(" "));
    for (const r of rows) {
      const q = queries[r.path] ?? { status: 200, d1: "-", sent: 2, identity: 2 };
      console.log(
        [
          shortPath(r.path).padEnd(40),
          r.rps.toFixed(0).padStart(7),
          r.p50.toFixed(1).padStart(7),
          r.p90.toFixed(1).padStart(7),
          r.p99.toFixed(1).padStart(7),
          (r.rps / ceiling).toFixed(2).padStart(9),
          String(q.status === 200 ? q.d1 ?? "?" : `HTTP ${q.status}`).padStart(6),
          (q.sent / 1024).toFixed(1).padStart(8),
          (q.identity / 1024).toFixed(1).padStart(8),
          String(r.errors).padStart(7),
        ].join(" "),
      );
    }
  };

  // The tail, first, on a runtime that no saturating run has yet filled with garbage: each read at a fixed
  // rate below saturation, latency counted from when each request was due, the client in its own process.
  const tailOk = (r) => tailRatio(r) <= TAIL_RATIO;
  const openLoop = async (url, path) => ({ path, ...(await openLoopInChild(url, { rate: RATE, seconds: DURATION, connections: CONNECTIONS, headers: HEADERS })) });
  const openRounds = [];
  const tailed = endpoints.filter((path) => path !== UNCOMMON_WINDOW);
  for (let round = 1; round <= ROUNDS; round++) {
    const rows = [];
    for (const path of tailed) rows.push(await openLoop(direct + path, path));
    rows.push(await openLoop(floor.direct + "/", FLOOR));
    rows.push(await openLoop(worker.floorDirect + "/", FLOOR_BESIDE));
    openRounds.push(rows);
    console.log(`\nOpen loop, round ${round} of ${ROUNDS}: ${RATE} requests/s for ${DURATION} s over up to ${CONNECTIONS} connections, Accept-Encoding: gzip, straight to the worker; latency from when each request was due\n`);
    console.log(["endpoint".padEnd(40), "p50 ms".padStart(7), "p90 ms".padStart(7), "p99 ms".padStart(7), "max ms".padStart(7), "p99/p50".padStart(8), "client stall".padStart(13), "failed".padStart(7)].join(" "));
    for (const r of rows) {
      const why = r.errors ? `  (${Object.entries(r.failures).map(([kind, n]) => `${n} ${kind}`).join(", ")})` : "";
      console.log([shortPath(r.path).padEnd(40), r.p50.toFixed(1).padStart(7), r.p90.toFixed(1).padStart(7), r.p99.toFixed(1).padStart(7), r.max.toFixed(0).padStart(7), `${tailRatio(r).toFixed(1)}x`.padStart(8), `${r.clientMaxStall.toFixed(0)} ms`.padStart(13), String(r.errors).padStart(7)].join(" ") + why);
    }
  }
  console.log(`\nOpen loop across the ${ROUNDS} rounds (min-max), and whether each read's p99 stayed within ${TAIL_RATIO}x its p50 (or 1 ms) in every round:`);
  for (const [i, path] of [...tailed, FLOOR, FLOOR_BESIDE].entries()) {
    const rows = openRounds.map((round) => round[i]);
    const of = (key) => rows.map((r) => r[key]);
    console.log(`  ${shortPath(path).padEnd(40)} p50 ${span(of("p50"), 1).padStart(9)}  p99 ${span(of("p99"), 1).padStart(10)}  ${rows.every(tailOk) ? "tail ok" : "TAIL OVER"}`);
  }

  if (TAIL_ONLY) console.log("\nBENCH_ONLY=tail: throughput and the broadcast are skipped.");
  else {
    const viaAutocannon = [];
    for (const path of endpoints) viaAutocannon.push(await autocannonRun(origin, path));
    table("autocannon", viaAutocannon);

    // autocannon parses every body in JavaScript and becomes the bottleneck on large ones; wrk (C) shows
    // what the worker itself sustains. Used when installed (apt-get install wrk).
    if (hasWrk) {
      const rows = [];
      for (const path of endpoints) rows.push({ ...(await wrk(origin + path)), path });
      table("wrk", rows);
    }

    // The read path as production has it: a socket straight to the worker. Repeated in one process, so a
    // leak shows as memory that keeps growing from round to round.
    const client = hasWrk ? "wrk" : "autocannon";
    const closedLoop = async (base, path) => (hasWrk ? { ...(await wrk(base + path)), path } : autocannonRun(base, path));
    const rounds = [];
    console.log(`\nworkerd resident memory before the direct rounds: ${(worker.rssKb() / 1024).toFixed(0)} MB`);
    for (let round = 1; round <= ROUNDS; round++) {
      const rows = [];
      for (const path of endpoints) rows.push(await closedLoop(direct, path));
      const floorRow = { ...(await closedLoop(floor.direct, "/")), path: FLOOR };
      table(`${client}, direct round ${round} of ${ROUNDS}`, [...rows, floorRow], "the deployable bundle under Miniflare, straight to the worker (unsafeDirectSockets)");
      console.log(`  workerd resident memory after round ${round}: ${(worker.rssKb() / 1024).toFixed(0)} MB`);
      rounds.push([...rows, floorRow]);
    }
    console.log(`\nAcross the ${ROUNDS} direct rounds (min-max), and the worst p99/p50 ${client} saw:`);
    for (const [i, path] of [...endpoints, FLOOR].entries()) {
      const closed = rounds.map((rows) => rows[i]);
      const worst = Math.max(...closed.map(tailRatio));
      console.log(`  ${shortPath(path).padEnd(40)} req/s ${span(closed.map((r) => r.rps), 0).padStart(11)}  p50 ${span(closed.map((r) => r.p50), 1).padStart(10)}  p99 ${span(closed.map((r) => r.p99), 1).padStart(12)}  p99/p50 up to ${worst.toFixed(0)}x`);
    }

    console.log(`\nWebSocket fan-out: ${SOCKETS} clients, one incident created by an admin`);
    // Straight to the worker: through the entry worker every socket would come from 127.0.0.1, one client,
    // which the hub caps at a few dozen open sockets.
    console.log(await fanOut(direct, worker.adminToken));
  }
} finally {
  await worker.stop();
  await floor.stop();
}

/** p99 over p50, the median floored at 1 ms so a sub-millisecond median does not make the bound meaningless. */
function tailRatio(r) {
  return r.p99 / Math.max(r.p50, 1);
}

/** min-max of values. */
function span(values, digits) {
  return `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
}

function shortPath(path) {
  return path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "{id}").slice(0, 40);
}

async function fanOut(origin, adminToken) {
  const liveUrl = origin.replace(/^http/, "ws") + "/api/status/live";
  const probe = await fetch(origin + "/api/status/live");
  if (probe.status === 404) return "skipped: /api/status/live is not served";
  const sockets = [];
  const arrivals = [];
  let sentAt = 0;
  const connectStart = performance.now();
  for (let i = 0; i < SOCKETS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, SOCKETS - i) }, () => new Promise((resolve, reject) => {
        const ws = new WebSocket(liveUrl);
        ws.on("message", (data) => {
          const message = JSON.parse(String(data));
          if (message.type === "snapshot") resolve();
          if (message.type === "incident.created" && sentAt) arrivals.push(performance.now() - sentAt);
        });
        ws.on("error", reject);
        sockets.push(ws);
      })),
    );
  }
  const connectMs = performance.now() - connectStart;
  const token = await adminToken();
  sentAt = performance.now();
  const res = await fetch(origin + "/api/status/incidents/create", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "Fan-out probe", severity: "minor" }),
  });
  const writeMs = performance.now() - sentAt;
  const deadline = Date.now() + 30_000;
  while (arrivals.length < SOCKETS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (const ws of sockets) ws.terminate();
  arrivals.sort((a, b) => a - b);
  const pct = (p) => arrivals[Math.min(arrivals.length - 1, Math.floor((arrivals.length * p) / 100))]?.toFixed(0);
  return [
    `  connected ${sockets.length} sockets in ${connectMs.toFixed(0)} ms; admin write answered ${res.status} in ${writeMs.toFixed(0)} ms`,
    `  received by ${arrivals.length}/${SOCKETS}: first ${arrivals[0]?.toFixed(0)} ms, median ${pct(50)} ms, last ${arrivals.at(-1)?.toFixed(0)} ms after the admin request was sent`,
  ].join("\n");
}

async function autocannonRun(base, path) {
  const result = await autocannon({ url: base + path, connections: CONNECTIONS, duration: DURATION, headers: HEADERS });
  return { path, rps: result.requests.average, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

/**
 * One wrk run. Spawned, not run synchronously: this process must keep draining workerd's output meanwhile,
 * or a full pipe would stall the runtime and be measured as latency.
 */
function wrk(url) {
  return new Promise((resolve, reject) => {
    const run = spawn("wrk", ["-t2", `-c${CONNECTIONS}`, `-d${DURATION}s`, "--latency", "-H", "accept-encoding: gzip", url], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    run.stdout.on("data", (chunk) => (stdout += chunk));
    run.on("error", reject);
    run.on("close", () => {
      const ms = (label) => {
        const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)`, "m").exec(stdout);
        return m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
      };
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? "0";
      resolve({ rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN), p50: ms("50%"), p90: ms("90%"), p99: ms("99%"), errors: Number(errors) });
    });
  });
}
