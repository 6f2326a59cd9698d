#!/usr/bin/env node
// npm run bench:heap: what a warm isolate holds between requests. Seeds the read-path bench's page (a year of
// 1,000 incidents), reads every public endpoint for BENCH_SECONDS, then asks V8 (over the inspector) to
// collect and report the isolate's heap: its size and how many objects the collector has to mark in every
// full collection. Every full collection walks them all; fewer, and the pauses it makes in reads shorten.
// Last, what one warm read allocates, and an empty worker's read in the same runtime process: the rate at
// which reads fill V8's young generation, which decides how large V8 keeps it and how much each of its
// collections has to free at once.
import http from "node:http";
import WebSocket from "ws";
import { readPathDataset } from "./lib/dataset.mjs";
import { startBundled } from "./lib/bundled.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS || 15);
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT || 9330);
const HEADERS = { "accept-encoding": "gzip" };

const dataset = readPathDataset();
const worker = await startBundled(dataset.sql, { inspectorPort: INSPECTOR_PORT });
const id = dataset.componentIds[0];
const endpoints = [
  "/",
  "/api/status",
  "/api/v2/summary.json",
  "/api/status/rss",
  `/api/status/components/${id}`,
  "/api/status/incidents?days=365",
  `/components/${id}`,
  `/api/status/components/${id}/latency?range=24h`,
  `/api/status/components/${id}/latency?range=90d`,
];

/** One inspector session to a worker's isolate (Miniflare names them `core:user:<worker>`). */
async function inspector(worker = "beacon") {
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json();
  const target = targets.find((t) => (t.id ?? t.title ?? "").endsWith(`:user:${worker}`)) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${INSPECTOR_PORT}/${target.id}`);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let next = 0;
  const pending = new Map();
  const listeners = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.id !== undefined) pending.get(message.id)?.(message);
    else listeners.get(message.method)?.(message.params);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    on: (method, listener) => listeners.set(method, listener),
    close: () => ws.close(),
  };
}

/** The heap after a full collection: the number of objects in a heap snapshot, and the bytes used. */
async function heap(session) {
  // workerd streams the snapshot's chunks after its answer: the snapshot is whole once its text parses.
  let text = "";
  const whole = new Promise((resolve) =>
    session.on("HeapProfiler.addHeapSnapshotChunk", ({ chunk }) => {
      text += chunk;
      if (!chunk.endsWith("}")) return;
      try {
        resolve(JSON.parse(text));
      } catch {
        // Not the last chunk yet.
      }
    }),
  );
  // Taking a heap snapshot collects first; the usage read after it is of what survived.
  void session.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  const snapshot = await whole;
  const { usedSize } = await session.send("Runtime.getHeapUsage");
  return { mb: usedSize / 1024 / 1024, objects: snapshot.snapshot.node_count };
}

/**
 * Bytes one read of `url` allocates on the worker's JavaScript heap, averaged over `reads` reads four at a
 * time: V8's sampling heap profiler, sampling every 16 bytes allocated, counting what collections freed too.
 */
async function allocatedPerRead(session, url, reads = 4000) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const read = () => new Promise((resolve, reject) => http.get(url, { agent, headers: HEADERS }, (res) => res.resume().on("end", resolve)).on("error", reject));
  for (let i = 0; i < 200; i++) await read();
  await session.send("HeapProfiler.enable");
  await session.send("HeapProfiler.startSampling", { samplingInterval: 16, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < reads; i += 4) await Promise.all([read(), read(), read(), read()]);
  const { profile } = await session.send("HeapProfiler.stopSampling");
  agent.destroy();
  const total = (node) => node.selfSize + node.children.reduce((sum, child) => sum + total(child), 0);
  return total(profile.head) / reads;
}

try {
  for (const path of endpoints) await (await fetch(worker.origin + path, { headers: HEADERS })).arrayBuffer();
  const session = await inspector();
  const warm = await heap(session);
  // Reads for a while, as a busy page gets them: answered from what the isolate rendered.
  const until = Date.now() + SECONDS * 1000;
  let reads = 0;
  await Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      for (let i = lane; Date.now() < until; i += 4, reads++) await (await fetch(worker.direct + endpoints[i % endpoints.length], { headers: HEADERS })).arrayBuffer();
    }),
  );
  const served = await heap(session);
  const perRead = await allocatedPerRead(session, worker.direct + "/api/status");
  session.close();
  const floor = await inspector("floor");
  const perFloorRead = await allocatedPerRead(floor, worker.floorDirect + "/");
  floor.close();
  console.log(`Seeded: ${Object.entries(dataset.counts).map(([k, v]) => `${v} ${k}`).join(", ")}`);
  console.log(`Right after the first read of each endpoint: ${warm.mb.toFixed(1)} MB of heap, ${warm.objects.toLocaleString("en")} objects`);
  console.log(`After ${reads.toLocaleString("en")} reads over ${SECONDS} s: ${served.mb.toFixed(1)} MB of heap, ${served.objects.toLocaleString("en")} objects`);
  console.log(`One warm read of /api/status allocates ${perRead.toFixed(0)} bytes; one read of an empty worker in the same runtime process, ${perFloorRead.toFixed(0)} bytes`);
} finally {
  await worker.stop();
}
