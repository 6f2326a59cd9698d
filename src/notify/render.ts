import type { ShownStatus } from "../db/schema";
import { MAINTENANCE_MOVE_HEADINGS, STATUS_LABELS } from "../status";
import { renderMarkdown } from "../text/markdown";
import { iso } from "../time";
import type { NotifyEventType } from "./messages";
import { cutText } from "../text/cut";

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

export interface MessageLinks {
  pageName: string;
  pageUrl: string;
  unsubscribeUrl: string;
  manageUrl: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

const INCIDENT_LABELS: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  postmortem: "Postmortem",
};
const MAINTENANCE_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  in_progress: "In progress",
  completed: "Completed",
  cancelled: "Cancelled",
};

const AUTOMATIC = "automatically, by Beacon's checks";

const str = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * ISO timestamps as people read them in an email: "Fri, 27 Nov 2026 10:00 UTC", with the seconds when the
 * time has any ("10:00:30 UTC"), so a window that ends at 13:44:32 is not said to end at 13:44.
 */
export function humanTime(isoValue: unknown): string {
  const ms = typeof isoValue === "number" ? isoValue : Date.parse(str(isoValue));
  if (!Number.isFinite(ms)) return "";
  const d = new Date(ms);
  return `${d.toUTCString().slice(0, d.getUTCSeconds() ? 25 : 22)} UTC`;
}

interface Facts {
  headline: string;
  subject: string;
  /** Label/value lines shown under the headline. */
  facts: [string, string][];
  message: string;
  link: string;
  /** What a text message says after the headline: the status, or for maintenance when the window is. */
  smsFacts: string;
  /** What a text message says after its facts, when not the message (cut to fit). */
  smsDetail?: string;
  /** A text message that must carry the link to choose what to follow (texts otherwise only say STOP). */
  smsManage?: boolean;
}

/** The page of the thing an event is about (`/incidents/{id}`, `/maintenance/{id}`...), else the status page. */
const pageOf = (pageUrl: string, kind: string, id: unknown) => (typeof id === "string" && id ? `${pageUrl}/${kind}/${encodeURIComponent(id)}` : pageUrl);

/** The components an incident event names (events written before they named them name none). */
function affectedOf(payload: Record<string, unknown>): { name: string; status: string }[] {
  if (!Array.isArray(payload.affected_components)) return [];
  return payload.affected_components
    .map((c) => (typeof c === "object" && c !== null ? (c as Record<string, unknown>) : {}))
    .filter((c) => str(c.name) !== "")
    .map((c) => ({ name: str(c.name), status: STATUS_LABELS[c.status as ShownStatus] ?? str(c.status) }));
}

/** When a window is, as a text message says it: the plan until it runs, then when it really started or completed. */
function windowInWords(move: string, payload: Record<string, unknown>): string {
  const planned = `${humanTime(payload.scheduled_start)} to ${humanTime(payload.scheduled_end)}`;
  if (move === "started" && payload.started_at) return `started ${humanTime(payload.started_at)}, planned end ${humanTime(payload.scheduled_end)}`;
  if (move === "completed" && payload.completed_at) return `completed ${humanTime(payload.completed_at)}`;
  if (move === "rescheduled") {
    const times = windowMoved(payload) ? `now ${planned}, was ${humanTime(payload.previous_start)} to ${humanTime(payload.previous_end)}` : planned;
    return Array.isArray(payload.previous_components) ? `${times}; now on ${coveredBy(payload.components)}, was on ${coveredBy(payload.previous_components)}` : times;
  }
  return move === "cancelled" ? `was planned for ${planned}` : planned;
}

/** The components a window covers, by name: none means the whole page. */
const coveredBy = (names: unknown) => (Array.isArray(names) && names.length ? names.map(String).join(", ") : "the whole page");

