import { CHART } from "../charts";
import { INCIDENT_STATUSES } from "../../db/schema";
import { isOpenIncident } from "../../snapshot/build";
import { STATUS_LABELS } from "../../status";

// The component page's script: when the socket brings a component's newest quarter hours and days, it writes
// them into the data tables and redraws both charts from the tables, with the server's geometry (CHART,
// niceMax and linePath in ../charts). Values reach the DOM as text, never as markup.
export const componentScript = () => `(() => {
"use strict";
const root = document.querySelector("[data-latency]");
if (!root) return;
const id = root.getAttribute("data-latency");
const C = ${JSON.stringify(CHART)};
const LABELS = ${JSON.stringify(STATUS_LABELS)}, OPEN = ${JSON.stringify(INCIDENT_STATUSES.filter(isOpenIncident))};
const PW = C.width - C.left - C.right, PH = C.height - C.top - C.bottom;
const r1 = (n) => Math.round(n * 10) / 10;
function niceMax(ms) {
  if (!(ms > 10)) return 10;
  const p = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= ms) return m * p;
  return 10 * p;
}
const formatMs = (ms) => ms >= 1000 ? +(ms / 1000).toFixed(2) + " s" : Math.round(ms) + " ms";
function linePath(values, max) {
  const step = PW / values.length;
  let d = "";
  values.forEach((v, i) => {
    if (v === null) return;
    const x = r1(C.left + (i + 0.5) * step), y = r1(C.top + PH * (1 - Math.min(v, max) / max));
    const joined = i > 0 && values[i - 1] !== null;
    d += (joined ? "L" : "M") + x + " " + y;
    if (!joined && (i === values.length - 1 || values[i + 1] === null)) d += "h0";
  });
  return d;
}
const value = (td) => (!td || td.textContent === "\\u2013" || td.textContent === "" ? null : Number(td.textContent));

function draw(figure) {
  const svg = figure.querySelector("svg.chart");
  const rows = Array.from(figure.querySelectorAll("tbody tr"));
  const p50 = rows.map((r) => value(r.cells[2])), p95 = rows.map((r) => value(r.cells[3]));
  const max = niceMax(Math.max(0, ...rows.map((r, i) => p95[i] ?? p50[i] ?? 0)));
  const step = PW / rows.length;
  const NS = "http://www.w3.org/2000/svg";
  const shades = svg.querySelector(".sh");
  shades.replaceChildren(...rows.flatMap((r, i) => {
    if (r.dataset.s !== "o" && r.dataset.s !== "m") return [];
    const rect = document.createElementNS(NS, "rect");
    for (const [k, v] of Object.entries({ class: "sh-" + r.dataset.s, x: r1(C.left + i * step), y: C.top, width: r1(step), height: PH })) rect.setAttribute(k, v);
    return [rect];
  }));
  svg.querySelectorAll(".grid text").forEach((t, k) => { t.textContent = formatMs(max * [0, 0.5, 1][k]); });
  svg.querySelector(".p95").setAttribute("d", linePath(p95, max));
  svg.querySelector(".p50").setAttribute("d", linePath(p50, max));
  svg.setAttribute("data-max", max);
  // Its summary, as the server words it: the caption, and the chart's title after "response times, ".
  const answered = rows.map((r, i) => [Number(r.cells[1].textContent), p50[i], p95[i]]).filter(([n, a, b]) => n > 0 && a !== null && b !== null);
  const heading = figure.querySelector("h3").textContent;
  const summary = answered.length
    ? heading + ": p50 from " + formatMs(Math.min(...answered.map((x) => x[1]))) + " to " + formatMs(Math.max(...answered.map((x) => x[1]))) + ", p95 up to " + formatMs(Math.max(...answered.map((x) => x[2]))) + "."
    : heading + ": no response times yet.";
  const caption = figure.querySelector("figcaption"), title = svg.querySelector("title");
  if (caption) caption.textContent = summary;
  if (title) title.textContent = title.textContent.replace(/response times, [\\s\\S]*$/, "response times, " + summary);
}

const labels = new Map();
function label(ms, timeZone, day) {
  const key = timeZone + day;
  if (!labels.has(key)) labels.set(key, new Intl.DateTimeFormat("en-US", day ? { timeZone, month: "short", day: "numeric" } : { timeZone, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  return labels.get(key).format(ms);
}
const sizes = new Map();

// One bucket into the table: its row is updated, or new rows (gaps first) are added and the oldest go.
function put(figure, point) {
  const table = figure.querySelector("table.lat");
  const body = table.tBodies[0];
  const day = table.hasAttribute("data-day");
  const span = Number(figure.dataset.span);
  if (!sizes.has(figure)) sizes.set(figure, body.rows.length);
  const addRow = (start) => {
    const row = document.createElement("tr");
    row.dataset.t = String(start);
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label(start, table.dataset.tz || "UTC", day);
    row.append(th);
    for (let i = 0; i < 6; i++) row.append(document.createElement("td"));
    row.cells[1].textContent = "0";
    for (let i = 2; i < 6; i++) row.cells[i].textContent = "\\u2013";
    row.cells[6].textContent = "no data";
    body.append(row);
    return row;
  };
  let row = Array.from(body.rows).find((r) => Number(r.dataset.t) === point.start);
  if (!row) {
    const last = body.rows[body.rows.length - 1];
    if (last && Number(last.dataset.t) > point.start) return;
    let gap = last ? Number(last.dataset.t) + span : point.start;
    for (let n = 0; n < sizes.get(figure) && gap + span / 2 < point.start; n++, gap += span) addRow(gap);
    row = addRow(point.start);
    while (body.rows.length > sizes.get(figure)) body.rows[0].remove();
  }
  if (point.shade === "o" || point.shade === "m") row.dataset.s = point.shade;
  else delete row.dataset.s;
  [point.count, point.p50_ms, point.p95_ms, point.min_ms, point.max_ms].forEach((v, i) => { row.cells[i + 1].textContent = v === null ? "\\u2013" : String(v); });
  row.cells[6].textContent = point.shade === "o" ? "outage" : point.shade === "m" ? "maintenance" : point.count ? "" : "no data";
  draw(figure);
}

const formatUptime = (u) => (u === null || u === undefined ? "no data" : u === 100 ? "100%" : u.toFixed(2) + "%");

// The open incidents said to set its status: kept in step with their updates, one newly about it added.
function incidentMoved(incident) {
  const link = (incident.components || []).find((c) => c.id === id);
  const open = Boolean(link) && OPEN.includes(incident.status);
  const line = root.querySelector('.why [data-incident="' + CSS.escape(incident.id) + '"]') || (open ? whyLine(incident) : null);
  if (!line) return;
  line.hidden = !open;
  if (line.hidden) return;
  line.querySelector("a").textContent = incident.title;
  line.querySelector("[data-state]").textContent = incident.status;
  line.querySelector("[data-sets]").textContent = LABELS[link.status].toLowerCase();
}

// "Open incident: <title> (<status>), which sets it to <status>.", as the server draws it, after the others.
function whyLine(incident) {
  const why = root.querySelector(".why");
  if (!why) return null;
  const line = document.createElement("li");
  line.dataset.incident = incident.id;
  const link = document.createElement("a");
  link.href = "/incidents/" + encodeURIComponent(incident.id);
  link.textContent = incident.title;
  const state = document.createElement("span");
  state.dataset.state = "";
  const sets = document.createElement("span");
  sets.dataset.sets = "";
  line.append("Open incident: ", link, " (", state, "), which sets it to ", sets, ".");
  const before = why.querySelectorAll("[data-incident]");
  if (before.length) before[before.length - 1].after(line);
  else why.prepend(line);
  return line;
}

document.addEventListener("beacon:live", (event) => {
  const msg = event.detail;
  if (msg && msg.data && msg.data.incident && msg.type.startsWith("incident.")) incidentMoved(msg.data.incident);
  // Deleted: it sets nothing any more (the message names only its id).
  if (msg && msg.type === "incident.deleted" && msg.data) incidentMoved({ id: msg.data.id, status: "resolved", components: [] });
  if (!msg || msg.type !== "components.latency" || !msg.data) return;
  const update = (msg.data.components || []).find((c) => c.id === id);
  if (!update) return;
  for (const figure of root.querySelectorAll("figure.latency")) {
    const points = update.points && update.points[figure.dataset.range];
    if (Array.isArray(points)) for (const point of points) put(figure, point);
  }
  const regions = document.querySelector("[data-regions]");
  if (regions && "regions" in update) {
    regions.textContent = update.regions || "";
    regions.hidden = !update.regions;
  }
  // What the checks say and when, in the server's words; the live script says the time in the reader's.
  const checks = root.querySelector("[data-checks]"), said = update.checked;
  if (checks && said) {
    const time = document.createElement("time");
    time.setAttribute("datetime", new Date(said.at).toISOString());
    time.setAttribute("data-rel", "");
    checks.replaceChildren(said.says, ...(said.at ? ["; last checked ", time, said.answer] : []), ".");
  }
  const figures = { "24h": update.uptime_24h, "7d": update.uptime_7d, "30d": update.uptime["30_days"], "60d": update.uptime["60_days"], "90d": update.uptime["90_days"] };
  for (const [key, u] of Object.entries(figures)) {
    const dd = root.querySelector('[data-uptime="' + key + '"]');
    if (dd && u !== undefined) dd.textContent = formatUptime(u);
  }
});
})();
`;
