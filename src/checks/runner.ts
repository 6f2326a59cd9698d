import type { Database } from "../db/client";
import { runBatch } from "../db/batch";
import { isGuardFailure, isStatusConflict } from "../db/queries/guards";
import { pruneLatencyRollups } from "../db/queries/latency";
import { claimCheckRun, finishCheckRun, loadCheckTargets, pruneCheckResults, type CheckTargetRow } from "../db/queries/checks";
import type { Bindings } from "../env";
import { runChecks } from "./checks";
import { probeMonitors, type ProbeRoundStats } from "./fan-out";
import { positiveInt, type CheckResult } from "./probe";
import type { RegionResult } from "./quorum";
import { recordStatements } from "./record";
import { autoIncidentDefaults } from "../domain/auto-incidents";
import { pageTimeZone } from "../uptime/days";

const DAY_MS = 86_400_000;
/** A run that has not finished after this long is taken to have died: it no longer blocks the next one. */
const RUN_STALE_MS = 5 * 60_000;
/** Raw results deleted per run at most; the daily rollups keep everything the page shows. */
const PRUNE_CHUNK = 1000;

/** How many times a round's results are rebuilt when admins keep moving statuses or components while it records them. */
const RECORD_ATTEMPTS = 3;

export interface CheckRound {
  claim: "claimed" | "duplicate" | "busy";
  targets: CheckTargetRow[];
  /**
   * Resolves once every check has answered or timed out (or its probe has been given up on). A monitor
   * whose regions could not agree has no result: no data for the round.
   */
  results: Promise<Map<string, CheckResult>>;
  /** What each region saw, per HTTP monitor. */
  regions: Promise<Map<string, RegionResult[]>>;
  stats: Promise<ProbeRoundStats>;
  /**
   * Writes the results in one batch (only for a claimed round); returns the outbox events to enqueue and
   * the components that got a result from it.
   */
  record(now: number): Promise<{ eventIds: string[]; recorded: string[] }>;
}

/**
 * Claims the run for `at` and starts every check. A redelivered time ("duplicate") checks nothing, nor does
 * a run that starts while another is still going ("busy") unless asked to (an admin's "check now"); only
 * the claimed round records.
 */
export async function startCheckRound(env: Bindings, db: Database, at: number, opts: { checkWhenBusy?: boolean } = {}): Promise<CheckRound> {
  const wallNow = Date.now();
  const claim = await claimCheckRun(db, at, wallNow, wallNow - RUN_STALE_MS);
  const check = claim === "claimed" || (claim === "busy" && opts.checkWhenBusy);
  const targets = check
    ? await loadCheckTargets(db).catch(async (err) => {
        if (claim === "claimed") await runBatch(db, [finishCheckRun(db, at, Date.now())]).catch(() => {});
        throw err;
      })
    : [];
  // The platform's own checks stay here, with this invocation's connections to themselves; HTTP monitors go
  // to the probes, so a hung monitor can never hold a connection a platform check is waiting for.
  const central = runChecks(env, targets.filter((t) => t.checkKind !== "http"));
  const probed = probeMonitors(env, at, targets.filter((t) => t.checkKind === "http"));
  const results = Promise.all([central, probed]).then(([c, p]) => new Map([...c, ...p.results]));
  const regions = probed.then((p) => p.regions);
  const stats = probed.then((p) => p.stats);
  return {
    claim,
    targets,
    results,
    regions,
    stats,
    async record(now) {
      if (claim !== "claimed") return { eventIds: [], recorded: [] };
      try {
        const [checked, probes] = [await results, await probed];
        // Recorded from the statuses and components as they are when the batch is built; if an admin moved a
        // status or edited a component (or a newer round landed) before it committed, nothing was written and
        // it is built again from the new state.
        for (let attempt = 1; ; attempt++) {
          const { statements, eventIds, recorded } = await recordStatements(db, {
            targets,
            results: checked,
            regions: probes.regions,
            at,
            now,
            timeZone: pageTimeZone(env),
            autoIncidents: autoIncidentDefaults(env.AUTO_INCIDENTS),
          });
          const summary = { ...probes.stats, statements: statements.length + 1 };
          try {
            await runBatch(db, [...statements, finishCheckRun(db, at, Date.now(), summary)]);
            return { eventIds, recorded };
          } catch (err) {
            if (!(isStatusConflict(err) || isGuardFailure(err)) || attempt >= RECORD_ATTEMPTS) throw err;
          }
        }
      } catch (err) {
        await runBatch(db, [finishCheckRun(db, at, Date.now())]).catch(() => {});
        throw err;
      }
    },
  };
}

/** How long raw and per-region results (and the claims of runs) are kept: CHECK_RETENTION_DAYS. */
export const checkRetentionMs = (env: Bindings) => positiveInt(env.CHECK_RETENTION_DAYS, 7) * DAY_MS;

/** Deletes what is past its retention as of `now`, the wall clock: never a round's own scheduled time. */
export async function pruneOldResults(env: Bindings, db: Database, now: number) {
  await pruneCheckResults(db, now - checkRetentionMs(env), PRUNE_CHUNK);
  await pruneLatencyRollups(db, now, PRUNE_CHUNK);
}
