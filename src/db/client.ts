import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof createDb>;

/**
 * A Drizzle client over a D1 binding or a D1 session (Sessions API). Drizzle only calls `prepare` and
 * `batch`, which sessions have too. One is made per request, so it is made without the schema: with it,
 * Drizzle derives the relational-query config of every table each time (about 60 µs and thousands of
 * short-lived objects on every read, warm hits included). Queries use the query builder instead.
 */
export function createDb(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database);
}

/** Wraps a D1 binding or session so every statement sent is counted. */
export function countingD1<T extends D1Database | D1DatabaseSession>(d1: T, counter: { count: number }): T {
  return new Proxy(d1, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "prepare") {
        return (query: string) => {
          counter.count++;
          return (value as D1Database["prepare"]).call(target, query);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
