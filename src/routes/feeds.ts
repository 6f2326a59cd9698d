import { Feed } from "feed";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { feedItems } from "../feeds/items";
import { cdataText, cleanXmlText, restoreCdataEnds } from "../feeds/xml-text";
import { sendFromSnapshot } from "../snapshot/respond";
import { readSnapshot } from "../snapshot/store";
import type { Snapshot } from "../snapshot/types";
import { validate } from "../validation";

export const feedQuery = z.object({ component: z.uuid({ message: "must be a component id" }).optional() });

function componentScope(snapshot: Snapshot, componentId: string | undefined) {
  if (!componentId) return null;
  const component = snapshot.components.find((c) => c.id === componentId);
  if (!component) throw notFound("Component");
  return component;
}

export function renderRss(snapshot: Snapshot, componentId?: string): string {
  const component = componentScope(snapshot, componentId);
  const title = cleanXmlText(component ? `${snapshot.page.name} status: ${component.name}` : `${snapshot.page.name} status`);
  const feed = new Feed({
    title,
    description: cleanXmlText(`Incidents and updates from the ${snapshot.page.name} status page`),
    id: snapshot.page.url + "/",
    link: snapshot.page.url + "/",
    language: "en",
    updated: new Date(snapshot.generated_at),
    generator: "Beacon",
    copyright: "",
    feedLinks: { rss: `${snapshot.page.url}/api/status/rss` },
  });
  for (const item of feedItems(snapshot, { componentId: component?.id })) {
    feed.addItem({
      title: cdataText(item.title),
      id: item.id,
      link: item.link,
      description: cdataText(item.summary),
      date: new Date(item.date),
    });
  }
  return restoreCdataEnds(feed.rss2());
}

export const feeds = new Hono<AppEnv>().get("/rss", validate("query", feedQuery), async (c) => {
  const { component } = c.req.valid("query");
  const snapshot = await readSnapshot(c.env, () => c.var.db);
  componentScope(snapshot, component);
  return sendFromSnapshot(c, snapshot, {
    key: `rss:${component ?? ""}`,
    contentType: "application/rss+xml; charset=utf-8",
    cacheControl: "public, max-age=60",
    render: () => renderRss(snapshot, component),
  });
});
