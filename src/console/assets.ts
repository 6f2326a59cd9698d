import { fnv1a } from "../http/hash";
import { STYLE_CSS } from "../page/assets/style";

// The console's stylesheet is the page's plus what forms and tables need, so both look the same. The page
// lets text wrap anywhere, which in a table lets a column shrink to one letter; table cells wrap only
// between words, and a table wider than the screen scrolls in its .scroll box. Only an address cell
// (.addr: an email, a number, a URL) may wrap inside a word, and keeps a readable width.
const CONSOLE_CSS = `${STYLE_CSS}
.wrap{max-width:64rem}
header.top nav ul{gap:.25rem .9rem;font-size:.95rem}
header.top nav a[aria-current=page]{font-weight:700;color:var(--fg)}
.who{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem;font-size:.85rem;color:var(--muted);min-width:0}
.who form{margin:0}.who button{padding:.25rem .6rem;font-size:.85rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr))}
.card.pad,.pad{padding:1rem 1.25rem}
.card h2,.card h3{margin-top:0}
.flash{padding:.75rem 1rem;border-radius:.5rem;border:1px solid var(--op);background:var(--card);font-weight:600}
.error{padding:.75rem 1rem;border-radius:.5rem;border:2px solid var(--maj);background:var(--card)}
.error ul{margin:.25rem 0 0}
.error dl.sent{margin:.25rem 0 0}.error dl.sent dt{font-weight:600}.error dl.sent dd{margin:0 0 .5rem;white-space:pre-wrap;overflow-wrap:anywhere}
.error:focus{outline-offset:2px}
.field-error{margin:0;color:var(--maj);font-weight:600}
[aria-invalid=true]{border:2px solid var(--maj)}
form.f{display:grid;gap:.75rem;margin:0}
form.f fieldset{border:1px solid var(--line);border-radius:.5rem;margin:0;padding:.75rem 1rem;display:grid;gap:.6rem}
form.f legend{font-weight:700;padding:0 .3rem}
.field{display:grid;gap:.25rem}
.field>span,.field>label{font-weight:600}
.hint{color:var(--muted);font-size:.85rem;font-weight:400}
#live{overflow-wrap:anywhere;min-width:0}
input[type=text],input[type=url],input[type=number],input[type=search],input[type=datetime-local],input[type=email],select,textarea{width:100%;padding:.5rem;font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.35rem}
textarea{min-height:7rem;resize:vertical}
textarea.tall{min-height:22rem;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem}
.check{display:flex;align-items:center;gap:.5rem;font-weight:600}
.check input{width:1.2rem;height:1.2rem}
.notify{padding:.5rem .75rem;border:1px dashed var(--muted);border-radius:.35rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.row>.field{flex:1 1 12rem}
.comp-pick{display:grid;grid-template-columns:1fr minmax(10rem,14rem);gap:.35rem .75rem;align-items:center}
button.secondary{background:var(--card);color:var(--fg);border:1px solid var(--muted)}
button.danger{background:var(--maj)}
button:disabled{opacity:.5;cursor:default}
@media (prefers-color-scheme:dark){button.danger{color:#0d1117}button.secondary{color:var(--fg)}}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.actions form{margin:0}
table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{text-align:left;padding:.5rem .4rem;border-top:1px solid var(--line);vertical-align:top;overflow-wrap:normal}
td.addr{overflow-wrap:anywhere;min-width:10rem}td.addr .hint{overflow-wrap:normal}
th{font-size:.85rem;color:var(--muted)}
.scroll{overflow-x:auto}
.num{font-variant-numeric:tabular-nums;text-align:right}
.why{font-size:.85rem;color:var(--muted)}
.preview{border:2px dashed var(--link);border-radius:.5rem;padding:1rem 1.25rem}
.order{list-style:none;margin:0;padding:0}
.order li{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:space-between;align-items:center;padding:.6rem 1.25rem;border-top:1px solid var(--line)}
.order li:first-child{border-top:0}
.diff{margin:.35rem 0 0;padding-left:1.1rem;font-size:.9rem;overflow-wrap:anywhere}
.diff del{color:var(--muted)}.diff ins{text-decoration:none;font-weight:600}
.audit details{margin-top:.35rem}.audit details p{margin:.35rem 0 0}.audit summary{cursor:pointer;color:var(--link)}
pre.json{margin:.25rem 0;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;background:var(--card);border-radius:.35rem}
.who-id{font-size:.8rem;overflow-wrap:anywhere}
@media (max-width:40rem){form.f fieldset{padding:.6rem}.comp-pick{grid-template-columns:1fr}th,td{padding:.4rem .25rem}}
`;

