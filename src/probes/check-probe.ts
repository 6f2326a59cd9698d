import { DurableObject } from "cloudflare:workers";
import { runMonitorCheck } from "../checks/checks";
import { connectionLimit } from "../checks/connections";
import type { ProbeOrder, ProbeReport } from "../checks/plan";
import type { Bindings } from "../env";

/** Reports are kept this long, so a shard delivered again in its round is answered without probing twice. */
const REPORT_KEEP_MS = 60 * 60_000;

/**
 * Runs one shard's HTTP checks from where it lives: the cron creates each probe with its region as the
 * location hint. Each request has its own six connections, and each check's timeout starts only when it gets
 * one, so hung targets delay the shard but never time out the checks queued behind them.
 */
export async function probeShard({ round, shard }: ProbeOrder): Promise<ProbeReport> {
  const startedAt = Date.now();
  const withConnection = connectionLimit();
  const results = await Promise.all(
    shard.tasks.map(async ({ componentId, monitor }) => {
      const result = await withConnection(() => runMonitorCheck(monitor, shard.region)).catch(() => null);
      const outcome = result?.outcome === "operational" || result?.outcome === "degraded" ? result.outcome : "major_outage";
      return { componentId, outcome, latencyMs: result?.latencyMs ?? null, error: result ? result.error : "check failed to run" } as const;
    }),
  );
  return { round, key: shard.key, region: shard.region, startedAt, finishedAt: Date.now(), results };
}

/**
 * A probe: one Durable Object per region and shard. It remembers what it reported for each round, so a shard
 * delivered twice (a retry after a lost answer) is checked once and answered the same.
 */
export class CheckProbe extends DurableObject<Bindings> {
  private running = new Map<string, Promise<ProbeReport>>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS reports (key TEXT PRIMARY KEY, round INTEGER NOT NULL, body TEXT NOT NULL)");
  }

  async run(order: ProbeOrder): Promise<ProbeReport> {
    const key = `${order.round}:${order.shard.key}`;
    const stored = this.ctx.storage.sql.exec<{ body: string }>("SELECT body FROM reports WHERE key = ?", key).toArray()[0];
    if (stored) return JSON.parse(stored.body) as ProbeReport;
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    const report = probeShard(order)
      .then((r) => {
        this.ctx.storage.sql.exec("INSERT OR REPLACE INTO reports (key, round, body) VALUES (?, ?, ?)", key, order.round, JSON.stringify(r));
        this.ctx.storage.sql.exec("DELETE FROM reports WHERE round < ?", order.round - REPORT_KEEP_MS);
        return r;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, report);
    return report;
  }
}
