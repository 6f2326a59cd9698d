import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "idempotency_key_reused"
  | "payload_too_large"
  | "unsupported_media_type"
  | "upgrade_required"
  | "rate_limited"
  | "unavailable"
  | "internal_error";

/** What zod found wrong with a value, by its issue (and, for sizes, by what was measured). */
export const CHECK_CODES = [
  "required",
  "invalid_type",
  "invalid_value",
  "invalid_format",
  "invalid_url",
  "invalid_union",
  "too_short",
  "too_long",
  "too_few",
  "too_many",
  "too_small",
  "too_big",
  "not_multiple_of",
  "unrecognized_keys",
  "invalid_key",
  "invalid_element",
  "custom",
] as const;

/** Beacon's own rules, one code each. */
export const RULE_CODES = [
  "nothing_to_change",
  "nothing_visible",
  "line_break",
  "ill_formed_text",
  "out_of_range",
  "in_future",
  "in_past",
  "before_start",
  "after_resolution",
  "after_eta",
  "after_opened",
  "announced",
  "end_before_start",
  "duplicate",
  "not_applicable",
  "alias_conflict",
  "quorum_above_regions",
  "not_below_timeout",
  "invalid_cursor",
  "one_channel",
  "one_of_two",
  "unsafe_url",
  "sms_country_not_allowed",
  "premium_rate_number",
  "unknown_component",
  "unknown_group",
  "name_taken",
  "component_in_use",
] as const;

export type RuleCode = (typeof RULE_CODES)[number];
export type DetailCode = (typeof CHECK_CODES)[number] | RuleCode;

/**
 * One problem with a request: where (a field's path, `affected_components.0`), what is wrong in words, and
 * as a code a client can switch on. `limit` is the bound a value crossed, where the code has one: a length,
 * a count or a number (`too_long`, `too_small`...), or an instant (`before_start`, `out_of_range`...).
 */
export interface ErrorDetail {
  path: string;
  message: string;
  code: DetailCode;
  limit?: number | string;
}

/**
 * The one error type handlers throw; `onError` turns it into `{ error: { code, message, details? } }`.
 * `details` always has one form, a list of problems, so a client can iterate it whatever the error.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details?: ErrorDetail[];

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(status, { message });
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new ApiError(400, "bad_request", message, details);
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details?: ErrorDetail[]) => new ApiError(409, "conflict", message, details);

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  426: "upgrade_required",
  429: "rate_limited",
  503: "unavailable",
};

export function errorBody(err: unknown): { status: ContentfulStatusCode; body: { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } } {
  if (err instanceof ApiError) {
    const error = { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) };
    return { status: err.status as ContentfulStatusCode, body: { error } };
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx (malformed JSON, wrong content type) carry safe, short messages.
    const code = CODE_BY_STATUS[err.status] ?? "bad_request";
    return { status: err.status as ContentfulStatusCode, body: { error: { code, message: err.message || code } } };
  }
  if (isD1Unavailable(err)) {
    return { status: 503, body: { error: { code: "unavailable", message: "The database is temporarily unavailable; try again shortly." } } };
  }
  return { status: 500, body: { error: { code: "internal_error", message: "Something went wrong on our side." } } };
}

/**
 * D1 reports outages, overload and timeouts as errors whose message starts with "D1_". A statement SQLite
 * itself refused (SQLITE_ERROR) is a fault in the query, not an outage, and is not told as one.
 */
function isD1Unavailable(err: unknown): boolean {
  const message = err instanceof Error ? `${err.message} ${err.cause instanceof Error ? err.cause.message : ""}` : "";
  return /\bD1_(ERROR|EXEC_ERROR|TYPE_ERROR)?\b|D1 DB|Network connection lost|storage operation exceeded|overloaded/i.test(message) && !/constraint|SQLITE_ERROR/i.test(message);
}
