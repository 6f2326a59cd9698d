#!/usr/bin/env node
// npm run bench:cron: one cron run over 50 HTTP monitors whose targets answer slowly (300-790 ms each).
// The checks run concurrently, so the run should cost about the slowest check, not the sum of them.
// Prints the run's wall time next to the slowest single check.
import { createServer } from "node:http";
import { prepareDatabase, startWorker } from "./lib/worker.mjs";

const MONITORS = Number(process.env.BENCH_MONITORS || 50);
const delayFor = (i) => 300 + ((i * 37) % 50) * 10; // spread over 300..790 ms, the same every run

const served = [];
const server = createServer((req, res) => {
  const i = Number(new URL(req.url, "http://x").pathname.split("/").pop());
  const delay = delayFor(i);
  served.push(delay);
  setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok"), delay);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const targetOrigin = `http://127.0.0.1:${server.address().port}`;

const worker = await startWorker(prepareDatabase());
const { origin } = worker;
try {
  const token = await worker.adminToken();
  const ids = [];
  for (let i = 0; i < MONITORS; i++) {
    const res = await fetch(`${origin}/api/status/components`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `Service ${i + 1}`, monitor: { type: "http", url: `${targetOrigin}/svc/${i}`, timeout_ms: 10_000 } }),
    });
    if (res.status !== 201) throw new Error(`creating a monitor: ${res.status} ${await res.text()}`);
    ids.push((await res.json()).id);
  }

  const started = performance.now();
  const cron = await fetch(`${origin}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
  await cron.arrayBuffer();
  const wallMs = performance.now() - started;
  if (!cron.ok) throw new Error(`scheduled handler: HTTP ${cron.status}`);

  const status = await (await fetch(`${origin}/api/status`, { headers: { "cache-control": "no-cache" } })).json();
  const monitored = status.components.filter((c) => ids.includes(c.id));
  const latencies = monitored.map((c) => c.latency_ms).filter((ms) => typeof ms === "number");
  const slowest = Math.max(...latencies);
  const sum = latencies.reduce((a, b) => a + b, 0);
  const statuses = monitored.reduce((acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }), {});

  console.log(`\nOne cron run over ${MONITORS} HTTP monitors (targets answer in ${Math.min(...served)}-${Math.max(...served)} ms), on 127.0.0.1`);
  console.log(`  checks recorded        ${latencies.length} of ${MONITORS} (${Object.entries(statuses).map(([s, n]) => `${n} ${s}`).join(", ")})`);
  console.log(`  run wall time          ${wallMs.toFixed(0)} ms`);
  console.log(`  slowest single check   ${slowest} ms`);
  console.log(`  sum of all checks      ${sum} ms (what running them one by one would cost)`);
  console.log(`  wall / slowest         ${(wallMs / slowest).toFixed(2)}`);
} finally {
  await worker.stop();
  server.close();
}
