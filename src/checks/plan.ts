import { PROBE_REGIONS, type HttpMonitor, type ProbeRegion } from "../db/schema";
import { CONNECTIONS_PER_INVOCATION } from "./connections";

export const DEFAULT_REGIONS: ProbeRegion[] = ["wnam", "enam", "weur"];
/**
 * The longest a shard may need if every one of its checks runs to its timeout. A round waits for its
 * slowest shard, so this keeps a round inside its minute with room to record it.
 */
export const SHARD_BUDGET_MS = 30_000;

export interface ProbeTask {
  componentId: string;
  monitor: HttpMonitor;
}

/** The monitors one probe checks from one region in one round. */
export interface ProbeShard {
  /** Also the probe's name: the same shard of a region goes to the same Durable Object every round. */
  key: string;
  region: ProbeRegion;
  tasks: ProbeTask[];
  /** Upper bound on the shard's time: every check at its timeout, six at a time. */
  worstCaseMs: number;
}

/** The regions from CHECK_REGIONS (comma-separated location hints), or the default three. */
export function defaultRegions(configured: string | undefined): ProbeRegion[] {
  const known = new Set<string>(PROBE_REGIONS);
  const listed = [...new Set((configured ?? "").split(",").map((r) => r.trim()).filter((r) => known.has(r)))] as ProbeRegion[];
  return listed.length ? listed : DEFAULT_REGIONS;
}

export const monitorRegions = (monitor: HttpMonitor, defaults: ProbeRegion[]): ProbeRegion[] => (monitor.regions?.length ? monitor.regions : defaults);

/** Failing regions that make a failure: as configured (at most the number of regions), else a majority. */
export function monitorQuorum(monitor: HttpMonitor, regionCount: number): number {
  const majority = Math.floor(regionCount / 2) + 1;
  return Math.min(regionCount, Math.max(1, monitor.quorum ?? majority));
}

/**
 * Splits a round into shards, per region: slowest timeouts first, each shard taking as many monitors as six
 * connections can finish within the budget even if every check runs to its timeout. No shard ever needs
 * more than its invocation's six connections to end on time, however slow the targets are.
 */
export function planShards(tasks: ProbeTask[], defaults: ProbeRegion[], budgetMs = SHARD_BUDGET_MS): ProbeShard[] {
  const byRegion = new Map<ProbeRegion, ProbeTask[]>();
  for (const task of tasks) {
    for (const region of monitorRegions(task.monitor, defaults)) byRegion.set(region, [...(byRegion.get(region) ?? []), task]);
  }
  const shards: ProbeShard[] = [];
  for (const [region, regionTasks] of byRegion) {
    const sorted = [...regionTasks].sort((a, b) => b.monitor.timeout_ms - a.monitor.timeout_ms || a.componentId.localeCompare(b.componentId));
    let index = 0;
    for (let i = 0; i < sorted.length; ) {
      const slowest = sorted[i]!.monitor.timeout_ms;
      const capacity = CONNECTIONS_PER_INVOCATION * Math.max(1, Math.floor(budgetMs / slowest));
      const shardTasks = sorted.slice(i, i + capacity);
      shards.push({
        key: `${region}:${index++}`,
        region,
        tasks: shardTasks,
        worstCaseMs: Math.ceil(shardTasks.length / CONNECTIONS_PER_INVOCATION) * slowest,
      });
      i += shardTasks.length;
    }
  }
  return shards;
}

/** A shard handed to a probe for one round. */
export interface ProbeOrder {
  round: number;
  shard: ProbeShard;
}

/** What a probe answers for its shard: one result per monitor, in the shard's order. */
export interface ProbeReport {
  round: number;
  key: string;
  region: ProbeRegion;
  startedAt: number;
  finishedAt: number;
  results: { componentId: string; outcome: "operational" | "degraded" | "major_outage"; latencyMs: number | null; error: string | null }[];
}
