import type { ComponentStatus } from "../db/schema";
import { badRequest } from "../errors";
import type { FieldMap, FormProblem } from "../text/refusals";

// Console forms as the admin API's JSON bodies. The API validates them: these only translate field names
// and the few shapes HTML forms cannot send (lists, numbers, times typed in a zone).

export type FormFields = Record<string, string | File | (string | File)[]>;

/** Browsers send a textarea's line breaks as CRLF; the JSON API's texts hold LF. */
export const lineFeeds = (value: string) => value.replace(/\r\n?/g, "\n");

/** A field as typed, without the whitespace around it. */
const asTyped = (value: string) => lineFeeds(value).trim();

export const one = (form: FormFields, name: string): string => {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? asTyped(first) : "";
};

export const all = (form: FormFields, name: string): string[] =>
  [form[name] ?? []].flat().filter((v): v is string => typeof v === "string" && v.trim() !== "").map(asTyped);

const checked = (form: FormFields, name: string) => one(form, name) === "on";

/** The version of what an edit form showed (`_version`, see ConsoleForm), when it carries one. */
export function formVersion(form: FormFields): number | undefined {
  const sent = one(form, "_version");
  return /^\d{1,15}$/.test(sent) ? Number(sent) : undefined;
}

/** Minutes a zone is behind UTC at an instant (what getTimezoneOffset says), from Intl. */
function zoneOffsetMinutes(timeZone: string, ms: number): number {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(ms);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
    return Math.round((Math.floor(ms / 60_000) * 60_000 - local) / 60_000);
  } catch {
    return 0;
  }
}

/**
 * A `datetime-local` value as an ISO instant. The script sends the browser's offset at that very time
 * (`tz_offset:<field>`, or the form's `tz_offset`); without it the time is read in the page's time zone,
 * which the form names next to the field.
 */
export function localTime(form: FormFields, name: string, pageZone: string): string | null | undefined {
  const value = one(form, name);
  if (!value) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return value; // The API says what is wrong with it.
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s!);
  // What getTimezoneOffset can say: from UTC+14 (-840) to UTC-12 (720); anything else is no offset sent.
  const sent = [one(form, `tz_offset:${name}`), one(form, "tz_offset")].find((v) => /^-?\d{1,3}$/.test(v) && Number(v) >= -840 && Number(v) <= 720);
  const offset = sent !== undefined ? Number(sent) : zoneOffsetMinutes(pageZone, asUtc);
  return new Date(asUtc + offset * 60_000).toISOString();
}

/**
 * An ETA: "in N minutes" from the quick choice, or an exact time; "clear" clears it. A choice the form never
 * offers goes to the API as it came, which refuses it, rather than being read as no ETA.
 */
export function etaFrom(form: FormFields, pageZone: string, now: number): string | null | undefined {
  const exact = localTime(form, "eta", pageZone);
  const inMinutes = one(form, "eta_in");
  // A time and a choice from the list (or "Remove the estimate") say two things: neither is taken for the other.
  if (exact && inMinutes !== "") {
    throw badRequest("Give the expected resolution as a time or as a choice from the list, not both.", [
      { path: "estimated_resolution", message: "must be a time or a choice from the list, not both", code: "one_of_two" },
    ]);
  }
  if (exact) return exact;
  if (inMinutes === "") return undefined;
  if (inMinutes === "clear") return null;
  if (/^\d{1,5}$/.test(inMinutes) && Number(inMinutes) > 0) return new Date(now + Number(inMinutes) * 60_000).toISOString();
  return inMinutes;
}

/**
 * Per-component selects named `component:<id>`: "" leaves it out, a status sets what it shows. Any other value
 * (or the field sent twice) goes to the API as it came, which refuses it: never read as "left out".
 */
export function affectedFrom(form: FormFields): { id: string; status: ComponentStatus }[] {
  const out: { id: string; status: ComponentStatus }[] = [];
  for (const [key, value] of Object.entries(form)) {
    if (!key.startsWith("component:") || value === "") continue;
    const status = typeof value === "string" ? value : "(sent more than once)";
    out.push({ id: key.slice("component:".length), status: status as ComponentStatus });
  }
  return out;
}

/** The notify choice: a checkbox that is on unless the admin unticks it. */
export const notifyFrom = (form: FormFields) => checked(form, "notify");

export function openIncidentBody(form: FormFields, pageZone: string, now: number) {
  const eta = etaFrom(form, pageZone, now);
  return {
    title: one(form, "title"),
    description: one(form, "message"),
    severity: one(form, "severity") || "minor",
    status: one(form, "status") || "investigating",
    affected_components: affectedFrom(form),
    ...(eta ? { estimated_resolution: eta } : {}),
    notify: notifyFrom(form),
  };
}

/** What the component picker showed when drawn (`components_was`: "id=status,..."), for a form that says. */
export const pickerShown = (links: { id: string; status: string }[]) => links.map((l) => `${l.id}=${l.status}`).join(",");

