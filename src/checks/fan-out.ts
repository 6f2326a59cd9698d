import type { CheckTargetRow } from "../db/queries/checks";
import type { Bindings } from "../env";
import { defaultRegions, monitorQuorum, monitorRegions, planShards, type ProbeOrder, type ProbeReport, type ProbeShard, type ProbeTask } from "./plan";
import { notMonitored, type CheckResult } from "./probe";
import { agreeOnRound, type RegionResult } from "./quorum";

/**
 * Past a shard's worst case, how long the round still waits for its probe (start-up, the trip between
 * regions, a busy machine): a quarter more, at least 3 s. A 30 s shard is given up at 37.5 s, which still
 * leaves the round time to record within its minute.
 */
export const probeGraceMs = (worstCaseMs: number) => Math.max(3_000, Math.round(worstCaseMs / 4));
/** A shard whose call fails is delivered again once while its time lasts; the probe answers a repeat from memory. */
const DELIVERIES = 2;

export interface ProbeRoundStats {
  monitors: number;
  shards: number;
  /** Calls made to probes, repeats included: each is one invocation with its own six connections. */
  probeCalls: number;
  /** Shards whose probe never answered: their monitors have no data from that region this round. */
  unanswered: number;
  slowestShard: string | null;
  slowestShardMs: number | null;
}

export interface ProbedMonitors {
  /** The agreed result per monitor; a monitor whose regions could not agree has none (no data). */
  results: Map<string, CheckResult>;
  regions: Map<string, RegionResult[]>;
  stats: ProbeRoundStats;
}

/**
 * Hands the round's HTTP monitors to the probes, shard by shard, all at once, and gathers their reports.
 * A report counts once per shard however often it arrives; a shard that does not answer by its deadline
 * leaves its region's results empty.
 */
export async function probeMonitors(env: Bindings, round: number, targets: CheckTargetRow[]): Promise<ProbedMonitors> {
  const results = new Map<string, CheckResult>();
  const tasks: ProbeTask[] = [];
  for (const t of targets) {
    if (t.monitor?.url) tasks.push({ componentId: t.id, monitor: t.monitor });
    else results.set(t.id, notMonitored("no monitor configured"));
  }
  const defaults = defaultRegions(env.CHECK_REGIONS);
  const shards = planShards(tasks, defaults);
  const reports = new Map<string, ProbeReport>();
  const stats: ProbeRoundStats = { monitors: tasks.length, shards: shards.length, probeCalls: 0, unanswered: 0, slowestShard: null, slowestShardMs: null };

  await Promise.all(
    shards.map(async (shard) => {
      const started = Date.now();
      const report = await deliver(env, { round, shard }, started + shard.worstCaseMs + probeGraceMs(shard.worstCaseMs), stats);
      if (!report || report.round !== round || report.key !== shard.key || reports.has(shard.key)) {
        if (!report) {
          stats.unanswered++;
          console.warn(`probe ${shard.key} gave no report for round ${round} after ${Date.now() - started} ms`);
        }
        return;
      }
      reports.set(shard.key, report);
      const ms = Date.now() - started;
      if (stats.slowestShardMs === null || ms > stats.slowestShardMs) Object.assign(stats, { slowestShard: shard.key, slowestShardMs: ms });
    }),
  );

  const seen = new Map<string, ProbeReport["results"][number]>();
  for (const report of reports.values()) for (const r of report.results) seen.set(`${report.region} ${r.componentId}`, r);
  const regions = new Map<string, RegionResult[]>();
  for (const { componentId, monitor } of tasks) {
    const probed = monitorRegions(monitor, defaults).map((region): RegionResult => {
      const r = seen.get(`${region} ${componentId}`);
      return r ? { region, outcome: r.outcome, latencyMs: r.latencyMs, error: r.error } : { region, outcome: "no_answer", latencyMs: null, error: "the probe did not answer" };
    });
    regions.set(componentId, probed);
    const agreed = agreeOnRound(probed, monitorQuorum(monitor, probed.length), monitor.degraded_latency_ms ?? null);
    if (agreed) results.set(componentId, agreed);
  }
  return { results, regions, stats };
}

/** Calls the shard's probe, again once if the call fails, never past the deadline; null if it never answered. */
async function deliver(env: Bindings, order: ProbeOrder, deadline: number, stats: ProbeRoundStats): Promise<ProbeReport | null> {
  for (let attempt = 0; attempt < DELIVERIES; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) return null;
    stats.probeCalls++;
      let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), left)));
    try {
      // A fresh stub per attempt: a stub whose call threw may be broken.
      const answer = await Promise.race([probeFor(env, order.shard).run(order) as Promise<ProbeReport>, late]);
      if (answer === "late") return null;
      if (!answer?.results) throw new Error("the probe answered without a report");
      return answer;
    } catch (err) {
      console.error(`probe ${order.shard.key} failed`, err);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
  return null;
}

const probeFor = (env: Bindings, shard: ProbeShard) => env.CHECK_PROBE.get(env.CHECK_PROBE.idFromName(shard.key), { locationHint: shard.region });
