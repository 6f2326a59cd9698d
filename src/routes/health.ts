import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { afterCommit } from "../changes";
import { startCheckRound } from "../checks/runner";
import { CHANNELS } from "../db/schema";
import type { AppEnv } from "../env";
import { channelState } from "../notify/channels";
import { iso } from "../time";
import type { RegionResult } from "../checks/quorum";
import { notMonitored } from "../checks/probe";
import { noBody } from "../validation";
import { checkedStatuses } from "../db/queries/components";

/** Why a component no check targets has no result: nothing is set to watch it. */
const NO_CHECK = "no check configured: add a monitor to have it checked";

export const regionView = (r: RegionResult) => ({ region: r.region, status: r.outcome, latency_ms: r.latencyMs, error: r.error });

/** Admin: run every check now. Recorded like a cron run unless a run is already in progress. */
export const health = new Hono<AppEnv>().post("/health-check", requireAdmin, noBody, async (c) => {
  const at = Date.now();
  const round = await startCheckRound(c.env, c.var.db, at, { checkWhenBusy: true });
  const [results, regions] = [await round.results, await round.regions];
  const { eventIds, recorded } = await round.record(at);
  // Read after the round is recorded: a status it moved is the one its results say.
  const every = await checkedStatuses(c.var.db);
  if (round.claim === "claimed") await afterCommit(c.env, c.var.db, eventIds);
  const gotResult = new Set(recorded);
  const targetIds = new Set(round.targets.map((t) => t.id));
  return c.json({
    message:
      round.claim !== "claimed"
        ? "Health check completed; a scheduled run is in progress, so these results were not recorded"
        : gotResult.size
          ? "Health check completed"
          : // Rounds played ahead of the clock (locally) leave results dated later than now.
            "Health check completed; every component already has a newer result, so these results were not recorded",
    // Every component, in the seed's four statuses: what the check found, or, where it observed nothing (no
    // check configured, or a monitor whose regions could not agree), the status the checks left it at.
    // `details` says which, for every component: one no check targets is not monitored, and says so.
    results: Object.fromEntries(
      every.map((row) => {
        const outcome = results.get(row.id)?.outcome;
        return [row.name, outcome === undefined || outcome === "not_monitored" ? row.monitoredStatus : outcome];
      }),
    ),
    details: every.map((row) => {
      const targeted = targetIds.has(row.id);
      const r = targeted ? results.get(row.id) : notMonitored(NO_CHECK);
      const probed = regions.get(row.id);
      return {
        component_id: row.id,
        name: row.name,
        status: r?.outcome ?? "no_data",
        latency_ms: r?.latencyMs ?? null,
        error: r?.error ?? null,
        recorded: gotResult.has(row.id),
        ...(probed && { regions: probed.map(regionView) }),
      };
    }),
    checked_at: iso(at),
    recorded: gotResult.size > 0,
    // Which notification channels can send: "off" channels refuse sign-ups until their credentials are complete.
    notification_channels: Object.fromEntries(
      CHANNELS.map((channel) => {
        const { state, missing } = channelState(c.env, channel);
        return [channel, { state, ...(missing.length ? { missing } : {}) }];
      }),
    ),
  });
});
