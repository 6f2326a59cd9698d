import type { Snapshot } from "../snapshot/types";
import { feedDescription, type FeedItem } from "./items";
import { escapeXml } from "./xml-text";

// Atom (RFC 4287) written directly: status text is plain text, so every text construct is type="text",
// escaped once, and what a reader shows is exactly what the admin wrote.

const iso = (ms: number) => new Date(ms).toISOString();

export function renderAtom(snapshot: Snapshot, opts: { title: string; selfUrl: string; items: FeedItem[] }): string {
  const { page } = snapshot;
  const updated = Math.max(0, ...opts.items.map((item) => item.updated)) || snapshot.generated_at;
  const entries = opts.items.map(
    (item) => `  <entry>
    <id>${escapeXml(item.iri)}</id>
    <title type="text">${escapeXml(item.title)}</title>
    <link rel="alternate" type="text/html" href="${escapeXml(item.link)}"/>
    <updated>${iso(item.updated)}</updated>
    <published>${iso(item.date)}</published>
    <summary type="text">${escapeXml(item.summary)}</summary>
  </entry>`,
  );
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">`,
    `  <id>${escapeXml(opts.selfUrl)}</id>`,
    `  <title type="text">${escapeXml(opts.title)}</title>`,
    `  <subtitle type="text">${escapeXml(feedDescription(page.name))}</subtitle>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(opts.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(page.url + "/")}"/>`,
    `  <updated>${iso(updated)}</updated>`,
    `  <author><name>${escapeXml(page.name)}</name><uri>${escapeXml(page.url + "/")}</uri></author>`,
    `  <generator>Beacon</generator>`,
    ...entries,
    `</feed>`,
    "",
  ].join("\n");
}
