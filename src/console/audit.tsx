import type { FC } from "hono/jsx";
import type { AuditRow } from "../db/queries/audit";
import { AUDIT_ENTITY_TYPES, type AuditEntityType } from "../db/schema";
import { auditedName, recordWithIsoTimes } from "../domain/audit";
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
function entityHref(row: AuditRow, deleted: boolean): string | null {
  if (deleted || row.action.endsWith(".delete") || row.action.endsWith(".remove")) return null;
  if (row.entityType === "group" || row.entityId === "*") return "/admin/components";
  const base = ENTITY_PAGES[row.entityType];
  return base ? base + row.entityId : null;
}

const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return q ? `/admin/audit?${q}` : "/admin/audit";
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const encoder = new TextEncoder();
/** What a character costs in the page, escaped as the renderer escapes text. */
const ESCAPED: Record<string, number> = { "&": 5, "<": 4, ">": 4, '"': 6, "'": 5 };
const pageBytes = (ch: string) => ESCAPED[ch] ?? encoder.encode(ch).length;

/**
 * A text cut to at most `maxBytes` as the page carries it (escaped, UTF-8), so what an entry shows has a
 * bound whatever it holds: quotes and ampersands take 4-6 bytes each, most scripts 2-4.
 */
export function fitted(text: string, maxBytes: number): string {
  let total = 0;
  for (const ch of text) total += pageBytes(ch);
  if (total <= maxBytes) return text;
  let used = 0;
  let kept = "";
  // By code point, so a surrogate pair is never split; the ellipsis takes 3 bytes.
  for (const ch of text) {
    used += pageBytes(ch);
    if (used > maxBytes - 3) break;
    kept += ch;
  }
  return `${kept}…`;
}

const shownValue = (value: unknown, maxBytes: number) => fitted(value === undefined ? "(none)" : JSON.stringify(value), maxBytes);

/** How much of a long text the entry's screen shows of each record; the API keeps the whole record. */
export const AUDIT_TEXT_SHOWN = 300;
/** The most a record takes on the entry's screen, escaped (two of them, and the diff, within the budget). */
const RECORD_BYTES = 14_000;
/** What each changed value takes: in the list, and on the entry's screen. */
const LISTED_VALUE_BYTES = 100;
const ENTRY_VALUE_BYTES = 160;
/** Changed fields a list entry names; the entry's screen shows them all. */
const LISTED_CHANGES = 4;
/** A name or email from the session's claims, as the log shows it. */
const CLAIM_BYTES = 80;

/**
 * A record as the screen shows it: every string longer than AUDIT_TEXT_SHOWN cut there, saying how long it
 * is in full.
 */
export function shownRecord(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length > AUDIT_TEXT_SHOWN ? `${value.slice(0, AUDIT_TEXT_SHOWN)}… (${value.length.toLocaleString("en-US")} characters in full)` : value;
  }
  if (Array.isArray(value)) return value.map(shownRecord);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownRecord(v)]));
  return value;
}

/** The JSON of a record as the entry's screen shows it, within RECORD_BYTES. */
function recordText(value: unknown): string {
  const text = JSON.stringify(shownRecord(value), null, 2) ?? "null";
  const shown = fitted(text, RECORD_BYTES);
  return shown === text ? text : `${shown}\n(cut here: the whole record is in GET /api/status/audit)`;
}

/** The keys whose values differ between two objects, or null when before and after are not both objects. */
export function changedKeys(before: unknown, after: unknown, maxBytes = LISTED_VALUE_BYTES): { key: string; from: string; to: string }[] | null {
  if (!isRecord(before) || !isRecord(after)) return null;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((key) => ({ key: fitted(key, 60), from: shownValue(before[key], maxBytes), to: shownValue(after[key], maxBytes) }));
}

const Who: FC<{ row: AuditRow }> = ({ row }) => {
  if (row.actorKind === "automation") return <strong>Beacon</strong>;
  const name = row.actorName ? fitted(row.actorName, CLAIM_BYTES) : null;
  const email = row.actorEmail ? fitted(row.actorEmail, CLAIM_BYTES) : null;
  return (
    <>
      <strong>{name ?? email ?? "An admin"}</strong>
      {name && email ? ` (${email})` : ""} <code class="who-id">{fitted(row.actorId ?? "", CLAIM_BYTES)}</code>
    </>
  );
};