function drawnLinks(form: FormFields): Map<string, string> | null {
  if (typeof form.components_was !== "string") return null;
  const pairs = form.components_was.split(",").filter(Boolean).map((pair) => pair.split("=") as [string, string]);
  return new Map(pairs.filter(([id, status]) => id && status));
}

/**
 * An update's component changes: only what the admin changed in the picker, from what it showed when drawn,
 * applied to the incident's components as they are now. Another admin's change made meanwhile to a
 * component this admin did not touch stays; a picker left as drawn changes nothing. The status likewise: left
 * as drawn (`status_was`), it is the incident's status now, not the one another admin's update moved it from.
 */
export function incidentUpdateBody(form: FormFields, pageZone: string, now: number, incident: { status: string; components: { id: string; status: string }[] }) {
  const current = incident.components;
  const eta = etaFrom(form, pageZone, now);
  const sent = new Map(affectedFrom(form).map((l) => [l.id, l.status] as const));
  const drawn = drawnLinks(form) ?? new Map(current.map((l) => [l.id, l.status]));
  const touched = [...new Set([...drawn.keys(), ...sent.keys()])].filter((id) => drawn.get(id) !== sent.get(id));
  const next = new Map(current.map((l) => [l.id, l.status]));
  for (const id of touched) {
    const status = sent.get(id);
    if (status === undefined) next.delete(id);
    else next.set(id, status);
  }
  return {
    message: one(form, "message"),
    status: statusChosen(form, incident.status),
    ...(eta !== undefined ? { estimated_resolution: eta } : {}),
    ...(touched.length ? { affected_components: [...next].map(([id, status]) => ({ id, status })) } : {}),
    notify: notifyFrom(form),
  };
}

/** The status an update form asks for: the incident's as it is now when the form's was left as drawn. */
function statusChosen(form: FormFields, now: string): string {
  const sent = one(form, "status") || "investigating";
  return typeof form.status_was === "string" && form.status_was === sent ? now : sent;
}

export function resolveBody(form: FormFields) {
  const message = one(form, "message");
  return { root_cause: one(form, "root_cause"), resolution: one(form, "resolution"), ...(message ? { message } : {}), notify: notifyFrom(form) };
}

export function editIncidentBody(form: FormFields) {
  // A resolved incident's form also has its root cause and resolution (one Beacon resolved has none yet).
  // Left empty, each is not sent, unless the form says it was written: emptied then, it is refused as empty.
  const written = one(form, "written").split(" ");
  const rootCause = one(form, "root_cause");
  const resolution = one(form, "resolution");
  return {
    title: one(form, "title"),
    description: one(form, "message"),
    severity: one(form, "severity"),
    ...(rootCause || written.includes("root_cause") ? { root_cause: rootCause } : {}),
    ...(resolution || written.includes("resolution") ? { resolution } : {}),
  };
}

const timeOf = <K extends string>(form: FormFields, name: K, pageZone: string): { [key in K]?: string } => {
  const time = localTime(form, name, pageZone);
  return time ? ({ [name]: time } as { [key in K]: string }) : {};
};

export function maintenanceBody(form: FormFields, pageZone: string) {
  return {
    notify: notifyFrom(form),
    title: one(form, "title"),
    description: one(form, "description"),
    // Left empty: not sent, so the answer is that it is required (not that "" is no time).
    ...timeOf(form, "scheduled_start", pageZone),
    ...timeOf(form, "scheduled_end", pageZone),
    components: all(form, "components"),
  };
}

export function templateBody(form: FormFields) {
  return {
    name: one(form, "name"),
    title: one(form, "title"),
    message: one(form, "message"),
    severity: one(form, "severity") || "minor",
    components: affectedFrom(form),
  };
}

// A sign too, so "-5" is refused by its field's bound ("at least 500") rather than as no number.
const int = (value: string) => (/^-?\d{1,6}$/.test(value) ? Number(value) : value === "" ? undefined : value);

export function componentBody(form: FormFields, editing: boolean) {
  const group = one(form, "group_id");
  const url = one(form, "monitor_url");
  const statuses = one(form, "expected_status");
  const regions = all(form, "regions");
  const monitor = url
    ? {
        type: "http",
        url,
        method: one(form, "monitor_method") || "GET",
        expected_status: statuses ? statuses.split(/[\s,]+/).filter(Boolean).map((s) => int(s)) : null,
        keyword: one(form, "keyword") || null,
        timeout_ms: int(one(form, "timeout_ms")) ?? 10_000,
        degraded_latency_ms: int(one(form, "degraded_latency_ms")) ?? null,
        // None ticked (or a form without the boxes): the page's default regions, and a majority of them.
        regions: regions.length ? regions : null,
        quorum: int(one(form, "quorum")) ?? null,
      }
    : editing
      ? null
      : undefined;
  const confirmations = int(one(form, "confirmations"));
  return {
    name: one(form, "name"),
    description: one(form, "description") || null,
    group_id: group || null,
    ...(monitor !== undefined ? { monitor } : {}),
    ...(confirmations !== undefined ? { confirmations } : {}),
  };
}

