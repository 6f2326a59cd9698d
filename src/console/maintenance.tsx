import type { FC } from "hono/jsx";
import { Time, WhenItRan } from "../page/parts";
import type { PageInfo, SnapshotMaintenance } from "../snapshot/types";
import { Flash } from "./dashboard";
import { CheckBox, ConsoleForm, Field, FormErrors, NotifyBox, TextArea, Written } from "./fields";
import type { Refill } from "./forms";
import { ConsoleLayout, Csrf, type ConsoleContext } from "./layout";

type Named = { id: string; name: string };

/** A datetime-local value in the page's zone; the script shows it in the reader's (see data-at) and sends its offset. */
function localValue(ms: number, zone: string): string {
  try {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(ms);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
    return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
  } catch {
    return new Date(ms).toISOString().slice(0, 16);
  }
}

const MaintenanceForm: FC<{ ctx: ConsoleContext; page: PageInfo; components: Named[]; m?: SnapshotMaintenance; notify?: boolean; refill?: Refill | null }> = ({
  ctx,
  page,
  components,
  m,
  notify = true,
  refill,
}) => {
  const prefix = m ? "me" : "ms";
  return (
    <ConsoleForm ctx={ctx} action={m ? `/admin/maintenance/${m.id}` : "/admin/maintenance"} refill={refill} version={m?.revision}>
      <Field label="Title" name="title" id={`${prefix}-title`} value={m?.title} required max={200} />
      <TextArea label="Description" name="description" id={`${prefix}-description`} value={m?.description} />
      <div class="row">
        <Field
          label="Starts"
          hint={m?.status === "in_progress" ? "(in progress: it keeps its start)" : `(your time zone; ${page.time_zone} without scripts)`}
          name="scheduled_start"
          id={`${prefix}-start`}
          type="datetime-local"
          readonly={m?.status === "in_progress"}
          required
          value={m ? localValue(m.scheduled_start, page.time_zone) : ""}
          at={m?.scheduled_start}
        />
        <Field label="Ends" name="scheduled_end" id={`${prefix}-end`} type="datetime-local" required value={m ? localValue(m.scheduled_end, page.time_zone) : ""} at={m?.scheduled_end} />
        <input type="hidden" name="tz_offset" value="" />
      </div>
      <fieldset>
        <legend>Components under maintenance</legend>
        {components.map((c) => (
          <label class="check" for={`${prefix}-c-${c.id}`}>
            <CheckBox id={`${prefix}-c-${c.id}`} name="components" value={c.id} checked={!!m?.components.some((x) => x.id === c.id)} /> {c.name}
          </label>
        ))}
      </fieldset>
      {m ? (
        <NotifyBox
          id={`${prefix}-notify`}
          checked={notify}
          hint={
            notify
              ? "A move of its start or end is told to subscribers, and so are its start, completion or cancellation. Untick to keep this window quiet from now on."
              : "Scheduled quietly: nothing about this window is told. Tick to announce it to subscribers now (as scheduled, or in progress), and its start, completion or cancellation from then on."
          }
        />
      ) : (
        <NotifyBox id={`${prefix}-notify`} />
      )}
      <div>
        <button type="submit">{m ? "Save changes" : "Schedule maintenance"}</button>
      </div>
    </ConsoleForm>
  );
};

export const MaintenanceListPage: FC<{ ctx: ConsoleContext; page: PageInfo; maintenances: SnapshotMaintenance[]; components: Named[]; flash?: string | null; refill?: Refill | null }> = ({
  ctx,
  page,
  maintenances,
  components,
  flash,
  refill,
}) => {
  const active = maintenances.filter((m) => m.status === "scheduled" || m.status === "in_progress");
  const past = maintenances.filter((m) => m.status === "completed" || m.status === "cancelled").slice(-20).reverse();
  return (
    <ConsoleLayout ctx={ctx} title="Maintenance">
      <h1>Maintenance</h1>
      <Flash text={flash} />
      <section id="maint-lists" data-live>
        <h2>Upcoming and in progress</h2>
        {active.length ? (
          <ul class="card lines">
            {active.map((m) => (
              <li>
                <a href={`/admin/maintenance/${m.id}`}>{m.title}</a>
                <div class="meta">
                  {m.status === "in_progress" ? "In progress" : "Scheduled"} · <Time ms={m.started_at ?? m.scheduled_start} page={page} /> to <Time ms={m.scheduled_end} page={page} />
                  {m.components.length ? ` · ${m.components.map((c) => c.name).join(", ")}` : ""}
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">Nothing planned.</p>
        )}
        <h2>Past</h2>
        {past.length ? (
          <ul class="card lines">
            {past.map((m) => (
              <li>
                <a href={`/admin/maintenance/${m.id}`}>{m.title}</a> <span class="meta">{m.status}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None.</p>
        )}
      </section>
      <section id="schedule" aria-labelledby="schedule-h">
        <h2 id="schedule-h">Schedule maintenance</h2>
        <MaintenanceForm ctx={ctx} page={page} components={components} refill={refill} />
      </section>
    </ConsoleLayout>
  );
};

export const MaintenancePage: FC<{ ctx: ConsoleContext; page: PageInfo; m: SnapshotMaintenance; notify: boolean; components: Named[]; flash?: string | null; refill?: Refill | null }> = ({
  ctx,
  page,
  m,
  notify,
  components,
  flash,
  refill,
}) => {
  const live = m.status === "scheduled" || m.status === "in_progress";
  return (
    <ConsoleLayout ctx={ctx} title={m.title}>
      <p>
        <a href="/admin/maintenance">All maintenance</a> · <a href={`/maintenance/${m.id}`}>Public page</a>
      </p>
      <Flash text={flash} />
      {/* Started, completed, cancelled or edited elsewhere (the cron starts it): its state and actions are drawn
          again at once, its form only when it is not being filled in. */}
      <div id="window" data-live>
        <h1>{m.title}</h1>
        <p class="meta">
          {m.status.replace("_", " ")} · planned <Time ms={m.scheduled_start} page={page} /> to <Time ms={m.scheduled_end} page={page} />
        </p>
        <WhenItRan maintenance={m} page={page} />
        <p>Under maintenance: {m.components.length ? m.components.map((c) => c.name).join(", ") : "the whole page (no component named)"}</p>
        <Written text={m.description} />
        {live ? (
          <>
            <div class="actions">
              {m.status === "scheduled" ? (
                <form method="post" autocomplete="off" action={`/admin/maintenance/${m.id}/start`}>
                  <Csrf ctx={ctx} />
                  <button type="submit">Start now</button>
                </form>
              ) : (
                <form method="post" autocomplete="off" action={`/admin/maintenance/${m.id}/complete`}>
                  <Csrf ctx={ctx} />
                  <button type="submit">Complete now</button>
                </form>
              )}
              <form method="post" autocomplete="off" action={`/admin/maintenance/${m.id}/cancel`} data-confirm="Call off this maintenance window for good? OK calls it off; Cancel keeps it.">
                <Csrf ctx={ctx} />
                <button type="submit" class="danger">
                  Cancel maintenance
                </button>
              </form>
            </div>
          </>
        ) : null}
      </div>
      <div id="window-edit" data-live>
        {live ? (
          <>
            <h2>Edit</h2>
            <MaintenanceForm ctx={ctx} page={page} components={components} m={m} notify={notify} refill={refill} />
          </>
        ) : (
          <>
            {refill ? <FormErrors refill={refill} /> : null}
            <p class="muted">This window is {m.status}; it can no longer change.</p>
          </>
        )}
      </div>
    </ConsoleLayout>
  );
};
