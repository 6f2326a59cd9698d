import { inPageOrder, pageBlocks } from "../domain/page-order";
import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";
import type { ShownStatus } from "../db/schema";
import { isoMillis } from "../time";
import type { PageInfo, SnapshotComponent, SnapshotGroup, SnapshotIncident, SnapshotMaintenance } from "../snapshot/types";
import { currentEta } from "../snapshot/format";
import { STATUS_LABELS, worstStatus } from "../status";
import { renderMarkdown } from "../text/markdown";
import { componentTags, dayLabel, dayLevel, formatTime, formatUptime, impactText, subscribeErrorId, type SubscribeTypedField } from "./format";

/** A status as icon (from the stylesheet), colour and words: never colour alone. */
export const Status: FC<{ status: ShownStatus }> = ({ status }) => (
  <span class={`st s-${status}`}>
    {STATUS_LABELS[status]}
  </span>
);

/** Admin text as its author wrote it: paragraphs, line breaks and the safe Markdown subset, nothing else. */
export const Written: FC<{ text: string | null | undefined }> = ({ text }) => (text ? <div class="md">{raw(renderMarkdown(text))}</div> : null);

/** UTC in the markup, readable text in the page's zone; the script shows the reader's zone. */
export const Time: FC<{ ms: number; page: PageInfo; rel?: boolean }> = ({ ms, page, rel }) => (
  <time datetime={isoMillis(ms)!} data-rel={rel ? "" : undefined}>
    {formatTime(ms, page.time_zone)}
  </time>
);

/** When a window really started and ended (or was called off), which Start now, Complete now and Cancel make differ from the plan. */
export const WhenItRan: FC<{ maintenance: Pick<SnapshotMaintenance, "started_at" | "completed_at" | "cancelled_at">; page: PageInfo }> = ({ maintenance: m, page }) => (
  <>
    {m.started_at ? (
      <p class="meta">
        Started <Time ms={m.started_at} page={page} />
        {m.completed_at ? (
          <>
            , completed <Time ms={m.completed_at} page={page} />
          </>
        ) : null}
      </p>
    ) : null}
    {m.cancelled_at ? (
      <p class="meta">
        Cancelled <Time ms={m.cancelled_at} page={page} />
      </p>
    ) : null}
  </>
);

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

// 90 cells per component are most of the page's bytes, so they are written as terse HTML (unquoted
// attributes, no optional end tags) rather than through JSX. Each is labelled: its tooltip is the label,
// shown by the stylesheet on hover and focus. A bar is one tab stop, today's cell; the script moves it with
// the arrow keys (90 stops per component would make the keyboard walk the whole page, and cost 5 KB).
const barCells = (component: SnapshotComponent, incidents: Map<string, SnapshotIncident>, thisYear: string) =>
  raw(
    component.days
      .map((day, i) => {
        const reported = day.reported_status;
        const level = dayLevel(day, reported);
        const focus = i === component.days.length - 1 ? " tabindex=0" : "";
        // Grey (no data) is the bar's default colour, so those cells need no class.
        return `<li${focus}${level === "none" ? "" : ` class=d-${level}`} aria-label="${escapeHtml(dayLabel(day, incidents, thisYear, reported))}">`;
      })
      .join(""),
  );

const uptimeFigure = (uptime: number | null) => (uptime === null ? "No data yet" : `${formatUptime(uptime)} uptime`);

export const UptimeBar: FC<{ component: SnapshotComponent; incidents: Map<string, SnapshotIncident> }> = ({ component, incidents }) => (
  <>
    <ol class="bar" aria-label={`${component.name}: daily uptime over the last ${component.days.length} days`}>
      {barCells(component, incidents, component.days.at(-1)?.date.slice(0, 4) ?? "")}
    </ol>
    <p class="bar-foot">
      <span>
        <span class="from90">{component.days.length} days ago</span>
        <span class="from30">30 days ago</span>
      </span>
      {/* A phone shows the last 30 days of the bar, and the figure for those 30 days beside them. */}
      <span>
        <span class="from90">{uptimeFigure(component.uptime["90_days"])}</span>
        <span class="from30">{uptimeFigure(component.uptime["30_days"])}</span>
      </span>
      <span>Today</span>
    </p>
  </>
);

const ComponentRow: FC<{ component: SnapshotComponent; incidents: Map<string, SnapshotIncident> }> = ({ component, incidents }) => (
  <li class="comp" data-component={component.id}>
    <div class="comp-head">
      <span class="comp-name">
        <a href={`/components/${component.id}`}>{component.name}</a>
        {componentTags(component).map((label) => <span class="tag">{label}</span>)}
      </span>
      <Status status={component.status} />
    </div>
    {component.description && <p class="muted">{component.description}</p>}
    <UptimeBar component={component} incidents={incidents} />
  </li>
);

