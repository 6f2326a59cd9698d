import type { Snapshot } from "../snapshot/types";
import { feedDescription, type FeedItem } from "./items";

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): plain text in `content_text`, JSON escaping does the rest. */
export function jsonFeed(snapshot: Snapshot, opts: { title: string; selfUrl: string; items: FeedItem[] }) {
  const { page } = snapshot;
  return {
    version: "https://jsonfeed.org/version/1.1",
    title: opts.title,
    home_page_url: page.url + "/",
    feed_url: opts.selfUrl,
    description: feedDescription(page.name),
    language: "en",
    authors: [{ name: page.name, url: page.url + "/" }],
    items: opts.items.map((item) => ({
      id: item.id,
      url: item.link,
      title: item.title,
      content_text: item.summary,
      date_published: new Date(item.date).toISOString(),
      date_modified: new Date(item.updated).toISOString(),
      tags: item.tags,
      _beacon: item.about,
    })),
  };
}
