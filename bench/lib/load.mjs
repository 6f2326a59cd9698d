// An open-loop load generator: requests are started on a fixed schedule (RATE a second, spread evenly) over
// a pool of keep-alive connections, and each one's latency runs from the moment it was due, not from when a
// connection was free to send it. A stall on the server therefore counts for every request that fell due
// during it, as it would for visitors arriving at that rate, while a closed-loop client (wrk, autocannon)
// simply stops sending. wrk corrects for that by extrapolating samples from the loop's average rate, which at
// saturation turns each pause into hundreds of synthetic samples; a fixed rate below saturation needs none.
import { spawn } from "node:child_process";
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/**
 * Requests `url` at `rate` a second for `seconds`, over at most `connections` sockets. Resolves to the
 * percentiles of latency (ms), what was completed, and failures (network errors and non-2xx/3xx answers).
 */
export async function openLoop(url, { rate, seconds, connections = 50, headers = {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  // Half a second at the same rate first, not recorded: connections opened and the client's code compiled.
  const warmup = Math.round(rate / 2);
  const total = warmup + Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let errors = 0;
  // What failed, by HTTP status or network error code: a count alone says nothing of whose fault it was.
  const failures = {};
  const failed = (kind) => {
    errors++;
    failures[kind] = (failures[kind] ?? 0) + 1;
  };
  const interval = 1000 / rate;
  const start = performance.now() + 50;

  const one = (due, recorded) =>
    new Promise((resolve) => {
      const request = http.get(url, { agent, headers }, (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          if (recorded && res.statusCode >= 400) failed(`HTTP ${res.statusCode}`);
          if (recorded) latencies[done++] = performance.now() - due;
          resolve();
        });
      });
      request.on("error", (error) => {
        if (recorded) failed(error.code ?? error.message);
        resolve();
      });
    });

  // The client's own pauses (its garbage collection, the scheduler) delay what it measures too: reported.
  const clientDelay = monitorEventLoopDelay({ resolution: 1 });
  const inflight = [];
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Everything that fell due since the last tick starts now, stamped with its own due time.
      while (next < total && start + next * interval <= now) {
        if (next === warmup) clientDelay.enable();
        inflight.push(one(start + next * interval, next++ >= warmup));
      }
      if (next < total) setTimeout(tick, Math.max(0, Math.min(5, start + next * interval - now)));
      else resolve();
    };
    setTimeout(tick, 50);
  });
  await Promise.all(inflight);
  clientDelay.disable();
  agent.destroy();

  const sorted = latencies.subarray(0, done).sort();
  const at = (p) => (done ? sorted[Math.min(done - 1, Math.floor(done * p))] : NaN);
  return { rate, done, errors, failures, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: done ? sorted[done - 1] : NaN, clientMaxStall: clientDelay.max / 1e6 };
}

/**
 * openLoop in a child process of its own: the benchmark's process holds the seeded dataset and Miniflare,
 * and a collection of that heap would pause the client mid-run and be counted as the server's latency.
 */
export function openLoopInChild(url, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), url, JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited with ${code}`))));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, options] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await openLoop(url, JSON.parse(options))));
}
