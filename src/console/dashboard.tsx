import type { FC } from "hono/jsx";
import type { consoleComponents } from "../db/queries/console";
import { Status, Time } from "../page/parts";
import { isOpenIncident } from "../snapshot/build";
import { upcomingMaintenance } from "../snapshot/format";
import type { Snapshot, SnapshotComponent } from "../snapshot/types";
import { OVERALL_LABELS, STATUS_LABELS } from "../status";
import { ConsoleLayout, type ConsoleContext } from "./layout";

export type ComponentRow = Awaited<ReturnType<typeof consoleComponents>>[number];

export interface DeliveryHealth {
  byStatus: Record<string, number>;
}

/** Why a component shows what it shows: maintenance, incidents, or its checks. */
export function reasonsFor(component: SnapshotComponent, row: ComponentRow | undefined, snapshot: Snapshot): string[] {
  const reasons: string[] = [];
  for (const m of snapshot.maintenances) {
    if (m.status === "in_progress" && m.components.some((c) => c.id === component.id)) reasons.push(`Maintenance in progress: ${m.title}`);
  }
  for (const i of snapshot.incidents) {
    if (!isOpenIncident(i.status)) continue;
    const link = i.components.find((c) => c.id === component.id);
    if (link) reasons.push(`Incident "${i.title}" sets ${STATUS_LABELS[link.status]}`);
  }
  if (!component.monitored) reasons.push(row?.checkKind === "none" ? "No monitor: only incidents and maintenance move it" : "Not monitored: its check has no credentials or endpoint configured");
  else if (component.awaiting_first_check) reasons.push("Checks: awaiting the first check");
  else if (row) {
    // A result damping has not confirmed yet is the last check's, not the status it shows.
    const unconfirmed = row.pendingStatus !== null && row.pendingStatus !== row.monitoredStatus;
    const last = !row.lastCheckedAt
      ? "not checked yet"
      : unconfirmed
        ? `${STATUS_LABELS[row.monitoredStatus]} until confirmed; last check ${STATUS_LABELS[row.pendingStatus!]} (${row.pendingCount} of ${row.confirmations} to confirm it)`
        : `last check ${STATUS_LABELS[row.monitoredStatus]}`;
    const latency = row.lastLatencyMs !== null ? `, ${row.lastLatencyMs} ms` : "";
    const error = row.lastError ? `: ${row.lastError}` : "";
    reasons.push(`Checks: ${last}${latency}${error}`);
  }
  return reasons;
}

export const Flash: FC<{ text?: string | null }> = ({ text }) =>
  text ? (
    <p class="flash" role="status">
      {text}
    </p>
  ) : null;

export const Dashboard: FC<{ ctx: ConsoleContext; snapshot: Snapshot; rows: ComponentRow[]; health: DeliveryHealth; flash?: string | null }> = ({
  ctx,
  snapshot,
  rows,
  health,
  flash,
}) => {
  const page = snapshot.page;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const open = snapshot.incidents.filter((i) => isOpenIncident(i.status));
  const maintenance = upcomingMaintenance(snapshot);
  return (
    <ConsoleLayout ctx={ctx} title="Dashboard">
      <Flash text={flash} />
      <div id="dash" data-live>
        <section class={`banner b-${snapshot.overall_status}`} aria-label="Overall status">
          <h1>
            <span class={`st s-${snapshot.overall_status}`}>{OVERALL_LABELS[snapshot.overall_status]}</span>
          </h1>
        </section>
        <p>
          <a href="/admin/incidents#open-form">Open an incident</a> · <a href="/admin/maintenance#schedule">Schedule maintenance</a>
        </p>
        <div class="grid">
          <section class="card pad" aria-labelledby="d-open">
            <h2 id="d-open">Open incidents ({open.length})</h2>
            {open.length ? (
              <ul>
                {open.map((i) => (
                  <li>
                    <a href={`/admin/incidents/${i.id}`}>{i.title}</a> <span class="sev">{i.status}</span> · {i.severity} · started{" "}
                    <Time ms={i.started_at} page={page} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">None.</p>
            )}
          </section>
          <section class="card pad" aria-labelledby="d-maint">
            <h2 id="d-maint">Maintenance ({maintenance.length})</h2>
            {maintenance.length ? (
              <ul>
                {maintenance.map((m) => (
                  <li>
                    <a href={`/admin/maintenance/${m.id}`}>{m.title}</a> · {m.status === "in_progress" ? "in progress" : "scheduled"} ·{" "}
                    <Time ms={m.started_at ?? m.scheduled_start} page={page} /> to <Time ms={m.scheduled_end} page={page} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">None planned.</p>
            )}
          </section>
          <section class="card pad" aria-labelledby="d-deliv">
            <h2 id="d-deliv">Delivery health</h2>
            <ul>
              <li>Queued: {(health.byStatus.pending ?? 0) + (health.byStatus.sending ?? 0)}</li>
              <li>Failed or dead-lettered: {health.byStatus.failed ?? 0}</li>
              <li>Ambiguous (SMS that may have gone out): {health.byStatus.ambiguous ?? 0}</li>
              <li>Sent: {health.byStatus.sent ?? 0}</li>
            </ul>
            <p>
              <a href="/admin/subscribers#undelivered">Failed deliveries</a>
            </p>
          </section>
        </div>
        <section aria-labelledby="d-comps">
          <h2 id="d-comps">Components: what each shows, and why</h2>
          <ul class="card comps">
            {snapshot.components.map((c) => (
              <li class="comp">
                <div class="comp-head">
                  <a class="comp-name" href={`/admin/components/${c.id}`}>
                    {c.name}
                  </a>
                  <Status status={c.status} />
                </div>
                <ul class="why">
                  {reasonsFor(c, byId.get(c.id), snapshot).map((r) => (
                    <li>{r}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </ConsoleLayout>
  );
};
