import { raw } from "hono/html";
import type { FC } from "hono/jsx";
import { isOpenIncident } from "../snapshot/build";
import { latencyGrids, latencyPoints, type LatencyPoint } from "../snapshot/latency";
import type { PageInfo, Snapshot, SnapshotComponent, SnapshotIncident, SnapshotMaintenance } from "../snapshot/types";
import { uptimeOfDays } from "../snapshot/build";
import { STATUS_LABELS } from "../status";
import { assets } from "./assets";
import { escapeText, latencyChartSvg } from "./charts";
import { checkedLine, formatMs, regionsLine, type CheckedLine } from "../text/checks";
import { dayDetail, dayLevel, formatUptime, impactText } from "./format";
import { Layout, renderDocument } from "./layout";
import { barsDayEnds, type HomeOptions } from "./pages";
import { LiveStamp, Status, SubscribeForm, Time, WatchNote } from "./parts";

const DAY_MS = 86_400_000;
/** Incidents and maintenance listed on a component's page: what touched it over the days its bar shows. */
const LISTED_DAYS = 90;

const tableTimes = new Map<string, Intl.DateTimeFormat>();
/** A bucket's start as its table row says it; the script writes new rows with the same options. */
export function bucketLabel(ms: number, timeZone: string, withTime: boolean): string {
  const key = `${timeZone}|${withTime}`;
  let f = tableTimes.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", withTime ? { timeZone, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : { timeZone, month: "short", day: "numeric" });
    tableTimes.set(key, f);
  }
  return f.format(ms);
}

const cell = (ms: number | null) => (ms === null ? "–" : String(ms));
const note = (p: LatencyPoint) => (p.shade === "o" ? "outage" : p.shade === "m" ? "maintenance" : p.count ? "" : "no data");

// Up to 186 rows: written as terse HTML (no optional end tags), like the bar's cells.
function tableRows(points: LatencyPoint[], timeZone: string, withTime: boolean) {
  return raw(
    points
      .map(
        (p) =>
          `<tr data-t=${p.start}${p.shade ? ` data-s=${p.shade}` : ""}><th scope=row>${bucketLabel(p.start, timeZone, withTime)}<td>${p.count}<td>${cell(p.p50_ms)}<td>${cell(p.p95_ms)}<td>${cell(p.min_ms)}<td>${cell(p.max_ms)}<td>${note(p)}`,
      )
      .join(""),
  );
}

const LatencyFigure: FC<{ component: SnapshotComponent; range: "24h" | "90d"; points: LatencyPoint[]; page: PageInfo }> = ({ component, range, points, page }) => {
  const day = range === "90d";
  const answered = points.filter((p) => p.count > 0);
  const heading = day ? "Last 90 days, by day" : "Last 24 hours, by quarter hour";
  const summary = answered.length
    ? `${heading}: p50 from ${formatMs(Math.min(...answered.map((p) => p.p50_ms!)))} to ${formatMs(Math.max(...answered.map((p) => p.p50_ms!)))}, p95 up to ${formatMs(Math.max(...answered.map((p) => p.p95_ms!)))}.`
    : `${heading}: no response times yet.`;
  return (
    <figure class="latency" data-range={range} data-span={day ? DAY_MS : 900_000}>
      <h3>{heading}</h3>
      {raw(
        latencyChartSvg(points, {
          id: `c${range}`,
          title: `${component.name}: response times, ${summary}`,
          ticks: day ? ["90 days ago", "45 days ago", "today"] : ["24 h ago", "12 h ago", "now"],
        }),
      )}
      <figcaption class="muted">{summary}</figcaption>
      <details>
        <summary>Table of the same data</summary>
        <div class="scroll">
          <table class="lat" data-tz={page.time_zone} data-day={day ? "1" : undefined}>
            <caption>
              Response times of {component.name}, {heading.toLowerCase()} ({page.time_zone}); times in milliseconds
            </caption>
            <thead>
              <tr>
                <th scope="col">{day ? "Day" : "From"}</th>
                <th scope="col">Checks</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">Min</th>
                <th scope="col">Max</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>{tableRows(points, page.time_zone, !day)}</tbody>
          </table>
        </div>
      </details>
    </figure>
  );
};

const LargeBar: FC<{ component: SnapshotComponent; incidents: Map<string, SnapshotIncident> }> = ({ component, incidents }) => {
  const thisYear = component.days.at(-1)?.date.slice(0, 4) ?? "";
  return (
    <>
      <ol class="bar big" aria-label={`${component.name}: daily uptime over the last ${component.days.length} days`}>
        {raw(
          component.days
            .map((day, i) => {
              const reported = day.reported_status;
              const level = dayLevel(day, reported);
              // One tab stop, today's, as on the front page: the script moves it with the arrow keys.
              const focus = i === component.days.length - 1 ? " tabindex=0" : "";
              return `<li${focus}${level === "none" ? "" : ` class=d-${level}`} aria-label="${escapeText(dayDetail(day, incidents, thisYear, reported))}">`;
            })
            .join(""),
        )}
      </ol>
      <p class="bar-foot">
        <span>
          <span class="from90">{component.days.length} days ago</span>
          <span class="from30">30 days ago</span>
        </span>
        <span>Today</span>
      </p>
    </>
  );
};

