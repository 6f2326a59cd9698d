import type { Snapshot, SnapshotMaintenance } from "../snapshot/types";

// RFC 5545: CRLF line ends, content lines folded at 75 octets, TEXT values escaped. One VEVENT per
// maintenance window with a UID that never changes, so calendar clients update or cancel it in place.

const encoder = new TextEncoder();

/** Escapes a TEXT value (backslash, semicolon, comma, newlines); control characters are dropped. */
export function escapeText(value: string): string {
  return value
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "")
    .replace(/[\\;,]/g, (ch) => `\\${ch}`)
    .replace(/\n/g, "\\n");
}

/** Folds a content line into chunks of at most 75 octets, never splitting a UTF-8 sequence. */
export function foldLine(line: string): string {
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  // The first line holds 75 octets; continuation lines start with a space, leaving 74.
  let limit = 75;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
      limit = 74;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

const utc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/**
 * When the window ran, once that is known, else when it is planned: started early or late, it starts when it
 * started; completed (or cancelled while in progress), it ends when it did. Calendars then show what happened.
 */
function windowSpan(m: SnapshotMaintenance): { start: number; end: number } {
  const start = m.started_at ?? m.scheduled_start;
  const stopped = m.completed_at ?? (m.started_at !== null && m.status === "cancelled" ? m.cancelled_at : null);
  return { start, end: stopped ?? m.scheduled_end };
}

function vevent(m: SnapshotMaintenance, snapshot: Snapshot, host: string): string[] {
  const components = m.components.map((c) => c.name).join(", ");
  const description = [m.description, components && `Affected: ${components}`].filter(Boolean).join("\n\n");
  const { start, end } = windowSpan(m);
  return [
    "BEGIN:VEVENT",
    `UID:maintenance-${m.id}@${host}`,
    `DTSTAMP:${utc(m.updated_at)}`,
    `CREATED:${utc(m.created_at)}`,
    `LAST-MODIFIED:${utc(m.updated_at)}`,
    // Every change raises the stored revision, however close together two edits come.
    `SEQUENCE:${m.revision ?? 0}`,
    `DTSTART:${utc(start)}`,
    // DTEND must come after DTSTART (to the second); a window that ended as it started has none, which
    // RFC 5545 reads as ending at its start.
    ...(utc(end) > utc(start) ? [`DTEND:${utc(end)}`] : []),
    `SUMMARY:${escapeText(`Maintenance: ${m.title}`)}`,
    ...(description ? [`DESCRIPTION:${escapeText(description)}`] : []),
    `URL:${snapshot.page.url}/maintenance/${m.id}`,
    `STATUS:${m.status === "cancelled" ? "CANCELLED" : "CONFIRMED"}`,
    "TRANSP:TRANSPARENT",
    "END:VEVENT",
  ];
}

/**
 * RFC 5545 requires at least one component in a calendar: with no window to list, a UTC time zone (which no
 * event refers to) keeps it valid, so strict parsers read an empty calendar rather than refuse the feed.
 */
const EMPTY_CALENDAR_COMPONENT = [
  "BEGIN:VTIMEZONE",
  "TZID:UTC",
  "BEGIN:STANDARD",
  "DTSTART:19700101T000000",
  "TZOFFSETFROM:+0000",
  "TZOFFSETTO:+0000",
  "TZNAME:UTC",
  "END:STANDARD",
  "END:VTIMEZONE",
];

export function maintenanceCalendar(snapshot: Snapshot, opts: { componentId?: string } = {}): string {
  const host = new URL(snapshot.page.url).host;
  const windows = snapshot.maintenances.filter((m) => !opts.componentId || m.components.some((c) => c.id === opts.componentId));
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Beacon//Status page maintenance//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `NAME:${escapeText(`${snapshot.page.name} maintenance`)}`,
    `X-WR-CALNAME:${escapeText(`${snapshot.page.name} maintenance`)}`,
    // How often subscribed clients should poll: RFC 7986, and the older property Outlook reads.
    "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    "X-PUBLISHED-TTL:PT1H",
    ...(windows.length ? windows.flatMap((m) => vevent(m, snapshot, host)) : EMPTY_CALENDAR_COMPONENT),
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}
