import { zValidator } from "@hono/zod-validator";
import type { Context, MiddlewareHandler, ValidationTargets } from "hono";
import type { AppEnv } from "./env";
import * as z from "zod";
import { ApiError, type DetailCode, type ErrorDetail, type RuleCode } from "./errors";
import { iso } from "./time";

/**
 * zod issues as the `details` of a 400: where, what is wrong and its code, never the input echoed back.
 * `input` is what was parsed: a key missing from it is `required`, not a value of the wrong type.
 */
export function issuesOf(error: { issues: readonly z.core.$ZodIssue[] }, input: unknown): ErrorDetail[] {
  return error.issues.flatMap(withinUnion).map((issue) => ({ path: issue.path.join("."), message: issue.message, ...codeOf(issue, input) }));
}

/**
 * What a value that fits none of a field's forms got wrong, rather than zod's bare "Invalid input": when it is
 * of one form's kind (an object where an id or an {id, status} goes), what that form refused in it; when it is
 * of none, which kinds the field takes.
 */
function withinUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || !issue.errors.length) return [issue];
  const wrongKind = (branch: readonly z.core.$ZodIssue[]) => branch.length === 1 && branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0;
  const ofItsKind = issue.errors.filter((branch) => !wrongKind(branch));
  if (ofItsKind.length === 1) return ofItsKind[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })).flatMap(withinUnion);
  if (ofItsKind.length > 0) return [issue];
  const kinds = [...new Set(issue.errors.map((branch) => (branch[0] as { expected?: string }).expected).filter(Boolean))];
  return [{ ...issue, message: `Invalid input: expected ${kinds.join(" or ")}` }];
}

/** Sizes by what was measured: a text's length, a list's items, or a value. */
const SIZE_CODES: Record<string, readonly [under: DetailCode, over: DetailCode]> = {
  string: ["too_short", "too_long"],
  array: ["too_few", "too_many"],
  set: ["too_few", "too_many"],
};

/** The one mapping from a zod issue to a detail's code (and the bound it crossed, where it has one). */
function codeOf(issue: z.core.$ZodIssue, input: unknown): Pick<ErrorDetail, "code" | "limit"> {
  switch (issue.code) {
    case "custom": {
      // Beacon's own rules written as zod refinements carry their code (and bound) in `params`; see `rule`.
      const { code, limit } = (issue.params ?? {}) as { code?: RuleCode; limit?: string | number };
      return code ? { code, ...(limit === undefined ? {} : { limit }) } : { code: "custom" };
    }
    case "invalid_type":
      return { code: valueAt(input, issue.path) === undefined ? "required" : "invalid_type" };
    // A field of several forms (a time as text or as a number), or one of a list (a status), that is missing is
    // missing, not in no form or none of the list.
    case "invalid_union":
    case "invalid_value":
      return { code: valueAt(input, issue.path) === undefined ? "required" : issue.code };
    case "invalid_format":
      return { code: issue.format === "url" ? "invalid_url" : "invalid_format" };
    case "too_small":
    case "too_big": {
      const [under, over] = SIZE_CODES[issue.origin] ?? ["too_small", "too_big"];
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      return { code: issue.code === "too_small" ? under : over, ...(issue.inclusive === false ? {} : { limit: Number(bound) }) };
    }
    default:
      return { code: issue.code };
  }
}

/** The value at a zod path in what was parsed; undefined where nothing is. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * A refinement's message and the code of the Beacon rule it checks (and the bound, when the rule has one),
 * so its detail says which rule failed: `.refine(fn, rule("duplicate", "must not repeat"))`.
 */
export const rule = (code: RuleCode | "invalid_url", message: string, more: { path?: PropertyKey[]; limit?: string } = {}) => ({
  message,
  ...(more.path ? { path: more.path } : {}),
  params: { code, ...(more.limit === undefined ? {} : { limit: more.limit }) },
});