const Diff: FC<{ changed: { key: string; from: string; to: string }[]; more?: number }> = ({ changed, more }) => (
  <ul class="diff">
    {changed.map((d) => (
      <li>
        <code>{d.key}</code>: <del>{d.from}</del> → <ins>{d.to}</ins>
      </li>
    ))}
    {more ? <li class="meta">and {more === 1 ? "1 more field" : `${more} more fields`}</li> : null}
  </ul>
);

/** What an entry is about: the action, what it changed (linked while it exists), who and when. */
const Heading: FC<{ row: AuditRow; zone: string; gone: ReadonlySet<string> }> = ({ row, zone, gone }) => {
  const deleted = gone.has(`${row.entityType}/${row.entityId}`);
  const href = entityHref(row, deleted);
  const named = auditedName(row.before, row.after);
  // Titles run to 200 characters: the list shows the start of one.
  const name = named && [...named].length > 60 ? `${[...named].slice(0, 59).join("")}…` : named;
  const what = row.entityId === "*" ? "all components" : name ? <span>{name}</span> : <code>{row.entityId}</code>;
  return (
    <>
      <div>
        <strong>{row.action}</strong> on {row.entityType} {href ? <a href={href}>{what}</a> : what}
        {deleted && !row.action.endsWith(".delete") ? <span class="meta"> (since deleted)</span> : null}
      </div>
      <div class="meta">
        <Who row={row} /> · <time datetime={isoMillis(row.at)!}>{formatTime(row.at, zone)}</time>
      </div>
    </>
  );
};

/** One entry in the list: its first changed fields, each value cut short; the records are on its own screen. */
const ListedEntry: FC<{ row: AuditRow; zone: string; gone: ReadonlySet<string> }> = ({ row, zone, gone }) => {
  const changed = changedKeys(recordWithIsoTimes(row.before), recordWithIsoTimes(row.after)) ?? [];
  return (
    <li data-audit={row.id}>
      <Heading row={row} zone={zone} gone={gone} />
      {changed.length ? <Diff changed={changed.slice(0, LISTED_CHANGES)} more={changed.length - Math.min(changed.length, LISTED_CHANGES)} /> : null}
      <a href={`/admin/audit/${row.id}`}>Before and after</a>
    </li>
  );
};

/** One entry with both records: what it was before and after, texts past AUDIT_TEXT_SHOWN characters cut. */
export const AuditEntryPage: FC<{ ctx: ConsoleContext; zone: string; row: AuditRow; gone: ReadonlySet<string> }> = ({ ctx, zone, row, gone }) => {
  const [before, after] = [recordWithIsoTimes(row.before), recordWithIsoTimes(row.after)];
  const changed = changedKeys(before, after, ENTRY_VALUE_BYTES);
  return (
    <ConsoleLayout ctx={ctx} title={`Audit entry: ${row.action}`}>
      <p>
        <a href="/admin/audit">Audit log</a> · <a href={query({ entity_type: row.entityType, entity_id: row.entityId })}>Every entry for this {row.entityType}</a>
      </p>
      <h1>Audit entry</h1>
      <div class="card pad" data-audit={row.id}>
        <Heading row={row} zone={zone} gone={gone} />
        {changed?.length ? <Diff changed={changed} /> : null}
        <h2>Before</h2>
        <pre class="json">{recordText(before)}</pre>
        <h2>After</h2>
        <pre class="json">{recordText(after)}</pre>
      </div>
    </ConsoleLayout>
  );
};


export const AuditPage: FC<{
  ctx: ConsoleContext;
  zone: string;
  rows: AuditRow[];
  nextCursor: string | null;
  entityType?: AuditEntityType;
  entityId?: string;
  paged: boolean;
  /** Entities since deleted ("type/id"): named, not linked. */
  gone: ReadonlySet<string>;
}> = ({ ctx, zone, rows, nextCursor, entityType, entityId, paged, gone }) => (
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
        {rows.map((row) => (
          <ListedEntry row={row} zone={zone} gone={gone} />
        ))}
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