/** Whether checks measured response times within the charts' ranges (a monitor since removed). */
const measuredBefore = (component: SnapshotComponent) => Object.values(component.latency ?? {}).some((buckets) => buckets.length > 0);

/**
 * What each region saw in the latest check. Always there for a monitored component, hidden while it is probed
 * from one region, so that live updates can fill it in, replace it, or hide it again without a reload.
 */
const Regions: FC<{ regions: SnapshotComponent["regions"] }> = ({ regions }) =>
  regions?.length ? <li data-regions>{regionsLine(regions)}</li> : <li data-regions hidden />;

/** What its checks say, and when they last did; live updates replace it with the next check's. */
const Checked: FC<{ line: CheckedLine; page: PageInfo }> = ({ line, page }) => (
  <li data-checks>
    {line.says}
    {line.at ? (
      <>
        ; last checked <Time ms={line.at} page={page} rel />
        {line.answer}
      </>
    ) : null}
    .
  </li>
);

/** Why the component shows what it shows: open incidents, maintenance in progress, its checks. */
const Why: FC<{ snapshot: Snapshot; component: SnapshotComponent; incidents: SnapshotIncident[]; maintenances: SnapshotMaintenance[] }> = ({
  snapshot,
  component,
  incidents,
  maintenances,
}) => {
  const { page } = snapshot;
  const open = incidents.filter((i) => isOpenIncident(i.status));
  const inProgress = maintenances.filter((m) => m.status === "in_progress");
  return (
    <ul class="why" data-redraw="why">
      {open.map((i) => (
        <li data-incident={i.id}>
          Open incident: <a href={`/incidents/${i.id}`}>{i.title}</a> (<span data-state>{i.status}</span>), which sets it to{" "}
          <span data-sets>{STATUS_LABELS[i.components.find((c) => c.id === component.id)?.status ?? "operational"].toLowerCase()}</span>.
        </li>
      ))}
      {inProgress.map((m) => (
        <li>
          Maintenance in progress: <a href={`/maintenance/${m.id}`}>{m.title}</a>, until <Time ms={m.scheduled_end} page={page} />.
        </li>
      ))}
      {component.awaiting_first_check ? (
        <li>Monitored, awaiting its first automatic check: until it reports, only incidents and maintenance set its status.</li>
      ) : component.monitored ? (
        <Checked line={checkedLine(component)} page={page} />
      ) : (
        <li>Not monitored: no automatic check observes it, so only incidents and maintenance set its status.</li>
      )}
      {component.monitored ? <Regions regions={component.regions} /> : null}
    </ul>
  );
};

const UptimeFigures: FC<{ component: SnapshotComponent }> = ({ component }) => {
  const figures: [string, string, number | null][] = [
    ["24h", "24 hours", component.uptime_24h ?? null],
    ["7d", "7 days", uptimeOfDays(component.days.slice(-7))],
    ["30d", "30 days", component.uptime["30_days"]],
    ["60d", "60 days", component.uptime["60_days"]],
    ["90d", "90 days", component.uptime["90_days"]],
  ];
  return (
    <dl class="uptimes">
      {figures.map(([key, label, value]) => (
        <div>
          <dt>{label}</dt>
          <dd data-uptime={key}>{formatUptime(value)}</dd>
        </div>
      ))}
    </dl>
  );
};

type Touched = { kind: "incident"; at: number; incident: SnapshotIncident } | { kind: "maintenance"; at: number; maintenance: SnapshotMaintenance };

const TouchedList: FC<{ items: Touched[]; page: PageInfo }> = ({ items, page }) =>
  items.length ? (
    <ul class="card lines">
      {items.map((item) =>
        item.kind === "incident" ? (
          <li>
            <a href={`/incidents/${item.incident.id}`}>{item.incident.title}</a>
            <div class="meta">
              Incident · <span class="sev">{impactText(item.incident.severity)}</span> · <span class="sev">{item.incident.status}</span> ·{" "}
              <Time ms={item.incident.started_at} page={page} />
              {item.incident.resolved_at ? (
                <>
                  {" "}
                  to <Time ms={item.incident.resolved_at} page={page} />
                </>
              ) : null}
            </div>
          </li>
        ) : (
          <li>
            <a href={`/maintenance/${item.maintenance.id}`}>{item.maintenance.title}</a>
            <div class="meta">
              Maintenance · {item.maintenance.status.replace("_", " ")} · <Time ms={item.maintenance.started_at ?? item.maintenance.scheduled_start} page={page} /> to{" "}
              <Time ms={item.maintenance.completed_at ?? item.maintenance.scheduled_end} page={page} />
            </div>
          </li>
        ),
      )}
    </ul>
  ) : (
    <p class="muted">Nothing in the last {LISTED_DAYS} days.</p>
  );