// Plain JavaScript, no build step. Every form works without it; it adds live updates over the StatusHub
// socket (the page's regions are fetched again and swapped), confirmations before deleting, the reader's
// time zone for times typed in, and keeps a form someone is filling in untouched.
const CONSOLE_JS = `(() => {
"use strict";
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
// Times the server wrote in the page's zone, shown in the reader's: the zone tz_offset says they are typed in.
// On load, and in every region drawn again: a field left in the page's zone would be sent as the reader's.
function readersTimes(root) {
  for (const input of $$("input[name=tz_offset]", root)) input.value = String(new Date().getTimezoneOffset());
  for (const input of $$("input[data-at]", root)) {
    const at = new Date(Number(input.dataset.at)), two = (n) => String(n).padStart(2, "0");
    input.value = at.getFullYear() + "-" + two(at.getMonth() + 1) + "-" + two(at.getDate()) + "T" + two(at.getHours()) + ":" + two(at.getMinutes());
  }
}
readersTimes(document);
// A screen answered to a post that is not a refusal (Check now): its own address goes in the address bar,
// so that a reload does not send the post again and live updates fetch the screen, not the post's address.
const answered = document.querySelector("[data-screen]");
if (answered && location.pathname !== answered.dataset.screen) history.replaceState(null, "", answered.dataset.screen);
// A refused form's summary: the browser's autofocus may not reach it (a fragment in the address), this does.
// Its address is the form's, not the screen's, so the screen is not fetched again under it meanwhile.
const refused = document.querySelector("[data-form-error]");
if (refused) refused.focus();
// A field marked autofocus on a screen opened at a fragment (a template's "open an incident" link): the
// browser scrolls to the fragment and skips the autofocus, this gives it.
else if (location.hash && document.activeElement === document.body) {
  const first = document.querySelector("[autofocus]");
  // After the browser's own scroll to the fragment, which would otherwise move the focus back to the page.
  if (first) window.addEventListener("load", () => { if (document.activeElement === document.body) first.focus(); });
}
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const ask = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (ask && !window.confirm(ask)) return event.preventDefault();
  // Asked and answered here: the server's own confirmation step (for browsers without scripts) is skipped.
  // Each time with the zone's offset at that time, not today's: a window can span a daylight-saving change.
  for (const typed of $$("input[type=datetime-local]", event.target)) {
    if (!typed.name || !typed.value || isNaN(new Date(typed.value))) continue;
    const name = "tz_offset:" + typed.name;
    const offset = event.target.querySelector("input[name='" + name + "']") || event.target.appendChild(Object.assign(document.createElement("input"), { type: "hidden", name }));
    offset.value = String(new Date(typed.value).getTimezoneOffset());
  }
  if (event.target.method === "post") {
    const names = event.target.querySelector("input[name=_touched]") || event.target.appendChild(Object.assign(document.createElement("input"), { type: "hidden", name: "_touched" }));
    names.value = Array.from(new Set([...names.value.split(",").filter(Boolean), ...(touched.get(event.target) || [])])).join(",");
  }
  if (ask && !event.target.querySelector("input[name=confirm]")) event.target.append(Object.assign(document.createElement("input"), { type: "hidden", name: "confirm", value: "1" }));
  // A second click while the first is on its way would post twice (two incidents): hold the buttons. After
  // the form data is taken, so the clicked button's own value still goes.
  if (event.target.method === "post") setTimeout(() => { for (const b of $$("button", event.target)) b.disabled = true; }, 0);
});
window.addEventListener("pageshow", () => { for (const b of $$("button[disabled]")) if (!b.hasAttribute("data-off")) b.disabled = false; });
const stamp = document.getElementById("live");
const dirty = new WeakSet();
// The fields typed into, by form: refused as drawn before another change, a form keeps these as typed and
// shows the rest as the record is now.
const touched = new WeakMap();
const touch = (event) => {
  const f = event.target.form;
  if (!f) return;
  dirty.add(f);
  if (!touched.has(f)) touched.set(f, new Set());
  if (event.target.name) touched.get(f).add(event.target.name);
};
document.addEventListener("input", touch);
document.addEventListener("change", touch);
let behind = false, refusedAt = 0, retrying = 0;
document.addEventListener("focusout", () => setTimeout(() => { if (behind && !$$("[data-live]").some((r) => r.contains(document.activeElement))) refresh(); }, 0));
async function refresh() {
  const regions = $$("[data-live]");
  if (!regions.length || refused) return announce();
  const res = await fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" }).catch(() => null);
  // Deleted meanwhile (by another admin, or the cron): say so rather than go on offering its forms.
  if (res && res.status === 404 && !document.getElementById("gone")) {
    const gone = Object.assign(document.createElement("p"), { id: "gone", className: "flash", textContent: "This was deleted since the page was loaded." });
    gone.setAttribute("role", "alert");
    (document.getElementById("main") || document.body).prepend(gone);
  }
  // The session ended: said where "Live" was, so nobody types a form that will not be saved unknowing. A
  // session Clerk's script is renewing can answer 401 for a moment: said only when asked again 5 s later.
  if (res && res.status === 401 && stamp) {
    if (!refusedAt) refusedAt = Date.now();
    if (Date.now() - refusedAt < 5000) {
      if (!retrying) retrying = setTimeout(() => { retrying = 0; refresh(); }, 5000 - (Date.now() - refusedAt));
      return;
    }
    changes.length = 0;
    stamp.dataset.state = "signed-out";
    stamp.textContent = "Signed out: reload to sign in again; forms sent now are not saved";
    return;
  }
  if (res && res.ok) {
    refusedAt = 0;
    if (stamp && stamp.dataset.state === "signed-out") {
      stamp.dataset.state = "live";
      stamp.textContent = "Live";
    }
  }
  if (!res || !res.ok) return announce();
  const next = new DOMParser().parseFromString(await res.text(), "text/html");
  behind = false;
  for (const region of regions) {
    const fresh = next.getElementById(region.id);
    if (!fresh || $$("form", region).some((f) => dirty.has(f))) continue;
    // Focused (a button about to be pressed): drawn again once the focus leaves it.
    if (region.contains(document.activeElement)) {
      behind = true;
      continue;
    }
    const drawn = document.importNode(fresh, true);
    region.replaceWith(drawn);
    readersTimes(drawn);
  }
  announce();
}
// Say what changed (the header line is a status region a screen reader reads out), and when, zone named;
// latency figures move every minute and are not announced.
function announce() {
  if (stamp && changes.length && stamp.dataset.state !== "signed-out") stamp.textContent = "Live \\u00b7 " + changes.splice(0).join("; ") + " \\u00b7 " + new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
}
const changes = [];
/** A socket message in words, or null for the minute-by-minute latency figures nobody needs announced. */
function said(m) {
  const d = m.data || {}, kind = String(m.type || "").split(".");
  if (kind[0] === "incident") return kind[1] === "deleted" ? "incident deleted" : "incident " + (kind[1] === "created" ? "opened" : kind[1]) + ": " + ((d.incident && d.incident.title) || "");
  if (kind[0] === "maintenance") return "maintenance " + kind[1] + (d.maintenance ? ": " + d.maintenance.title : "");
  if (m.type === "component.status") return d.name + " " + String(d.status).replace(/_/g, " ");
  if (m.type === "components.changed") return "components changed";
  return null;
}
let timer = null, attempt = 0;
function connect() {
  if (!window.WebSocket || !stamp) return;
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/status/live");
  ws.onopen = () => { attempt = 0; if (stamp.dataset.state === "signed-out") return; stamp.dataset.state = "live"; stamp.textContent = "Live"; };
  ws.onmessage = (event) => {
    if (event.data === "pong") return;
    let words = null;
    try { words = said(JSON.parse(event.data)); } catch {}
    if (words && !changes.includes(words)) changes.push(words);
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };
  ws.onclose = () => {
    if (stamp.dataset.state !== "signed-out") {
      stamp.dataset.state = "reconnecting";
      stamp.textContent = "Reconnecting\\u2026";
    }
    const ceiling = Math.min(30000, 1000 * 2 ** attempt++);
    setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2);
  };
}
connect();
if (window.Clerk && window.Clerk.load) window.Clerk.load().catch(() => {});
})();
`;