/** Whether a reschedule moved the window's times (an edit of its components alone moves none). */
const windowMoved = (payload: Record<string, unknown>) => payload.previous_start !== payload.scheduled_start || payload.previous_end !== payload.scheduled_end;

/** The heading of an edit that moved a window's components, not its times. */
const MAINTENANCE_CHANGED = "Maintenance changed";

/** What an update that withdrew the earlier ETA says in its place. */
const ETA_WITHDRAWN = "No estimate for now (the earlier one no longer holds)";

/** What an event says, from the payload its producer captured when it happened. */
function factsOf(type: NotifyEventType, payload: Record<string, unknown>, pageUrl: string): Facts {
  const title = str(payload.title);
  if (type.startsWith("incident.")) {
    const status = INCIDENT_LABELS[str(payload.status)] ?? str(payload.status);
    const eta = humanTime(payload.estimated_resolution);
    const verb = type === "incident.created" ? "New incident" : type === "incident.resolved" ? "Resolved" : "Update";
    const affected = affectedOf(payload);
    const facts: [string, string][] = [["Status", status]];
    const severity = str(payload.severity);
    if (severity && severity !== "none") facts.push(["Impact", severity[0]!.toUpperCase() + severity.slice(1)]);
    // What each component showed while the incident was open; once resolved, which ones it was about.
    if (affected.length) facts.push(["Components", affected.map((c) => (type === "incident.resolved" || !c.status ? c.name : `${c.name} (${c.status})`)).join(", ")]);
    // Taken off the incident by this update: said to their followers, whom the update reaches for it.
    const removed = affectedOf({ affected_components: payload.removed_components }).map((c) => c.name);
    if (removed.length) facts.push(["No longer affected", removed.join(", ")]);
    if (eta && type !== "incident.resolved") facts.push(["Expected resolution", eta]);
    else if (payload.eta_withdrawn === true) facts.push(["Expected resolution", ETA_WITHDRAWN]);
    // A resolution's news is what fixed it: said under its own label, whatever message the resolve gave.
    const resolution = type === "incident.resolved" ? str(payload.resolution) : "";
    if (type === "incident.resolved" && payload.root_cause) facts.push(["Root cause", str(payload.root_cause)]);
    if (resolution) facts.push(["Resolution", resolution]);
    if (payload.automatic === true) facts.push(["Detected", AUTOMATIC]);
    const message = str(payload.message) === resolution ? "" : str(payload.message);
    const etaText = eta && type !== "incident.resolved" ? `, ETA ${eta}` : payload.eta_withdrawn === true ? ", no ETA for now" : "";
    return {
      headline: `${verb}: ${title}`,
      subject: type === "incident.updated" ? `${verb}: ${title} (${status})` : `${verb}: ${title}`,
      facts,
      message,
      link: pageOf(pageUrl, "incidents", payload.incident_id),
      // First in a text, which is cut to fit: what fixed it is not the part cut off.
      ...(resolution && { smsDetail: message ? `Resolution: ${resolution} ${message}` : `Resolution: ${resolution}` }),
      smsFacts: `${type === "incident.resolved" ? "" : ` (${status})`}${etaText}${affected.length && type !== "incident.resolved" ? `, affecting ${affected.map((c) => c.name).join(", ")}` : ""}${removed.length ? `, no longer ${removed.join(", ")}` : ""}`,
    };
  }
  if (type.startsWith("maintenance.")) {
    const move = type.slice("maintenance.".length);
    const components = Array.isArray(payload.components) ? payload.components.map(String).join(", ") : "";
    const moved = windowMoved(payload);
    const previousComponents = Array.isArray(payload.previous_components) ? coveredBy(payload.previous_components) : null;
    const verb =
      move === "rescheduled" && !moved
        ? MAINTENANCE_CHANGED
        : move in MAINTENANCE_MOVE_HEADINGS
          ? MAINTENANCE_MOVE_HEADINGS[move as keyof typeof MAINTENANCE_MOVE_HEADINGS]
          : MAINTENANCE_MOVE_HEADINGS.cancelled;
    const facts: [string, string][] = [["Status", MAINTENANCE_LABELS[str(payload.status)] ?? str(payload.status)]];
    // Once a window has run, when it really did (started early or late, completed ahead of plan) is the news.
    if (type === "maintenance.started" && payload.started_at) facts.push(["Started", humanTime(payload.started_at)], ["Planned end", humanTime(payload.scheduled_end)]);
    else if (type === "maintenance.completed" && payload.completed_at) {
      if (payload.started_at) facts.push(["Started", humanTime(payload.started_at)]);
      facts.push(["Completed", humanTime(payload.completed_at)]);
    } else facts.push(["Window", `${humanTime(payload.scheduled_start)} to ${humanTime(payload.scheduled_end)}`]);
    if (type === "maintenance.rescheduled" && moved) facts.push(["Was", `${humanTime(payload.previous_start)} to ${humanTime(payload.previous_end)}`]);
    if (components || previousComponents !== null) facts.push(["Components", coveredBy(payload.components)]);
    if (type === "maintenance.rescheduled" && previousComponents !== null) facts.push(["Was on", previousComponents]);
    return {
      headline: `${verb}: ${title}`,
      subject: `${verb}: ${title}`,
      facts,
      message: str(payload.description),
      link: pageOf(pageUrl, "maintenance", payload.maintenance_id),
      smsFacts: `, ${windowInWords(move, payload)}`,
    };
  }
  const name = str(payload.component_name) || "A component";
  if (type === "component.removed") {
    // Sent only to those for whom it was the last component they followed (deliveriesToLastFollowers).
    return {
      headline: `${name} is no longer on the status page`,
      subject: `${name} is no longer on the status page`,
      facts: [["Removed", humanTime(payload.removed_at)]],
      message: "It was the only component you followed: only news about the whole page will reach you until you choose others.",
      link: pageUrl,
      smsFacts: "",
      smsManage: true,
    };
  }
  const to = STATUS_LABELS[payload.to as ShownStatus] ?? str(payload.to);
  const from = STATUS_LABELS[payload.from as ShownStatus] ?? str(payload.from);
  return {
    headline: `${name} is now ${to}`,
    subject: `${name} is now ${to}`,
    facts: [
      ["Status", to],
      ["Before", from],
      ["Since", humanTime(payload.at)],
    ],
    message: "",
    link: pageOf(pageUrl, "components", payload.component_id),
    smsFacts: "",
  };
}

