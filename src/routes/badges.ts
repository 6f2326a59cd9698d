import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { badgeSvg, STATUS_COLORS, uptimeColor } from "../badges/svg";
import { badgeQuery, overallBadgeQuery } from "../schemas";
import { sendFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import { STATUS_LABELS } from "../status";
import { uuidParam, validate } from "../validation";

const BADGE_CACHE = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";
const SVG = "image/svg+xml; charset=utf-8";

const statusText = (status: keyof typeof STATUS_LABELS) => STATUS_LABELS[status].toLowerCase();

/** Status and uptime badges for READMEs and other sites: `/badge.svg` and `/api/status/components/{id}/badge.svg`. */
export const badges = new Hono<AppEnv>()
  .get("/badge.svg", validate("query", overallBadgeQuery), async (c) => {
    const { label } = c.req.valid("query");
    const snapshot = await publicSnapshot(c);
    return sendFromSnapshot(c, snapshot, {
      key: `badge:${label ?? ""}`,
      // A custom label is any text a client likes: rendered per request, never kept.
      cache: label === undefined,
      contentType: SVG,
      cacheControl: BADGE_CACHE,
      render: () => badgeSvg(label ?? "status", statusText(snapshot.overall_status), STATUS_COLORS[snapshot.overall_status]),
    });
  })
  .get("/api/status/components/:id/badge.svg", validate("param", uuidParam), validate("query", badgeQuery), async (c) => {
    const { id } = c.req.valid("param");
    const { metric, days, label } = c.req.valid("query");
    const snapshot = await publicSnapshot(c);
    const component = snapshot.components.find((x) => x.id === id);
    if (!component) throw notFound("Component");
    return sendFromSnapshot(c, snapshot, {
      key: `badge:${id}:${metric}:${days}:${label ?? ""}`,
      cache: label === undefined,
      contentType: SVG,
      cacheControl: BADGE_CACHE,
      render: () => {
        if (metric === "status") return badgeSvg(label ?? component.name, statusText(component.status), STATUS_COLORS[component.status]);
        const uptime = component.uptime[`${days}_days`];
        return badgeSvg(label ?? `${component.name} uptime ${days}d`, uptime === null ? "no data" : `${uptime}%`, uptimeColor(uptime));
      },
    });
  });