/** A refusal's details, then what else is wrong with the input on paths they do not already speak of. */
export function withAlsoRefused(details: ErrorDetail[], more: ErrorDetail[]): ErrorDetail[] {
  const said = new Set(details.map((d) => d.path));
  return [...details, ...more.filter((d) => !said.has(d.path))];
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/**
 * zValidator with Beacon's error shape. For JSON bodies the content type is checked first: Hono's validator
 * silently validates `{}` when it is wrong, which would surface as a confusing "field required".
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
  /** What else to say about a refused input (a taken name beside a bad URL), in the same answer. */
  alsoRefused?: (c: Context<AppEnv>, input: unknown) => Promise<ErrorDetail[]>,
) =>
  zValidator(target, schema, async (result, c) => {
    if (target === "json") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!JSON_TYPE.test(type)) throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    if (!result.success) {
      const where = target === "json" ? "body" : target === "param" ? "path" : target;
      // A number past a double's range (1e400) reaches the schema as infinite, which it refuses as no number
      // at all; brought to the edge of the exact range it is refused by the field's own bound, as 1e20 is.
      const input = target === "json" ? withinRange(result.data) : result.data;
      const again = input === result.data ? result : await schema.safeParseAsync(input);
      const details = again.success ? issuesOf(result.error, result.data) : issuesOf(again.error, input);
      // A parameter named twice in a query string reaches the schema as a list: say so, whatever rule the list
      // broke first ("received array", or not one of an enum's values).
      if (target === "query") {
        for (const d of details) if (Array.isArray(valueAt(result.data, [d.path]))) Object.assign(d, { code: "duplicate", message: "must be given once" });
      }
      const more = alsoRefused ? await alsoRefused(c as unknown as Context<AppEnv>, result.data) : [];
      throw new ApiError(400, "validation_failed", `Invalid request ${where}`, withAlsoRefused(details, more));
    }
  });

/** JSON nests at most this deep where Beacon reads a body; deeper, nothing is looked at (and the schema refuses it). */
const NESTING = 32;

/** The input with every infinite number brought to the edge of the exact range: the very input when it holds none. */
function withinRange(value: unknown, depth = 0): unknown {
  if (typeof value === "number") return value === Infinity || value === -Infinity ? intoExactRange(value) : value;
  if (depth >= NESTING || value === null || typeof value !== "object") return value;
  const entries = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  const mended = entries.map(([key, v]) => [key, withinRange(v, depth + 1)] as const);
  if (mended.every(([, v], i) => v === entries[i]![1])) return value;
  return Array.isArray(value) ? mended.map(([, v]) => v) : Object.fromEntries(mended);
}

const NOTHING = z.strictObject({});

/**
 * For a route whose path says everything (cancel, start, delete...): no body, or `{}`. Anything else is
 * refused as a body with unknown fields would be, rather than silently ignored.
 */
export const noBody: MiddlewareHandler = async (c, next) => {
  const raw = (await c.req.text()).trim();
  if (raw !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ApiError(400, "bad_request", "This request takes no body");
    }
    const result = NOTHING.safeParse(parsed);
    if (!result.success) throw new ApiError(400, "validation_failed", "This request takes no body", issuesOf(result.error, parsed));
  }
  await next();
};

