import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { listAudit } from "../db/queries/audit";
import type { AppEnv } from "../env";
import { iso } from "../snapshot/format";
import { encodeCursor } from "../http/cursor";
import { auditQuery } from "../schemas";
import { validate } from "../validation";

export const adminAudit = new Hono<AppEnv>().get("/audit", requireAdmin, validate("query", auditQuery), async (c) => {
  const query = c.req.valid("query");
  const rows = await listAudit(c.var.db, { limit: query.limit, after: query.cursor, entityType: query.entity_type, entityId: query.entity_id });
  const last = rows.at(-1);
  return c.json({
    entries: rows.map((r) => ({
      id: r.id,
      at: iso(r.at),
      actor: { kind: r.actorKind, user_id: r.actorId, name: r.actorName, email: r.actorEmail },
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      before: r.before,
      after: r.after,
    })),
    next_cursor: rows.length === query.limit && last ? encodeCursor(`${last.at}.${last.id}`) : null,
  });
});
