import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import {
  incidentGuardedInsert,
  insertIncident,
  insertIncidentUpdate,
  managedIncidentUpdate,
  upsertIncidentLinks,
} from "../db/queries/incidents";
import { statusChangeStatements, type StatusState } from "../db/queries/status-state";
import type { AutoIncidentSettings, ComponentStatus, IncidentStatus, Severity } from "../db/schema";
import { auditLog, events, incidentUpdates } from "../db/schema";
import { autoIncidentDefaultsInput } from "../schemas";
import { iso } from "../time";
import { statusRank } from "../status";
import { insertAudit } from "../db/queries/audit";
import { auditRow } from "./audit";
import { AUTOMATION } from "./change";

// Automatic incidents: the checks open, update and resolve an incident once they agree, and hand it to a
// person as soon as one edits it. Deciding is pure (what the round's statuses mean for the incidents);
// writing turns the decisions into statements for the round's own batch.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** At most one automatic update per component in this long, so a wobbling check does not spam readers. */
export const AUTO_UPDATE_INTERVAL_MS = 5 * MINUTE;

export interface AutoIncidentConfig {
  enabled: boolean;
  openAfterMs: number;
  resolveAfterMs: number;
  reopenWithinMs: number;
  /** null: degraded alone opens nothing. */
  openOnDegradedAfterMs: number | null;
  template: { title: string; message: string };
}

export interface AutoIncidentDefaults extends AutoIncidentConfig {
  groupWindowMs: number;
}

export const DEFAULT_TEMPLATE = {
  title: "{component} is {status}",
  message: "Our checks have found {component} {status} since {since}: {checks}. We are looking into it.",
};

const BUILT_IN: AutoIncidentDefaults = {
  enabled: true,
  openAfterMs: 120 * SECOND,
  resolveAfterMs: 300 * SECOND,
  reopenWithinMs: 600 * SECOND,
  openOnDegradedAfterMs: null,
  template: DEFAULT_TEMPLATE,
  groupWindowMs: 120 * SECOND,
};

function applySettings<T extends AutoIncidentConfig>(base: T, own: AutoIncidentSettings | null | undefined): T {
  if (!own) return base;
  return {
    ...base,
    ...(own.enabled !== undefined && { enabled: own.enabled }),
    ...(own.open_after_seconds !== undefined && { openAfterMs: own.open_after_seconds * SECOND }),
    ...(own.resolve_after_seconds !== undefined && { resolveAfterMs: own.resolve_after_seconds * SECOND }),
    ...(own.reopen_within_seconds !== undefined && { reopenWithinMs: own.reopen_within_seconds * SECOND }),
    ...(own.open_on_degraded_after_seconds !== undefined && {
      openOnDegradedAfterMs: own.open_on_degraded_after_seconds === null ? null : own.open_on_degraded_after_seconds * SECOND,
    }),
    ...(own.template && { template: own.template }),
  };
}

/**
 * The page-wide default from AUTO_INCIDENTS: unset or "on" keeps the built-in defaults, "off" switches
 * automatic incidents off for every component that does not turn them on itself, and a JSON object sets
 * any of a component's keys plus `group_window_seconds`. A value that cannot be read keeps the defaults.
 */
export function autoIncidentDefaults(value: string | undefined): AutoIncidentDefaults {
  const text = (value ?? "").trim();
  if (!text || /^(on|true|1|yes)$/i.test(text)) return BUILT_IN;
  if (/^(off|false|0|no)$/i.test(text)) return { ...BUILT_IN, enabled: false };
  try {
    const parsed = autoIncidentDefaultsInput.safeParse(JSON.parse(text));
    if (!parsed.success) throw parsed.error;
    const { group_window_seconds, ...own } = parsed.data;
    const merged = applySettings(BUILT_IN, own);
    return group_window_seconds === undefined ? merged : { ...merged, groupWindowMs: group_window_seconds * SECOND };
  } catch (err) {
    console.error("AUTO_INCIDENTS is neither on, off nor a valid settings object; using the defaults", err);
    return BUILT_IN;
  }
}

export const componentAutoConfig = (defaults: AutoIncidentDefaults, own: AutoIncidentSettings | null | undefined): AutoIncidentConfig =>
  applySettings(defaults, own);

