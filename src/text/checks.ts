import type { ComponentStatus, ProbeRegion, RegionOutcome } from "../db/schema";
import { STATUS_LABELS } from "../status";

/** A response time as a reader takes it in: milliseconds, or seconds past one. */
export const formatMs = (ms: number) => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** What a check that got no answer within its timeout records as its error (read back by unansweredWithin). */
export const timedOutError = (timeoutMs: number) => `timed out after ${timeoutMs} ms`;

/** Connection failures a reader can name, kept in a check's error as the runtime words them. */
export const NAMED_CONNECT_FAILURE = /network connection lost|connection refused|econnrefused|fetch failed/i;

/**
 * What a check records when a target could not be reached for a reason only the runtime knows (workerd's
 * "internal error; reference = ...", DNS or TLS details): the reader learns nothing more from those.
 */
export const COULD_NOT_CONNECT = "could not connect";

/**
 * The timeout a check ran into when it got no answer at all (timedOutError, from every region or from the
 * quorum that agreed), else null. Such a check has no response time: its time is its timeout.
 */
export function unansweredWithin(error: string | null): number | null {
  const timedOut = error && /^timed out after (\d+) ms(?: from \d+ of \d+ regions \([^)]*\))?$/.exec(error);
  return timedOut ? Number(timedOut[1]) : null;
}

/** Cloudflare's location hints, as a reader knows the places: every region a monitor can be probed from. */
export const REGION_NAMES: Record<ProbeRegion, string> = {
  wnam: "western North America",
  enam: "eastern North America",
  sam: "South America",
  weur: "western Europe",
  eeur: "eastern Europe",
  apac: "Asia-Pacific",
  oc: "Oceania",
  afr: "Africa",
  me: "the Middle East",
};

const REGION_OUTCOME_LABELS: Record<RegionOutcome, string> = {
  operational: STATUS_LABELS.operational.toLowerCase(),
  degraded: STATUS_LABELS.degraded.toLowerCase(),
  major_outage: STATUS_LABELS.major_outage.toLowerCase(),
  no_answer: "no answer",
};

/**
 * What each region saw in the latest check, in one sentence: the outcome and how fast it answered (or that it
 * got no answer within its timeout), never the error text. The component page draws it, and live updates
 * replace it with the next check's.
 */
export function regionsLine(regions: { region: string; outcome: string; latency_ms: number | null; no_answer_within_ms?: number }[]): string {
  const detail = (r: (typeof regions)[number]) =>
    r.no_answer_within_ms !== undefined
      ? ` (no answer within ${formatMs(r.no_answer_within_ms)})`
      : r.latency_ms !== null && r.outcome !== "no_answer"
        ? ` (${formatMs(r.latency_ms)})`
        : "";
  const seen = regions.map((r) => `${REGION_NAMES[r.region as ProbeRegion] ?? r.region} ${REGION_OUTCOME_LABELS[r.outcome as RegionOutcome] ?? r.outcome}${detail(r)}`);
  return `Checked from ${regions.length} ${regions.length === 1 ? "region" : "regions"}: ${seen.join(", ")}.`;
}

/**
 * What a monitored component's page says its checks found, in words around the time of the latest: "Automatic
 * checks say operational; last checked <time>, answered in 35 ms." The page draws it, and live updates replace
 * it with the next check's.
 */
export function checkedLine(c: { monitored_status: ComponentStatus; last_checked_at: number | null; last_latency_ms: number | null; no_answer_within_ms?: number }) {
  return {
    says: `Automatic checks say ${STATUS_LABELS[c.monitored_status].toLowerCase()}`,
    at: c.last_checked_at,
    answer:
      c.no_answer_within_ms !== undefined
        ? `, no answer within ${formatMs(c.no_answer_within_ms)}`
        : c.last_latency_ms !== null
          ? `, answered in ${formatMs(c.last_latency_ms)}`
          : "",
  };
}

export type CheckedLine = ReturnType<typeof checkedLine>;
