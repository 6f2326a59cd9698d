import { Feed } from "feed";
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { renderAtom } from "../feeds/atom";
import { feedDescription, feedItems } from "../feeds/items";
import { jsonFeed } from "../feeds/json-feed";
import { cdataText, cleanXmlText, htmlOfText, restoreCdataEnds } from "../feeds/xml-text";
import { feedQuery } from "../schemas";
import { sendFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import type { Snapshot } from "../snapshot/types";
import { validate } from "../validation";

export const FEED_CACHE = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";

export function componentScope(snapshot: Snapshot, componentId: string | undefined) {
  if (!componentId) return null;
  const component = snapshot.components.find((c) => c.id === componentId);
  if (!component) throw notFound("Component");
  return component;
}

function feedTitle(snapshot: Snapshot, componentId: string | undefined) {
  const component = componentScope(snapshot, componentId);
  return component ? `${snapshot.page.name} status: ${component.name}` : `${snapshot.page.name} status`;
}

const selfUrl = (snapshot: Snapshot, path: string, componentId: string | undefined) =>
  `${snapshot.page.url}/api/status/${path}${componentId ? `?component=${componentId}` : ""}`;

export function renderRss(snapshot: Snapshot, componentId?: string): string {
  const component = componentScope(snapshot, componentId);
  const feed = new Feed({
    title: cleanXmlText(feedTitle(snapshot, componentId)),
    description: cleanXmlText(feedDescription(snapshot.page.name)),
    id: snapshot.page.url + "/",
    link: snapshot.page.url + "/",
    language: "en",
    updated: new Date(snapshot.generated_at),
    generator: "Beacon",
    copyright: "",
    feedLinks: { rss: selfUrl(snapshot, "rss", componentId) },
  });
  for (const item of feedItems(snapshot, { componentId: component?.id })) {
    feed.addItem({
      title: cdataText(item.title),
      id: item.id,
      link: item.link,
      // Titles are plain text in RSS (as in Atom and JSON Feed); the description is HTML to readers.
      description: cdataText(htmlOfText(item.summary)),
      date: new Date(item.date),
    });
  }
  return restoreCdataEnds(feed.rss2());
}

export function renderAtomFeed(snapshot: Snapshot, componentId?: string): string {
  return renderAtom(snapshot, {
    title: feedTitle(snapshot, componentId),
    selfUrl: selfUrl(snapshot, "atom", componentId),
    items: feedItems(snapshot, { componentId }),
  });
}

export function renderJsonFeed(snapshot: Snapshot, componentId?: string): string {
  return JSON.stringify(
    jsonFeed(snapshot, { title: feedTitle(snapshot, componentId), selfUrl: selfUrl(snapshot, "feed.json", componentId), items: feedItems(snapshot, { componentId }) }),
  );
}

/** One feed format: read the snapshot, check the component, send the (cached) rendering. */
function serveFeed(name: string, contentType: string, render: (snapshot: Snapshot, componentId?: string) => string) {
  return async (c: Context<AppEnv>, component: string | undefined) => {
    const snapshot = await publicSnapshot(c);
    componentScope(snapshot, component);
    return sendFromSnapshot(c, snapshot, {
      key: `${name}:${component ?? ""}`,
      contentType,
      cacheControl: FEED_CACHE,
      render: () => render(snapshot, component),
    });
  };
}

const rss = serveFeed("rss", "application/rss+xml; charset=utf-8", renderRss);
const atom = serveFeed("atom", "application/atom+xml; charset=utf-8", renderAtomFeed);
const json = serveFeed("feed.json", "application/feed+json; charset=utf-8", renderJsonFeed);

export const feeds = new Hono<AppEnv>()
  .get("/rss", validate("query", feedQuery), (c) => rss(c, c.req.valid("query").component))
  .get("/atom", validate("query", feedQuery), (c) => atom(c, c.req.valid("query").component))
  .get("/feed.json", validate("query", feedQuery), (c) => json(c, c.req.valid("query").component));
