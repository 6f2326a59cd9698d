import type { FC } from "hono/jsx";
import { Time } from "../page/parts";
import type { PageInfo } from "../snapshot/types";
import { ConsoleLayout, type ConsoleContext } from "./layout";

export interface AuditLine {
  id: string;
  at: number;
  actorKind: string;
  actorId: string | null;
  actorName: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

const ENTITY_PAGES: Record<string, string> = {
  incident: "/admin/incidents/",
  maintenance: "/admin/maintenance/",
  component: "/admin/components/",
  template: "/admin/templates/",
};

const who = (a: AuditLine) =>
  a.actorKind === "admin" ? [a.actorName, a.actorEmail].filter(Boolean).join(" ") + (a.actorName || a.actorEmail ? ` (${a.actorId})` : a.actorId ?? "") : "Beacon (automatic)";

/** Before and after as indented JSON, shown on demand: long, but exactly what changed. */
const Diff: FC<{ value: unknown; label: string }> = ({ value, label }) =>
  value === null || value === undefined ? null : (
    <details>
      <summary>{label}</summary>
      <pre class="scroll">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );

export const AuditPage: FC<{ ctx: ConsoleContext; page: PageInfo; entries: AuditLine[]; next: string | null }> = ({ ctx, page, entries, next }) => (
  <ConsoleLayout ctx={ctx} title="Audit log">
    <h1>Audit log</h1>
    <p class="hint">Every admin write, from the console or the API, and every move Beacon makes by itself; kept for a year.</p>
    <div id="audit" data-live>
      {entries.length ? (
        <ol class="card lines">
          {entries.map((a) => {
            const href = ENTITY_PAGES[a.entityType];
            return (
              <li data-audit={a.id}>
                <div class="meta">
                  <Time ms={a.at} page={page} /> · <span class="who-did">{who(a)}</span>
                </div>
                <strong>{a.action}</strong>{" "}
                {href && a.action.split(".")[1] !== "delete" ? <a href={`${href}${a.entityId}`}>{a.entityId}</a> : <code>{a.entityId}</code>}
                <Diff value={a.before} label="Before" />
                <Diff value={a.after} label="After" />
              </li>
            );
          })}
        </ol>
      ) : (
        <p class="muted">Nothing recorded yet.</p>
      )}
    </div>
    {next ? (
      <p>
        <a href={`/admin/audit?before=${encodeURIComponent(next)}`}>Older entries</a>
      </p>
    ) : null}
  </ConsoleLayout>
);