/** An event as an email (HTML and plain text) and as an SMS, with links to the page and to leave. */
export function renderEvent(type: NotifyEventType, payload: Record<string, unknown>, links: MessageLinks): RenderedMessage {
  const f = factsOf(type, payload, links.pageUrl);
  const subject = `[${links.pageName}] ${f.subject}`;
  const text = [
    f.headline,
    "",
    ...f.facts.map(([label, value]) => `${label}: ${value}`),
    ...(f.message ? ["", f.message] : []),
    "",
    `Details: ${f.link}`,
    "",
    `You receive this because you subscribed to ${links.pageName} status updates.`,
    `Change what you follow: ${links.manageUrl}`,
    `Unsubscribe: ${links.unsubscribeUrl}`,
  ].join("\n");
  const rows = f.facts.map(([label, value]) => `<tr><td style="padding:2px 12px 2px 0;color:#555">${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`).join("");
  const message = f.message ? `<div>${renderMarkdown(f.message)}</div>` : "";
  const html = `<!DOCTYPE html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h2 style="margin:0 0 12px">${escapeHtml(f.headline)}</h2>
<table style="border-collapse:collapse">${rows}</table>
${message}
<p><a href="${escapeHtml(f.link)}">View on ${escapeHtml(links.pageName)}</a></p>
<p style="font-size:12px;color:#666">You receive this because you subscribed to ${escapeHtml(links.pageName)} status updates.
<a href="${escapeHtml(links.manageUrl)}">Change what you follow</a> · <a href="${escapeHtml(links.unsubscribeUrl)}">Unsubscribe</a></p>
</body></html>`;
  const automatic = f.facts.some(([label]) => label === "Detected") ? " Detected automatically." : "";
  const smsBody = `[${links.pageName}] ${f.headline}${f.smsFacts}.${automatic}`;
  const said = f.smsDetail ?? f.message;
  const detail = said ? ` ${cutText(said, 140, "...")}` : "";
  const sms = f.smsManage
    ? `${smsBody}${detail} Choose what you follow: ${links.manageUrl} Reply STOP to unsubscribe.`
    : `${smsBody}${detail} ${f.link} Reply STOP to unsubscribe.`;
  return { subject, text, html, sms };
}

