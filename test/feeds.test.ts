import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { foldLine, maintenanceCalendar } from "../src/feeds/icalendar";
import { renderAtomFeed, renderJsonFeed, renderRss } from "../src/routes/feeds";
import type { Snapshot, SnapshotMaintenance } from "../src/snapshot/types";
import { iso } from "../src/time";
import { admin, call, createIncident, DEFAULT_COMPONENTS, json } from "./support/api";

const HOSTILE = `Quotes "double" & 'single' <script>alert(1)</script> ]]> twice ]]> and ]]]]> <![CDATA[ x ]]> tab\there 🔥 émoji`;
const HOSTILE_MESSAGE = `Update: a < b && c > d; "]]>" again ]]>\nsecond line 🧯`;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", cdataPropName: false, parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: false });

function parseXml(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml);
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * An RSS description as a feed reader renders it: parsed as HTML. The elements it holds (only `br` is
 * expected) and its text, each `<br>` a line break.
 */
async function asHtml(html: string) {
  const elements: string[] = [];
  await new HTMLRewriter()
    .on("*", { element: (e) => void elements.push(e.tagName) })
    .transform(new Response(html))
    .text();
  const text = html
    .replace(/<br>/g, "\n")
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) =>
      name.startsWith("#") ? String.fromCodePoint(Number(name.startsWith("#x") ? `0x${name.slice(2)}` : name.slice(1))) : (ENTITIES[name] ?? whole),
    );
  return { elements: [...new Set(elements)], text };
}

