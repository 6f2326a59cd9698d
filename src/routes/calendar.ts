import { Hono } from "hono";
import type { AppEnv } from "../env";
import { maintenanceCalendar } from "../feeds/icalendar";
import { feedQuery } from "../schemas";
import { sendFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { validate } from "../validation";
import { componentScope, FEED_CACHE } from "./feeds";

export const calendar = new Hono<AppEnv>().get("/maintenance.ics", validate("query", feedQuery), async (c) => {
  const { component } = c.req.valid("query");
  const snapshot = await publicSnapshot(c);
  componentScope(snapshot, component);
  return sendFromSnapshot(c, snapshot, {
    key: `ics:${component ?? ""}`,
    contentType: "text/calendar; charset=utf-8",
    cacheControl: FEED_CACHE,
    render: () => maintenanceCalendar(snapshot, { componentId: component }),
  });
});
