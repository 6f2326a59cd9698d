import type { FC } from "hono/jsx";
import { isOpenIncident } from "../snapshot/build";
import { currentEta, upcomingMaintenance } from "../snapshot/format";
import { snapshotAge, wordedAge } from "../snapshot/respond";
import type { Snapshot, SnapshotIncident, SnapshotMaintenance } from "../snapshot/types";
import { OVERALL_LABELS } from "../status";
import { addDays, startOfDay } from "../uptime/days";
import { formatDuration, formatMonth, impactText, monthOf, SUBSCRIBE_CODE_FIELDS, subscribeErrorId } from "./format";
import { Layout, renderDocument } from "./layout";
import {
  ComponentList,
  DetectedAutomatically,
  Eta,
  IncidentCard,
  IncidentLine,
  Legend,
  LiveStamp,
  MaintenanceCard,
  Status,
  SubscribeForm,
  Time,
  Timeline,
  WatchNote,
  WhenItRan,
  Written,
  type RefusedSignUp,
} from "./parts";

const DAY_MS = 86_400_000;

/** When the last day of the bars ends in the page's zone: past it, the page's script draws them again. */
export const barsDayEnds = (snapshot: Snapshot) => {
  const last = snapshot.components[0]?.days.at(-1)?.date;
  return last === undefined ? undefined : String(startOfDay(addDays(last, 1), snapshot.page.time_zone));
};
const RESOLVED_SHOWN = 5;
export const HISTORY_PAGE_DAYS = 90;
export const HISTORY_DAYS = 365;
export const HISTORY_PAGES = Math.ceil(HISTORY_DAYS / HISTORY_PAGE_DAYS);

/** Shown when the data could not be refreshed for a while (e.g. the database is down). */
const StaleNotice: FC<{ snapshot: Snapshot }> = ({ snapshot }) => {
  if (!snapshotAge(snapshot).stale) return null;
  return (
    <p class="stale" role="note">
      Data as of <Time ms={snapshot.generated_at} page={snapshot.page} rel /> ({wordedAge(snapshot)} ago): we could not refresh it
      since, so it may be out of date.
    </p>
  );
};

/** For pages the live socket does not redraw: the time of the data, kept current by the script, and its note. */
const WatchedLive: FC<{ snapshot: Snapshot; watch: string; what: string; href: string }> = ({ snapshot, ...note }) => (
  <>
    <LiveStamp version={snapshot.version} generatedAt={snapshot.generated_at} page={snapshot.page} />
    <WatchNote {...note} />
  </>
);

const SEVERITY_RANK: Record<string, number> = { critical: 3, major: 2, minor: 1, none: 0 };

/** What is going on, under the overall status: each open incident's title, worst first, linked to it. */
const BannerIncidents: FC<{ incidents: SnapshotIncident[] }> = ({ incidents }) => {
  const worstFirst = [...incidents].sort((a, b) => SEVERITY_RANK[b.severity]! - SEVERITY_RANK[a.severity]! || b.started_at - a.started_at);
  return (
    <p id="banner-incidents" class="banner-incidents" hidden={incidents.length === 0}>
      {worstFirst.map((i, n) => (
        <>
          {n > 0 ? " · " : null}
          <a href={`/incidents/${i.id}`} data-severity={i.severity}>
            {i.title}
          </a>
        </>
      ))}
    </p>
  );
};

/** What the home page shows beyond the snapshot: settings of this deployment. */
export interface HomeOptions {
  turnstileSiteKey?: string;
}

