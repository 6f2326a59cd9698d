import { STATUS_LABELS } from "../status";

/** A response time as a reader takes it in: milliseconds, or seconds past one. */
export const formatMs = (ms: number) => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Cloudflare's location hints, as a reader knows the places. */
const REGION_NAMES: Record<string, string> = {
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

const REGION_OUTCOME_LABELS: Record<string, string> = { no_answer: "no answer", ...Object.fromEntries(Object.entries(STATUS_LABELS).map(([k, v]) => [k, v.toLowerCase()])) };

/**
 * What each region saw in the latest check, in one sentence: the outcome and how fast it answered, never the
 * error text. The component page draws it, and live updates replace it with the next check's.
 */
export function regionsLine(regions: { region: string; outcome: string; latency_ms: number | null }[]): string {
  const seen = regions.map(
    (r) =>
      `${REGION_NAMES[r.region] ?? r.region} ${REGION_OUTCOME_LABELS[r.outcome] ?? r.outcome}${r.latency_ms !== null && r.outcome !== "no_answer" ? ` (${formatMs(r.latency_ms)})` : ""}`,
  );
  return `Checked from ${regions.length} ${regions.length === 1 ? "region" : "regions"}: ${seen.join(", ")}.`;
}
