import { inArray } from "drizzle-orm";
import type { Database } from "../client";
import { components } from "../schema";

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
