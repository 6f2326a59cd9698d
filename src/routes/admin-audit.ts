import { Hono } from "hono";
import type { z } from "zod";
import { requireAdmin } from "../auth/clerk";
import type { Database } from "../db/client";
import { listAudit } from "../db/queries/audit";
import { auditedName, recordWithIsoTimes } from "../domain/audit";
import type { AppEnv } from "../env";
import { iso } from "../time";
import { encodeCursor } from "../cursor";
import { auditQuery } from "../schemas";
import { validate } from "../validation";

/** One page of the audit log, newest first, for the API and the console alike. */
export async function readAuditPage(db: Database, query: z.output<typeof auditQuery>) {
  const rows = await listAudit(db, { limit: query.limit, after: query.cursor, entityType: query.entity_type, entityId: query.entity_id });
  const last = rows.at(-1);
  return { rows, nextCursor: rows.length === query.limit && last ? encodeCursor(last) : null };
}

export const adminAudit = new Hono<AppEnv>().get("/audit", requireAdmin, validate("query", auditQuery), async (c) => {
  const { rows, nextCursor } = await readAuditPage(c.var.db, c.req.valid("query"));
  return c.json({
    entries: rows.map((r) => ({
      id: r.id,
      at: iso(r.at),
      actor: { kind: r.actorKind, user_id: r.actorId, name: r.actorName, email: r.actorEmail },
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      entity_name: auditedName(r.before, r.after),
      before: recordWithIsoTimes(r.before),
      after: recordWithIsoTimes(r.after),
    })),
    next_cursor: nextCursor,
  });
});
