import type { FC } from "hono/jsx";
import type { AuditRow } from "../db/queries/audit";
import { AUDIT_ENTITY_TYPES, type AuditEntityType } from "../db/schema";
import { formatTime } from "../page/format";
import { isoMillis } from "../time";
import { ConsoleLayout, type ConsoleContext } from "./layout";

const ENTITY_PAGES: Partial<Record<AuditEntityType, string>> = {
  incident: "/admin/incidents/",
  maintenance: "/admin/maintenance/",
  component: "/admin/components/",
  template: "/admin/templates/",
};

/** Where the entity is edited, while it still exists: groups and reorders live on the components screen. */
function entityHref(row: AuditRow): string | null {
  if (row.action.endsWith(".delete") || row.action.endsWith(".remove")) return null;
  if (row.entityType === "group" || row.entityId === "*") return "/admin/components";
  const base = ENTITY_PAGES[row.entityType];
  return base ? base + row.entityId : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const short = (value: unknown) => {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
};

/** How much of a long text the screen shows of each record; the API keeps the whole record. */
export const AUDIT_TEXT_SHOWN = 300;

/**
 * A record as the screen shows it: every string longer than AUDIT_TEXT_SHOWN cut there, saying how long it
 * is in full, so twenty entries of 10,000-character descriptions stay within the console's first-load budget.
 */
export function shownRecord(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length > AUDIT_TEXT_SHOWN ? `${value.slice(0, AUDIT_TEXT_SHOWN)}… (${value.length.toLocaleString("en-US")} characters in full)` : value;
  }
  if (Array.isArray(value)) return value.map(shownRecord);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownRecord(v)]));
  return value;
}

/** The keys whose values differ between two objects, or null when before and after are not both objects. */
export function changedKeys(before: unknown, after: unknown): { key: string; from: string; to: string }[] | null {
  if (!isRecord(before) || !isRecord(after)) return null;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((key) => ({ key, from: short(before[key]), to: short(after[key]) }));
}

const Who: FC<{ row: AuditRow }> = ({ row }) =>
  row.actorKind === "automation" ? (
    <strong>Beacon</strong>
  ) : (
    <>
      <strong>{row.actorName ?? row.actorEmail ?? "An admin"}</strong>
      {row.actorName && row.actorEmail ? ` (${row.actorEmail})` : ""} <code class="who-id">{row.actorId}</code>
    </>
  );

const Change: FC<{ row: AuditRow }> = ({ row }) => {
  const changed = changedKeys(row.before, row.after);
  return (
    <>
      {changed?.length ? (
        <ul class="diff">
          {changed.map((d) => (
            <li>
              <code>{d.key}</code>: <del>{d.from}</del> → <ins>{d.to}</ins>
            </li>
          ))}
        </ul>
      ) : null}
      <details>
        <summary>Before and after</summary>
        <p class="hint">Before</p>
        <pre class="json">{JSON.stringify(shownRecord(row.before), null, 2)}</pre>
        <p class="hint">After</p>
        <pre class="json">{JSON.stringify(shownRecord(row.after), null, 2)}</pre>
      </details>
    </>
  );
};

const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return q ? `/admin/audit?${q}` : "/admin/audit";
};

export const AuditPage: FC<{
  ctx: ConsoleContext;
  zone: string;
  rows: AuditRow[];
  nextCursor: string | null;
  entityType?: AuditEntityType;
  entityId?: string;
  paged: boolean;
}> = ({ ctx, zone, rows, nextCursor, entityType, entityId, paged }) => (
  <ConsoleLayout ctx={ctx} title="Audit log">
    <h1>Audit log</h1>
    <p class="muted">Every change made in the console, through the API or by Beacon itself, newest first.</p>
    <form class="f" method="get" action="/admin/audit" role="search">
      <div class="row">
        <div class="field">
          <label for="a-type">Entity type</label>
          <select id="a-type" name="entity_type">
            <option value="" selected={!entityType}>
              All
            </option>
            {AUDIT_ENTITY_TYPES.map((t) => (
              <option value={t} selected={entityType === t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        {entityId ? <input type="hidden" name="entity_id" value={entityId} /> : null}
        <button type="submit">Filter</button>
      </div>
    </form>
    {entityId ? (
      <p>
        Showing entries for <code>{entityId}</code> only. <a href={query({ entity_type: entityType })}>Show all</a>
      </p>
    ) : null}
    {rows.length ? (
      <ol class="card lines audit" id="audit">
        {rows.map((row) => {
          const href = entityHref(row);
          return (
            <li data-audit={row.id}>
              <div>
                <strong>{row.action}</strong> on {row.entityType}{" "}
                {href ? <a href={href}>{row.entityId === "*" ? "all components" : <code>{row.entityId}</code>}</a> : <code>{row.entityId}</code>}
              </div>
              <div class="meta">
                <Who row={row} /> · <time datetime={isoMillis(row.at)!}>{formatTime(row.at, zone)}</time>
              </div>
              <Change row={row} />
            </li>
          );
        })}
      </ol>
    ) : (
      <p class="muted">{paged ? "No older entries." : "Nothing has been recorded yet."}</p>
    )}
    <nav class="actions" aria-label="Audit log pages">
      {paged ? <a href={query({ entity_type: entityType, entity_id: entityId })}>Newest</a> : null}
      {nextCursor ? (
        <a href={query({ entity_type: entityType, entity_id: entityId, cursor: nextCursor })} rel="next">
          Older
        </a>
      ) : null}
    </nav>
  </ConsoleLayout>
);
