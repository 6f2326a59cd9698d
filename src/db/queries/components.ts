import { asc, inArray } from "drizzle-orm";
import type { Database } from "../client";
import { componentGroups, components } from "../schema";

/**
 * The order components are listed in everywhere (page, API, v2, console, an incident's or a window's list):
 * by position, and where two share one (set through the API, or created at once), the older first, then by
 * id, so a tie never shows two orders.
 */
export const componentPageOrder = [asc(components.position), asc(components.createdAt), asc(components.id)] as const;
export const groupPageOrder = [asc(componentGroups.position), asc(componentGroups.name), asc(componentGroups.id)] as const;

/** The ids in `ids` that are not components (each named once). */
export async function unknownComponentIds(db: Database, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await db.select({ id: components.id }).from(components).where(inArray(components.id, unique.slice(i, i + 90)));
    for (const row of rows) found.add(row.id);
  }
  return unique.filter((id) => !found.has(id));
}

/** Every component's name and the status its checks left it at, in page order (the health check's results). */
export const checkedStatuses = (db: Database) =>
  db.select({ id: components.id, name: components.name, monitoredStatus: components.monitoredStatus }).from(components).orderBy(...componentPageOrder);
