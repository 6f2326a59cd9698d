import type { CheckContext } from "./context";
import { combineProbes, type CheckResult } from "./probe";

/** The database: a D1 round trip to the primary, timed (a D1 query is no outgoing connection). */
export async function databaseCheck({ env, request, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const result = await request(async () => {
    const row = await env.DB.withSession("first-primary").prepare("SELECT 1 AS up").first<{ up: number }>();
    return row?.up === 1 ? null : "unexpected answer";
  }, { connection: false });
  return combineProbes([result], degradedLatencyMs);
}