const Home: FC<{ snapshot: Snapshot; options: HomeOptions }> = ({ snapshot, options }) => {
  const { page } = snapshot;
  const active = snapshot.incidents.filter((i) => isOpenIncident(i.status));
  const maintenance = upcomingMaintenance(snapshot);
  const resolved = snapshot.incidents.filter((i) => !isOpenIncident(i.status)).slice(0, RESOLVED_SHOWN);
  return (
    <Layout page={page} overall={snapshot.overall_status}>
      <section id="banner" class={`banner b-${snapshot.overall_status}`} aria-label="Overall status">
        <h1 aria-live="polite">
          <span id="overall" class={`st s-${snapshot.overall_status}`}>
            {OVERALL_LABELS[snapshot.overall_status]}
          </span>
        </h1>
        <BannerIncidents incidents={active} />
        <LiveStamp version={snapshot.version} generatedAt={snapshot.generated_at} page={page} />
      </section>
      <StaleNotice snapshot={snapshot} />
      {/* Shown by the live script only when it cannot draw the new list of components itself. */}
      <p id="reload-note" class="stale" hidden>
        The list of components changed. <a href="/">Reload the page</a> to see it.
      </p>

      <section id="active-incidents" aria-labelledby="active-h" hidden={active.length === 0} data-redraw="active">
        <h2 id="active-h">Active incidents</h2>
        <div class="list">
          {active.map((i) => (
            <IncidentCard incident={i} page={page} />
          ))}
        </div>
      </section>

      <section id="maintenance" aria-labelledby="maint-h" hidden={maintenance.length === 0} data-redraw="maintenance">
        <h2 id="maint-h">Maintenance</h2>
        <div class="list">
          {maintenance.map((m) => (
            <MaintenanceCard maintenance={m} page={page} />
          ))}
        </div>
      </section>

      <section aria-labelledby="components-h">
        <h2 id="components-h">Components</h2>
        <div data-redraw="components" data-day-ends={barsDayEnds(snapshot)}>
          <ComponentList components={snapshot.components} groups={snapshot.groups} incidents={snapshot.incidents} />
        </div>
        <Legend />
        <p class="muted">Uptime figures count automated checks only. A day also takes the colour of the worst status an incident reported for it.</p>
      </section>

      <section id="resolved" aria-labelledby="resolved-h" data-redraw="resolved">
        <h2 id="resolved-h">Recently resolved</h2>
        <ul class="card lines" hidden={resolved.length === 0}>
          {resolved.map((i) => (
            <IncidentLine incident={i} page={page} />
          ))}
        </ul>
        {/* Open incidents may be listed above: it is the resolved ones there are none of. */}
        <p class="muted" hidden={resolved.length > 0}>
          No resolved incidents in the last {HISTORY_DAYS} days.
        </p>
        <p>
          <a href="/history">Incident history</a>
        </p>
      </section>

      <section id="subscribe" aria-labelledby="subscribe-h">
        <h2 id="subscribe-h">Get notified</h2>
        <SubscribeForm components={snapshot.components} turnstileSiteKey={options.turnstileSiteKey} />
      </section>
    </Layout>
  );
};

export const renderHome = (snapshot: Snapshot, options: HomeOptions = {}) => renderDocument(<Home snapshot={snapshot} options={options} />);

/** The months (YYYY-MM, newest first) that a history page covers, and the incidents that started in each. */
export function historyMonths(snapshot: Snapshot, pageNumber: number) {
  const tz = snapshot.page.time_zone;
  const until = snapshot.generated_at - (pageNumber - 1) * HISTORY_PAGE_DAYS * DAY_MS;
  const since = Math.max(snapshot.generated_at - pageNumber * HISTORY_PAGE_DAYS * DAY_MS, snapshot.generated_at - HISTORY_DAYS * DAY_MS);
  const months: { month: string; incidents: SnapshotIncident[] }[] = [];
  for (let at = until; ; at -= 28 * DAY_MS) {
    const month = monthOf(Math.max(at, since), tz);
    if (months.at(-1)?.month !== month) months.push({ month, incidents: [] });
    if (at <= since) break;
  }
  const byMonth = new Map(months.map((m) => [m.month, m]));
  for (const incident of snapshot.incidents) {
    if (incident.started_at < since || incident.started_at >= until) continue;
    byMonth.get(monthOf(incident.started_at, tz))?.incidents.push(incident);
  }
  return { since, until, months };
}

const History: FC<{ snapshot: Snapshot; pageNumber: number }> = ({ snapshot, pageNumber }) => {
  const { page } = snapshot;
  const { since, until, months } = historyMonths(snapshot, pageNumber);
  return (
    <Layout page={page} overall={snapshot.overall_status} title="Incident history" description={`Incidents on ${page.name} by month.`}>
      <h1>Incident history</h1>
      <p class="muted">
        From <Time ms={since} page={page} /> to <Time ms={until} page={page} />.
      </p>
      <WatchedLive snapshot={snapshot} watch="incidents" what="Incidents" href={pageNumber > 1 ? `/history?page=${pageNumber}` : "/history"} />
      <StaleNotice snapshot={snapshot} />
      <div data-redraw="history">
        {months.map(({ month, incidents }) => (
          <section class="month" aria-labelledby={`m-${month}`}>
            <h2 id={`m-${month}`}>{formatMonth(month)}</h2>
            {incidents.length ? (
              <ul>
                {incidents.map((i) => (
                  <IncidentLine incident={i} page={page} />
                ))}
              </ul>
            ) : (
              <p class="muted">No incidents reported.</p>
            )}
          </section>
        ))}
      </div>
      <nav class="pager" aria-label="History pages">
        {pageNumber > 1 ? <a href={pageNumber === 2 ? "/history" : `/history?page=${pageNumber - 1}`}>Newer incidents</a> : <span></span>}
        {pageNumber < HISTORY_PAGES ? <a href={`/history?page=${pageNumber + 1}`}>Older incidents</a> : <span></span>}
      </nav>
    </Layout>
  );
};

