// A realistic page for the read-path benchmark: 20 components in 4 groups, 90 days of per-minute checks
// rolled up per day (and their response times per quarter hour, hour and day), 1,000 incidents over the last year with 3 updates each, 50 maintenance windows.
import { randomUUID } from "node:crypto";

const DAY = 86_400_000;
const q = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

function inserts(table, columns, rows, perStatement = 200) {
  const out = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows.slice(i, i + perStatement).map((r) => `(${r.map(q).join(", ")})`).join(",\n");
    out.push(`INSERT INTO ${table} (${columns.join(", ")}) VALUES\n${values};`);
  }
  return out.join("\n");
}

/** Deterministic pseudo-random numbers, so every run measures the same data. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function readPathDataset(now = Date.now()) {
  const random = rng(42);
  const groups = ["Core", "Data", "Delivery", "Integrations"].map((name, i) => ({ id: randomUUID(), name, position: i + 1 }));
  const existing = [
    "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001",
    "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002",
    "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003",
    "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0004",
    "2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005",
  ];
  const extra = Array.from({ length: 15 }, (_, i) => ({ id: randomUUID(), name: `Service ${i + 1}`, position: 6 + i }));
  const componentIds = [...existing, ...extra.map((c) => c.id)];

  const sql = [];
  sql.push(inserts("component_groups", ["id", "name", "position"], groups.map((g) => [g.id, g.name, g.position])));
  sql.push(inserts("components", ["id", "name", "description", "position", "check_kind", "monitored"], extra.map((c) => [c.id, c.name, `${c.name} in production`, c.position, "none", 0])));
  for (const [i, id] of componentIds.entries()) sql.push(`UPDATE components SET group_id = ${q(groups[i % 4].id)} WHERE id = ${q(id)};`);
  // Checks observe every component (their rollups follow), as on a page whose cron runs: its pages say so.
  sql.push("UPDATE components SET monitored = 1;");

  const rollups = [];
  for (const id of componentIds) {
    for (let d = 0; d < 90; d++) {
      const day = new Date(now - d * DAY).toISOString().slice(0, 10);
      const major = random() < 0.05 ? Math.floor(random() * 1800) : 0;
      const partial = random() < 0.08 ? Math.floor(random() * 3600) : 0;
      const degraded = random() < 0.1 ? Math.floor(random() * 3600) : 0;
      const worst = major ? "major_outage" : partial ? "partial_outage" : degraded ? "degraded" : "operational";
      rollups.push([id, day, 86_400, degraded, partial, major, 0, 1440, major ? 30 : 0, worst]);
    }
  }
  sql.push(
    inserts(
      "daily_rollups",
      ["component_id", "day", "observed_seconds", "degraded_seconds", "partial_seconds", "major_seconds", "maintenance_seconds", "checks", "failures", "worst_status"],
      rollups,
    ),
  );

  // Response times: quarter hours for the last day, hours for the last week, days for 90 days, each with the
  // histogram the cron writes (bins as in src/uptime/latency.ts), from one sample a minute.
  const EDGES = [10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];
  const latencyRows = [];
  // Its own sequence, so the incidents and maintenance below stay what they were.
  const jitter = rng(7);
  const QUARTER = 15 * 60_000;
  const HOUR = 60 * 60_000;
  for (const [k, id] of componentIds.entries()) {
    const base = 40 + (k % 7) * 25;
    const bucket = (span, start) => {
      const samples = span / 60_000;
      const histogram = new Array(EDGES.length + 1).fill(0);
      let min = Infinity, max = 0, sum = 0;
      for (let i = 0; i < samples; i++) {
        // Mostly near the base, with a long tail.
        const ms = Math.round(base * (0.7 + jitter() * 0.6) * (jitter() < 0.03 ? 3 + jitter() * 10 : 1));
        const bin = EDGES.findIndex((e) => ms < e);
        histogram[bin === -1 ? EDGES.length : bin]++;
        min = Math.min(min, ms);
        max = Math.max(max, ms);
        sum += ms;
      }
      const failed = jitter() < 0.02 ? 1 + Math.floor(jitter() * 3) : 0;
      latencyRows.push([id, span, start, samples, min, max, sum, JSON.stringify(histogram), failed, 0, (samples - failed) * 60, 0, failed * 60]);
    };
    const quarter = Math.floor(now / QUARTER) * QUARTER;
    for (let i = 0; i < 96; i++) bucket(QUARTER, quarter - i * QUARTER);
    const hour = Math.floor(now / HOUR) * HOUR;
    for (let i = 0; i < 168; i++) bucket(HOUR, hour - i * HOUR);
    const day = Math.floor(now / DAY) * DAY;
    for (let i = 0; i < 90; i++) bucket(DAY, day - i * DAY);
  }
  sql.push(
    inserts(
      "latency_rollups",
      ["component_id", "span_ms", "start", "count", "min_ms", "max_ms", "sum_ms", "histogram", "failed_checks", "maintenance_checks", "observed_seconds", "partial_seconds", "major_seconds"],
      latencyRows,
    ),
  );

  const incidents = [];
  const updates = [];
  const links = [];
  const severities = ["minor", "major", "critical"];
  for (let i = 0; i < 1000; i++) {
    const id = randomUUID();
    const started = now - Math.floor(random() * 364 * DAY) - 3600_000;
    const resolved = started + 3 * 3600_000;
    incidents.push([id, `Incident ${i + 1}: elevated error rates & "timeouts" <api>`, "Requests to the service failed intermittently for some customers.", "resolved", severities[i % 3], started, resolved, "A configuration change", "Rolled back the change", started, resolved]);
    ["investigating", "identified", "resolved"].forEach((status, k) => {
      updates.push([randomUUID(), id, status, `Update ${k + 1} on incident ${i + 1}: we are working on it and will post again within the hour.`, null, started + k * 3600_000, started + k * 3600_000]);
    });
    links.push([id, componentIds[i % componentIds.length], "partial_outage"]);
  }
  sql.push(inserts("incidents", ["id", "title", "description", "status", "severity", "started_at", "resolved_at", "root_cause", "resolution", "created_at", "updated_at"], incidents));
  sql.push(inserts("incident_updates", ["id", "incident_id", "status", "message", "estimated_resolution", "created_at", "updated_at"], updates));
  sql.push(inserts("incident_components", ["incident_id", "component_id", "status"], links));

  const maintenances = [];
  const maintenanceLinks = [];
  for (let i = 0; i < 50; i++) {
    const id = randomUUID();
    const start = now + (i - 40) * 7 * DAY;
    const status = start + 2 * 3600_000 < now ? "completed" : "scheduled";
    maintenances.push([id, `Maintenance ${i + 1}`, "Planned upgrade of the underlying infrastructure.", status, start, start + 2 * 3600_000, status === "completed" ? start : null, status === "completed" ? start + 2 * 3600_000 : null, start - DAY, start - DAY]);
    maintenanceLinks.push([id, componentIds[(i * 3) % componentIds.length]]);
  }
  sql.push(inserts("maintenances", ["id", "title", "description", "status", "scheduled_start", "scheduled_end", "started_at", "completed_at", "created_at", "updated_at"], maintenances));
  sql.push(inserts("maintenance_components", ["maintenance_id", "component_id"], maintenanceLinks));

  return { sql: sql.join("\n"), componentIds, counts: { components: componentIds.length, groups: groups.length, incidents: incidents.length, updates: updates.length, maintenances: maintenances.length, rollups: rollups.length, "latency rollups": latencyRows.length } };
}
