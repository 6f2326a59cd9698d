import type { DetailCode, ErrorDetail } from "../errors";

// A refusal (the API's error: message, and details as {path, message, code, limit?}) in words a person reads,
// shared by the console's forms and the public page's: each rule said once, after the field's label.

/** API path (its first segment, or the whole path) -> the form's field name and the label the screen shows. */
export type FieldMap = Record<string, readonly [name: string, label: string]>;

export interface FormProblem {
  /** The form field it is about, when it is about one. */
  field?: string;
  text: string;
}

/** A problem as the API lists it. `code` is how the console knows it; one without a code it does not know shows its message. */
export type ReceivedDetail = Pick<ErrorDetail, "path" | "message"> & { code?: string; limit?: number | string };

type Words = (d: ReceivedDetail, at: (ms: number) => string) => string | undefined;

/** Words with the detail's bound in them; none (so the API's message shows) when it carries no number. */
const counted =
  (say: (n: number) => string): Words =>
  (d) =>
    typeof d.limit === "number" ? say(d.limit) : undefined;

/** Words with the detail's instant in them, in the page's zone; none when it carries no time. */
const timed =
  (say: (time: string) => string): Words =>
  (d, at) => {
    const ms = typeof d.limit === "string" ? Date.parse(d.limit) : NaN;
    return Number.isNaN(ms) ? undefined : say(at(ms));
  };

/**
 * The rules in words, after the field's label ("Title must not be empty"); `at` formats an instant in the
 * page's zone. A rule whose bound is missing shows the API's message instead.
 */
const RULE_WORDS: Partial<Record<DetailCode, Words>> = {
  required: () => "is required",
  invalid_type: () => "is not a valid value",
  invalid_union: () => "is not a valid value",
  invalid_format: () => "is not a valid value",
  invalid_value: () => "is not one of the choices",
  // Refused for a control character (a pasted tab), the API's own words say so.
  invalid_url: (d) => (d.message.includes("control characters") ? undefined : "must be a web address starting with http:// or https://"),
  too_short: counted((n) => (n === 1 ? "must not be empty" : `must be at least ${n} characters`)),
  too_long: counted((n) => `must be at most ${n} characters`),
  too_few: counted((n) => `must have at least ${n}`),
  too_many: counted((n) => `must have at most ${n}`),
  too_small: counted((n) => `must be at least ${n}`),
  too_big: counted((n) => `must be at most ${n}`),
  duplicate: () => "names one item twice",
  // With none ticked, the page's own regions: how many there are, not their codes.
  quorum_above_regions: counted((n) => `must be at most ${n}, the number of regions it is checked from`),
  // Said at the start when only the start was moved past the end.
  end_before_start: (d) => (d.path === "scheduled_start" ? "must be before the end" : "must be after the start"),
  before_start: timed((time) => `must be after the incident started (${time})`),
  after_resolution: timed((time) => `must be before the incident was resolved (${time})`),
  after_opened: timed((time) => `must be before the incident was opened (${time})`),
  after_eta: timed((time) => `must be before the earliest expected resolution it was given (${time})`),
};

/** A component chosen in a form was deleted while the form was open (the page's script says it too). */
export const UNKNOWN_COMPONENT = "A chosen component no longer exists; reload the page to see the current ones.";

const sentence = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

/**
 * Problems said as a sentence of their own, once however many items they name: something deleted while the
 * form was open, a name in use (a conflict's message names it and says what to do), and a country or a
 * premium-rate number SMS does not reach (the detail names the codes it does, or the ranges it does not).
 */
/** Refusals whose message names what is in the way and says what to do: a name in use, a component still needed. */
const SAID_BY_MESSAGE = ["name_taken", "component_in_use", "announced"] as const satisfies readonly DetailCode[];

const SENTENCES: Partial<Record<DetailCode, (error: { message?: string; code?: string }, d: ReceivedDetail) => string | undefined>> = {
  unknown_component: () => UNKNOWN_COMPONENT,
  unknown_group: () => "The chosen group no longer exists; reload the page to see the current ones.",
  // Beside other refusals (a validation error's message is only "Invalid ..."), the detail's own words.
  ...Object.fromEntries(SAID_BY_MESSAGE.map((code) => [code, (error: { message?: string; code?: string }) => (error.code === "validation_failed" ? undefined : error.message)])),
  sms_country_not_allowed: (_error, d) => `${sentence(d.message)}.`,
  premium_rate_number: (_error, d) => `${sentence(d.message)}.`,
};

/** Whether a detail only repeats, for machines, what its error's message already says in full. */
export const saidByMessage = (d: ReceivedDetail) => (SAID_BY_MESSAGE as readonly (string | undefined)[]).includes(d.code);

/**
 * A refusal (the API's error: message, and details as a list of {path, message, code}) as problems the form
 * shows: each about a field when the error names one.
 */
export function plainProblems(error: { message?: string; code?: string; details?: ReceivedDetail[] }, fields: FieldMap, at: (ms: number) => string): FormProblem[] {
  // The most specific field a path names: `monitor.expected_status.0` is the status codes' field, not the monitor's.
  const fieldOf = (path: string) => {
    const parts = path.split(".");
    for (let n = parts.length; n > 0; n--) {
      const key = parts.slice(0, n).join(".");
      if (Object.hasOwn(fields, key)) return fields[key];
    }
    return undefined;
  };
  const wordsOf = <T>(table: Partial<Record<DetailCode, T>>, code: string | undefined) => (code !== undefined && Object.hasOwn(table, code) ? table[code as DetailCode] : undefined);
  const problems: FormProblem[] = [];
  for (const d of error.details ?? []) {
    const whole = wordsOf(SENTENCES, d.code)?.(error, d);
    if (whole) {
      if (!problems.some((p) => p.text === whole)) problems.push({ field: fieldOf(d.path)?.[0], text: whole });
      continue;
    }
    const rule = wordsOf(RULE_WORDS, d.code)?.(d, at) ?? d.message;
    const known = fieldOf(d.path);
    if (known) problems.push({ field: known[0], text: `${known[1]} ${rule}` });
    else problems.push({ text: sentence(d.path ? `${d.path.split(".")[0]!.replace(/_/g, " ")} ${rule}` : rule) });
  }
  if (!problems.length) problems.push({ text: error.message ?? "The request was refused." });
  return problems.map((p) => (p.field === undefined ? { text: p.text } : p));
}