/** The settings in the API's words (what the admin view of a component shows). */
export function autoConfigView(config: AutoIncidentConfig) {
  return {
    enabled: config.enabled,
    open_after_seconds: config.openAfterMs / SECOND,
    resolve_after_seconds: config.resolveAfterMs / SECOND,
    reopen_within_seconds: config.reopenWithinMs / SECOND,
    open_on_degraded_after_seconds: config.openOnDegradedAfterMs === null ? null : config.openOnDegradedAfterMs / SECOND,
    template: config.template,
  };
}


/** A monitored component as the round left it. */
export interface WatchedComponent {
  id: string;
  name: string;
  /** The agreed (damped) status and since when it holds: the backdated first failing check. */
  status: ComponentStatus;
  since: number;
  /** False when the check has nothing to observe: such a component opens nothing. */
  observed: boolean;
  inMaintenance: boolean;
  /** Already in an open incident Beacon does not manage (written or taken over by a person). */
  heldByPerson: boolean;
  config: AutoIncidentConfig;
  /** What the latest check saw, in plain words. */
  checks: string;
  /** The latest check passed: a recovery may be on its way, so nothing opens on this round. */
  latestPassed: boolean;
}

export interface ManagedLink {
  componentId: string;
  status: ComponentStatus;
  announcedStatus: ComponentStatus | null;
  announcedAt: number | null;
}

/** An automatic incident no person has taken over: open, or resolved by Beacon (it may reopen). */
export interface ManagedIncident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  startedAt: number;
  resolvedAt: number | null;
  links: ManagedLink[];
  /**
   * The component it was opened for, whose template filled its title, and the worst status its link has had:
   * what the title says, since the title is filled again whenever that component gets worse than ever.
   */
  opener?: { componentId: string; worst: ComponentStatus } | null;
}

export interface PlannedLink {
  componentId: string;
  status: ComponentStatus;
  /** Set when this round's message tells readers about the component. */
  announced: boolean;
}

export type AutoIncidentPlan =
  | { kind: "open"; title: string; startedAt: number; severity: Severity; message: string; links: PlannedLink[]; lines: string[] }
  /** An update without lines (message "") writes only a new severity or title: no update, no notification. */
  | { kind: "update" | "reopen"; incident: ManagedIncident; title: string; severity: Severity; message: string; links: PlannedLink[]; lines: string[] }
  | { kind: "resolve"; incident: ManagedIncident; message: string; links: PlannedLink[] };

const SEVERITY_FOR: Record<ComponentStatus, Severity> = { operational: "none", degraded: "minor", partial_outage: "major", major_outage: "critical" };
const SEVERITY_RANK: Record<Severity, number> = { none: 0, minor: 1, major: 2, critical: 3 };
const STATUS_WORDS: Record<ComponentStatus, string> = {
  operational: "operational",
  degraded: "degraded",
  partial_outage: "partly down",
  major_outage: "down",
};

const isOpen = (status: IncidentStatus) => status === "investigating" || status === "identified" || status === "monitoring";
const worseSeverity = (a: Severity, b: Severity) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a);

export const clockTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;

export function formatMinutes(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE));
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  return `${hours} hours`;
}

export function fillTemplate(template: string, c: Pick<WatchedComponent, "name" | "status" | "since" | "checks">): string {
  const values: Record<string, string> = { component: c.name, status: STATUS_WORDS[c.status], since: clockTime(c.since), checks: c.checks };
  return template.replace(/\{(component|status|since|checks)\}/g, (_, key: string) => values[key]!);
}

/** An incident title's and a message's lengths, as the API holds any title and message to. */
const TITLE_MAX = 200;
const MESSAGE_MAX = 10_000;

/** Text no longer than `max`, cut with an ellipsis (never inside a surrogate pair), so it can be sent back unchanged. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, "").trimEnd()}…`;
}

/**
 * The title of an incident a template opens: one line (settings saved before titles had to be single lines
 * may still hold a break, and a title is a subject line), and no longer than any title may be, however long
 * the names it repeats: cut with an ellipsis, so that it can be sent back unchanged.
 */
