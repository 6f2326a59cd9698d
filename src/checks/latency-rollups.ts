import type { Database } from "../db/client";
import type { Statement } from "../db/batch";
import { upsertLatencyRollups } from "../db/queries/latency";
import { latencyDeltas, type LatencySample } from "../uptime/latency";
import type { RollupDelta } from "../uptime/rollup";

export interface RecordedResult {
  componentId: string;
  sample: LatencySample;
  /** The span this result closed (from the previous result) and what it added to the daily rollups. */
  span: { start: number | null; deltas: RollupDelta[] };
}

/** The statements that add a run's results to the latency rollups, for the run's own batch. */
export function latencyRollupStatements(db: Database, results: RecordedResult[], timeZone: string): Statement[] {
  const rows = results.flatMap((r) => latencyDeltas(r.sample, r.span, timeZone).map((d) => ({ componentId: r.componentId, ...d })));
  return upsertLatencyRollups(db, rows);
}
