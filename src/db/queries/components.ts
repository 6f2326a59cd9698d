import { inArray } from "drizzle-orm";
import type { Database } from "../client";
import { components } from "../schema";
import { badRequest } from "../../errors";

/** Throws a 400 naming every id that is not a component. */
export async function assertComponentsExist(db: Database, ids: string[]) {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await db.select({ id: components.id }).from(components).where(inArray(components.id, unique.slice(i, i + 90)));
    for (const row of rows) found.add(row.id);
  }
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length) throw badRequest(`Unknown component ids: ${missing.join(", ")}`, { unknown_components: missing });
}