// Past 2^53 every number is whole but none is exact, and zod's int() refuses one there in its own words
// ("expected int to be <=9007199254740991") beside the field's own bound. Every whole number Beacon takes is
// bounded far inside 2^53: such a number is brought to that edge, and only the field's bound refuses it.
export const intoExactRange = (n: number) => Math.min(Math.max(n, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);

/** A whole number, its bounds to follow: `wholeNumber().min(0).max(100_000)`. */
export const wholeNumber = () => z.number().overwrite(intoExactRange).int();

/** A UUID in any case, lowered: UUIDs are case-insensitive and Beacon stores them lower case. */
export const uuid = z.uuid({ message: "must be a UUID" }).toLowerCase();

export const uuidParam = z.object({ id: uuid });

/** A date and a time to the minute, with its offset: the seconds go between the two groups. */
const TO_THE_MINUTE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/;

// Dates a status page can mean; anything outside is a typo (and past year 275760 not even a JS Date).
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/**
 * Milliseconds or ISO 8601 strings in, epoch milliseconds out, between the years 2000 and 2100. Stored to the
 * whole second (toward the past), as the API shows times: v2 and feeds, which keep milliseconds, then show
 * the instant the API answered.
 */
export const timestamp = z
  // ISO 8601 allows a time to the minute ("2024-01-15T10:30Z"); it is read as that minute's first second.
  // Outermost, so the document generated from this schema still reads it as a required time.
  .preprocess(
    (value) => (typeof value === "string" ? value.replace(TO_THE_MINUTE, "$1:00$2") : value),
    z
      // A negative count of milliseconds is a time before 2000 like any other: refused by the same bound.
      // ISO 8601 also has local times ("2024-01-15T10:30:00"), which name no instant: the message says what is taken.
      .union([z.iso.datetime({ offset: true, message: "must be an ISO 8601 time with its offset (2024-01-15T10:30:00Z, 2024-01-15T12:30:00+02:00) or epoch milliseconds" }), wholeNumber()])
      .transform((value) => Math.floor((typeof value === "number" ? value : Date.parse(value)) / 1000) * 1000)
      // Refinements rather than min/max, so a refusal gives the bound as a time, not as a count of milliseconds.
      .pipe(
        z
          .number()
          .refine((ms) => ms >= EARLIEST, rule("out_of_range", "must be in the year 2000 or later", { limit: iso(EARLIEST)! }))
          .refine((ms) => ms <= LATEST, rule("out_of_range", "must be before the year 2100", { limit: iso(LATEST)! })),
      ),
  )
  .describe("An ISO 8601 time with its offset, to the second or the minute (2024-01-15T10:30:00Z, 2024-01-15T10:30Z), or epoch milliseconds; stored and answered in UTC to the whole second");

/** A moment that has already happened (a little clock skew allowed). */
export const pastTimestamp = timestamp.refine((ms) => ms <= Date.now() + 5 * 60_000, rule("in_future", "must not be in the future"));

// C0 and C1 controls (the CSI U+009B among them) and DEL; tab and the line breaks (CR, LF, NEL) are kept.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;

/**
 * Explicit bidi formatting: the embeddings and overrides (U+202A-U+202E) and the isolates (U+2066-U+2069).
 * On one line they reorder what follows them: "\u202EIPA" shows as "API" beside the real API, and a title
 * ending in U+202E reverses whatever a feed or a subject line puts after it. The marks (LRM, RLM, ALM) stay:
 * they open nothing that lasts past them.
 */
const BIDI_FORMATTING = /[\u202A-\u202E\u2066-\u2069]/g;

/** Every control character, tab and line breaks too (U+2028 and U+2029 as well): none belongs on one line. */
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/**
 * A one-line text Beacon takes as another system signed it rather than as a person typed it (a session's
 * user id, name and email): stored and shown as every typed line is, without control characters or bidi
 * formatting and at most `max` characters, cut between characters, never inside one.
 */
export const oneLine = (value: string, max: number) => [...value.replace(ANY_CONTROL, "").replace(BIDI_FORMATTING, "").trim()].slice(0, max).join("").trim();

/**
 * A lone UTF-16 surrogate (JSON's "\ud800") is no character: D1 would store it as three U+FFFD, so the
 * answer and what is read back later would differ, and two names that look alike would pass as different.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const wellFormed = (value: string) => !LONE_SURROGATE.test(value);
const ILL_FORMED = rule("ill_formed_text", "must be valid text (it holds half of a UTF-16 surrogate pair)");

/** Trimmed, non-empty text with a length cap; control characters other than newline and tab removed. */
export const text = (max: number) =>
  z
    .string()
    .refine(emptyOrVisible, NOTHING_VISIBLE)
    .transform((value) => value.replace(CONTROL, "").trim())
    .pipe(z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`).refine(wellFormed, ILL_FORMED).refine(emptyOrVisible, NOTHING_VISIBLE));

/** Text that may be left empty; written, it must show something (a message of zero-width spaces is a blank one). */
export const optionalText = (max: number) =>
  z
    .string()
    .transform((value) => value.replace(CONTROL, "").trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`).refine(wellFormed, ILL_FORMED).refine(emptyOrVisible, NOTHING_VISIBLE));

/**
 * Characters that show nothing on their own: spaces, format characters (zero-width joiners, bidi overrides
 * such as U+202E) and the blank fillers. A title of only these would be an empty subject line, or reverse
 * the text after it.
 */
const INVISIBLE_ONLY = /^[\p{Z}\p{Cf}\p{Default_Ignorable_Code_Point}\s\u115F\u1160\u2800\u3164\uFFA0]+$/u;

/** Whether text shows something: not only spaces, format characters and blank fillers. */
export const showsSomething = (value: string) => !INVISIBLE_ONLY.test(value);
export const NOTHING_VISIBLE = rule("nothing_visible", "must not be empty (it has nothing visible)");
/** Empty is said by its own rule ("must not be empty") where text is required. */
const emptyOrVisible = (value: string) => value === "" || showsSomething(value);

/**
 * A title or name: `text` on one line, without bidi formatting. Line breaks are refused rather than
 * stripped (titles become email subjects and SMS first lines, where a break could forge a header or a
 * second message); U+0085 (NEL) is one too.
 */
export const line = (max: number) =>
  z
    .string()
    .refine(emptyOrVisible, NOTHING_VISIBLE)
    .transform((value) => value.replace(CONTROL, "").trim())
    .refine(showsSomething, NOTHING_VISIBLE)
    .refine((value) => !/[\r\n\u0085\u2028\u2029]/.test(value), rule("line_break", "must be a single line (no line breaks)"))
    // Removed once checked, so a line of nothing else is refused as one with nothing visible; measured
    // without them, as it is stored.
    .transform((value) => value.replace(BIDI_FORMATTING, "").trim())
    .pipe(text(max));
