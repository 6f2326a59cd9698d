import type { ShownStatus } from "../db/schema";
import { MAINTENANCE_MOVE_HEADINGS, STATUS_LABELS } from "../status";
import { renderMarkdown } from "../text/markdown";
import { iso } from "../time";
import type { NotifyEventType } from "./messages";

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

/** ISO timestamps as people read them in an email: "Fri, 27 Nov 2026 10:00 UTC". */
export function humanTime(isoValue: unknown): string {
  const ms = typeof isoValue === "number" ? isoValue : Date.parse(str(isoValue));
  if (!Number.isFinite(ms)) return "";
  const d = new Date(ms);
  return `${d.toUTCString().slice(0, 22)} UTC`;
}

interface Facts {
  headline: string;
  subject: string;
  /** Label/value lines shown under the headline. */
  facts: [string, string][];
  message: string;
  link: string;
}

/** What an event says, from the payload its producer captured when it happened. */
function factsOf(type: NotifyEventType, payload: Record<string, unknown>, pageUrl: string): Facts {
  const title = str(payload.title);
  if (type.startsWith("incident.")) {
    const status = INCIDENT_LABELS[str(payload.status)] ?? str(payload.status);
    const eta = humanTime(payload.estimated_resolution);
    const verb = type === "incident.created" ? "New incident" : type === "incident.resolved" ? "Resolved" : "Update";
    const facts: [string, string][] = [["Status", status]];
    if (payload.severity && payload.severity !== "none") facts.push(["Impact", str(payload.severity)]);
    if (eta && type !== "incident.resolved") facts.push(["Expected resolution", eta]);
    if (type === "incident.resolved" && payload.root_cause) facts.push(["Root cause", str(payload.root_cause)]);
    if (payload.automatic === true) facts.push(["Detected", AUTOMATIC]);
    return {
      headline: `${verb}: ${title}`,
      subject: type === "incident.updated" ? `${verb}: ${title} (${status})` : `${verb}: ${title}`,
      facts,
      message: str(payload.message),
      link: `${pageUrl}/incidents/${str(payload.incident_id)}`,
    };
  }
  if (type.startsWith("maintenance.")) {
    const move = type.slice("maintenance.".length);
    const verb = move in MAINTENANCE_MOVE_HEADINGS ? MAINTENANCE_MOVE_HEADINGS[move as keyof typeof MAINTENANCE_MOVE_HEADINGS] : MAINTENANCE_MOVE_HEADINGS.cancelled;
    const components = Array.isArray(payload.components) ? payload.components.map(String).join(", ") : "";
    const facts: [string, string][] = [["Status", MAINTENANCE_LABELS[str(payload.status)] ?? str(payload.status)]];
    // Once a window has run, when it really did (started early or late, completed ahead of plan) is the news.
    if (type === "maintenance.started" && payload.started_at) facts.push(["Started", humanTime(payload.started_at)], ["Planned end", humanTime(payload.scheduled_end)]);
    else if (type === "maintenance.completed" && payload.completed_at) {
      if (payload.started_at) facts.push(["Started", humanTime(payload.started_at)]);
      facts.push(["Completed", humanTime(payload.completed_at)]);
    } else facts.push(["Window", `${humanTime(payload.scheduled_start)} to ${humanTime(payload.scheduled_end)}`]);
    if (components) facts.push(["Components", components]);
    return { headline: `${verb}: ${title}`, subject: `${verb}: ${title}`, facts, message: str(payload.description), link: pageUrl };
  }
  const name = str(payload.component_name) || "A component";
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
    link: pageUrl,
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
  const status = f.facts[0] ? ` (${f.facts[0][1]})` : "";
  const eta = f.facts.find(([label]) => label === "Expected resolution");
  const automatic = f.facts.some(([label]) => label === "Detected") ? " Detected automatically." : "";
  const smsBody = `[${links.pageName}] ${f.headline}${status}${eta ? `, ETA ${eta[1]}` : ""}.${automatic}`;
  const detail = f.message ? ` ${f.message.length > 140 ? `${f.message.slice(0, 137)}...` : f.message}` : "";
  const sms = `${smsBody}${detail} ${f.link} Reply STOP to unsubscribe.`;
  return { subject, text, html, sms };
}

/** The body a webhook receives for an event: stable field names, the producer's payload as `data`. */
export function webhookBody(type: string, payload: Record<string, unknown>, at: number): string {
  return JSON.stringify({ type, timestamp: iso(at), data: payload });
}

export function confirmationEmail(pageName: string, confirmUrl: string): Omit<RenderedMessage, "sms"> {
  const subject = `[${pageName}] Confirm your subscription`;
  const text = [
    `Someone (hopefully you) asked to receive ${pageName} status updates at this address.`,
    "",
    `Confirm within 48 hours: ${confirmUrl}`,
    "",
    "If it was not you, ignore this email: nothing will be sent without confirmation.",
  ].join("\n");
  const html = `<!DOCTYPE html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<p>Someone (hopefully you) asked to receive ${escapeHtml(pageName)} status updates at this address.</p>
<p><a href="${escapeHtml(confirmUrl)}" style="display:inline-block;padding:8px 16px;background:#111;color:#fff;text-decoration:none;border-radius:4px">Confirm subscription</a></p>
<p style="font-size:12px;color:#666">The link works once, for 48 hours. If it was not you, ignore this email: nothing will be sent without confirmation.</p>
</body></html>`;
  return { subject, text, html };
}

export const confirmationSms = (pageName: string, code: string) =>
  `${code} is your ${pageName} status updates code. It expires in 48 hours. Reply STOP to opt out.`;

export { escapeHtml };
