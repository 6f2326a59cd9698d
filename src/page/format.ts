import type { ComponentStatus } from "../db/schema";
import type { SnapshotComponent, SnapshotIncident, UptimeDay } from "../snapshot/types";
import { STATUS_LABELS, statusRank, worstStatus } from "../status";
import { plainProblems, type FieldMap, type ReceivedDetail } from "../text/refusals";

// Pure helpers that turn snapshot values into the words and classes the page shows.

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat) {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f;
}

/**
 * The tags beside a component's name, each shown while a field of the published component has a value. The
 * server draws them and the page script redraws them from the same table when a component changes.
 */
export const COMPONENT_TAGS = [
  { field: "monitored", shownWhen: false, label: "not monitored" },
  { field: "awaiting_first_check", shownWhen: true, label: "awaiting first check" },
] as const satisfies readonly { field: keyof SnapshotComponent; shownWhen: unknown; label: string }[];

export const componentTags = (c: SnapshotComponent): string[] =>
  COMPONENT_TAGS.filter((t) => c[t.field] === t.shownWhen).map((t) => t.label);

/** "Nov 27, 2026, 10:15 UTC" in the page's zone; the script rewrites it in the reader's. */
export function formatTime(ms: number, timeZone: string): string {
  return formatter(`t:${timeZone}`, () =>
    new Intl.DateTimeFormat("en-US", { timeZone, dateStyle: "medium", timeStyle: "short" }),
  ).format(ms) + ` ${zoneName(ms, timeZone)}`;
}

