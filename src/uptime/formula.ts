/**
 * Uptime over a window = 1 - weighted downtime / observed time, where major_outage weighs 1,
 * partial_outage 0.3 and degraded 0 (Statuspage's weights). Time under maintenance and time with no data
 * are in neither term. The result is a percentage floored to two decimals, so a window with any downtime
 * never shows 100. Computed in integers (tenths of seconds) so flooring never suffers float error.
 */
export interface UptimeTotals {
  observedSeconds: number;
  partialSeconds: number;
  majorSeconds: number;
}

export function uptimePercent(totals: UptimeTotals): number | null {
  const observed10 = Math.round(totals.observedSeconds) * 10;
  if (observed10 <= 0) return null;
  const downtime10 = Math.round(totals.majorSeconds) * 10 + Math.round(totals.partialSeconds) * 3;
  const up10 = Math.max(0, observed10 - downtime10);
  return Math.floor((up10 * 10_000) / observed10) / 100;
}

export function weightedDowntimeSeconds(totals: Pick<UptimeTotals, "partialSeconds" | "majorSeconds">): number {
  return totals.majorSeconds + totals.partialSeconds * 0.3;
}

export function sumTotals(rows: UptimeTotals[]): UptimeTotals {
  const sum = { observedSeconds: 0, partialSeconds: 0, majorSeconds: 0 };
  for (const row of rows) {
    sum.observedSeconds += row.observedSeconds;
    sum.partialSeconds += row.partialSeconds;
    sum.majorSeconds += row.majorSeconds;
  }
  return sum;
}
