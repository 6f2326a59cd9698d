import type { CheckContext } from "./context";
import { combineProbes, probe, type CheckResult } from "./probe";

/** The database: a D1 round trip to the primary, timed. */
export async function databaseCheck({ env, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const result = await probe(async () => {
    const row = await env.DB.withSession("first-primary").prepare("SELECT 1 AS up").first<{ up: number }>();
    return row?.up === 1 ? null : "unexpected answer";
  });
  return combineProbes([result], degradedLatencyMs);
}
