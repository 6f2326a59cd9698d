import type { FC } from "hono/jsx";
import type { consoleGroups } from "../db/queries/console";
import { PROBE_REGIONS, type ProbeRegion } from "../db/schema";
import { pageBlocks, pageMoves } from "../domain/page-order";
import { Status } from "../page/parts";
import type { SnapshotComponent } from "../snapshot/types";
import { REGION_NAMES } from "../text/checks";
import { Flash, type ComponentRow } from "./dashboard";
import { CheckBox, ConsoleForm, Field, Select, TextArea } from "./fields";
import type { Refill } from "./forms";
import { ConsoleLayout, Csrf, type ConsoleContext } from "./layout";

type GroupRow = Awaited<ReturnType<typeof consoleGroups>>[number];

export interface CheckResult {
  status: string;
  latency_ms: number | null;
  error: string | null;
  recorded: boolean;
}

const groupOptions = (groups: GroupRow[]) => [["", "No group"] as const, ...groups.map((g) => [g.id, g.name] as const)];

export const ComponentsPage: FC<{
  ctx: ConsoleContext;
  rows: ComponentRow[];
  shown: Map<string, SnapshotComponent>;
  groups: GroupRow[];
  moved?: string | null;
  flash?: string | null;
  refill?: Refill | null;
}> = ({ ctx, rows, shown, groups, moved, flash, refill }) => {
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const inPage = pageBlocks(rows).flatMap((b) => b.members);
  const moves = pageMoves(rows);
  return (
    <ConsoleLayout ctx={ctx} title="Components">
      <h1>Components</h1>
      <Flash text={flash} />
      <section aria-labelledby="order-h">
        <h2 id="order-h">In page order</h2>
        <p class="hint">Move a component with its buttons; the focus stays on the one you moved. A group's members move within it, and past its edge take the whole group along; any other component moves past a whole group.</p>
        <ol class="card order" id="component-order" data-live>
          {inPage.map((r) => {
            const status = shown.get(r.id)?.status;
            const can = moves.get(r.id)!;
            const off = { up: !can.up, down: !can.down };
            // Moved to the top or the bottom, the pressed button is off: the focus goes to the other one.
            const pressed = moved?.startsWith(`${r.id}:`) ? (moved.endsWith(":up") ? "up" : "down") : null;
            const focused = pressed && off[pressed] && !off[pressed === "up" ? "down" : "up"] ? (pressed === "up" ? "down" : "up") : pressed;
            return (
              <li id={`comp-${r.id}`}>
                <span>
                  <a href={`/admin/components/${r.id}`}>{r.name}</a>
                  {r.groupId ? <span class="tag">{groupName.get(r.groupId)}</span> : null} {status ? <Status status={status} /> : null}
                </span>
                <span class="actions">
                  {(["up", "down"] as const).map((direction) => (
                    <form method="post" autocomplete="off" action={`/admin/components/${r.id}/move`}>
                      <Csrf ctx={ctx} />
                      <input type="hidden" name="direction" value={direction} />
                      <button
                        type="submit"
                        class="secondary"
                        aria-label={`Move ${r.name} ${direction}`}
                        disabled={off[direction]}
                        data-off={off[direction] ? "" : undefined}
                        autofocus={focused === direction}
                      >
                        {direction === "up" ? "\u2191 Up" : "\u2193 Down"}
                      </button>
                    </form>
                  ))}
                </span>
              </li>
            );
          })}
        </ol>
      </section>
      <section aria-labelledby="new-comp-h">
        <h2 id="new-comp-h">Add a component</h2>
        <ConsoleForm ctx={ctx} action="/admin/components" refill={refill}>
          <Field label="Name" name="name" id="nc-name" required max={100} />
          <Field label="Description" name="description" id="nc-description" />
          <Select label="Group" name="group_id" id="nc-group" options={groupOptions(groups)} />
          <Field label="HTTP monitor URL" name="monitor_url" id="nc-url" type="url" hint="(optional; checked every minute)" />
          <div>
            <button type="submit">Add component</button>
          </div>
        </ConsoleForm>
      </section>
      <section aria-labelledby="groups-h">
        <h2 id="groups-h">Groups</h2>
        {groups.length ? (
          <ul class="card lines">
            {groups.map((g, n) => (
              <li>
                <ConsoleForm ctx={ctx} class="f" action={`/admin/groups/${g.id}`} refill={refill} version={g.updatedAt}>
                  <div class="row">
                    <Field label="Name" name="name" id={`g-${n}-name`} value={g.name} required max={100} />
                    <Field label="Description" name="description" id={`g-${n}-description`} value={g.description} />
                  </div>
                  <label class="check" for={`g-${n}-collapsed`}>
                    <CheckBox id={`g-${n}-collapsed`} name="collapsed" checked={g.collapsed} /> Collapsed on the page
                  </label>
                  <div class="actions">
                    <button type="submit" class="secondary">
                      Save group
                    </button>
                    <button type="submit" class="danger" formaction={`/admin/groups/${g.id}/delete`} data-confirm={`Delete the group ${g.name}? Its components stay, ungrouped.`}>
                      Delete group
                    </button>
                  </div>
                </ConsoleForm>
              </li>
            ))}
          </ul>
        ) : null}
        <ConsoleForm ctx={ctx} action="/admin/groups" refill={refill}>
          <Field label="New group name" name="name" id="ng-name" required max={100} />
          <div>
            <button type="submit">Add group</button>
          </div>
        </ConsoleForm>
      </section>
    </ConsoleLayout>
  );
};

