import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { ApiError } from "./errors";

/** zod issues as the `details` of a 400: where, and what is wrong, never the input echoed back. */
function issuesOf(error: { issues: readonly z.core.$ZodIssue[] }) {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/**
 * zValidator with Beacon's error shape. For JSON bodies the content type is checked first: Hono's validator
 * silently validates `{}` when it is wrong, which would surface as a confusing "field required".
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result, c) => {
    if (target === "json") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!JSON_TYPE.test(type)) throw new ApiError(400, "bad_request", "Content-Type must be application/json");
    }
    if (!result.success) {
      const where = target === "json" ? "body" : target === "param" ? "path" : target;
      throw new ApiError(400, "validation_failed", `Invalid request ${where}`, issuesOf(result.error));
    }
  });

export const uuidParam = z.object({ id: z.uuid({ message: "must be a UUID" }) });

/** Milliseconds, ISO 8601 strings or null in, epoch milliseconds out. */
export const timestamp = z
  .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
  .transform((value) => (typeof value === "number" ? value : Date.parse(value)));

/** Trimmed, non-empty text with a length cap; control characters other than newline and tab removed. */
export const text = (max: number) =>
  z
    .string()
    .transform((value) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").trim())
    .pipe(z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`));

export const optionalText = (max: number) =>
  z
    .string()
    .transform((value) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`));
