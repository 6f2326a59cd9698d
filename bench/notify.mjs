#!/usr/bin/env node
// npm run bench:notify: one 10,000-character incident update to 10,000 confirmed email subscribers (then its
// resolution, after the incident left their component),
// delivered through the real queue consumer to a local fake Resend. Prints how many Resend API calls were
// made, how many emails they carried, the wall time from the admin's update to the last email accepted,
// and workerd's peak memory while it fanned out and sent (production gives an isolate 128 MB; workerd
// locally enforces nothing, so the peak is measured).
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { prepareDatabase, startWorker } from "./lib/worker.mjs";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS || 10_000);
const MESSAGE = "A bad deploy; rolling back now. ".repeat(313).slice(0, 10_000);

/** workerd processes started by this script (wrangler runs them as its children). */
function workerdPids() {
  const parentOf = new Map();
  const named = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
      if (comm.startsWith("workerd")) named.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parentOf.get(p) ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  return named.filter(descends);
}
const statusKb = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const API_COMPONENT = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001";

// The fake Resend: counts calls and emails, answers like the real API (an id per email).
const calls = { batch: 0, single: 0, emails: 0, updateEmails: 0, resolvedEmails: 0, keys: new Set() };
let firstAcceptedAt = 0;
let lastAcceptedAt = 0;
const server = createServer((req, res) => {
  let raw = "";
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    const body = JSON.parse(raw || "null");
    const emails = Array.isArray(body) ? body : [body];
    if (req.url === "/emails/batch") calls.batch++;
    else calls.single++;
    calls.keys.add(req.headers["idempotency-key"]);
    calls.emails += emails.length;
    calls.updateEmails += emails.filter((e) => e.subject?.includes("Update:") && e.text?.includes(MESSAGE)).length;
    calls.resolvedEmails += emails.filter((e) => e.subject?.includes("Resolved:")).length;
    lastAcceptedAt = performance.now();
    firstAcceptedAt ||= lastAcceptedAt;
    const ids = emails.map(() => ({ id: randomUUID() }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(body) ? { data: ids } : ids[0]));
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const resendUrl = `http://127.0.0.1:${server.address().port}`;

// Every subscriber follows the API component only: the incident opens on the Database (reaching nobody),
// and the measured update moves it to the API, so exactly one event goes to all of them.
const DATABASE_COMPONENT = "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002";
const now = Date.now() - 60_000;
const subscriberRows = [];
const followRows = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const id = randomUUID();
  subscriberRows.push(`('${id}', 'email', 'reader${i}@bench.example', 'active', 0, 0, ${now}, ${now}, ${now})`);
  followRows.push(`('${id}', '${API_COMPONENT}')`);
}
const seed = [];
for (let i = 0; i < SUBSCRIBERS; i += 500) {
  seed.push(`INSERT INTO subscribers (id, channel, address, status, all_components, component_changes, created_at, updated_at, confirmed_at) VALUES\n${subscriberRows.slice(i, i + 500).join(",\n")};`);
  seed.push(`INSERT INTO subscriber_components (subscriber_id, component_id) VALUES\n${followRows.slice(i, i + 500).join(",\n")};`);
}

console.log(`Seeding ${SUBSCRIBERS.toLocaleString("en")} confirmed email subscribers...`);
const worker = await startWorker(prepareDatabase(seed.join("\n")), { RESEND_API_KEY: "re_bench", EMAIL_FROM: "Status <status@bench.example>", RESEND_API_URL: resendUrl, PAGE_URL: "https://status.bench.example" });
const { origin } = worker;
const admin = async (path, body) => {
  const res = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await worker.adminToken()}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

try {
  const incident = await admin("/api/status/incidents/create", { title: "Elevated API errors", severity: "major", affected_components: [DATABASE_COMPONENT] });
  await new Promise((r) => setTimeout(r, 3_000));
  if (calls.emails) throw new Error("the incident's creation should reach nobody");

  const pids = workerdPids();
  const baselineKb = pids.reduce((sum, pid) => sum + statusKb(pid, "VmRSS"), 0);
  // Resets each process's high-water mark (VmHWM) to its current size, so the peak below is this update's.
  for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, "5");

  const started = performance.now();
  await admin(`/api/status/incidents/${incident.id}/updates`, { status: "identified", message: MESSAGE, affected_components: [API_COMPONENT], estimated_resolution: new Date(Date.now() + 3600_000).toISOString() });
  const deadline = started + 10 * 60_000;
  while (calls.updateEmails < SUBSCRIBERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const elapsed = (lastAcceptedAt - started) / 1000;
  const peakKb = pids.reduce((sum, pid) => sum + statusKb(pid, "VmHWM"), 0);

  // What the admin sees once the queue has settled.
  await new Promise((r) => setTimeout(r, 2_500));
  const list = await (await fetch(`${origin}/api/status/notifications?limit=1`, { headers: { authorization: `Bearer ${await worker.adminToken()}` } })).json();

  console.log(`\nOne ${MESSAGE.length.toLocaleString("en")}-character incident update to ${SUBSCRIBERS.toLocaleString("en")} email subscribers (local fake Resend):`);
  console.log(`  Resend API calls:      ${calls.batch + calls.single} (${calls.batch} batch, ${calls.single} single), ${calls.keys.size} distinct idempotency keys`);
  console.log(`  emails accepted:       ${calls.updateEmails.toLocaleString("en")} for the update, ${calls.emails.toLocaleString("en")} in total`);
  console.log(`  wall time:             ${elapsed.toFixed(1)} s from the admin's update to the last email accepted`);
  console.log(`  first email after:     ${((firstAcceptedAt - started) / 1000).toFixed(1)} s (fan-out writes and queues 500 deliveries at a time)`);
  console.log(`  deliveries by status:  ${JSON.stringify(list.delivery_counts)}`);
  const mb = (kb) => (kb / 1024).toFixed(0);
  console.log(`  workerd memory:        ${mb(baselineKb)} MB before the update, peak ${mb(peakKb)} MB while fanning out and sending: +${mb(peakKb - baselineKb)} MB per ${SUBSCRIBERS.toLocaleString("en")} subscribers`);

  // The incident leaves the API (the update reaches nobody: no subscriber follows the Database), then
  // resolves: everyone told of it hears it ended, found through the deliveries of its earlier events.
  await admin(`/api/status/incidents/${incident.id}/updates`, { status: "monitoring", message: "The API is back.", affected_components: [DATABASE_COMPONENT] });
  await new Promise((r) => setTimeout(r, 3_000));
  const resolveStarted = performance.now();
  await admin(`/api/status/incidents/${incident.id}/resolve`, { root_cause: "A bad deploy", resolution: "Rolled back" });
  while (calls.resolvedEmails < SUBSCRIBERS && performance.now() < resolveStarted + 10 * 60_000) await new Promise((r) => setTimeout(r, 100));
  console.log(`  resolution:            ${calls.resolvedEmails.toLocaleString("en")} emails, to subscribers who no longer follow its component, in ${((lastAcceptedAt - resolveStarted) / 1000).toFixed(1)} s`);
  if (calls.updateEmails !== SUBSCRIBERS || calls.resolvedEmails !== SUBSCRIBERS) process.exitCode = 1;
} finally {
  await worker.stop();
  server.close();
}