export const renderHistory = (snapshot: Snapshot, pageNumber: number) => renderDocument(<History snapshot={snapshot} pageNumber={pageNumber} />);

const IncidentPage: FC<{ snapshot: Snapshot; incident: SnapshotIncident }> = ({ snapshot, incident }) => {
  const { page } = snapshot;
  const eta = isOpenIncident(incident.status) ? currentEta(incident) : null;
  return (
    <Layout page={page} overall={snapshot.overall_status} title={incident.title} description={`${incident.title}: incident report on the ${page.name} status page.`}>
      <article class="incident-page" data-redraw="incident">
        <h1>{incident.title}</h1>
        <WatchedLive snapshot={snapshot} watch={`incident:${incident.id}`} what="This incident" href={`/incidents/${incident.id}`} />
        <p class="meta">
          <span class="sev">{impactText(incident.severity)}</span> · <span class="sev">{incident.status}</span> · started{" "}
          <Time ms={incident.started_at} page={page} />
          {incident.resolved_at ? (
            <>
              {" "}
              · resolved <Time ms={incident.resolved_at} page={page} /> after {formatDuration((incident.resolved_at - incident.started_at) / 1000)}
            </>
          ) : null}
          <DetectedAutomatically incident={incident} />
        </p>
        <Eta ms={eta} page={page} />
        <Written text={incident.description} />
        {incident.components.length ? (
          <>
            <h2>Affected components</h2>
            {isOpenIncident(incident.status) ? null : <p class="muted">As this incident set them while it was open.</p>}
            <ul class="card comps">
              {incident.components.map((c) => (
                <li class="comp">
                  <div class="comp-head">
                    <a class="comp-name" href={`/components/${c.id}`}>
                      {c.name}
                    </a>
                    <Status status={c.status} />
                  </div>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <h2>Updates</h2>
        <Timeline incident={incident} page={page} />
        {incident.root_cause ? (
          <>
            <h2>Root cause</h2>
            <Written text={incident.root_cause} />
          </>
        ) : null}
        {incident.resolution ? (
          <>
            <h2>Resolution</h2>
            <Written text={incident.resolution} />
          </>
        ) : null}
        {incident.postmortem ? (
          <>
            <h2 id="postmortem">Postmortem</h2>
            {incident.postmortem_published_at ? (
              <p class="meta">
                Published <Time ms={incident.postmortem_published_at} page={page} />
              </p>
            ) : null}
            <Written text={incident.postmortem} />
          </>
        ) : null}
      </article>
      <p>
        <a href="/history">All incidents</a>
      </p>
    </Layout>
  );
};

export const renderIncident = (snapshot: Snapshot, incident: SnapshotIncident) => renderDocument(<IncidentPage snapshot={snapshot} incident={incident} />);

const MaintenancePage: FC<{ snapshot: Snapshot; maintenance: SnapshotMaintenance }> = ({ snapshot, maintenance: m }) => {
  const { page } = snapshot;
  const stateLabel = { scheduled: "Scheduled", in_progress: "In progress", completed: "Completed", cancelled: "Cancelled" }[m.status];
  return (
    <Layout page={page} overall={snapshot.overall_status} title={m.title} description={`${m.title}: maintenance on the ${page.name} status page.`}>
      <article data-redraw="maintenance">
        <h1>{m.title}</h1>
        <WatchedLive snapshot={snapshot} watch={`maintenance:${m.id}`} what="This maintenance" href={`/maintenance/${m.id}`} />
        <p class="meta">
          {stateLabel} · planned <Time ms={m.scheduled_start} page={page} /> to <Time ms={m.scheduled_end} page={page} />
        </p>
        <WhenItRan maintenance={m} page={page} />
        <Written text={m.description} />
        {m.components.length ? (
          <>
            <h2>Affected components</h2>
            <ul>
              {m.components.map((c) => (
                <li>
                  <a href={`/components/${c.id}`}>{c.name}</a>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </article>
      <p>
        <a href="/">Current status</a>
      </p>
    </Layout>
  );
};

export const renderMaintenance = (snapshot: Snapshot, maintenance: SnapshotMaintenance) =>
  renderDocument(<MaintenancePage snapshot={snapshot} maintenance={maintenance} />);

const Message: FC<{ snapshot: Snapshot; title: string; text: string }> = ({ snapshot, title, text }) => (
  <Layout page={snapshot.page} overall={snapshot.overall_status} title={title}>
    <h1>{title}</h1>
    <p>{text}</p>
    <p>
      <a href="/">Current status</a> · <a href="/history">Incident history</a>
    </p>
  </Layout>
);

export const renderMessage = (snapshot: Snapshot, title: string, text: string) => renderDocument(<Message snapshot={snapshot} title={title} text={text} />);

/**
 * A sign-up refused for what was typed, for readers without scripts: the form back as it was sent, the
 * field marked and focused, the reason beside it.
 */
const SubscribeRefused: FC<{ snapshot: Snapshot; refused: RefusedSignUp; selected: string[]; turnstileSiteKey?: string }> = ({
  snapshot,
  refused,
  selected,
  turnstileSiteKey,
}) => (
  <Layout page={snapshot.page} overall={snapshot.overall_status} title="Could not subscribe">
    <h1>Could not subscribe</h1>
    <p>Change what is marked below and send the form again.</p>
    <SubscribeForm components={snapshot.components} turnstileSiteKey={turnstileSiteKey} selected={selected} refused={refused} />
    <p>
      <a href="/">Current status</a>
    </p>
  </Layout>
);

export const renderSubscribeRefused = (snapshot: Snapshot, form: { refused: RefusedSignUp; selected: string[]; turnstileSiteKey?: string }) =>
  renderDocument(<SubscribeRefused snapshot={snapshot} {...form} />);

/** A channel whose sign-up is confirmed by sending back a code: SMS (texted) or a webhook (its ping's challenge). */
export type CodeChannel = "phone" | "webhook";

/**
 * The step after an SMS or webhook sign-up for readers without scripts: the code goes back through this
 * form, and a refused one brings the form back with the reason beside the code field, which it marks and
 * focuses (as the script does); a limit or an outage is said above the form.
 */
const CodeStep: FC<{ snapshot: Snapshot; title: string; text: string; channel: CodeChannel; address: string; error?: string; refusedCode?: string }> = ({
  snapshot,
  title,
  text,
  channel,
  address,
  error,
  refusedCode,
}) => {
  const field = SUBSCRIBE_CODE_FIELDS[channel];
  return (
    <Layout page={snapshot.page} overall={snapshot.overall_status} title={title}>
      <h1>{title}</h1>
      {error ? (
        <p class="notice" role="alert">
          {error}
        </p>
      ) : null}
      <p>{text}</p>
      <form class="code" method="post" action="/subscribe/confirm">
        <input type="hidden" name="channel" value={channel} />
        <input type="hidden" name={channel} value={address} />
        <label class="field">
          <span>{field.label}</span>
          <input
            type="text"
            name="code"
            required
            autocomplete={field.numeric ? "one-time-code" : "off"}
            inputmode={field.numeric ? "numeric" : undefined}
            pattern={field.numeric ? "[0-9]{6}" : undefined}
            maxlength={field.numeric ? 6 : 100}
            aria-invalid={refusedCode ? "true" : undefined}
            aria-describedby={refusedCode ? subscribeErrorId("code") : undefined}
            autofocus={!!refusedCode}
          />
        </label>
        {refusedCode ? (
          <p class="field-error" id={subscribeErrorId("code")}>
            {refusedCode}
          </p>
        ) : null}
        <button type="submit">Confirm</button>
      </form>
      <p>
        <a href="/">Current status</a>
      </p>
    </Layout>
  );
};

export const renderCodeStep = (snapshot: Snapshot, step: { title: string; text: string; channel: CodeChannel; address: string; error?: string; refusedCode?: string }) =>
  renderDocument(<CodeStep snapshot={snapshot} {...step} />);

/** A confirmed subscription, for readers without scripts: where it goes, and the way to change or leave it. */
const Subscribed: FC<{ snapshot: Snapshot; address: string; manageUrl: string }> = ({ snapshot, address, manageUrl }) => (
  <Layout page={snapshot.page} overall={snapshot.overall_status} title="You are subscribed">
    <h1>You are subscribed</h1>
    <p>
      Status updates will go to <strong>{address}</strong>. Every message says how to stop them.
    </p>
    <p>
      <a href={manageUrl}>Choose which components you follow</a> · <a href="/">Current status</a>
    </p>
  </Layout>
);

export const renderSubscribed = (snapshot: Snapshot, address: string, manageUrl: string) =>
  renderDocument(<Subscribed snapshot={snapshot} address={address} manageUrl={manageUrl} />);
