import { COULD_NOT_CONNECT, NAMED_CONNECT_FAILURE, unansweredWithin } from "../text/checks";
import type { CheckResult } from "./probe";

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`.replace(".0 s", " s");

/** One failure text as a reader would say it: "HTTP 503", "no answer within 10 s", "could not connect". */
function plainFailure(error: string): string {
  const text = error.trim();
  // A quorum's failure names how many regions saw it: kept unless every region did.
  const agreed = /^(.*) from (\d+) of (\d+) regions \([^)]*\)$/.exec(text);
  if (agreed) return agreed[2] === agreed[3] ? plainFailure(agreed[1]!) : `${plainFailure(agreed[1]!)} from ${agreed[2]} of ${agreed[3]} regions`;
  const http = /^(?:unexpected )?HTTP (\d{3})$/.exec(text);
  if (http) return `HTTP ${http[1]}`;
  const within = unansweredWithin(text);
  if (within !== null) return `no answer within ${seconds(within)}`;
  if (text === "timed out") return "no answer in time";
  const slow = /^slower than (\d+) ms$/.exec(text);
  if (slow) return `answers slower than ${seconds(Number(slow[1]))}`;
  if (text === "keyword not found in the response") return "the expected text was missing from the answer";
  if (NAMED_CONNECT_FAILURE.test(text)) return `${COULD_NOT_CONNECT} (${text})`;
  // Errors recorded before checks worded fetch failures themselves may still carry the runtime's own words.
  if (/internal error|reference = |dns|tls|ssl|certificate|handshake/i.test(text)) return COULD_NOT_CONNECT;
  return text;
}

/**
 * What the checks saw, in plain words, from whatever detail a result carries: "HTTP 503",
 * "no answer within 10 s", "HTTP 503; no answer within 10 s" when probes failed differently.
 */
export function describeCheckResult(result: Pick<CheckResult, "outcome" | "error" | "latencyMs">): string {
  if (result.error) {
    const parts = [...new Set(result.error.split("; ").map(plainFailure))];
    return parts.join("; ");
  }
  if (result.outcome === "operational") return result.latencyMs === null ? "checks passing" : `checks passing (${Math.round(result.latencyMs)} ms)`;
  return result.outcome.replace("_", " ");
}
