#!/usr/bin/env node
// npm run bench: how close public reads come to the runtime's own ceiling, on a realistic dataset.
// Prints req/s, p50 and p99 per endpoint and its ratio to /healthz measured in the same run, the D1
// statements each warm public request sent, and the time for one broadcast to reach 2,000 sockets.
import autocannon from "autocannon";
import WebSocket from "ws";
import { readPathDataset } from "./lib/dataset.mjs";
import { prepareDatabase, startWorker } from "./lib/worker.mjs";

const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const SOCKETS = Number(process.env.BENCH_SOCKETS || 2000);

const dataset = readPathDataset();
console.log(`Seeding: ${Object.entries(dataset.counts).map(([k, v]) => `${v} ${k}`).join(", ")}`);
const worker = await startWorker(prepareDatabase(dataset.sql));
const { origin } = worker;

const endpoints = [
  "/healthz",
  "/api/status",
  "/api/v2/summary.json",
  "/",
  "/api/status/rss",
  `/api/status/components/${dataset.componentIds[0]}`,
  "/api/status/incidents?days=365",
];

try {
  // Warm every endpoint once (the first read builds and publishes the snapshot), then record how many
  // D1 statements a warm hit sends.
  const queries = {};
  for (const path of endpoints) {
    await fetch(origin + path).then((r) => r.arrayBuffer());
    const res = await fetch(origin + path);
    await res.arrayBuffer();
    queries[path] = { status: res.status, d1: res.headers.get("x-d1-queries"), bytes: Number(res.headers.get("content-length")) || null };
  }

  const rows = [];
  for (const path of endpoints) {
    const result = await autocannon({ url: origin + path, connections: CONNECTIONS, duration: DURATION });
    rows.push({ path, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors });
  }
  const ceiling = rows[0].rps;
  console.log(`\nPublic reads, ${DURATION} s each, ${CONNECTIONS} connections, on 127.0.0.1 (wrangler's local runtime)\n`);
  console.log(["endpoint".padEnd(48), "req/s".padStart(8), "p50 ms".padStart(8), "p99 ms".padStart(8), "x ceiling".padStart(10), "D1/req".padStart(7), "non-2xx".padStart(8)].join(" "));
  for (const r of rows) {
    console.log(
      [
        r.path.slice(0, 48).padEnd(48),
        r.rps.toFixed(0).padStart(8),
        String(r.p50).padStart(8),
        String(r.p99).padStart(8),
        (r.rps / ceiling).toFixed(2).padStart(10),
        String(queries[r.path].status === 200 ? queries[r.path].d1 ?? "?" : `HTTP ${queries[r.path].status}`).padStart(7),
        String(r.non2xx + r.errors).padStart(8),
      ].join(" "),
    );
  }

  console.log(`\nWebSocket fan-out: ${SOCKETS} clients, one incident created by an admin`);
  console.log(await fanOut(origin, worker.adminToken));
} finally {
  await worker.stop();
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