async function get(path: string, type: RegExp) {
  const res = await call("GET", path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(type);
  return res.text();
}

/** A minimal snapshot for rendering text the API itself would never accept (raw control characters). */
function snapshotWith(title: string, message: string): Snapshot {
  const now = Date.now();
  return {
    version: 1,
    generated_at: now,
    page: { name: "Beacon\u0001 Test", url: "https://status.example.com", logo_url: null, description: null, time_zone: "UTC" },
    overall_status: "operational",
    groups: [],
    components: [],
    incidents: [
      {
        id: "00000000-0000-4000-8000-000000000001",
        title,
        description: message,
        status: "investigating",
        severity: "minor",
        started_at: now,
        resolved_at: null,
        root_cause: null,
        resolution: null,
        postmortem: null,
        postmortem_published_at: null,
        created_at: now,
        updated_at: now,
        components: [],
        updates: [
          { id: "00000000-0000-4000-8000-000000000003", status: "identified", message, estimated_resolution: null, created_at: now + 1000, updated_at: now + 1000 },
          { id: "00000000-0000-4000-8000-000000000002", status: "investigating", message, estimated_resolution: null, created_at: now, updated_at: now },
        ],
      },
    ],
    maintenances: [],
  };
}

describe("feeds (RSS, Atom, JSON Feed)", () => {
  it("hostile admin text gives well-formed XML whose parsed text round-trips, in all three formats", async () => {
    const incident = await createIncident({ title: HOSTILE, description: HOSTILE_MESSAGE, affected_components: [DEFAULT_COMPONENTS.email] });
    const res = await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: HOSTILE_MESSAGE, status: "identified" });
    expect(res.status).toBe(201);
    const updateId = (await json(res)).update.id;

    const rss = parseXml(await get("/api/status/rss", /^application\/rss\+xml/));
    const rssItems = list<any>(rss.rss.channel.item);
    expect(rssItems.find((i) => i.guid["#text"] === incident.id || i.guid === incident.id).title).toBe(HOSTILE);
    const rssUpdate = rssItems.find((i) => (i.guid["#text"] ?? i.guid) === updateId);
    expect(rssUpdate.title).toBe(`${HOSTILE}: Identified`);
    expect(await asHtml(rssUpdate.description)).toEqual({ elements: ["br"], text: HOSTILE_MESSAGE });

    const atom = parseXml(await get("/api/status/atom", /^application\/atom\+xml/));
    expect(atom.feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    const entries = list<any>(atom.feed.entry);
    const entry = entries.find((e) => e.id === `urn:uuid:${incident.id}`);
    expect(entry.title["#text"]).toBe(HOSTILE);
    expect(entry.title["@type"]).toBe("text");
    expect(entry.summary["#text"]).toContain(HOSTILE_MESSAGE);
    const atomUpdate = entries.find((e) => e.id === `urn:uuid:${updateId}`);
    expect(atomUpdate.summary["#text"]).toBe(HOSTILE_MESSAGE);
    expect(atomUpdate.link["@href"]).toBe(`https://status.example.com/incidents/${incident.id}#update-${updateId}`);
    expect(Date.parse(atomUpdate.updated)).not.toBeNaN();

    const feed = JSON.parse(await get("/api/status/feed.json", /^application\/feed\+json/));
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed).toMatchObject({ title: "Beacon Test status", home_page_url: "https://status.example.com/", feed_url: "https://status.example.com/api/status/feed.json" });
    const item = feed.items.find((i: any) => i.id === updateId);
    expect(item).toMatchObject({ title: `${HOSTILE}: Identified`, content_text: HOSTILE_MESSAGE, url: `https://status.example.com/incidents/${incident.id}#update-${updateId}` });
    expect(Date.parse(item.date_published)).not.toBeNaN();
    expect(feed.items.find((i: any) => i.id === incident.id).title).toBe(HOSTILE);
  });

  it("RSS descriptions are escaped HTML with <br> line breaks: readers show the text as written, and no markup from it", async () => {
    const message = `Press <Ctrl>+<R> & retry, "quoted" and 'single'.\nIf a <script>alert(1)</script> dialog appears, close it.`;
    const incident = await createIncident({ title: `Login fails for <admin> & "ops" ${crypto.randomUUID().slice(0, 8)}`, description: message, affected_components: [] });
    const updateId = (await json(await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message, status: "identified" }))).update.id;
    const raw = await get("/api/status/rss", /rss/);
    const item = list<any>(parseXml(raw).rss.channel.item).find((i) => (i.guid["#text"] ?? i.guid) === updateId);
    expect(item.description).toBe(
      "Press &lt;Ctrl&gt;+&lt;R&gt; &amp; retry, &quot;quoted&quot; and &#39;single&#39;.<br>If a &lt;script&gt;alert(1)&lt;/script&gt; dialog appears, close it.",
    );
    expect(await asHtml(item.description)).toEqual({ elements: ["br"], text: message });
    // The incident's own item: its description, the components line and the severity, paragraphs kept.
    const first = list<any>(parseXml(raw).rss.channel.item).find((i) => (i.guid["#text"] ?? i.guid) === incident.id);
    expect((await asHtml(first.description)).text).toBe(`${message}\n\nSeverity: major`);
    // Titles are plain text, in RSS as in Atom and JSON Feed: the XML carries them as written.
    expect(item.title).toBe(`${incident.title}: Identified`);
    // The opening update is the incident's own item, not a second item saying the same.
    expect(list<any>(parseXml(raw).rss.channel.item).some((i) => (i.guid["#text"] ?? i.guid) === incident.updates[0].id)).toBe(false);

    // Atom and JSON Feed carry plain text as such: escaped once by XML, once by JSON, never as HTML.
    const entry = list<any>(parseXml(await get("/api/status/atom", /atom/)).feed.entry).find((e) => e.id === `urn:uuid:${updateId}`);
    expect(entry.summary).toEqual({ "#text": message, "@type": "text" });
    expect(entry.title).toEqual({ "#text": `${incident.title}: Identified`, "@type": "text" });
    const jsonItem = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.find((i: any) => i.id === updateId);
    expect(jsonItem).toMatchObject({ title: `${incident.title}: Identified`, content_text: message });
    expect(jsonItem.content_html).toBeUndefined();
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "a", resolution: "b" });
  });

  it("an edited update keeps its published time and shows when it was modified (Atom updated, JSON Feed date_modified)", async () => {
    const incident = await createIncident({ title: `Edited ${crypto.randomUUID()}`, affected_components: [DEFAULT_COMPONENTS.storage] });
    const updateId = (await json(await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified" }))).update.id;
    const edited = await json(await admin("PATCH", `/api/status/incidents/${incident.id}/updates/${updateId}`, { message: "Corrected wording" }));
    const update = edited.updates.find((u: any) => u.id === updateId);

    const entry = list<any>(parseXml(await get("/api/status/atom", /atom/)).feed.entry).find((e) => e.id === `urn:uuid:${updateId}`);
    expect(entry.summary["#text"]).toBe("Corrected wording");
    // Feeds write RFC 3339 with milliseconds; the API the same instants to the second.
    expect(iso(Date.parse(entry.published))).toBe(update.created_at);
    expect(iso(Date.parse(entry.updated))).toBe(update.updated_at);
    const item = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.find((i: any) => i.id === updateId);
    expect(item).toMatchObject({ content_text: "Corrected wording" });
    expect([iso(Date.parse(item.date_published)), iso(Date.parse(item.date_modified))]).toEqual([update.created_at, update.updated_at]);
  });

  it("tags each JSON Feed item with the status that item set, not the incident's current one", async () => {
    const incident = await createIncident({ title: `Tagged ${crypto.randomUUID()}`, severity: "minor" });
    const first = incident.updates[0].id;
    const identified = (await json(await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Found it", status: "identified" }))).update.id;
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A", resolution: "B" });
    const items = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items;
    const tags = (id: string) => items.find((i: any) => i.id === id).tags;
    expect(items.some((i: any) => i.id === first)).toBe(false);
    expect(tags(identified)).toEqual(["minor", "identified"]);
    // The incident's own item is its opening (its first update is no item of its own), as it opened.
    expect(tags(incident.id)).toEqual(["minor", "investigating"]);
  });

  it("says which components the incident opened with and as what, not what later updates made of them", async () => {
    const [web, docs] = [
      await json(await admin("POST", "/api/status/components", { name: `Web ${crypto.randomUUID().slice(0, 8)}` })),
      await json(await admin("POST", "/api/status/components", { name: `Docs ${crypto.randomUUID().slice(0, 8)}` })),
    ];
    const incident = await createIncident({ title: `Opened as ${crypto.randomUUID()}`, severity: "minor", affected_components: [{ id: web.id, status: "degraded" }] });
    const worse = await admin("POST", `/api/status/incidents/${incident.id}/updates`, {
      message: "Worse, and Docs too",
      status: "identified",
      affected_components: [{ id: web.id, status: "major_outage" }, { id: docs.id, status: "partial_outage" }],
    });
    expect(worse.status).toBe(201);
    const opening = async () => JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.find((i: any) => i.id === incident.id).content_text;
    expect(await opening()).toContain(`Affected: ${web.name}: Degraded Performance\n`);
    expect(await opening()).not.toContain(docs.name);
    await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A", resolution: "B" });
    expect(await opening()).toContain(`Affected: ${web.name}: Degraded Performance\n`);
  });

  it("carry a long incident's updates of the last 90 days though it started earlier, and its published postmortem", async () => {
    const title = `Long-running ${crypto.randomUUID()}`;
    const incident = await createIncident({ title, started_at: new Date(Date.now() - 200 * 86_400_000).toISOString(), notify: false });
    const later = (await json(await admin("POST", `/api/status/incidents/${incident.id}/updates`, { message: "Still on it", status: "identified", notify: false }))).update.id;
    expect((await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "A", resolution: "B", notify: false })).status).toBe(200);
    expect((await admin("POST", `/api/status/incidents/${incident.id}/postmortem`, { postmortem: "What went wrong, and what we changed." })).status).toBe(200);
    const items = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items;
    const ids = items.map((i: any) => i.id);
    // Opened today with a start 200 days back: its opening is today's news, and so is what happened since.
    expect(ids).toContain(incident.id);
    expect(Date.parse(items.find((i: any) => i.id === incident.id).date_published)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(ids).toContain(later);
    const postmortem = items.find((i: any) => i.id === `${incident.id}-postmortem`);
    expect(postmortem).toMatchObject({ title: `${title}: Postmortem`, content_text: "What went wrong, and what we changed.", tags: ["major", "postmortem"] });
    expect(postmortem.url).toMatch(new RegExp(`/incidents/${incident.id}#postmortem$`));
    const rss = await get("/api/status/rss", /rss/);
    expect(rss).toContain(`${title}: Postmortem`);
    expect(rss).toContain(`${title}: Identified`);
  });

  it("characters XML forbids are dropped, never break the document (rendered straight from a snapshot)", () => {
    const raw = `bell\u0007 null\u0000 vt\u000B ff\u000C esc\u001B fffe\uFFFE lone\uD800 ${HOSTILE}`;
    const clean = `bell null vt ff esc fffe lone ${HOSTILE}`;
    const snapshot = snapshotWith(raw, raw);
    const rss = parseXml(renderRss(snapshot));
    expect(list<any>(rss.rss.channel.item).map((i) => i.title)).toEqual([`${clean}: Identified`, clean]);
    expect(rss.rss.channel.title).toBe("Beacon Test status");
    const atom = parseXml(renderAtomFeed(snapshot));
    const [incidentEntry, updateEntry] = [...list<any>(atom.feed.entry)].sort((a, b) => a.id.localeCompare(b.id));
    expect(incidentEntry.title["#text"]).toBe(clean);
    expect(updateEntry.title["#text"]).toBe(`${clean}: Identified`);
    expect(updateEntry.summary["#text"]).toBe(clean);
    const feed = JSON.parse(renderJsonFeed(snapshot));
    expect(feed.items.map((i: any) => i.title)).toEqual([`${raw}: Identified`, raw]);
  });

  it("carry maintenance: an item when a window is scheduled, and one each when it starts, completes or is cancelled", async () => {
    const title = `Storage upgrade ${crypto.randomUUID().slice(0, 8)}`;
    const ran = await json(
      await admin("POST", "/api/status/maintenance", { title, description: "Read-only for a while.", scheduled_start: hours(30), scheduled_end: hours(31), affected_components: [DEFAULT_COMPONENTS.storage] }),
    );
    const started = await json(await admin("POST", `/api/status/maintenance/${ran.id}/start`));
    const completed = await json(await admin("POST", `/api/status/maintenance/${ran.id}/complete`));
    const dropped = await json(await admin("POST", "/api/status/maintenance", { title: `Called off ${title}`, scheduled_start: hours(40), scheduled_end: hours(41), affected_components: [DEFAULT_COMPONENTS.auth] }));
    const cancelled = await json(await admin("POST", `/api/status/maintenance/${dropped.id}/cancel`));

    // [window, move, title, when, JSON Feed tags]
    const expected = [
      [ran.id, "scheduled", `Scheduled maintenance: ${title}`, ran.created_at, ["maintenance", "scheduled"]],
      [ran.id, "started", `Maintenance in progress: ${title}`, started.started_at, ["maintenance", "in_progress"]],
      [ran.id, "completed", `Maintenance completed: ${title}`, completed.completed_at, ["maintenance", "completed"]],
      [dropped.id, "scheduled", `Scheduled maintenance: Called off ${title}`, dropped.created_at, ["maintenance", "scheduled"]],
      [dropped.id, "cancelled", `Maintenance cancelled: Called off ${title}`, cancelled.cancelled_at, ["maintenance", "cancelled"]],
    ] as const;
    const ours = (id: string) => id.includes(ran.id) || id.includes(dropped.id);
    const itemId = (window: string, move: string) => `maintenance-${window}-${move}`;
    const sorted = <T>(rows: T[]) => rows.map((row) => JSON.stringify(row)).sort();

    const jsonItems = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.filter((i: any) => ours(i.id));
    expect(sorted(jsonItems.map((i: any) => [i.id, i.title, iso(Date.parse(i.date_published)), i.tags]))).toEqual(
      sorted(expected.map(([window, move, itemTitle, at, tags]) => [itemId(window, move), itemTitle, at, tags])),
    );
    const item = (window: string, move: string) => jsonItems.find((i: any) => i.id === itemId(window, move));
    expect(item(ran.id, "scheduled")).toMatchObject({
      url: `https://status.example.com/maintenance/${ran.id}`,
      content_text: `Read-only for a while.\n\nPlanned: ${ran.scheduled_start} to ${ran.scheduled_end}\n\nAffected: File Storage`,
      _beacon: { maintenance_id: ran.id },
    });
    expect(item(ran.id, "completed").content_text).toBe(`Started: ${started.started_at}\nCompleted: ${completed.completed_at}\n\nAffected: File Storage`);

    const rssItems = list<any>(parseXml(await get("/api/status/rss", /rss/)).rss.channel.item).filter((i) => ours(i.guid["#text"]));
    expect(sorted(rssItems.map((i) => [i.guid["#text"], i.guid["@isPermaLink"], i.title, iso(Date.parse(i.pubDate))]))).toEqual(
      sorted(expected.map(([window, move, itemTitle, at]) => [itemId(window, move), "false", itemTitle, at])),
    );
    const entries = list<any>(parseXml(await get("/api/status/atom", /atom/)).feed.entry).filter((e) => ours(e.id));
    expect(sorted(entries.map((e) => [e.id, e.title["#text"], iso(Date.parse(e.published))]))).toEqual(
      sorted(expected.map(([window, move, itemTitle, at]) => [`https://status.example.com/maintenance/${window}#${move}`, itemTitle, at])),
    );

    // Stable: an edit changes an item's text, never its id or when it happened.
    const other = await json(await admin("POST", "/api/status/maintenance", { title: `Later ${title}`, scheduled_start: hours(50), scheduled_end: hours(51), affected_components: [DEFAULT_COMPONENTS.storage] }));
    expect((await admin("PATCH", `/api/status/maintenance/${other.id}`, { title: `Moved ${title}`, scheduled_end: hours(52) })).status).toBe(200);
    const edited = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.filter((i: any) => i.id.includes(other.id));
    expect(edited.map((i: any) => [i.id, i.title, iso(Date.parse(i.date_published))])).toEqual([[`maintenance-${other.id}-scheduled`, `Scheduled maintenance: Moved ${title}`, other.created_at]]);

    // ?component= keeps the windows that name that component.
    const storage = JSON.parse(await get(`/api/status/feed.json?component=${DEFAULT_COMPONENTS.storage}`, /feed\+json/)).items.map((i: any) => i.id);
    expect(storage).toEqual(expect.arrayContaining([`maintenance-${ran.id}-scheduled`, `maintenance-${ran.id}-started`, `maintenance-${ran.id}-completed`]));
    expect(storage.filter((id: string) => id.includes(dropped.id))).toEqual([]);
    const auth = list<any>(parseXml(await get(`/api/status/rss?component=${DEFAULT_COMPONENTS.auth}`, /rss/)).rss.channel.item).map((i) => i.guid["#text"]);
    expect(auth.filter((id: string) => ours(id)).sort()).toEqual([`maintenance-${dropped.id}-cancelled`, `maintenance-${dropped.id}-scheduled`]);
    await admin("POST", `/api/status/maintenance/${other.id}/cancel`);

    // Written with its start already past, it started at once: no "scheduled" item, and the start says what
    // it is about, as the one notification its followers got did.
    const atOnce = await json(await admin("POST", "/api/status/maintenance", { title: `At once ${title}`, description: "Patching now.", scheduled_start: hours(-1), scheduled_end: hours(1), affected_components: [DEFAULT_COMPONENTS.storage] }));
    const itsItems = JSON.parse(await get("/api/status/feed.json", /feed\+json/)).items.filter((i: any) => i.id.includes(atOnce.id));
    expect(itsItems.map((i: any) => [i.id, i.title])).toEqual([[`maintenance-${atOnce.id}-started`, `Maintenance in progress: At once ${title}`]]);
    expect(itsItems[0].content_text).toBe(`Patching now.\n\nStarted: ${atOnce.started_at}\nPlanned end: ${atOnce.scheduled_end}\n\nAffected: File Storage`);
    await admin("POST", `/api/status/maintenance/${atOnce.id}/cancel`);
  });

  it("?component= narrows each feed to one component's incidents; unknown or malformed ids are refused", async () => {
    const onApi = await createIncident({ title: `API only ${crypto.randomUUID()}`, affected_components: [DEFAULT_COMPONENTS.api] });
    const onAuth = await createIncident({ title: `Auth only ${crypto.randomUUID()}`, affected_components: [DEFAULT_COMPONENTS.auth] });
    const q = `?component=${DEFAULT_COMPONENTS.api}`;

    const rssItems = list<any>(parseXml(await get(`/api/status/rss${q}`, /rss/)).rss.channel.item).map((i) => i.title);
    expect(rssItems).toContain(onApi.title);
    expect(rssItems).not.toContain(onAuth.title);
    const atom = parseXml(await get(`/api/status/atom${q}`, /atom/)).feed;
    expect(atom.title["#text"]).toBe("Beacon Test status: API");
    expect(list<any>(atom.entry).map((e) => e.title["#text"])).toContain(onApi.title);
    expect(list<any>(atom.entry).map((e) => e.title["#text"])).not.toContain(onAuth.title);
    const feed = JSON.parse(await get(`/api/status/feed.json${q}`, /feed\+json/));
    expect(feed.feed_url).toBe(`https://status.example.com/api/status/feed.json${q}`);
    expect(feed.items.map((i: any) => i.title)).toContain(onApi.title);
    expect(feed.items.map((i: any) => i.title)).not.toContain(onAuth.title);

    for (const path of ["/api/status/rss", "/api/status/atom", "/api/status/feed.json", "/api/status/maintenance.ics"]) {
      const unknown = await call("GET", `${path}?component=${crypto.randomUUID()}`);
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.code).toBe("not_found");
      const malformed = await call("GET", `${path}?component=nope`);
      expect(malformed.status).toBe(400);
      expect((await json(malformed)).error.code).toBe("validation_failed");
    }
  });
});

