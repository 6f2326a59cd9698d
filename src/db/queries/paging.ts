import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { PageCursor } from "../../cursor";

// Admin listings go newest first by a time and an id, a page at a time: the id breaks ties between rows of
// one instant (a batch of sign-ups, an event's deliveries), so a page boundary there skips and repeats nothing.

/** Rows after `after` (the previous page's last row) in newest-first order; no condition on the first page. */
export const olderThan = (at: SQLiteColumn, id: SQLiteColumn, after: PageCursor | undefined): SQL | undefined =>
  after ? or(lt(at, after.at), and(eq(at, after.at), lt(id, after.id))) : undefined;

/** The order `olderThan` pages through. */
export const newestFirst = (at: SQLiteColumn, id: SQLiteColumn) => [desc(at), desc(id)] as const;