/** Components in page order (pageBlocks: a group where its first component stands), groups collapsible. */
export const ComponentList: FC<{ components: SnapshotComponent[]; groups: SnapshotGroup[]; incidents: SnapshotIncident[] }> = ({
  components,
  groups,
  incidents,
}) => {
  const byIncident = new Map(incidents.map((i) => [i.id, i]));
  const groupById = new Map(groups.map((g) => [g.id, g]));
  const rows = components.map((component) => ({ id: component.id, groupId: component.group_id && groupById.has(component.group_id) ? component.group_id : null, component }));
  const blocks: Child[] = [];
  let loose: SnapshotComponent[] = [];
  const flushLoose = () => {
    if (loose.length) {
      blocks.push(
        <ul class="card comps">
          {loose.map((c) => (
            <ComponentRow component={c} incidents={byIncident} />
          ))}
        </ul>,
      );
    }
    loose = [];
  };
  for (const block of pageBlocks(rows)) {
    const members = block.members.map((m) => m.component);
    const group = block.groupId ? groupById.get(block.groupId) : undefined;
    if (!group) {
      loose.push(...members);
      continue;
    }
    flushLoose();
    blocks.push(
      <details class="card group" data-group={group.id} open={!group.collapsed}>
        <summary>
          <span class="name">{group.name}</span>
          <Status status={worstStatus(members.map((m) => m.status), "operational")} />
        </summary>
        <ul class="comps">
          {members.map((c) => (
            <ComponentRow component={c} incidents={byIncident} />
          ))}
        </ul>
      </details>,
    );
  }
  flushLoose();
  return <>{blocks}</>;
};

export const Legend: FC = () => (
  <ul class="legend" aria-label="Bar colours">
    <li><i class="d-op"></i>No downtime</li>
    <li><i class="d-deg"></i>Degraded</li>
    <li><i class="d-par"></i>Partial outage</li>
    <li><i class="d-maj"></i>Major outage</li>
    <li><i class="d-mnt"></i>Maintenance</li>
    <li><i class="d-none"></i>No data</li>
  </ul>
);

const Affected: FC<{ names: string[] }> = ({ names }) => (names.length ? <p class="affected">Affects: {names.join(", ")}</p> : null);

/** An incident's updates, newest first; each is an anchor the feeds link to (`#update-<id>`). */
export const Timeline: FC<{ incident: SnapshotIncident; page: PageInfo }> = ({ incident, page }) => (
  <ol class="timeline">
    {incident.updates.map((u) => (
      <li id={`update-${u.id}`} data-update={u.id} data-at={String(u.created_at)}>
        <strong>{u.status}</strong> <Time ms={u.created_at} page={page} rel />
        <Written text={u.message} />
      </li>
    ))}
  </ol>
);

/** An open incident as it shows on the front page (the script builds the same markup for live ones). */
export const Eta: FC<{ ms: number | null; page: PageInfo }> = ({ ms, page }) =>
  ms ? (
    <p class="meta">
      Estimated resolution: <Time ms={ms} page={page} />
    </p>
  ) : null;

/** Incidents the checks opened say so wherever they are shown. */
export const DetectedAutomatically: FC<{ incident: SnapshotIncident }> = ({ incident }) =>
  incident.automatic ? (
    <>
      {" "}
      · <span class="auto">Detected automatically</span>
    </>
  ) : null;

export const IncidentCard: FC<{ incident: SnapshotIncident; page: PageInfo }> = ({ incident, page }) => {
  const eta = currentEta(incident);
  return (
    <article class="card incident" data-incident={incident.id} data-severity={incident.severity} data-start={String(incident.started_at)}>
      <h3>
        <a href={`/incidents/${incident.id}`}>{incident.title}</a>
      </h3>
      <p class="meta">
        <span class="sev">{impactText(incident.severity)}</span> · <span class="sev">{incident.status}</span> · started{" "}
        <Time ms={incident.started_at} page={page} rel />
        <DetectedAutomatically incident={incident} />
      </p>
      <Eta ms={eta} page={page} />
      <Affected names={incident.components.map((c) => c.name)} />
      <Timeline incident={incident} page={page} />
    </article>
  );
};

export const MaintenanceCard: FC<{ maintenance: SnapshotMaintenance; page: PageInfo }> = ({ maintenance: m, page }) => (
  <article class="card maint" data-maintenance={m.id} data-start={String(m.started_at ?? m.scheduled_start)}>
    <h3>
      <a href={`/maintenance/${m.id}`}>{m.title}</a>
    </h3>
    <p class="meta">
      {m.status === "in_progress" ? "In progress" : "Scheduled"} · <Time ms={m.started_at ?? m.scheduled_start} page={page} /> to{" "}
      <Time ms={m.scheduled_end} page={page} />
    </p>
    <Affected names={m.components.map((c) => c.name)} />
    <Written text={m.description} />
  </article>
);

