import type { FC } from "hono/jsx";
import type { TemplateRow } from "../db/queries/templates";
import type { ComponentStatus } from "../db/schema";
import { Status, Time } from "../page/parts";
import { formatDuration, impactText } from "../page/format";
import { isOpenIncident } from "../snapshot/build";
import type { PageInfo, SnapshotIncident } from "../snapshot/types";
import { currentEta, incidentFormVersion, postmortemFormVersion, toldSubscribers } from "../snapshot/format";
import { Flash } from "./dashboard";
import { ComponentPicker, ConsoleForm, Drawn, EtaFields, Field, FormErrors, NotifyBox, OPEN_STATUS_OPTIONS, Select, SEVERITY_OPTIONS, TextArea, Written } from "./fields";
import { pickerShown, type Refill } from "./forms";
import { ConsoleLayout, Csrf, type ConsoleContext } from "./layout";

type Named = { id: string; name: string };

export const IncidentsPage: FC<{
  ctx: ConsoleContext;
  page: PageInfo;
  incidents: SnapshotIncident[];
  components: Named[];
  templates: TemplateRow[];
  template?: TemplateRow | null;
  flash?: string | null;
  refill?: Refill | null;
}> = ({ ctx, page, incidents, components, templates, template, flash, refill }) => {
  const open = incidents.filter((i) => isOpenIncident(i.status));
  const closed = incidents.filter((i) => !isOpenIncident(i.status)).slice(0, 25);
  const chosen = new Map<string, ComponentStatus>((template?.components ?? []).map((c) => [c.id, c.status]));
  return (
    <ConsoleLayout ctx={ctx} title="Incidents">
      <h1>Incidents</h1>
      <Flash text={flash} />
      <section id="incident-lists" data-live aria-labelledby="open-h">
        <h2 id="open-h">Open</h2>
        {open.length ? (
          <ul class="card lines">
            {open.map((i) => (
              <li data-incident={i.id}>
                <a href={`/admin/incidents/${i.id}`}>{i.title}</a>
                <div class="meta">
                  <span class="sev">{i.status}</span> · <span class="sev">{i.severity}</span> · started <Time ms={i.started_at} page={page} />
                  {i.components.length ? ` · ${i.components.map((c) => c.name).join(", ")}` : ""}
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No open incidents.</p>
        )}
        <h2>Recently resolved</h2>
        {closed.length ? (
          <ul class="card lines">
            {closed.map((i) => (
              <li>
                <a href={`/admin/incidents/${i.id}`}>{i.title}</a>
                <div class="meta">
                  <span class="sev">{i.status}</span> · started <Time ms={i.started_at} page={page} />
                  {i.postmortem ? " · postmortem published" : ""}
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None in the last year.</p>
        )}
      </section>

      <section id="open-form" aria-labelledby="open-form-h">
        <h2 id="open-form-h">Open an incident</h2>
        {templates.length ? (
          <nav aria-label="Start from a template" class="actions">
            <span>From a template:</span>
            {templates.map((t) => (
              <a href={`/admin/incidents?template=${t.id}#open-form`} aria-current={template?.id === t.id ? "true" : undefined}>
                {t.name}
              </a>
            ))}
          </nav>
        ) : (
          <p class="muted">
            <a href="/admin/templates">Save a template</a> for incidents that recur, to open them in two clicks.
          </p>
        )}
        <ConsoleForm ctx={ctx} action="/admin/incidents" refill={refill}>
          <Field label="Title" name="title" value={template?.title} required max={200} autofocus={!!template} />
          <TextArea label="What is happening" name="message" value={template?.message} hint="(paragraphs, lists, **bold**, *italic*, `code`, [links](https://...))" />
          <div class="row">
            <Select label="Severity" name="severity" options={SEVERITY_OPTIONS} value={template?.severity ?? "minor"} />
            <Select label="Status" name="status" options={OPEN_STATUS_OPTIONS} value="investigating" />
          </div>
          <ComponentPicker components={components} chosen={chosen} prefix="open" />
          <EtaFields zone={page.time_zone} prefix="open" />
          <NotifyBox id="open-notify" />
          <div>
            <button type="submit">Open incident</button>
          </div>
        </ConsoleForm>
      </section>
    </ConsoleLayout>
  );
};

/** Who took an automatic incident over, and what its components' checks say now. */
export interface Automation {
  takenOverBy: string | null;
  /** Their name and email, as their session gave them (null when it gave neither). */
  takenOverByName?: string | null;
  suggestion: string | null;
}

/**
 * What an admin should know before acting on an incident the checks opened: whether Beacon still runs it,
 * that acting makes it theirs, what the checks say, and that its root cause is left for a person.
 */
const AutomationNote: FC<{ i: SnapshotIncident; automation: Automation; page: PageInfo }> = ({ i, automation, page }) => {
  const open = isOpenIncident(i.status);
  return (
    <div class="card pad" id="automation">
      <p>
        <strong>Detected automatically.</strong>{" "}
        {i.taken_over_at ? (
          <>
            Taken over by {automation.takenOverByName ? <>{automation.takenOverByName} (<code>{automation.takenOverBy}</code>)</> : <code>{automation.takenOverBy ?? "an admin"}</code>}{" "}
            <Time ms={i.taken_over_at} page={page} />: Beacon no longer updates or resolves it.
          </>
        ) : open ? (
          "Beacon keeps it up to date and resolves it once its checks pass. Posting an update, resolving it or editing it makes it yours, and Beacon stops."
        ) : (
          "Beacon resolved it when its checks passed."
        )}
      </p>
      {automation.suggestion ? <p class="meta">What the checks say: {automation.suggestion}.</p> : null}
      {!open && !i.root_cause ? <p class="meta">No root cause yet: add it under "Edit the incident".</p> : null}
    </div>
  );
};

export const IncidentPage: FC<{ ctx: ConsoleContext; page: PageInfo; incident: SnapshotIncident; automation?: Automation | null; deletable?: boolean; components: Named[]; flash?: string | null; refill?: Refill | null }> = ({
  ctx,
  page,
  incident: i,
  automation,
  deletable = true,
  components,
  flash,
  refill,
}) => {
  const open = isOpenIncident(i.status);
  const current = new Map<string, ComponentStatus>(i.components.map((c) => [c.id, c.status]));
  const eta = currentEta(i);
  return (
    <ConsoleLayout ctx={ctx} title={i.title}>
      <p>
        <a href="/admin/incidents">All incidents</a> · <a href={`/incidents/${i.id}`}>Public page</a>
      </p>
      <Flash text={flash} />
      <div id="incident" data-live>
        <h1>{i.title}</h1>
        <p class="meta">
          <span class="sev">{i.status}</span> · <span class="sev">{impactText(i.severity)}</span> · started <Time ms={i.started_at} page={page} />
          {i.resolved_at ? (
            <>
              {" "}
              · resolved <Time ms={i.resolved_at} page={page} /> after {formatDuration((i.resolved_at - i.started_at) / 1000)}
            </>
          ) : null}
          {open && eta ? (
            <>
              {" "}
              · expected resolution <Time ms={eta} page={page} />
            </>
          ) : null}
        </p>
        {i.components.length ? (
          <ul class="card comps">
            {i.components.map((c) => (
              <li class="comp">
                <div class="comp-head">
                  <span class="comp-name">{c.name}</span>
                  <Status status={c.status} />
                </div>
              </li>
            ))}
          </ul>
        ) : null}
        {i.automatic && automation ? <AutomationNote i={i} automation={automation} page={page} /> : null}
        <Written text={i.description} />
      </div>

      <div id="incident-actions" data-live>
        {open ? (
          <>
            <section aria-labelledby="update-h">
              <h2 id="update-h">Post an update</h2>
              <ConsoleForm ctx={ctx} action={`/admin/incidents/${i.id}/updates`} refill={refill}>
                <Drawn name="components_was" value={pickerShown(i.components)} />
                <Drawn name="status_was" value={i.status} />
                <Select label="Status" name="status" id="u-status" options={OPEN_STATUS_OPTIONS} value={i.status} />
                <TextArea label="Message" name="message" id="u-message" required />
                <EtaFields zone={page.time_zone} prefix="u" canClear />
                <ComponentPicker components={components} chosen={current} prefix="u" />
                <NotifyBox
                  id="u-notify"
                  hint={
                    toldSubscribers(i)
                      ? undefined
                      : "Opened quietly: subscribers have not been told of this incident. Notified, this update announces it to them as a new incident."
                  }
                />
                <div>
                  <button type="submit">Post update</button>
                </div>
              </ConsoleForm>
            </section>
            <section aria-labelledby="resolve-h">
              <h2 id="resolve-h">Resolve</h2>
              <ConsoleForm ctx={ctx} action={`/admin/incidents/${i.id}/resolve`} refill={refill}>
                <TextArea label="Root cause" name="root_cause" id="r-root" required />
                <TextArea label="Resolution" name="resolution" id="r-resolution" required />
                <TextArea label="Closing message" name="message" id="r-message" hint="(optional; the resolution is used otherwise)" />
                <NotifyBox id="r-notify" />
                <div>
                  <button type="submit">Resolve incident</button>
                </div>
              </ConsoleForm>
            </section>
          </>
        ) : (
          <section aria-labelledby="pm-h">
            {refill && /\/(updates|resolve)$/.test(refill.action) ? <FormErrors refill={refill} /> : null}
            <h2 id="pm-h">Postmortem</h2>
            {i.postmortem ? <Written text={i.postmortem} /> : <p class="muted">Not written yet.</p>}
            <p>
              <a href={`/admin/incidents/${i.id}/postmortem`}>{i.postmortem ? "Edit the postmortem" : "Write the postmortem"}</a>
            </p>
          </section>
        )}
      </div>

      <section id="incident-updates" data-live aria-labelledby="updates-h">
        <h2 id="updates-h">Updates</h2>
        <ol class="timeline">
          {i.updates.map((u, n) => (
            <li>
              <strong>{u.status}</strong> <Time ms={u.created_at} page={page} />
              {u.estimated_resolution ? (
                <span class="meta">
                  {" "}
                  · ETA <Time ms={u.estimated_resolution} page={page} />
                </span>
              ) : null}
              <Written text={u.message} />
              <details open={refill?.action === `/admin/incidents/${i.id}/updates/${u.id}` || undefined}>
                <summary>Edit this update</summary>
                <ConsoleForm ctx={ctx} class="f" action={`/admin/incidents/${i.id}/updates/${u.id}`} refill={refill} version={u.updated_at}>
                  <TextArea label="Message" name="message" id={`e-u-${n}`} value={u.message} required />
                  <div>
                    <button type="submit" class="secondary">
                      Save the update's text
                    </button>
                  </div>
                </ConsoleForm>
              </details>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="edit-h">
        <h2 id="edit-h">Edit the incident</h2>
        <ConsoleForm ctx={ctx} action={`/admin/incidents/${i.id}/edit`} refill={refill} version={incidentFormVersion(i)}>
          <Field label="Title" name="title" id="e-title" value={i.title} required max={200} />
          <TextArea label="Description" name="message" id="e-message" value={i.description} />
          <Select label="Severity" name="severity" id="e-severity" options={SEVERITY_OPTIONS} value={i.severity} />
          {open ? null : (
            <>
              <TextArea label="Root cause" name="root_cause" id="e-root" value={i.root_cause} required={i.root_cause !== null} />
              <TextArea label="Resolution" name="resolution" id="e-resolution" value={i.resolution} required={i.resolution !== null} />
              <input type="hidden" name="written" value={[i.root_cause !== null && "root_cause", i.resolution !== null && "resolution"].filter(Boolean).join(" ")} />
            </>
          )}
          <p class="hint">Edits correct the text; subscribers are not notified of them.</p>
          <div>
            <button type="submit" class="secondary">
              Save changes
            </button>
          </div>
        </ConsoleForm>
        {deletable ? (
          <form method="post" autocomplete="off" action={`/admin/incidents/${i.id}/delete`} data-confirm="Delete this incident and its updates for good?">
            <Csrf ctx={ctx} />
            <p>
              <button type="submit" class="danger">
                Delete incident
              </button>
            </p>
          </form>
        ) : (
          <p class="hint">Subscribers were told of this incident: to delete it, resolve it first, so that they hear it ended (say it was opened by mistake if it was).</p>
        )}
      </section>
    </ConsoleLayout>
  );
};

const clock = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** The editor's starting point: sections to fill in, and a timeline built from the incident's updates. */
export function postmortemDraft(i: SnapshotIncident): string {
  const timeline = [...i.updates]
    .reverse()
    // An update of several lines stays so: its later lines indented under its item (a line break each).
    .map((u) => `- ${clock(u.created_at)} UTC, ${u.status}: ${u.message.split("\n").map((l) => l.trim()).filter((l) => l !== "").join("\n    ")}`)
    .join("\n");
  const lasted = i.resolved_at ? ` for ${formatDuration((i.resolved_at - i.started_at) / 1000)}` : "";
  const affected = i.components.map((c) => c.name).join(", ") || "no component";
  return [
    "**Summary**",
    `${i.title}. What happened, in two sentences.`,
    "",
    "**Impact**",
    `${affected} affected${lasted}. Who noticed what.`,
    "",
    "**Timeline**",
    timeline,
    "",
    "**Root cause**",
    i.root_cause ?? "",
    "",
    "**Resolution**",
    i.resolution ?? "",
    "",
    "**Action items**",
    "- ",
  ].join("\n");
}

export const PostmortemPage: FC<{
  ctx: ConsoleContext;
  page: PageInfo;
  incident: SnapshotIncident;
  text: string;
  preview: boolean;
  refill?: Refill | null;
  /** The incident's version the editor was first drawn from, kept through previews (see ConsoleForm). */
  version?: number;
}> = ({ ctx, page, incident: i, text, preview, refill, version }) => (
  <ConsoleLayout ctx={ctx} title={`Postmortem: ${i.title}`}>
    <p>
      <a href={`/admin/incidents/${i.id}`}>Back to the incident</a>
    </p>
    <h1>Postmortem: {i.title}</h1>
    {preview ? (
      <section aria-labelledby="preview-h" class="preview">
        <h2 id="preview-h">Preview: as the public page will show it</h2>
        <article class="incident-page">
          <h2>Postmortem</h2>
          <Written text={text} />
        </article>
      </section>
    ) : null}
    <ConsoleForm ctx={ctx} class="f" action={`/admin/incidents/${i.id}/postmortem`} refill={refill} version={version ?? postmortemFormVersion(i)} touched={preview ? "postmortem" : undefined}>
      <TextArea label="Postmortem" name="postmortem" id="pm-text" value={text} required tall hint="(paragraphs, lists, **bold**, *italic*, `code`, [links](https://...))" />
      <p class="hint">
        Publishing shows it on the incident's public page ({page.url}/incidents/{i.id}); subscribers are not notified of postmortems.
      </p>
      <div class="actions">
        <button type="submit" name="action" value="preview" class="secondary">
          Preview
        </button>
        <button type="submit" name="action" value="publish">
          Publish postmortem
        </button>
      </div>
    </ConsoleForm>
  </ConsoleLayout>
);