export function groupBody(form: FormFields) {
  return { name: one(form, "name"), description: one(form, "description") || null, collapsed: checked(form, "collapsed") };
}

// A refused form comes back as the same screen, filled in as it was sent, with the reasons in the console's
// words: each form names its fields as the API does (path) and as the screen does (field name and label).

export { plainProblems, saidByMessage, type FieldMap, type FormProblem, type ReceivedDetail } from "../text/refusals";

/** What a refused form comes back with: which form (its action), what was typed, and what is wrong. */
export interface Refill {
  action: string;
  values: FormFields;
  problems: FormProblem[];
  /**
   * Set when the form was drawn before another change: `values` then holds only the fields typed into (the
   * others show the record as it is now, so sending it again does not put back what that change replaced).
   */
  stale?: {
    /** What was sent, field by field, when the form could not say which fields were typed into. */
    sent: { label: string; text: string }[];
  };
}

/**
 * A form drawn before another change, as it comes back: the fields the script saw typed into (`_touched`)
 * as sent, the others left to the record as it is now. Without the script nothing says which were, so every
 * field shows the record, and what was sent is listed to copy back.
 */
export function staleRefill(action: string, form: FormFields, fields: FieldMap, problems: FormProblem[]): Refill {
  const touched = one(form, "_touched");
  if (touched) {
    const names = new Set(touched.split(",").slice(0, 200));
    // A box typed into and left unticked is not in the form at all: it comes back unticked, not as it is now.
    const values: FormFields = { ...Object.fromEntries([...names].map((name) => [name, form[name] ?? []])), _touched: touched };
    return { action, values, problems, stale: { sent: [] } };
  }
  const seen = new Set<string>();
  const sent = Object.values(fields).flatMap(([name, label]) => {
    const text = one(form, name).trim();
    if (!text || seen.has(name)) return [];
    seen.add(name);
    return [{ label, text }];
  });
  return { action, values: {}, problems, stale: { sent } };
}

export const OPEN_INCIDENT_FIELDS: FieldMap = {
  title: ["title", "Title"],
  description: ["message", "What is happening"],
  severity: ["severity", "Severity"],
  status: ["status", "Status"],
  affected_components: ["components", "Affected components"],
  estimated_resolution: ["eta", "Expected resolution"],
};
export const UPDATE_FIELDS: FieldMap = {
  message: ["message", "Message"],
  status: ["status", "Status"],
  affected_components: ["components", "Affected components"],
  estimated_resolution: ["eta", "Expected resolution"],
};
export const RESOLVE_FIELDS: FieldMap = { root_cause: ["root_cause", "Root cause"], resolution: ["resolution", "Resolution"], message: ["message", "Closing message"] };
export const EDIT_INCIDENT_FIELDS: FieldMap = {
  title: ["title", "Title"],
  description: ["message", "Description"],
  severity: ["severity", "Severity"],
  root_cause: ["root_cause", "Root cause"],
  resolution: ["resolution", "Resolution"],
};
export const EDIT_UPDATE_FIELDS: FieldMap = { message: ["message", "Message"] };
export const POSTMORTEM_FIELDS: FieldMap = { postmortem: ["postmortem", "Postmortem"] };
export const MAINTENANCE_FIELDS: FieldMap = {
  title: ["title", "Title"],
  description: ["description", "Description"],
  scheduled_start: ["scheduled_start", "Starts"],
  scheduled_end: ["scheduled_end", "Ends"],
  affected_components: ["components", "Components under maintenance"],
  components: ["components", "Components under maintenance"],
};
export const TEMPLATE_FIELDS: FieldMap = {
  name: ["name", "Template name"],
  title: ["title", "Incident title"],
  message: ["message", "Message"],
  severity: ["severity", "Severity"],
  components: ["components", "Affected components"],
};
export const COMPONENT_FIELDS: FieldMap = {
  name: ["name", "Name"],
  description: ["description", "Description"],
  group_id: ["group_id", "Group"],
  confirmations: ["confirmations", "Results that must agree"],
  monitor: ["monitor_url", "URL"],
  "monitor.url": ["monitor_url", "URL"],
  "monitor.method": ["monitor_method", "Method"],
  "monitor.expected_status": ["expected_status", "Expected status codes"],
  "monitor.keyword": ["keyword", "Keyword"],
  "monitor.timeout_ms": ["timeout_ms", "Timeout"],
  "monitor.degraded_latency_ms": ["degraded_latency_ms", "Degraded above"],
  "monitor.regions": ["regions", "Regions"],
  "monitor.quorum": ["quorum", "Regions that must see a failure"],
  auto_incidents: ["automatic_incidents", "Automatic incidents"],
};
export const GROUP_FIELDS: FieldMap = { name: ["name", "Name"], description: ["description", "Description"] };