/** Unfolds content lines (RFC 5545 3.1) and splits each into name and value. */
function icsLines(text: string) {
  return text
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .filter(Boolean);
}

function icsEvents(text: string) {
  const events: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  for (const line of icsLines(text)) {
    if (line === "BEGIN:VEVENT") current = {};
    else if (line === "END:VEVENT") {
      events.push(current!);
      current = null;
    } else if (current) {
      const colon = line.indexOf(":");
      current[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return events;
}

const unescapeText = (value: string) => value.replace(/\\([\\;,nN])/g, (_, ch) => (ch === "n" || ch === "N" ? "\n" : ch));
const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
const octets = (s: string) => new TextEncoder().encode(s).length;

describe("iCalendar of maintenance windows", () => {
  it("is RFC 5545: CRLF, folded at 75 octets, escaped text that round-trips; stable UID; edits raise SEQUENCE; cancelled marked", async () => {
    const title = `Upgrade; part 1, of 2 \\ with a long title that certainly needs folding across lines — ünïcødé 🛠️ ${crypto.randomUUID()}`;
    const description = "First line\nSecond line, with; punctuation\\ and more";
    const created = await json(
      await admin("POST", "/api/status/maintenance", { title, description, scheduled_start: hours(5), scheduled_end: hours(6), components: [DEFAULT_COMPONENTS.storage] }),
    );

    await admin("PATCH", `/api/status/components/${DEFAULT_COMPONENTS.storage}`, { description: "Object storage (S3-compatible)" });

    const res = await call("GET", "/api/status/maintenance.ics", { headers: { "cache-control": "no-cache" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/calendar/);
    const text = await res.text();
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of text.split("\r\n")) expect(octets(line)).toBeLessThanOrEqual(75);
    expect(icsLines(text)).toEqual(expect.arrayContaining(["VERSION:2.0", "METHOD:PUBLISH"]));
    expect(icsLines(text).some((l) => l.startsWith("PRODID:"))).toBe(true);

    const event = icsEvents(text).find((e) => e.UID === `maintenance-${created.id}@status.example.com`)!;
    expect(event).toBeDefined();
    expect(unescapeText(event.SUMMARY!)).toBe(`Maintenance: ${title}`);
    expect(unescapeText(event.DESCRIPTION!)).toBe(`${description}\n\nAffected: File Storage`);
    expect(event.DTSTART).toBe(created.scheduled_start.replace(/[-:]/g, "").replace(/\.\d{3}/, ""));
    expect(event.DTEND).toMatch(/^\d{8}T\d{6}Z$/);
    expect(event.STATUS).toBe("CONFIRMED");
    expect(event.URL).toBe(`https://status.example.com/maintenance/${created.id}`);
    expect(event.SEQUENCE).toBe("0");

    // Two edits within the same second: each is a new revision that calendar clients must take.
    const calendar = async () => icsEvents(await (await call("GET", "/api/status/maintenance.ics")).text()).find((e) => e.UID === event.UID)!;
    expect((await admin("PATCH", `/api/status/maintenance/${created.id}`, { scheduled_end: hours(7) })).status).toBe(200);
    const once = await calendar();
    expect((await admin("PATCH", `/api/status/maintenance/${created.id}`, { scheduled_end: hours(8) })).status).toBe(200);
    const edited = await calendar();
    expect([once.SEQUENCE, edited.SEQUENCE]).toEqual(["1", "2"]);
    expect(edited["LAST-MODIFIED"]! >= event["LAST-MODIFIED"]!).toBe(true);
    expect(edited.DTEND).not.toBe(once.DTEND);

    expect((await admin("POST", `/api/status/maintenance/${created.id}/cancel`)).status).toBe(200);
    const cancelled = icsEvents(await (await call("GET", "/api/status/maintenance.ics")).text()).find((e) => e.UID === event.UID)!;
    expect(cancelled.STATUS).toBe("CANCELLED");
    expect(cancelled.SEQUENCE).toBe("3");

    const other = await call("GET", `/api/status/maintenance.ics?component=${DEFAULT_COMPONENTS.email}`);
    expect(icsEvents(await other.text()).some((e) => e.UID === event.UID)).toBe(false);
  });

  it("follows a window started or completed off schedule: DTSTART and DTEND become when it really ran", async () => {
    const ics = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const created = await json(
      await admin("POST", "/api/status/maintenance", { title: "Early start", scheduled_start: hours(48), scheduled_end: hours(49), components: [DEFAULT_COMPONENTS.email] }),
    );
    const calendar = async () =>
      icsEvents(await (await call("GET", "/api/status/maintenance.ics")).text()).find((e) => e.UID === `maintenance-${created.id}@status.example.com`)!;
    const planned = await calendar();
    expect(planned.DTSTART).toBe(ics(created.scheduled_start));
    expect(planned.DTEND).toBe(ics(created.scheduled_end));

    const started = await json(await admin("POST", `/api/status/maintenance/${created.id}/start`));
    const running = await calendar();
    expect(running.DTSTART).toBe(ics(started.started_at));
    expect(running.DTSTART).not.toBe(planned.DTSTART);
    // Still running: it ends as planned.
    expect(running.DTEND).toBe(ics(created.scheduled_end));
    expect(running.SEQUENCE).toBe("1");

    const completed = await json(await admin("POST", `/api/status/maintenance/${created.id}/complete`));
    const done = await calendar();
    expect(done.DTSTART).toBe(ics(started.started_at));
    // Ended within the second it started: no DTEND, which calendars read as ending at its start.
    expect(done.DTEND).toBe(ics(completed.completed_at) > done.DTSTART! ? ics(completed.completed_at) : undefined);
    expect(done.DTEND).not.toBe(planned.DTEND);
    expect(done.STATUS).toBe("CONFIRMED");
    expect(done.SEQUENCE).toBe("2");
  });

  it("puts the real times of a window that ran, and the plan of one that never did (rendered from a snapshot)", () => {
    const at = (iso: string) => Date.parse(iso);
    const window = (over: Partial<SnapshotMaintenance>): SnapshotMaintenance => ({
      id: crypto.randomUUID(),
      title: "Window",
      description: "",
      status: "scheduled",
      scheduled_start: at("2030-01-01T02:00:00Z"),
      scheduled_end: at("2030-01-01T03:00:00Z"),
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      created_at: at("2029-12-01T00:00:00Z"),
      updated_at: at("2029-12-01T00:00:00Z"),
      revision: 0,
      components: [],
      ...over,
    });
    const late = window({ status: "completed", started_at: at("2030-01-01T02:20:00Z"), completed_at: at("2030-01-01T03:45:10Z"), revision: 2 });
    const cutShort = window({ status: "cancelled", started_at: at("2030-01-01T02:00:00Z"), cancelled_at: at("2030-01-01T02:30:00Z"), revision: 2 });
    const called = window({ status: "cancelled", cancelled_at: at("2029-12-20T00:00:00Z"), revision: 1 });
    const snapshot = { ...snapshotWith("x", "y"), maintenances: [late, cutShort, called] };
    const events = icsEvents(maintenanceCalendar(snapshot));
    const pick = (m: SnapshotMaintenance) => events.find((e) => e.UID!.startsWith(`maintenance-${m.id}@`))!;
    expect(pick(late)).toMatchObject({ DTSTART: "20300101T022000Z", DTEND: "20300101T034510Z", STATUS: "CONFIRMED", SEQUENCE: "2" });
    expect(pick(cutShort)).toMatchObject({ DTSTART: "20300101T020000Z", DTEND: "20300101T023000Z", STATUS: "CANCELLED", SEQUENCE: "2" });
    expect(pick(called)).toMatchObject({ DTSTART: "20300101T020000Z", DTEND: "20300101T030000Z", STATUS: "CANCELLED", SEQUENCE: "1" });
  });

  it("holds a component when there is no window to list, as RFC 5545 requires of every calendar", () => {
    const lines = icsLines(maintenanceCalendar({ ...snapshotWith("x", "y"), maintenances: [] }));
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines.at(-1)).toBe("END:VCALENDAR");
    const body = lines.slice(1, -1);
    const component = body.findIndex((l) => l.startsWith("BEGIN:"));
    expect(component).toBeGreaterThan(0);
    expect(body.at(-1)).toBe(`END:${body[component]!.slice("BEGIN:".length)}`);
    expect(body.some((l) => l === "BEGIN:VEVENT")).toBe(false);
  });

  it("folds by octets without splitting a multi-byte character", () => {
    const line = "DESCRIPTION:" + "é".repeat(100);
    const folded = foldLine(line).split("\r\n");
    for (const part of folded) expect(octets(part)).toBeLessThanOrEqual(75);
    expect(folded.map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(line);
  });
});

describe("badges", () => {
  it("overall and per-component SVGs: shields-style, escaped, embeddable from other origins, cacheable", async () => {
    const overall = await call("GET", "/badge.svg");
    expect(overall.status).toBe(200);
    expect(overall.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(overall.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(overall.headers.get("access-control-allow-origin")).toBe("*");
    expect(overall.headers.get("cache-control")).toMatch(/public, max-age=\d+/);
    const svg = parseXml(await overall.text()).svg;
    expect(svg.title).toMatch(/^status: (operational|degraded performance|partial outage|major outage|under maintenance)$/);

    const component = await json(await admin("POST", "/api/status/components", { name: `<Search & "Find"> ${crypto.randomUUID().slice(0, 8)}` }));
    await createIncident({ title: "Search down", affected_components: [{ id: component.id, status: "major_outage" }] });
    const status = await call("GET", `/api/status/components/${component.id}/badge.svg`);
    const statusText = await status.text();
    const parsed = parseXml(statusText).svg;
    expect(parsed.title).toBe(`${component.name}: major outage`);
    expect(statusText).toContain("#e05d44");
    expect(statusText).not.toContain("<Search");

    const uptime = await call("GET", `/api/status/components/${component.id}/badge.svg?metric=uptime&days=30`);
    expect(parseXml(await uptime.text()).svg.title).toBe(`${component.name} uptime 30d: no data`);
    const labelled = await call("GET", `/badge.svg?label=${encodeURIComponent("<b>my app</b>")}`);
    expect(parseXml(await labelled.text()).svg.title).toMatch(/^<b>my app<\/b>: /);

    // A label of only control characters is as empty as no text at all.
    const empty = { path: "label", message: "Too small: expected string to have >=1 characters", code: "too_short", limit: 1 };
    for (const path of ["/badge.svg?label=", "/badge.svg?label=%00%1b%0a", "/badge.svg?label=%C2%85%C2%9B", `/api/status/components/${component.id}/badge.svg?label=%7f%09`]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(400);
      expect((await json(res)).error.details, path).toEqual([empty]);
    }
    expect(parseXml(await (await call("GET", "/badge.svg?label=%00build%1b")).text()).svg.title).toMatch(/^build: /);
    // One of only zero-width, bidi or blank characters would be drawn empty too: refused as such a title is.
    for (const label of ["%E2%80%8B%E2%80%8E", "%20%20", "%E2%A0%80"]) {
      const res = await call("GET", `/badge.svg?label=${label}`);
      expect(res.status, label).toBe(400);
      expect((await json(res)).error.details, label).toEqual([{ path: "label", message: "must not be empty (it has nothing visible)", code: "nothing_visible" }]);
    }

    expect((await call("GET", `/api/status/components/${component.id}/badge.svg?days=7&metric=uptime`)).status).toBe(400);
    expect((await call("GET", `/api/status/components/${crypto.randomUUID()}/badge.svg`)).status).toBe(404);
  });

  it("leaves room for wide characters and none for combining marks or joiners", async () => {
    const labelWidth = async (label: string) => {
      const svg = parseXml(await (await call("GET", `/badge.svg?label=${encodeURIComponent(label)}`)).text()).svg;
      return Number(svg.g[0].rect[0]["@width"]);
    };
    // Ideographs and emoji are drawn a whole em (11 px) wide each: a narrower box runs them into the value.
    expect(await labelWidth("状态服务器数据")).toBeGreaterThanOrEqual(7 * 11 + 10);
    expect(await labelWidth("🔥🔥")).toBeGreaterThanOrEqual(2 * 11 + 10);
    // A combining accent, a variation selector or a zero-width joiner adds nothing to the glyph it goes with.
    expect(await labelWidth("cafe\u0301")).toBe(await labelWidth("café"));
    expect(await labelWidth("\u2764\uFE0F")).toBe(await labelWidth("\u2764"));
    expect(await labelWidth("👩\u200D💻")).toBeLessThanOrEqual(2 * 11 + 10);
  });

  it("shows the 30-day uptime from the daily rollups, coloured by how good it is", async () => {
    const component = await json(await admin("POST", "/api/status/components", { name: `Uptime ${crypto.randomUUID().slice(0, 8)}` }));
    const today = new Date().toISOString().slice(0, 10);
    await env.DB.prepare(
      "INSERT INTO daily_rollups (component_id, day, observed_seconds, major_seconds, checks) VALUES (?, ?, 86400, 864, 1440)",
    )
      .bind(component.id, today)
      .run();
    // Any admin write rebuilds the snapshot the badge is drawn from.
    await admin("PATCH", `/api/status/components/${component.id}`, { description: "has rollups" });
    const res = await call("GET", `/api/status/components/${component.id}/badge.svg?metric=uptime&days=30`, { headers: { "cache-control": "no-cache" } });
    const text = await res.text();
    expect(parseXml(text).svg.title).toBe(`${component.name} uptime 30d: 99%`);
    expect(text).toContain("#97ca00");
  });
});