const ComponentPage: FC<{ snapshot: Snapshot; component: SnapshotComponent; options: HomeOptions }> = ({ snapshot, component, options }) => {
  const { page } = snapshot;
  const since = snapshot.generated_at - LISTED_DAYS * DAY_MS;
  const incidents = snapshot.incidents.filter((i) => i.components.some((c) => c.id === component.id));
  const maintenances = snapshot.maintenances.filter((m) => m.status !== "cancelled" && m.components.some((c) => c.id === component.id));
  const touched: Touched[] = [
    ...incidents.filter((i) => isOpenIncident(i.status) || (i.resolved_at ?? i.started_at) >= since).map((incident) => ({ kind: "incident" as const, at: incident.started_at, incident })),
    ...maintenances
      .filter((m) => m.status !== "scheduled" && (m.completed_at ?? m.scheduled_end) >= since)
      .map((maintenance) => ({ kind: "maintenance" as const, at: maintenance.started_at ?? maintenance.scheduled_start, maintenance })),
  ].sort((a, b) => b.at - a.at);
  const upcoming = maintenances.filter((m) => m.status === "scheduled");
  const grids = latencyGrids(snapshot.generated_at, page.time_zone);
  const byId = new Map(snapshot.incidents.map((i) => [i.id, i]));
  const { paths } = assets();
  return (
    <Layout
      page={page}
      overall={snapshot.overall_status}
      title={component.name}
      description={`${component.name}: status, uptime, response times and incidents on the ${page.name} status page.`}
      extraCss={paths.componentCss}
      extraJs={paths.componentJs}
      subscribe="#subscribe"
    >
      <article class="component-page" data-latency={component.id}>
        <p class="meta">
          <a href="/">Current status</a>
        </p>
        <div data-redraw="title">
          <h1>{component.name}</h1>
          {component.description ? <p class="muted">{component.description}</p> : null}
        </div>
        <div class="now" data-component={component.id}>
          <Status status={component.status} />
          <LiveStamp version={snapshot.version} generatedAt={snapshot.generated_at} page={page} />
        </div>
        <WatchNote watch={`component:${component.id}`} what="Its incidents, maintenance or the list of components" href={`/components/${component.id}`} />
        <Why snapshot={snapshot} component={component} incidents={incidents} maintenances={maintenances} />

        <h2>Uptime</h2>
        <UptimeFigures component={component} />
        <p class="muted">
          {component.monitored
            ? "These figures count automated checks only. An outage reported in an incident colours the bar below but does not lower them."
            : "Not monitored: no automated check measures its uptime. The bar below shows what incidents reported."}
        </p>
        {/* Drawn again from the server's markup when a day reads otherwise (a check, an incident), and past midnight. */}
        <div data-redraw="bar" data-day-ends={barsDayEnds(snapshot)}>
          <LargeBar component={component} incidents={byId} />
        </div>
        <p class="muted">
          Each day: uptime, major and partial outage time, maintenance and incidents.{" "}
          <span data-js hidden>
            Tab into the bar, then use the arrow keys.
          </span>
        </p>

        <h2>Response times</h2>
        {/* Nothing will ever fill charts of a component no check measures: they would only say "no response times yet".
            One whose monitor was removed keeps what its checks measured while they ran. */}
        {component.monitored || measuredBefore(component) ? (
          <>
            {component.monitored ? null : <p class="muted">No longer monitored: these are the response times its checks measured before.</p>}
            <p class="muted">
              p50 <span class="key k50"></span> and p95 <span class="key k95"></span> of the checks that answered; a gap means no check answered.
              Shaded: <span class="key ko"></span> failed checks or downtime, <span class="key km"></span> maintenance.
            </p>
            <LatencyFigure component={component} range="24h" points={latencyPoints(component, "24h", grids["24h"], page.time_zone)} page={page} />
            <LatencyFigure component={component} range="90d" points={latencyPoints(component, "90d", grids["90d"], page.time_zone)} page={page} />
          </>
        ) : (
          <p class="muted">Not monitored: no automated check measures its response times.</p>
        )}

        <h2>Incidents and maintenance</h2>
        <div data-redraw="touched">
          <TouchedList items={touched} page={page} />
          {upcoming.length ? (
            <>
              <h3>Upcoming maintenance</h3>
              <ul class="card lines">
                {upcoming.map((m) => (
                  <li>
                    <a href={`/maintenance/${m.id}`}>{m.title}</a>
                    <div class="meta">
                      <Time ms={m.scheduled_start} page={page} /> to <Time ms={m.scheduled_end} page={page} />
                    </div>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>

        <section id="subscribe" aria-labelledby="subscribe-h">
          <h2 id="subscribe-h">Subscribe to this component</h2>
          <SubscribeForm components={snapshot.components} turnstileSiteKey={options.turnstileSiteKey} selected={[component.id]} />
        </section>
      </article>
    </Layout>
  );
};

export const renderComponent = (snapshot: Snapshot, component: SnapshotComponent, options: HomeOptions = {}) =>
  renderDocument(<ComponentPage snapshot={snapshot} component={component} options={options} />);
