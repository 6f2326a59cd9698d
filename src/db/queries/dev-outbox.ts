import { and, desc, eq, sql } from "drizzle-orm";
import type { Statement } from "../batch";
import type { Database } from "../client";
import { devOutbox } from "../schema";

export type DevOutboxRow = typeof devOutbox.$inferSelect;
export type NewDevOutboxMessage = Omit<typeof devOutbox.$inferInsert, "id">;

/** The dev outbox keeps only this many of its newest messages. */
export const DEV_OUTBOX_KEPT = 500;

/** One INSERT per message (a whole email is too big to share bound parameters), then the prune. */
export function recordDevOutbox(db: Database, messages: NewDevOutboxMessage[]): Statement[] {
  if (messages.length === 0) return [];
  return [
    ...messages.map((m) => db.insert(devOutbox).values(m)),
    db.delete(devOutbox).where(sql`${devOutbox.id} <= (SELECT ${devOutbox.id} FROM ${devOutbox} ORDER BY ${devOutbox.id} DESC LIMIT 1 OFFSET ${DEV_OUTBOX_KEPT})`),
  ];
}

export async function listDevOutbox(db: Database, options: { limit: number; to?: string }) {
  return db
    .select()
    .from(devOutbox)
    // Addresses are kept in lower case (an email's, a webhook's host): looked up however the sign-up spelt them.
    .where(and(options.to === undefined ? undefined : sql`lower(${devOutbox.recipient}) = lower(${options.to})`))
    .orderBy(desc(devOutbox.id))
    .limit(options.limit);
}
