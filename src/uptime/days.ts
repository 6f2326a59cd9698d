const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar day (YYYY-MM-DD) of an instant in the page's time zone. */
export function dayOf(ms: number, timeZone = "UTC"): string {
  return formatter(timeZone).format(new Date(ms));
}

/** Adds whole days to a YYYY-MM-DD date (calendar arithmetic, no time zone involved). */
export function addDays(day: string, delta: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + delta);
  return d.toISOString().slice(0, 10);
}

/** The last `count` calendar days ending with today, oldest first. */
export function lastDays(nowMs: number, count: number, timeZone = "UTC"): string[] {
  const today = dayOf(nowMs, timeZone);
  return Array.from({ length: count }, (_, i) => addDays(today, i - count + 1));
}

const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * The first instant of a calendar day in a time zone: local midnight, found by probing the zone's offset, or,
 * where the clocks skip midnight (Beirut, Santiago, ... on their change days), the first instant after it.
 * Offsets change on quarter hours, which is as fine as it needs to step.
 */
export function startOfDay(day: string, timeZone = "UTC"): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  let guess = utcMidnight;
  for (let i = 0; i < 3; i++) {
    const offset = zoneOffsetMs(guess, timeZone);
    const next = utcMidnight - offset;
    if (next === guess) break;
    guess = next;
  }
  for (let i = 0; i < 8 && dayOf(guess, timeZone) < day; i++) guess += QUARTER_HOUR_MS;
  for (let i = 0; i < 8 && dayOf(guess - QUARTER_HOUR_MS, timeZone) === day; i++) guess -= QUARTER_HOUR_MS;
  return guess;
}

const checkedZones = new Map<string, string>();

/**
 * PAGE_TIME_ZONE, or UTC when unset or unknown to the runtime: a mistyped zone would otherwise make every
 * date computation throw, and with them the recording of checks and the building of the page. Logged once.
 */
export function pageTimeZone(env: { PAGE_TIME_ZONE?: string }): string {
  const zone = env.PAGE_TIME_ZONE?.trim() || "UTC";
  let checked = checkedZones.get(zone);
  if (checked === undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      checked = zone;
    } catch {
      console.error(`PAGE_TIME_ZONE "${zone}" is not a time zone this runtime knows (an IANA name such as Europe/Berlin); using UTC`);
      checked = "UTC";
    }
    checkedZones.set(zone, checked);
  }
  return checked;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** How far ahead of UTC the zone's wall clock is at an instant (negative west of Greenwich). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  let wallClock = wallClocks.get(timeZone);
  if (!wallClock) {
    wallClock = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    wallClocks.set(timeZone, wallClock);
  }
  const parts = wallClock.formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}
