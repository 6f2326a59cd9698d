import { OVERALL_LABELS, STATUS_LABELS } from "../../status";
import { COMPONENT_TAGS, SMS_CODE_SENT, SUBSCRIBE_CODE_FIELDS, SUBSCRIBE_CODE_STEP, SUBSCRIBE_TYPED_FIELDS, subscribeErrorId } from "../format";

// The page's only script: plain JavaScript, no build step. The server-rendered page is complete without it;
// this keeps it current over the StatusHub socket, shows times in the reader's zone, lets a bar be walked
// with the arrow keys and sends the subscribe form as JSON. Admin text reaches the DOM as textContent, or as
// the HTML the server rendered from it (the sanitized Markdown subset), never as HTML of its own.
export const liveScript = () => `(() => {
"use strict";
const LABELS = ${JSON.stringify(STATUS_LABELS)};
const OVERALL = ${JSON.stringify(OVERALL_LABELS)};
const CODE_FIELDS = ${JSON.stringify(SUBSCRIBE_CODE_FIELDS)};
const TYPED_FIELDS = ${JSON.stringify(Object.fromEntries(SUBSCRIBE_TYPED_FIELDS.map((f) => [f, subscribeErrorId(f)])))};
const CODE_ERROR = "${subscribeErrorId("code")}";
const TAGS = ${JSON.stringify(COMPONENT_TAGS)};
const RANK = { operational: 0, under_maintenance: 1, degraded: 2, partial_outage: 3, major_outage: 4 };
const OPEN = ["investigating", "identified", "monitoring"];
const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) node.setAttribute(k, v);
  for (const child of children || []) if (child != null) node.append(child);
  return node;
}
const iso = (ms) => new Date(ms).toISOString();
const timeEl = (ms, rel) => paintTime(el("time", { datetime: iso(ms), "data-rel": rel ? "" : null }, [iso(ms)]));

// Times: the server writes UTC (or the page's zone); the reader sees their own, and how long ago.
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
function ago(ms) {
  const s = (ms - Date.now()) / 1000, a = Math.abs(s);
  const [unit, per] = a < 60 ? ["second", 1] : a < 3600 ? ["minute", 60] : a < 86400 ? ["hour", 3600] : ["day", 86400];
  return relative.format(Math.round(s / per), unit);
}
function paintTime(t) {
  const ms = Date.parse(t.getAttribute("datetime"));
  if (Number.isNaN(ms)) return t;
  const text = absolute.format(ms);
  t.textContent = t.hasAttribute("data-rel") && Math.abs(Date.now() - ms) < 7 * 86400000 ? text + " (" + ago(ms) + ")" : text;
  return t;
}
const paintTimes = () => $$("time[datetime]").forEach(paintTime);

// Only what changed is written: the banner is a live region (the same words rewritten are read out again).
function setStatus(node, status, labels) {
  if (!node) return;
  const name = node.className.replace(/\\bs-[a-z_]+/, "s-" + status);
  if (node.className !== name) node.className = name;
  const text = (labels || LABELS)[status] || status;
  if (node.textContent !== text) node.textContent = text;
}

// What a message changed, in words, for screen readers (#announce is a polite status region): news only. An
// incident.updated is news when it brings a new update (one never edited since it was posted); an update's
// text corrected, a start moved or a postmortem published are drawn, not said.
const SAID = { created: "New incident", resolved: "Resolved", scheduled: "Maintenance scheduled", started: "Maintenance in progress", completed: "Maintenance completed", cancelled: "Maintenance cancelled" };
function announce(type, d) {
  const region = $("#announce"), x = d.incident || d.maintenance, move = type.split(".")[1];
  if (!region || !x) return;
  if (type === "incident.updated") {
    if ((d.updates || []).some((u) => u.updated_at === u.created_at)) region.textContent = "Update on " + x.title + ": " + x.status;
  } else if (SAID[move]) region.textContent = SAID[move] + ": " + x.title;
}

function setOverall(status) {
  const banner = $("#banner");
  if (banner) {
    banner.className = banner.className.replace(/\\bb-[a-z_]+/, "b-" + status);
    setStatus($("#overall"), status, OVERALL);
  }
  const icon = $("link[rel=icon]");
  if (icon) icon.href = icon.getAttribute("href").replace(/favicon-[a-z_]+\\./, "favicon-" + status + ".");
}

// The banner names each open incident, worst first, as the active incidents section lists them.
const SEVERITY = { critical: 3, major: 2, minor: 1, none: 0 };
function syncBannerIncidents() {
  const line = $("#banner-incidents");
  const section = document.getElementById("active-incidents");
  if (!line || !section) return;
  const links = $$("[data-incident]", section).map((article) => {
    const a = $("h3 a", article);
    return { href: a.getAttribute("href"), title: a.textContent, severity: article.getAttribute("data-severity") || "none" };
  }).sort((x, y) => (SEVERITY[y.severity] || 0) - (SEVERITY[x.severity] || 0));
  const nodes = [];
  links.forEach((l, n) => {
    if (n) nodes.push(" \u00b7 ");
    nodes.push(el("a", { href: l.href, "data-severity": l.severity }, [l.title]));
  });
  line.replaceChildren(...nodes);
  line.hidden = !links.length;
}

// Bars and the uptime figures beside them are drawn by the server alone, as a reload draws them: when a
// component's read otherwise (components.days names it) they are drawn again from its markup, and so they are
// when a message is heard past the bars' last day (data-day-ends, by the latest message's server time).
let heardAt = 0;
function barsEndBeforeToday() {
  const bars = $("[data-day-ends]");
  return !!bars && heardAt >= Number(bars.getAttribute("data-day-ends"));
}
const row = (id) => $('[data-component="' + CSS.escape(id) + '"]');
function setComponent(id, status) {
  const shown = row(id);
  if (!shown) return;
  setStatus($(".st", shown), status);
  const group = shown.closest("[data-group]");
  if (group) {
    let worst = "operational";
    for (const s of $$(".comp .st", group)) {
      const m = /s-([a-z_]+)/.exec(s.className);
      if (m && RANK[m[1]] > RANK[worst]) worst = m[1];
    }
    setStatus($("summary .st", group), worst);
  }
}

// Admin text as the server renders it (its sanitized Markdown subset), as a reload would show it; as plain
// text when a message carries no rendering.
function written(text, html) {
  if (typeof html !== "string") return el("p", {}, [text]);
  const box = el("div", { class: "md" });
  box.innerHTML = html;
  return box;
}

function updateItem(u) {
  return el("li", { id: "update-" + u.id, "data-update": u.id, "data-at": String(u.created_at) }, [el("strong", {}, [u.status]), " ", timeEl(u.created_at, true), written(u.message, u.message_html)]);
}

const impact = (s) => (s == "none" ? "no" : s) + " impact";
// A card from the incident's summary; messages carry only new or edited updates, merged in.
function incidentArticle(i, updates, old) {
  const items = new Map(old ? $$(".timeline li[data-update]", old).map((li) => [li.getAttribute("data-update"), li]) : []);
  for (const u of updates || []) items.set(u.id, updateItem(u));
  const timeline = [...items.values()].sort((a, b) => Number(b.getAttribute("data-at")) - Number(a.getAttribute("data-at")));
  return el("article", { class: "card incident", "data-incident": i.id, "data-severity": i.severity, "data-start": String(i.started_at) }, [
    el("h3", {}, [el("a", { href: "/incidents/" + encodeURIComponent(i.id) }, [i.title])]),
    el("p", { class: "meta" }, [el("span", { class: "sev" }, [impact(i.severity)]), " \u00b7 ", el("span", { class: "sev" }, [i.status]), " \u00b7 started ", timeEl(i.started_at, true)]
      .concat(i.automatic ? [" \u00b7 ", el("span", { class: "auto" }, ["Detected automatically"])] : [])),
    i.eta ? el("p", { class: "meta" }, ["Estimated resolution: ", timeEl(i.eta)]) : null,
    i.components.length ? el("p", { class: "affected" }, ["Affects: " + i.components.map((c) => c.name).join(", ")]) : null,
    el("ol", { class: "timeline" }, timeline),
  ]);
}

const incidentCard = (id) => $('#active-incidents [data-incident="' + CSS.escape(id) + '"]');

// A deleted incident leaves the recently resolved, and so does one open again (the checks reopened it); when
// it was listed there, the server's list (which takes the next one in its place) is drawn again.
function dropResolved(id, version) {
  const line = $('#resolved [data-line="' + CSS.escape(id) + '"]');
  if (line) {
    line.remove();
    redraw(version, null);
  }
}

function maintenanceArticle(m) {
  return el("article", { class: "card maint", "data-maintenance": m.id, "data-start": String(m.started_at || m.scheduled_start) }, [
    el("h3", {}, [el("a", { href: "/maintenance/" + encodeURIComponent(m.id) }, [m.title])]),
    el("p", { class: "meta" }, [m.status === "in_progress" ? "In progress" : "Scheduled", " \u00b7 ", timeEl(m.started_at || m.scheduled_start), " to ", timeEl(m.scheduled_end)]),
    m.components.length ? el("p", { class: "affected" }, ["Affects: " + m.components.map((c) => c.name).join(", ")]) : null,
    m.description ? written(m.description, m.description_html) : null,
  ]);
}

// Where the server puts it: incidents newest start first, maintenance soonest first (data-start: when it
// started, or is planned to).
function placeByStart(list, node, newestFirst) {
  const start = +node.dataset.start, sign = newestFirst ? 1 : -1;
  list.insertBefore(node, [...list.children].find((c) => c !== node && sign * (start - c.dataset.start) > 0) || null);
}

// A resolved incident joins the recently resolved list where its start puts it (its line drawn anew when it is
// there already), and the list keeps its length: one that starts before the five listed stays out of it.
function addResolved(i, version) {
  const list = $("#resolved ul");
  if (!list) return;
  const old = $('[data-line="' + CSS.escape(i.id) + '"]', list);
  if (old) old.remove();
  const line = el("li", { "data-line": i.id, "data-start": String(i.started_at) }, [
    el("a", { href: "/incidents/" + encodeURIComponent(i.id) }, [i.title]),
    el("div", { class: "meta" }, [el("span", { class: "sev" }, [impact(i.severity)]), " \u00b7 ", el("span", { class: "sev" }, [i.status]), " \u00b7 ",
      timeEl(i.started_at), i.resolved_at ? " to " : null, i.resolved_at ? timeEl(i.resolved_at) : null]),
  ]);
  placeByStart(list, line, true);
  // Listed, and now last of five: one the list does not hold may start after it, which the server's list says.
  if (old && list.children.length > 4 && !line.nextSibling) redraw(version, null);
  while (list.children.length > 5) list.lastElementChild.remove();
  list.hidden = false;
  const empty = $("#resolved p.muted");
  if (empty) empty.hidden = true;
}

// Puts, replaces or removes one article in a section's list, and hides the section when it is empty.
function upsert(sectionId, attr, id, article) {
  const section = document.getElementById(sectionId);
  if (!section) return;
  const list = $(".list", section);
  const old = $("[" + attr + '="' + CSS.escape(id) + '"]', list);
  if (old) old.remove();
  if (article) placeByStart(list, article, sectionId === "active-incidents");
  section.hidden = !list.children.length;
}

function replaceAll(sectionId, attr, items, render) {
  const section = document.getElementById(sectionId);
  if (!section) return;
  const keep = new Set(items.map((x) => x.id));
  for (const node of $$("[" + attr + "]", section)) if (!keep.has(node.getAttribute(attr))) node.remove();
  for (const item of [...items].reverse()) upsert(sectionId, attr, item.id, render(item));
  section.hidden = !$(".list", section).children.length;
}

// The tags beside a component's name, redrawn from the table the server draws them with (COMPONENT_TAGS).
function setTags(c) {
  const name = $('[data-component="' + CSS.escape(c.id) + '"] .comp-name');
  if (!name || typeof c.monitored !== "boolean") return;
  for (const tag of $$(".tag", name)) tag.remove();
  for (const t of TAGS) if (c[t.field] === t.shownWhen) name.append(el("span", { class: "tag" }, [t.label]));
}

// Removed components leave the page and statuses and tags move at once; the rest (a component added,
// renamed, described or moved, a group renamed) comes with the server's markup, drawn again.
function componentsChanged(components, removed, version) {
  const keep = new Set(components.map((c) => c.id));
  // Rows of the list; a component's own page keeps its header when the component is deleted (and says so).
  for (const row of $$(".comp[data-component]")) {
    const id = row.getAttribute("data-component");
    if (keep.has(id) || (removed && !removed.includes(id))) continue;
    const group = row.closest("[data-group]");
    row.remove();
    if (group && !$("[data-component]", group)) group.remove();
  }
  for (const c of components) setComponent(c.id, c.status);
  for (const c of components) setTags(c);
  // The subscribe form offers them all, by name and in page order, on the home page (which lists them too)
  // and on a component's page: any change to the list draws it again.
  if (removed && !removed.some(row) && $('[data-redraw="picker"]')) redraw(version, $("[data-watch]") ? "[data-watch]" : "#reload-note");
}

function apply(msg) {
  const d = msg.data || {};
  if (msg.at) heardAt = msg.at;
  if (barsEndBeforeToday()) redraw(drawnVersion(), null);
  switch (msg.type) {
    case "snapshot":
      componentsChanged(d.components || [], null, d.version);
      // Drawn from an older snapshot than the socket's (a reconnect too late to replay what it missed, or an
      // isolate a tick behind): what no message will bring again is drawn anew.
      if ($("[data-redraw]") && Number(d.version) > drawnVersion()) redraw(d.version, $("[data-watch]") ? "[data-watch]" : "#reload-note");
      replaceAll("active-incidents", "data-incident", d.active_incidents || [], (i) => incidentArticle(i, i.updates, null));
      replaceAll("maintenance", "data-maintenance", d.maintenances || [], maintenanceArticle);
      break;
    case "component.status": setComponent(d.id, d.status); break;
    case "components.changed": componentsChanged(d.components, d.removed || [], msg.version); break;
    case "components.days": if (d.ids.some(row)) redraw(msg.version, null); break;
    case "incident.created":
    case "incident.updated":
    case "incident.resolved": {
      const open = OPEN.includes(d.incident.status);
      upsert("active-incidents", "data-incident", d.incident.id, open ? incidentArticle(d.incident, d.updates, incidentCard(d.incident.id)) : null);
      // Resolved now, or edited since (a title, a start): its line as a reload draws it, where its start puts it.
      if (!open) addResolved(d.incident, msg.version);
      else dropResolved(d.incident.id, msg.version);
      break;
    }
    case "incident.deleted": upsert("active-incidents", "data-incident", d.id, null); dropResolved(d.id, msg.version); break;
    case "maintenance.deleted": upsert("maintenance", "data-maintenance", d.id, null); break;
    default:
      if (msg.type.startsWith("maintenance.")) {
        const m = d.maintenance;
        upsert("maintenance", "data-maintenance", m.id, m.status === "scheduled" || m.status === "in_progress" ? maintenanceArticle(m) : null);
      }
  }
  if (d.overall_status) setOverall(d.overall_status);
  syncBannerIncidents();
  announce(msg.type, d);
  redrawIfWatched(msg);
}

// Pages whose messages do not carry all they draw (an incident's or a window's page, the history, a
// component's incidents) draw those parts again from the server's markup when what they watch changes.
// Whether a component page's own component is monitored, as the socket last said: gaining or losing that adds
// or drops its charts, which the page does not draw live, so it asks for a reload.
let monitored;
function redrawIfWatched(msg) {
  const note = $("[data-watch]"), d = msg.data || {}, type = msg.type;
  if (!note) return;
  const [kind, id] = note.getAttribute("data-watch").split(":");
  const c = (d.components || []).find((x) => x.id === id);
  // Its own incident, window or component deleted (a component is missing from the list a snapshot brings):
  // nothing to draw again, and a reload would find nothing.
  if (type === kind + ".deleted" ? d.id === id : type === "snapshot" ? kind === "component" && !c : (d.removed || []).includes(id)) {
    note.textContent = "This " + kind + " was deleted.";
    return void (note.hidden = false);
  }
  if (type === "snapshot") return void (monitored = c ? c.monitored : undefined);
  const x = d.incident || d.maintenance;
  // An incident or window the page links to matters to it, about its component or no longer (edited away,
  // or deleted); a change to another component is not its news.
  const linked = (thing) => !!$('a[href$="/' + CSS.escape(thing) + '"]');
  const hit =
    // A component it names renamed (an incident's or a window's affected components).
    (type === "components.changed" && (d.changed || []).some(linked)) ||
    (kind === "incidents" ? type.startsWith("incident.") :
    kind === "incident" || kind === "maintenance" ? type.startsWith(kind + ".") && (x ? x.id : d.id) === id :
    kind === "component" && ((x && ((x.components || []).some((c) => c.id === id) || linked(x.id))) || (type.endsWith(".deleted") && linked(d.id)) || (type === "components.changed" && (d.changed || []).includes(id))));
  const charts = type === "components.changed" && c && monitored !== undefined && c.monitored !== monitored;
  if (type === "components.changed" && c) monitored = c.monitored;
  if (charts) note.hidden = false;
  else if (hit) redraw(msg.version, "[data-watch]");
}

// Draws the page's data-redraw regions again from a fresh copy of the page at least as new as the change heard of
// (an isolate may answer from a snapshot a second older than the socket's news, so a copy too old is asked
// for again, and so is one the server could not give: no answer, 429 or 5xx). The first fetch waits a random
// moment, so that every open page does not ask in the same instant. One fetch at a time; news arriving
// meanwhile is waited for too. If no copy comes, the note (a selector) says to reload.
// A copy is taken only if it is at least as new as every message the page has drawn meanwhile too (a
// status drawn in place must not be put back by an older copy's markup).
let redrawing = false, wanted = 0, applied = 0;
const notes = new Set();
function drawnVersion() {
  const live = $("#live");
  return live ? Number(live.getAttribute("data-version")) || 0 : 0;
}
function redraw(version, note) {
  wanted = Math.max(wanted, Number(version) || 0);
  if (note) notes.add(note);
  if (redrawing) return;
  redrawing = true;
  (async () => {
    for (let tries = 0, after = 0; tries < 6; tries++) {
      await new Promise((resume) => setTimeout(resume, Math.max(after, tries ? 500 * tries : 200) + Math.random() * 600));
      const res = await fetch(location.href, { cache: "no-store", headers: { accept: "text/html" } }).catch(() => null);
      // No answer, too many requests or a server briefly unavailable: asked again, when it says if it says (up
      // to 10 s). Any other refusal will not change by asking.
      after = Math.min(10, +(res && res.headers.get("retry-after")) || 0) * 1e3;
      if (!res || res.status === 429 || res.status >= 500) continue;
      if (!res.ok) return false;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const stamp = $("#live", doc), got = stamp ? Number(stamp.getAttribute("data-version")) : NaN;
      // Nothing runs between this check and the swap: no message can slip in between.
      if (!(got >= Math.max(wanted, applied, drawnVersion()))) continue;
      if (!swapRegions(doc)) return false;
      const live = $("#live");
      if (live) live.setAttribute("data-version", String(got));
      return true;
    }
    return false;
  })().catch(() => false).then((done) => {
    redrawing = false;
    if (!done) for (const note of notes) { const shown = $(note); if (shown) shown.hidden = false; }
    notes.clear();
  });
}

// The same input in another copy of a region: by name, type and value (a box without a value reads "on").
const twin = (root, input) => $$("input", root).find((i) => i.name === input.name && i.type === input.type && i.value === input.value);

// Where the reader's focus was in a region, as a finder of the same place in its fresh copy.
function focusFinder(region) {
  const f = document.activeElement;
  if (!f || !region.contains(f)) return null;
  if (f.id) return (root) => $("#" + CSS.escape(f.id), root);
  if (f.matches("input")) return (root) => twin(root, f);
  if (f.matches("a[href]")) return (root) => $('a[href="' + CSS.escape(f.getAttribute("href")) + '"]', root);
  const row = f.closest("[data-component]"), group = f.closest("[data-group]");
  // A day in a component's bar (a row's on the front page, the large one on its own page).
  if (f.matches(".bar li")) return (root) => $((row ? '[data-component="' + CSS.escape(row.getAttribute("data-component")) + '"] ' : "") + ".bar li:nth-child(" + ([...f.parentNode.children].indexOf(f) + 1) + ")", root);
  if (group && f.matches("summary")) return (root) => $('[data-group="' + CSS.escape(group.getAttribute("data-group")) + '"] > summary', root);
  return null;
}

// Each region is replaced by its fresh copy, with what the reader ticked kept, the live line (and its
// state) kept as it is, times in the reader's zone and the bars' keys working.
function swapRegions(doc) {
  const regions = $$("[data-redraw]");
  const fresh = regions.map((r) => $('[data-redraw="' + CSS.escape(r.getAttribute("data-redraw")) + '"]', doc));
  if (!regions.length || fresh.some((f) => !f)) return false;
  regions.forEach((old, n) => {
    const next = document.adoptNode(fresh[n]);
    for (const box of $$("input[type=checkbox], input[type=radio]", next)) {
      const was = twin(old, box);
      if (was) box.checked = was.checked;
    }
    // Groups stay open or closed as the reader left them.
    for (const group of $$("details[data-group]", next)) {
      const was = $('details[data-group="' + CSS.escape(group.getAttribute("data-group")) + '"]', old);
      if (was) group.open = was.open;
    }
    const stamp = $("#live", next), live = $("#live", old);
    if (stamp && live) stamp.replaceWith(live);
    const find = focusFinder(old);
    old.replaceWith(next);
    $$("time[datetime]", next).forEach(paintTime);
    for (const hint of $$("[data-js]", next)) hint.hidden = false;
    wireBars(next);
    const again = find && find(next);
    if (again) {
      // A bar's day keeps its place as the bar's one tab stop.
      if (again.matches(".bar li")) for (const cell of again.parentNode.children) cell.setAttribute("tabindex", cell === again ? "0" : "-1");
      again.focus({ preventScroll: true });
    }
  });
  if (doc.title) document.title = doc.title;
  syncBannerIncidents();
  return true;
}

// The live socket: jittered exponential backoff, and catch-up with ?since= on every reconnect.
const stamp = $("#live");
let lastSeq = null, attempt = 0, socket = null, pingTimer = null, pongTimer = null, retryTimer = null;
let lastUpdate = stamp && stamp.querySelector("time") ? Date.parse(stamp.querySelector("time").getAttribute("datetime")) : Date.now();

function showState(state) {
  const live = $("#live");
  if (!live) return;
  live.dataset.state = state;
  const label = state === "live" ? "Live" : state === "offline" ? "Offline" : "Reconnecting\u2026";
  live.replaceChildren(el("span", { class: "dot", "aria-hidden": "true" }), label + " \u00b7 updated ", timeEl(lastUpdate, true));
}

function connect() {
  if (!window.WebSocket) return;
  clearTimeout(retryTimer);
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/status/live" + (lastSeq !== null ? "?since=" + lastSeq : "");
  let ws;
  try { ws = new WebSocket(url); } catch { return retry(); }
  socket = ws;
  ws.onmessage = (event) => {
    clearTimeout(pongTimer);
    if (event.data === "pong") return;
    let msg;
    try { msg = JSON.parse(event.data); } catch { return; }
    if (!msg || typeof msg.type !== "string") return;
    attempt = 0;
    if (msg.type !== "snapshot" && lastSeq !== null) {
      if (msg.seq <= lastSeq) return;
      if (msg.seq > lastSeq + 1) {
        ws.send(JSON.stringify({ type: "resume", since: lastSeq }));
        return;
      }
    }
    const version = Number(msg.type === "snapshot" && msg.data ? msg.data.version : msg.version);
    if (version > applied) applied = version;
    // One the page cannot draw, the server draws: the page keeps in step with the socket.
    if (msg.type !== "snapshot" || msg.data) try { apply(msg); } catch { redraw(version, "#reload-note"); }
    document.dispatchEvent(new CustomEvent("beacon:live", { detail: msg }));
    // Every time on the page is said again with what a message drew (here, or by a page's own script): drawn
    // at other moments, "how long ago" would disagree between them.
    paintTimes();
    if (typeof msg.seq === "number") lastSeq = msg.seq;
    if (msg.type !== "snapshot" && msg.at) lastUpdate = msg.at;
    else if (msg.data && msg.data.generated_at) lastUpdate = msg.data.generated_at;
    showState("live");
  };
  ws.onopen = () => {
    showState("live");
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (ws.readyState !== 1) return;
      ws.send("ping");
      pongTimer = setTimeout(() => ws.close(), 10000);
    }, 25000);
  };
  ws.onclose = () => {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    if (socket === ws) retry();
  };
}

function retry() {
  showState(navigator.onLine === false ? "offline" : "reconnecting");
  const ceiling = Math.min(30000, 1000 * 2 ** attempt++);
  retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2);
}

window.addEventListener("online", () => { attempt = 0; if (!socket || socket.readyState > 1) connect(); });

// Bars: one tab stop each; the arrow keys, Home and End move between days (said only where this runs).
for (const note of $$("[data-js]")) note.hidden = false;
function wireBars(root) {
  for (const bar of $$(".bar", root)) {
    const cells = $$("li", bar);
    cells.forEach((cell, i) => cell.setAttribute("tabindex", i === cells.length - 1 ? "0" : "-1"));
    bar.addEventListener("keydown", (event) => {
      // On narrow screens the oldest 60 days are drawn 1 px wide: kept for screen readers, skipped here.
      const visible = cells.filter((c) => c.offsetWidth > 1);
      const at = visible.indexOf(document.activeElement);
      if (at < 0) return;
      const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: visible.length - 1 }[event.key];
      if (to === undefined || !visible[to]) return;
      event.preventDefault();
      document.activeElement.setAttribute("tabindex", "-1");
      visible[to].setAttribute("tabindex", "0");
      visible[to].focus();
    });
  }
}
wireBars(document);

// Subscribe: the form posts JSON to the subscriptions API and says what happened.
const form = $("form.sub");
if (form) form.addEventListener("submit", async (event) => {
  event.preventDefault();
  // Held while its request is in flight: a double click is one sign-up, one confirmation message.
  const button = $("button[type=submit]", form);
  if (button.getAttribute("aria-disabled")) return;
  button.setAttribute("aria-disabled", "true");
  try { await subscribe(); } finally { button.removeAttribute("aria-disabled"); }
});
async function subscribe() {
  const data = new FormData(form);
  const channel = data.get("channel") || "email";
  const body = { [channel]: String(data.get(channel) || "").trim(), component_changes: data.get("component_changes") === "on" };
  const picked = data.getAll("components").map(String);
  // None or every box ticked is everything, components added later included (as on the manage page).
  if (picked.length && picked.length < form.querySelectorAll('input[name="components"]').length) body.components = picked;
  // Turnstile's widget (when the page has one) leaves its token in the form; a token works once.
  if (data.get("cf-turnstile-response")) body.turnstile_token = String(data.get("cf-turnstile-response"));
  if (window.turnstile) window.turnstile.reset();
  const notice = $(".notice", form);
  clearRefusedField(form);
  notice.textContent = "Sending\u2026";
  try {
    const res = await fetch(form.getAttribute("data-api"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const reply = await res.json().catch(() => ({}));
    if (!res.ok) {
      // The API words its refusal for people (error.hint), as the page without scripts shows it: beside the
      // field it names, or in the form's notice when it names none (a limit, the component boxes).
      const err = reply.error || {};
      const text = err.hint || err.message || "Could not subscribe (" + res.status + ").";
      const named = (Array.isArray(err.details) ? err.details : []).map((d) => String(d && d.path).split(".")[0]).find((f) => Object.hasOwn(TYPED_FIELDS, f));
      const input = named && $('input[name="' + named + '"]', form);
      if (input) {
        notice.textContent = "";
        markRefusedField(input, TYPED_FIELDS[named], text);
      } else notice.textContent = text;
      return;
    }
    // SMS and webhooks are confirmed by sending back a code: the texted one, or the ping's challenge.
    const codeStep = { phone: ${JSON.stringify(SMS_CODE_SENT)}, webhook: ${JSON.stringify(SUBSCRIBE_CODE_STEP.webhook)} }[channel];
    notice.textContent = codeStep || reply.message || "Thanks. Check your inbox to confirm the subscription.";
    // One code form, for this sign-up: an earlier one's is gone.
    for (const old of $$("form.code")) old.remove();
    if (codeStep) askCode(channel, body[channel], notice, codeStep);
  } catch {
    notice.textContent = "Could not reach the server. Try again in a moment.";
  }
}
// The refused field is marked invalid, described by the reason said after its label, and focused, as the
// page without scripts draws it; the reason follows its field when another channel is picked.
function markRefusedField(input, id, text) {
  input.closest("label").after(el("p", { class: "field-error", id, "data-channel": input.closest("[data-channel]").dataset.channel }, [text]));
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", id);
  showChannel();
  input.focus();
}
function clearRefusedField(root) {
  for (const reason of $$(".field-error", root)) reason.remove();
  for (const input of $$("[aria-invalid]", root)) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}
// The code step is a form of its own after the subscribe form, as without scripts: Enter in its field
// confirms the code typed, and never sends the sign-up again (which would text a new code and void this one).
function askCode(channel, address, notice, sent) {
  const field = CODE_FIELDS[channel];
  const input = el("input", field.numeric ? { type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" } : { type: "text", autocomplete: "off", maxlength: "100" });
  const button = el("button", { type: "submit" }, ["Confirm"]);
  // Shown with its channel's field, hidden (not lost) while another channel is picked.
  const box = el("form", { class: "code", "data-channel": channel }, [el("label", { class: "field" }, [el("span", {}, [field.label]), input]), button]);
  form.after(box);
  input.focus();
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Held while its request is in flight: the second of a double click would find the code spent.
    if (button.getAttribute("aria-disabled")) return;
    button.setAttribute("aria-disabled", "true");
    try { await confirmCode(channel, address, input, notice, sent, box); } finally { button.removeAttribute("aria-disabled"); }
  });
}
async function confirmCode(channel, address, input, notice, sent, box) {
  clearRefusedField(box);
  const path = "/api/status/subscriptions/confirm/" + (channel === "phone" ? "sms" : "webhook");
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ [channel]: address, code: input.value.trim() }) }).catch(() => null);
  const body = (res && (await res.json().catch(() => ({})))) || {};
  const err = body.error || {};
  const text = err.hint || err.message || "Could not confirm the code.";
  // A code refused is said beside its field; a limit or an outage under the form.
  if (res && res.ok) {
    notice.replaceChildren("Subscribed. Every message tells you how to stop. ", el("a", { href: body.manage_url }, ["Choose what you follow"]));
    box.remove();
  } else if (res && res.status === 400) {
    notice.textContent = sent;
    markRefusedField(input, CODE_ERROR, text);
  } else notice.textContent = text;
}

// Without the script every channel's field shows; with it, only the chosen one. A hidden field is disabled
// too: what was typed in it is neither checked by the browser (a mistyped email must not block an SMS
// sign-up) nor sent.
function showChannel() {
  const picked = $("form.sub input[name=channel]:checked");
  for (const field of $$("form.sub [data-channel], form.code")) {
    field.hidden = !!picked && field.getAttribute("data-channel") !== picked.value;
    for (const input of $$("input", field)) input.disabled = field.hidden;
  }
}
for (const input of $$("form.sub input[name=channel]")) input.addEventListener("change", showChannel);
showChannel();

paintTimes();
// Often enough that "seconds ago" is never far behind.
setInterval(paintTimes, 10000);
if (stamp) connect();
})();
`;