/** One line per incident, for the resolved list and the history. */
export const IncidentLine: FC<{ incident: SnapshotIncident; page: PageInfo }> = ({ incident, page }) => (
  <li data-line={incident.id} data-start={String(incident.started_at)}>
    <a href={`/incidents/${incident.id}`}>{incident.title}</a>
    <div class="meta">
      <span class="sev">{impactText(incident.severity)}</span> · <span class="sev">{incident.status}</span> ·{" "}
      <Time ms={incident.started_at} page={page} />
      {incident.resolved_at ? (
        <>
          {" "}
          to <Time ms={incident.resolved_at} page={page} />
        </>
      ) : null}
    </div>
  </li>
);

/** Cloudflare's Turnstile script; the page's CSP allows its host only when a site key is configured. */
export const TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";

/** The subscribe form's typed fields, one per channel. */
const SUBSCRIBE_INPUTS: { field: SubscribeTypedField; label: string; type: string; autocomplete?: string }[] = [
  { field: "email", label: "Email address", type: "email", autocomplete: "email" },
  { field: "phone", label: "Mobile number (international format, e.g. +14155550100)", type: "tel", autocomplete: "tel" },
  { field: "webhook", label: "Webhook URL (https)", type: "url" },
];

/** A sign-up the API refused, brought back as it was sent, with the reason beside the field it names. */
export interface RefusedSignUp {
  channel: SubscribeTypedField;
  address: string;
  componentChanges: boolean;
  field: SubscribeTypedField;
  reason: string;
}

export const SubscribeForm: FC<{ components: SnapshotComponent[]; turnstileSiteKey?: string; selected?: string[]; refused?: RefusedSignUp }> = ({
  components,
  turnstileSiteKey,
  selected = [],
  refused,
}) => (
  <form class="sub" method="post" action="/subscribe" data-api="/api/status/subscriptions">
    <fieldset>
      <legend>Notify me by</legend>
      <label>
        <input type="radio" name="channel" value="email" checked={(refused?.channel ?? "email") === "email"} /> Email
      </label>
      <label>
        <input type="radio" name="channel" value="phone" checked={refused?.channel === "phone"} /> SMS
      </label>
      <label>
        <input type="radio" name="channel" value="webhook" checked={refused?.channel === "webhook"} /> Webhook
      </label>
      {SUBSCRIBE_INPUTS.map(({ field, label, type, autocomplete }) => {
        // The refused field is marked, described by the reason said after it, and focused (as the script does).
        const wrong = refused?.field === field;
        return (
          <>
            <label class="field" data-channel={field}>
              <span>{label}</span>
              <input
                type={type}
                name={field}
                autocomplete={autocomplete}
                value={refused?.channel === field ? refused.address : undefined}
                aria-invalid={wrong ? "true" : undefined}
                aria-describedby={wrong ? subscribeErrorId(field) : undefined}
                autofocus={wrong}
              />
            </label>
            {wrong ? (
              <p class="field-error" id={subscribeErrorId(field)} data-channel={field}>
                {refused.reason}
              </p>
            ) : null}
          </>
        );
      })}
    </fieldset>
    <fieldset data-redraw="picker">
      <legend>Components (none or all checked: all of them, and any added later)</legend>
      {inPageOrder(components).map((c) => (
        <label>
          <input type="checkbox" name="components" value={c.id} checked={selected.includes(c.id)} /> {c.name}
        </label>
      ))}
      <label class="field">
        <input type="checkbox" name="component_changes" checked={refused?.componentChanges} /> Also tell me when a component's status changes without an incident
      </label>
    </fieldset>
    {turnstileSiteKey ? (
      <>
        {/* The widget adds a cf-turnstile-response field to this form, which both the script and the plain post send. */}
        <div class="cf-turnstile" data-sitekey={turnstileSiteKey}></div>
        <script src={TURNSTILE_SCRIPT} async defer></script>
      </>
    ) : null}
    <button type="submit">Subscribe</button>
    <p class="notice" role="status" aria-live="polite"></p>
  </form>
);

/**
 * When the data was made, kept current by the live script, which also reads the snapshot version here: a page
 * that draws parts of itself again from the server's markup (`data-redraw`) takes them only from a copy at
 * least as new as the change it heard of.
 */
export const LiveStamp: FC<{ version: number; generatedAt: number; page: PageInfo }> = ({ version, generatedAt, page }) => (
  <p id="live" class="live" data-state="static" data-version={String(version)}>
    Updated <Time ms={generatedAt} page={page} rel />
  </p>
);

/**
 * Which changes a page follows (`watch`: "incidents", "incident:<id>", "maintenance:<id>", "component:<id>") by drawing its
 * `data-redraw` regions again from the server's markup; the note shows only when that fails.
 */
export const WatchNote: FC<{ watch: string; what: string; href: string }> = ({ watch, what, href }) => (
  <p class="stale" data-watch={watch} role="status" hidden>
    {what} changed since this page was loaded. <a href={href}>Reload it</a> to see how.
  </p>
);