/** Keys of an event's payload that are Beacon's bookkeeping, not news: which message was to tell a move, and whether one ended it. */
const INTERNAL_KEYS = new Set(["told_in", "ending"]);

/**
 * The body a webhook receives for an event: stable field names, the producer's payload as `data`, then
 * whatever else is given (Statuspage's keys, see statuspageWebhookKeys).
 */
export function webhookBody(type: string, payload: Record<string, unknown>, at: number, extra: Record<string, unknown> = {}): string {
  const data = Object.fromEntries(Object.entries(payload).filter(([key]) => !INTERNAL_KEYS.has(key)));
  return JSON.stringify({ type, timestamp: iso(at), data, ...extra });
}

/** An email about a subscription whose point is one link: said, then offered as a button. */
function oneLinkEmail(m: { subject: string; intro: string; link: { url: string; said: string; button: string }; textNote: string; htmlNote: string }): Omit<RenderedMessage, "sms"> {
  const text = [m.intro, "", `${m.link.said}: ${m.link.url}`, "", m.textNote].join("\n");
  const html = `<!DOCTYPE html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<p>${escapeHtml(m.intro)}</p>
<p><a href="${escapeHtml(m.link.url)}" style="display:inline-block;padding:8px 16px;background:#111;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(m.link.button)}</a></p>
<p style="font-size:12px;color:#666">${escapeHtml(m.htmlNote)}</p>
</body></html>`;
  return { subject: m.subject, text, html };
}

export function confirmationEmail(pageName: string, confirmUrl: string): Omit<RenderedMessage, "sms"> {
  const ignore = "If it was not you, ignore this email: nothing will be sent without confirmation.";
  return oneLinkEmail({
    subject: `[${pageName}] Confirm your subscription`,
    intro: `Someone (hopefully you) asked to receive ${pageName} status updates at this address.`,
    link: { url: confirmUrl, said: "Confirm within 48 hours", button: "Confirm subscription" },
    textNote: ignore,
    htmlNote: `The link works once, for 48 hours. ${ignore}`,
  });
}

export const confirmationSms = (pageName: string, code: string) =>
  `${code} is your ${pageName} status updates code. It expires in 48 hours. Reply STOP to opt out.`;

/** What an address already subscribed gets when it is signed up again: the way to its choices, nothing changed. */
export function alreadySubscribedEmail(pageName: string, manageUrl: string): Omit<RenderedMessage, "sms"> {
  const ignore = "If it was not you, ignore this email: nothing has changed.";
  return oneLinkEmail({
    subject: `[${pageName}] You are already subscribed`,
    intro: `Someone (hopefully you) asked to receive ${pageName} status updates at this address, which already receives them.`,
    link: { url: manageUrl, said: "Choose what you follow, or unsubscribe", button: "Choose what you follow" },
    textNote: ignore,
    htmlNote: ignore,
  });
}

export const alreadySubscribedSms = (pageName: string, manageUrl: string) =>
  `This number already gets ${pageName} status updates. Choose what you follow: ${manageUrl} Reply STOP to opt out.`;

export { escapeHtml };