export const ComponentPage: FC<{
  ctx: ConsoleContext;
  row: ComponentRow;
  shown?: SnapshotComponent;
  groups: GroupRow[];
  /** Whether automatic incidents apply to it: its own setting, else the page's default. */
  autoIncidents: boolean;
  /** Where a monitor without regions of its own is checked from (CHECK_REGIONS). */
  defaultRegions: ProbeRegion[];
  check?: CheckResult | null;
  flash?: string | null;
  refill?: Refill | null;
}> = ({ ctx, row, shown, groups, autoIncidents, defaultRegions, check, flash, refill }) => {
  const m = row.monitor;
  return (
    <ConsoleLayout ctx={ctx} title={row.name}>
      <p>
        <a href="/admin/components">All components</a> · <a href={`/components/${row.id}`}>Its public page</a>
      </p>
      <Flash text={flash} />
      <div id="component-head" data-live>
        <h1>{row.name}</h1>
        <p>
          {shown ? <Status status={shown.status} /> : null} <span class="meta">Checked by: {row.checkKind === "none" ? "nothing (incidents and maintenance only)" : row.checkKind}</span>
        </p>
      </div>
      {check ? (
        // Answered to a post: data-screen is the screen's own address, which the script puts in the address bar.
        <div class="card pad" role="status" id="check-result" data-screen={`/admin/components/${row.id}`}>
          <h2>Check result</h2>
          <p>
            {check.status.replace(/_/g, " ")}
            {check.latency_ms !== null ? `, ${check.latency_ms} ms` : ""}
            {check.error ? `: ${check.error}` : ""}
          </p>
          <p class="hint">{check.recorded ? "Recorded like a scheduled run." : "Not recorded: a scheduled run was in progress, or this component already has a newer result."}</p>
        </div>
      ) : null}
      <form method="post" autocomplete="off" action={`/admin/components/${row.id}/check`}>
        <Csrf ctx={ctx} />
        <p>
          <button type="submit" class="secondary">
            Check now
          </button>
        </p>
      </form>
      {/* Drawn again live like the head above while nobody is filling it in, so it never shows a stale name. */}
      <div id="component-edit" data-live>
      <ConsoleForm ctx={ctx} action={`/admin/components/${row.id}`} refill={refill} version={row.updatedAt}>
        <Field label="Name" name="name" id="ec-name" value={row.name} required max={100} />
        <TextArea label="Description" name="description" id="ec-description" value={row.description} />
        <Select label="Group" name="group_id" id="ec-group" options={groupOptions(groups)} value={row.groupId ?? ""} />
        <Field label="Results that must agree before the status moves" name="confirmations" id="ec-confirmations" type="number" value={String(row.confirmations)} />
        {row.checkKind === "http" || row.checkKind === "none" ? (
          <fieldset>
            <legend>HTTP monitor</legend>
            <Field label="URL" name="monitor_url" id="ec-url" type="url" value={m?.url} hint={row.platformCheck ? `(empty: back to the built-in ${row.platformCheck} check)` : "(empty: no monitor)"} />
            <Select label="Method" name="monitor_method" id="ec-method" options={[["GET", "GET"], ["HEAD", "HEAD"], ["POST", "POST"]]} value={m?.method ?? "GET"} />
            <Field label="Expected status codes" name="expected_status" id="ec-status" value={m?.expected_status?.join(", ")} hint="(comma-separated; empty: any 2xx, after following redirects)" />
            <Field label="Keyword the body must contain" name="keyword" id="ec-keyword" value={m?.keyword} />
            <div class="row">
              <Field label="Timeout (ms)" name="timeout_ms" id="ec-timeout" type="number" value={String(m?.timeout_ms ?? 10000)} />
              <Field label="Degraded above (ms)" name="degraded_latency_ms" id="ec-degraded" type="number" value={m?.degraded_latency_ms ? String(m.degraded_latency_ms) : ""} />
            </div>
            <fieldset>
              <legend>
                Regions it is checked from <span class="hint">(none ticked: {defaultRegions.map((r) => REGION_NAMES[r]).join(", ")})</span>
              </legend>
              {PROBE_REGIONS.map((r) => (
                <label class="check" for={`ec-region-${r}`}>
                  <CheckBox id={`ec-region-${r}`} name="regions" value={r} checked={!!m?.regions?.includes(r)} /> {REGION_NAMES[r]}
                </label>
              ))}
            </fieldset>
            <Field label="Regions that must see a failure" name="quorum" id="ec-quorum" type="number" value={m?.quorum ? String(m.quorum) : ""} hint="(empty: a majority)" />
          </fieldset>
        ) : (
          <p class="hint">A built-in check; its endpoint and credentials come from the page's configuration.</p>
        )}
        <fieldset>
          <legend>Automatic incidents</legend>
          <input type="hidden" name="automatic_incidents_was" value={autoIncidents ? "on" : "off"} />
          <label class="check" for="ec-auto">
            <CheckBox id="ec-auto" name="automatic_incidents" checked={autoIncidents} /> Open and resolve incidents from this component's
            checks
          </label>
          <span class="hint">
            {row.autoIncidents?.enabled === undefined ? "As the page's default (AUTO_INCIDENTS) says, until you change it here" : "Set for this component"}; timings are set
            through the API.
          </span>
        </fieldset>
        <div>
          <button type="submit">Save component</button>
        </div>
      </ConsoleForm>
      </div>
      <form method="post" autocomplete="off" action={`/admin/components/${row.id}/delete`} data-confirm={`Delete ${row.name} and its history? Whoever followed it alone is told.`}>
        <Csrf ctx={ctx} />
        <p>
          <button type="submit" class="danger">
            Delete component
          </button>
        </p>
      </form>
    </ConsoleLayout>
  );
};