function zoneName(ms: number, timeZone: string): string {
  const parts = formatter(`z:${timeZone}`, () => new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" })).formatToParts(ms);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? timeZone;
}

/** A calendar day (YYYY-MM-DD) as "Nov 27", with the year only when it is not `thisYear`. */
export function formatDay(day: string, thisYear?: string): string {
  const withYear = day.slice(0, 4) !== thisYear;
  return formatter(`day:${withYear}`, () =>
    new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric", year: withYear ? "numeric" : undefined }),
  ).format(Date.parse(`${day}T00:00:00Z`));
}

/** A month key (YYYY-MM) of an instant in the page's zone, and its heading. */
export function monthOf(ms: number, timeZone: string): string {
  return formatter(`m:${timeZone}`, () => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" })).format(ms).slice(0, 7);
}

export function formatMonth(month: string): string {
  return formatter("month", () => new Intl.DateTimeFormat("en-US", { timeZone: "UTC", year: "numeric", month: "long" })).format(Date.parse(`${month}-01T00:00:00Z`));
}

export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) {
    const days = Math.floor(hours / 24);
    return hours % 24 ? `${days} days ${hours % 24} h` : `${days} days`;
  }
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** An incident's severity as the page says it: "minor impact", and "no impact" for none. */
export const impactText = (severity: string) => `${severity === "none" ? "no" : severity} impact`;

export const formatUptime = (uptime: number | null) => (uptime === null ? "no data" : uptime === 100 ? "100%" : `${uptime.toFixed(2)}%`);

export type DayLevel = "none" | "op" | "deg" | "par" | "maj" | "mnt";

const LEVEL_RANK: Record<DayLevel, number> = { none: 0, op: 1, mnt: 2, deg: 3, par: 4, maj: 5 };
const REPORTED_LEVEL: Record<ComponentStatus, DayLevel> = { operational: "op", degraded: "deg", partial_outage: "par", major_outage: "maj" };

/**
 * A bar cell's colour: the worse of the measured day and what its incidents reported. Measured, the day's
 * worst status, softened by how long it lasted (a major outage shorter than half an hour shows as partial);
 * grey without data, blue when maintenance was all there was.
 */
export function dayLevel(day: UptimeDay, reported: ComponentStatus = "operational"): DayLevel {
  const measured = measuredLevel(day);
  return statusRank(reported) > 0 && LEVEL_RANK[REPORTED_LEVEL[reported]] > LEVEL_RANK[measured] ? REPORTED_LEVEL[reported] : measured;
}

function measuredLevel(day: UptimeDay): DayLevel {
  if (day.worst_status === "under_maintenance") return "mnt";
  if (!day.has_data) return day.maintenance_seconds > 0 ? "mnt" : "none";
  switch (day.worst_status) {
    case "major_outage":
      return day.major_seconds >= 1800 ? "maj" : "par";
    case "partial_outage":
      return "par";
    case "degraded":
      return "deg";
    default:
      return "op";
  }
}

/** What a cell says of an incident-reported status, before the measured figures ("" when none was). */
export const reportedText = (reported: ComponentStatus) =>
  reported === "operational" ? "" : `${STATUS_LABELS[reported].toLowerCase()} reported in an incident; `;

/** What a bar cell says to a screen reader and in its tooltip: date, reported status, uptime, downtime, incidents. */
export function dayLabel(day: UptimeDay, incidents: Map<string, SnapshotIncident>, thisYear?: string, reported: ComponentStatus = "operational"): string {
  let label = `${formatDay(day.date, thisYear)}: ${reportedText(reported)}`;
  if (day.worst_status === "under_maintenance") {
    label += "under maintenance all day";
  } else if (day.has_data) {
    label += `${formatUptime(day.uptime)} uptime${reported === "operational" ? "" : " in automated checks"}`;
    if (day.downtime_seconds > 0) label += `, ${formatDuration(day.downtime_seconds)} down`;
  } else {
    label += day.maintenance_seconds > 0 ? `under maintenance ${formatDuration(day.maintenance_seconds)}, no data otherwise` : "no data";
  }
  const titles = day.incident_ids.map((id) => incidents.get(id)?.title).filter((t): t is string => !!t);
  if (titles.length) label += `; ${titles.length === 1 ? "incident" : `${titles.length} incidents`}: ${titles.join("; ")}`;
  return label;
}

/** A day's cell in a component's own (larger) bar: uptime, partial and major minutes, maintenance and that day's incidents. */
export function dayDetail(day: UptimeDay, incidents: Map<string, SnapshotIncident>, thisYear: string, reported: ComponentStatus = "operational"): string {
  const parts = [day.has_data ? `${formatUptime(day.uptime)} uptime${reported === "operational" ? "" : " in automated checks"}` : "no data"];
  if (day.major_seconds > 0) parts.push(`major outage ${formatDuration(day.major_seconds)}`);
  if (day.partial_seconds > 0) parts.push(`partial outage ${formatDuration(day.partial_seconds)}`);
  if (day.maintenance_seconds > 0) parts.push(`maintenance ${formatDuration(day.maintenance_seconds)}`);
  const titles = day.incident_ids.map((id) => incidents.get(id)?.title).filter((t): t is string => !!t);
  if (titles.length) parts.push(`${titles.length === 1 ? "incident" : `${titles.length} incidents`}: ${titles.join("; ")}`);
  return `${formatDay(day.date, thisYear)}: ${reportedText(reported)}${parts.join(", ")}`;
}

/** The subscribe form's typed fields, one per channel, named as the subscriptions API names them. */
export const SUBSCRIBE_TYPED_FIELDS = ["email", "phone", "webhook"] as const;
export type SubscribeTypedField = (typeof SUBSCRIBE_TYPED_FIELDS)[number];

/**
 * The typed field a refusal of the subscribe form is about (its first detail whose path names one), which
 * the form marks and says the refusal beside; none for a refusal about anything else (a limit, the boxes).
 */
export function refusedField(details: readonly { path: string }[] | undefined): SubscribeTypedField | null {
  for (const d of details ?? []) {
    const field = SUBSCRIBE_TYPED_FIELDS.find((f) => f === d.path.split(".")[0]);
    if (field) return field;
  }
  return null;
}

/** The id of the reason said beside a refused field of the subscribe form (page and script alike). */
export const subscribeErrorId = (field: SubscribeTypedField | "code") => `sub-${field}-error`;

/** What the subscribe form says when the address typed is not one (the API's validation refusal), per channel. */
export const SUBSCRIBE_FIELD_HELP = {
  email: "Enter a valid email address, like name@example.com.",
  phone: "Enter a mobile number in international format, like +14155550100.",
  webhook: "Enter a webhook URL that starts with https:// and points to a public host.",
} as const;

/** Refusals of a well-typed number that say why in their own words: typing it again differently would not help. */
const OWN_SENTENCE = new Set(["sms_country_not_allowed", "premium_rate_number"]);

/** A form whose component boxes name one component twice (only a hand-made post can). */
export const SUBSCRIBE_COMPONENTS_HELP = "Choose each component once.";

/** What the code step says when what was typed in its field is not a code at all (page and script alike). */
export const SUBSCRIBE_CODE_HELP = {
  phone: "Enter the 6-digit code from the text message.",
  webhook: "Paste the challenge from the subscription.ping your endpoint received.",
} as const;

/** Turnstile's widget fills its field only with scripts on. */
const TURNSTILE_HELP = "This page checks that you are a person before it subscribes anyone, which needs JavaScript: turn it on, reload the page and try again.";

/** The subscribe form's and code step's fields as the subscriptions API names them, with the page's labels. */
const SUBSCRIBE_FIELDS: FieldMap = {
  email: ["email", "Email address"],
  phone: ["phone", "Mobile number"],
  webhook: ["webhook", "Webhook URL"],
  component_changes: ["component_changes", "Component status changes"],
};

/**
 * A refusal of the subscribe form or of its code step in the page's words: the field typed by hand (address
 * or code) and the component boxes said as what to do, everything else in the words the console uses, each
 * said once.
 */
export function subscribeRefusal(error: { message?: string; details?: ReceivedDetail[] }, channel: keyof typeof SUBSCRIBE_FIELD_HELP, at: (ms: number) => string): string {
  const said: string[] = [];
  const rest: ReceivedDetail[] = [];
  for (const d of error.details ?? []) {
    const field = d.path.split(".")[0];
    if (field === channel && !OWN_SENTENCE.has(d.code ?? "")) said.push(SUBSCRIBE_FIELD_HELP[channel]);
    else if (field === "code" && channel !== "email") said.push(SUBSCRIBE_CODE_HELP[channel]);
    else if (field === "components" && d.code !== "unknown_component") said.push(d.code === "duplicate" ? SUBSCRIBE_COMPONENTS_HELP : "Choose components from the list on the page.");
    else if (field === "turnstile_token") said.push(TURNSTILE_HELP);
    else rest.push(d);
  }
  if (rest.length || !said.length) said.push(...plainProblems({ message: error.message, details: rest }, SUBSCRIBE_FIELDS, at).map((p) => p.text));
  return [...new Set(said.map((text) => (/[.!?]$/.test(text) ? text : `${text}.`)))].join(" ");
}

/** The code step's field, per channel: SMS (a texted code) or a webhook (its ping's challenge). */
export const SUBSCRIBE_CODE_FIELDS = {
  phone: { label: "6-digit code from the SMS", numeric: true },
  webhook: { label: "Challenge from the subscription.ping", numeric: false },
} as const;

/** What the code step says, for a reader without scripts, and with them for a webhook. */
export const SUBSCRIBE_CODE_STEP = {
  phone: "If this number can be subscribed, we have texted it a 6-digit code. Enter it here to confirm.",
  webhook:
    "If this endpoint can be subscribed, it will receive a signed subscription.ping. Answering it with the challenge it carries confirms the subscription; an endpoint that cannot do that confirms it by pasting the challenge here.",
} as const;

/** What the form says once an SMS code is on its way; the code field follows it. */
export const SMS_CODE_SENT = "If this number can be subscribed, we have texted it a 6-digit code. Enter it below to confirm.";