export function incidentTitle(template: string, c: Pick<WatchedComponent, "name" | "status" | "since" | "checks">): string {
  return cut(fillTemplate(template, c).replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ").trim(), TITLE_MAX);
}

/**
 * When a failing component's outage clock starts: its first failing check, or what restarted it since then:
 * a person resolving an incident about it, or the end of the latest maintenance window that covered it (one
 * still in progress ends now). Maintenance is not downtime, so a failure during a window neither counts
 * toward open_after_seconds nor dates the incident. A person who resolves an incident while the checks still
 * fail has said that incident is over: what the checks go on to see is news only after open_after_seconds,
 * and a new incident never starts before the one they closed ended (its time is that incident's).
 */
export function outageSince(since: number, windows: { from: number; to: number | null }[], at: number, resolvedByPerson: number | null = null): number {
  const start = resolvedByPerson !== null && resolvedByPerson > since ? resolvedByPerson : since;
  return windows.reduce((from, w) => (w.from < at && (w.to ?? at) > from ? Math.min(w.to ?? at, at) : from), start);
}

/** Whether a component's agreed status has lasted long enough to open (or join, or reopen) an incident. */
function isDue(c: WatchedComponent, at: number): boolean {
  if (!c.observed || !c.config.enabled || c.inMaintenance || c.heldByPerson || c.latestPassed) return false;
  if (c.status === "partial_outage" || c.status === "major_outage") return at - c.since >= c.config.openAfterMs;
  if (c.status === "degraded" && c.config.openOnDegradedAfterMs !== null) return at - c.since >= c.config.openOnDegradedAfterMs;
  return false;
}

function changeLine(c: WatchedComponent, before: ComponentStatus): string {
  if (c.status === "operational") {
    return `Checks on ${c.name} have passed since ${clockTime(c.since)}; the incident resolves once they have passed for ${formatMinutes(c.config.resolveAfterMs)}.`;
  }
  const direction = statusRank(c.status) > statusRank(before) ? "got worse" : "improved";
  return `${c.name} ${direction}: now ${STATUS_WORDS[c.status]} (${c.checks}).`;
}

/**
 * What this round means for automatic incidents. Open ones follow their components: a higher severity and a
 * title that fits at once when one gets worse, an update when one gets worse or better (at most one per
 * component per AUTO_UPDATE_INTERVAL_MS), resolution once every
 * component has passed for its resolve time. A component that has failed long enough reopens the
 * incident Beacon resolved for it within its reopen window, else joins an open one that started within
 * the group window, else opens a new one.
 */
export function decideAutoIncidents(input: {
  components: WatchedComponent[];
  incidents: ManagedIncident[];
  at: number;
  groupWindowMs: number;
}): AutoIncidentPlan[] {
  const { at, groupWindowMs } = input;
  const byId = new Map(input.components.map((c) => [c.id, c]));
  const plans: AutoIncidentPlan[] = [];
  const linked = new Set<string>();
  const planFor = new Map<string, Extract<AutoIncidentPlan, { kind: "update" | "reopen" }>>();
  const current = (link: ManagedLink) => {
    const c = byId.get(link.componentId);
    return c?.observed ? c.status : link.status;
  };

  for (const incident of input.incidents.filter((i) => isOpen(i.status))) {
    for (const link of incident.links) linked.add(link.componentId);
    // A component without a result this round (its monitor removed, its check no longer configured, regions
    // that could not agree) has not passed: no data never resolves anything.
    const passing = incident.links.map((l) => byId.get(l.componentId));
    const passed = passing.every((c) => c?.observed === true && c.status === "operational" && at - c.since >= c.config.resolveAfterMs);
    if (passed) {
      const shortest = passing.length ? Math.min(...passing.map((c) => at - c!.since)) : 0;
      plans.push({
        kind: "resolve",
        incident,
        message: passing.length ? `Checks have passed for ${formatMinutes(shortest)}. Resolved automatically.` : "Resolved automatically.",
        links: incident.links.map((l) => ({ componentId: l.componentId, status: current(l), announced: false })),
      });
      continue;
    }
    const lines: string[] = [];
    const links = incident.links.map((link) => {
      const c = byId.get(link.componentId);
      const told = link.announcedStatus ?? link.status;
      const mayTell = link.announcedAt === null || at - link.announcedAt >= AUTO_UPDATE_INTERVAL_MS;
      const announced = Boolean(c?.observed && c.status !== told && mayTell);
      if (announced) lines.push(changeLine(c!, told));
      return { componentId: link.componentId, status: current(link), announced };
    });
    const plan = { kind: "update" as const, incident, title: incident.title, severity: incident.severity, message: "", links, lines };
    planFor.set(incident.id, plan);
  }

  const due = input.components.filter((c) => !linked.has(c.id) && isDue(c, at)).sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  const opened: Extract<AutoIncidentPlan, { kind: "open" }>[] = [];
  for (const c of due) {
    const link: PlannedLink = { componentId: c.id, status: c.status, announced: true };
    const back = input.incidents
      .filter((i) => i.status === "resolved" && i.resolvedAt !== null && i.links.some((l) => l.componentId === c.id))
      .filter((i) => c.since - i.resolvedAt! <= c.config.reopenWithinMs)
      .sort((a, b) => b.resolvedAt! - a.resolvedAt!)[0];
    if (back) {
      const existing = planFor.get(back.id);
      if (existing) {
        existing.links = existing.links.map((l) => (l.componentId === c.id ? link : l));
        existing.lines.push(`${c.name} is ${STATUS_WORDS[c.status]} again (${c.checks}).`);
      } else {
        const links = back.links.map((l) => (l.componentId === c.id ? link : { componentId: l.componentId, status: current(l), announced: false }));
        planFor.set(back.id, { kind: "reopen", incident: back, title: back.title, severity: back.severity, message: "", links, lines: [`The problem is back: ${c.name} is ${STATUS_WORDS[c.status]} again since ${clockTime(c.since)} (${c.checks}).`] });
      }
      continue;
    }
    const near = (startedAt: number) => Math.abs(c.since - startedAt) <= groupWindowMs;
    const joinNew = opened.find((p) => near(p.startedAt));
    if (joinNew) {
      joinNew.links.push(link);
      joinNew.lines.push(`${c.name} is also ${STATUS_WORDS[c.status]} (${c.checks}).`);
      continue;
    }
    const joinOpen = [...planFor.values()].find((p) => p.kind === "update" && near(p.incident.startedAt));
    if (joinOpen) {
      joinOpen.links.push(link);
      joinOpen.lines.push(`${c.name} is also affected: ${STATUS_WORDS[c.status]} since ${clockTime(c.since)} (${c.checks}).`);
      continue;
    }
    opened.push({
      kind: "open",
      title: incidentTitle(c.config.template.title, c),
      startedAt: c.since,
      severity: SEVERITY_FOR[c.status],
      message: "",
      links: [link],
      lines: [fillTemplate(c.config.template.message, c)],
    });
  }

  // Severity and title follow the components at once, as the links do: they are not messages, so no update
  // line is due for them (a line waits for its turn, and says it then). Neither goes back down while the
  // incident lasts: its impact, and what its title says, is the worst it reached.
  for (const plan of [...planFor.values(), ...opened]) {
    const worst = plan.links.reduce<Severity>((s, l) => worseSeverity(s, SEVERITY_FOR[l.status]), "none");
    plan.severity = plan.kind === "open" ? worst : worseSeverity(plan.severity, worst);
    if (plan.kind !== "open") plan.title = refilledTitle(plan.incident, byId) ?? plan.title;
    const changed = plan.kind !== "open" && (plan.severity !== plan.incident.severity || plan.title !== plan.incident.title);
    if (!plan.lines.length && !changed) continue;
    // A template's names repeated, or many components joining one incident, can outgrow what an admin may write.
    plan.message = cut(plan.lines.join(" "), MESSAGE_MAX);
    plans.push(plan);
  }
  return plans;
}

/**
 * An automatic incident's title filled again from its template, when the component it was opened for is now
 * worse than its title says ("Slowpoke is degraded" once Slowpoke is down); null while the title still fits.
 */
function refilledTitle(incident: ManagedIncident, byId: Map<string, WatchedComponent>): string | null {
  const c = incident.opener ? byId.get(incident.opener.componentId) : undefined;
  if (!c?.observed || !incident.opener || statusRank(c.status) <= statusRank(incident.opener.worst)) return null;
  // A title that should name the component and does not was not opened for it: link history written before
  // joins were recorded in order (migration 0027) cannot say which component came first.
  if (c.config.template.title.includes("{component}") && !incident.title.includes(c.name)) return null;
  return incidentTitle(c.config.template.title, c);
}

/**
 * Links of open automatic incidents whose status no longer matches what the checks agreed: the link
 * follows at once, so an incident never holds a component worse than its checks.
 */
export function followedLinks(incidents: ManagedIncident[], statusOf: (componentId: string) => ComponentStatus | null) {
  const moved: { incidentId: string; componentId: string; status: ComponentStatus }[] = [];
  for (const incident of incidents) {
    if (!isOpen(incident.status)) continue;
    for (const link of incident.links) {
      const status = statusOf(link.componentId);
      if (status !== null && status !== link.status) moved.push({ incidentId: incident.id, componentId: link.componentId, status });
    }
  }
  return moved;
}


function eventPayload(incident: { id: string; title: string; severity: Severity }, status: IncidentStatus, message: string, affected: { id: string; name: string; status: ComponentStatus }[]) {
  return { incident_id: incident.id, title: incident.title, severity: incident.severity, status, message, estimated_resolution: null, automatic: true, affected_components: affected };
}

/** The components a plan links, with their names, in page order (state.components' order): what its notification names. */
function affectedComponents(state: StatusState, links: PlannedLink[]) {
  const place = new Map(state.components.map((c, i) => [c.id, i]));
  const names = new Map(state.components.map((c) => [c.id, c.name]));
  return [...links]
    .sort((a, b) => (place.get(a.componentId) ?? 0) - (place.get(b.componentId) ?? 0))
    .map((l) => ({ id: l.componentId, name: names.get(l.componentId) ?? "", status: l.status }));
}

/**
 * The statements that carry out a round's plans, for the round's own batch. Every write to an existing
 * incident holds only while no person has taken it over and its status is the one the plan started from,
 * so an admin acting during the round wins and the round changes nothing of theirs.
 */
export function autoIncidentStatements(
  db: Database,
  plans: AutoIncidentPlan[],
  state: StatusState,
  opts: { now: number },
): { statements: Statement[]; eventIds: string[]; state: StatusState; toldIn: Map<string, string> } {
  const { now } = opts;
  const statements: Statement[] = [];
  const eventIds: string[] = [];
  const toldIn = new Map<string, string>();
  let current = state;

  for (const plan of plans) {
    const incidentId = plan.kind === "open" ? crypto.randomUUID() : plan.incident.id;
    const from: IncidentStatus = plan.kind === "open" ? "investigating" : plan.incident.status;
    const to: IncidentStatus = plan.kind === "resolve" ? "resolved" : plan.kind === "reopen" ? "investigating" : from;
    const severity = plan.kind === "resolve" ? plan.incident.severity : plan.severity;
    const title = plan.kind === "resolve" ? plan.incident.title : plan.title;
    // A new severity or title alone: the incident changes, and nobody is sent a message about it.
    const silent = plan.kind === "update" && plan.message === "";
    const links = plan.links.map((l) => ({ componentId: l.componentId, status: l.status, ...(l.announced ? { announcedStatus: l.status, announcedAt: now } : {}) }));
    const openLinks = current.openLinks.filter((l) => l.incidentId !== incidentId);
    const next: StatusState = {
      ...current,
      openLinks: to === "resolved" ? openLinks : [...openLinks, ...plan.links.map((l) => ({ incidentId, componentId: l.componentId, status: l.status }))],
    };
    const changes = statusChangeStatements(db, current, next, { source: "incident", referenceId: incidentId, at: now, now });
    current = next;
    const type = plan.kind === "open" ? "incident.created" : plan.kind === "resolve" ? "incident.resolved" : "incident.updated";
    const eventId = crypto.randomUUID();
    const event = {
      id: eventId,
      type,
      payload: { ...eventPayload({ id: incidentId, title, severity }, to, plan.message, affectedComponents(current, plan.links)), ...(plan.kind === "resolve" && { root_cause: null, resolution: null }) },
      componentIds: plan.links.map((l) => l.componentId),
      createdAt: now,
    };
    const update = { id: crypto.randomUUID(), incidentId, status: to, message: plan.message, estimatedResolution: null, createdBy: null, createdAt: now, updatedAt: now };

    if (plan.kind === "open") {
      statements.push(
        insertIncident(db, { id: incidentId, title, description: plan.message, status: "investigating", severity, startedAt: plan.startedAt, automatic: true, createdBy: null, createdAt: now, updatedAt: now }),
        insertIncidentUpdate(db, { id: update.id, incidentId, status: to, message: plan.message, estimatedResolution: null, createdBy: null, at: now }),
        ...upsertIncidentLinks(db, incidentId, links, now),
        db.insert(events).values(event),
      );
    } else {
      statements.push(
        managedIncidentUpdate(db, incidentId, from, {
          status: to,
          severity,
          ...(title !== plan.incident.title && { title }),
          updatedAt: now,
          ...(plan.kind === "resolve" && { resolvedAt: now }),
          ...(plan.kind === "reopen" && { resolvedAt: null, resolution: null }),
        }),
        ...upsertIncidentLinks(db, incidentId, links, now, { status: to, updatedAt: now }),
        ...(silent
          ? []
          : [incidentGuardedInsert(db, incidentUpdates, update, { incidentId, status: to, updatedAt: now }), incidentGuardedInsert(db, events, event, { incidentId, status: to, updatedAt: now })]),
      );
    }
    // Recorded as any admin's write is, under Beacon's name, and only if the round's move happened.
    const entry = {
      action: silent ? "incident.edit" : `incident.${plan.kind}`,
      entityType: "incident" as const,
      entityId: incidentId,
      before: plan.kind === "open" ? null : { title: plan.incident.title, status: from, severity: plan.incident.severity, components: plan.incident.links.map((l) => ({ id: l.componentId, status: l.status })) },
      after: { title, status: to, severity, components: plan.links.map((l) => ({ id: l.componentId, status: l.status })), ...(!silent && { update: { status: to, message: plan.message } }) },
    };
    const audit = auditRow(AUTOMATION, entry, now);
    statements.push(plan.kind === "open" ? insertAudit(db, audit) : incidentGuardedInsert(db, auditLog, audit, { incidentId, status: to, updatedAt: now }));
    statements.push(...changes.statements);
    eventIds.push(...(silent ? [] : [eventId]), ...changes.eventIds);
    // A resolution says every component is back; an update, those whose lines it carries.
    for (const l of plan.links) if (plan.kind === "resolve" || l.announced) toldIn.set(l.componentId, eventId);
  }
  return { statements, eventIds, state: current, toldIn };
}

/**
 * What the checks say about an incident's components, for the admin who owns it: "all checks passing for
 * 12 minutes", or which are still failing and since when.
 */
export function checksSuggestion(
  components: { id: string; name: string; monitored: boolean; status: ComponentStatus; since: number | null; lastCheckedAt: number | null }[],
  now: number,
) {
  const watched = components.filter((c) => c.monitored);
  const list = watched.map((c) => ({ id: c.id, name: c.name, status: c.status, since: iso(c.since) }));
  if (!watched.length) return { suggestion: null, components: list };
  const failing = watched.filter((c) => c.status !== "operational");
  // As of each component's latest check: that is what the checks have said so far.
  const lasted = (c: (typeof watched)[number]) => (c.since === null ? Number.POSITIVE_INFINITY : (c.lastCheckedAt ?? now) - c.since);
  if (!failing.length) {
    const shortest = Math.min(...watched.map(lasted));
    return { suggestion: Number.isFinite(shortest) ? `all checks passing for ${formatMinutes(shortest)}` : "all checks passing", components: list };
  }
  return { suggestion: `checks failing: ${failing.map((c) => `${c.name} ${STATUS_WORDS[c.status]} for ${formatMinutes(lasted(c))}`).join(", ")}`, components: list };
}
