import type { Context } from "hono";

/**
 * The request's waitUntil, which keeps work going after the response and past a client that hangs up, or
 * undefined where there is no execution context (a direct `app.fetch` in a test).
 */
export function waitUntilOf(c: Context): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}