const SIGN_IN_JS = `(() => {
"use strict";
const mount = document.getElementById("clerk-sign-in");
const leaving = document.getElementById("clerk-sign-out");
async function start() {
  if (!window.Clerk) return setTimeout(start, 100);
  await window.Clerk.load();
  if (leaving) return window.Clerk.signOut({ redirectUrl: "/admin" });
  if (window.Clerk.user) return location.reload();
  window.Clerk.mountSignIn(mount, { forceRedirectUrl: location.href });
  window.Clerk.addListener((state) => { if (state.user) location.reload(); });
}
if (mount || leaving) start();
})();
`;

export interface ConsoleAsset {
  body: string;
  contentType: string;
}

let built: { byPath: Map<string, ConsoleAsset>; css: string; js: string; signIn: string } | null = null;

/** Hashed names, so browsers keep them for a year and a deploy that changes one changes its URL. */
export function consoleAssets() {
  if (built) return built;
  const byPath = new Map<string, ConsoleAsset>();
  const add = (name: string, ext: string, asset: ConsoleAsset) => {
    const path = `/admin/assets/${name}.${fnv1a(asset.body)}.${ext}`;
    byPath.set(path, asset);
    return path;
  };
  // Indentation, whole-line comments and blank lines dropped: the scripts have no multi-line strings.
  const compact = (source: string) => source.replace(/^[ \t]+/gm, "").replace(/^\/\/.*\n/gm, "").replace(/\n{2,}/g, "\n");
  built = {
    byPath,
    css: add("console", "css", { body: CONSOLE_CSS, contentType: "text/css; charset=utf-8" }),
    js: add("console", "js", { body: compact(CONSOLE_JS), contentType: "text/javascript; charset=utf-8" }),
    signIn: add("sign-in", "js", { body: compact(SIGN_IN_JS), contentType: "text/javascript; charset=utf-8" }),
  };
  return built;
}
