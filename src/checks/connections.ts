/** Outgoing connections one invocation (or one Durable Object request) may have waiting at once in production. */
export const CONNECTIONS_PER_INVOCATION = 6;

/**
 * At most `limit` tasks run at once; the rest wait, first come first served, and a finishing task hands its
 * slot straight to the next. workerd and wrangler dev do not enforce the platform's limit, so this is what
 * makes a local run queue the way production does, and what lets a check start its clock only once its
 * request can really start.
 */
export function connectionLimit(limit = CONNECTIONS_PER_INVOCATION) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function withConnection<T>(task: () => Promise<T>): Promise<T> {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
