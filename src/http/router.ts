import type { Result, Router } from "hono/router";
import { METHOD_NAME_ALL } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

type Route<T> = [method: string, path: string, handler: T];

/** A path with no parameter or wildcard: one resource, such as `/api/status/incidents/create`. */
const isFixed = (path: string) => !path.includes(":") && !path.includes("*");

/**
 * Hono's default router, one per HTTP method. Hono's RegExpRouter (one regular expression per method, no
 * allocation per match) cannot hold a static segment beside a parameter at the same place, such as the
 * seed's `POST /incidents/create` beside `POST /incidents/:id/updates`; the default SmartRouter then falls
 * back to the TrieRouter for every route of the app, public reads included. Split by method, only the
 * methods with such a pair (admin writes) fall back, and GET keeps the RegExpRouter.
 *
 * A fixed path is its own resource under every method: `GET /incidents/create` is not an incident whose id
 * is "create", though only POST has a route there. For each fixed path some parameter would take, the
 * method has a second router without those routes, picked by one lookup of the whole path.
 */
export class MethodRouter<T> implements Router<T> {
  name = "MethodRouter";
  #routes: Route<T>[] | null = [];
  #byMethod = new Map<string, { router: Router<T>; fixed: Map<string, Router<T>> }>();
  /** The routes that answer requests: middleware is mounted on wildcard paths, and answers none itself. */
  #endpoints: [method: string, path: string][] = [];
  #fixedPaths = new Set<string>();
  #endpointRouter: TrieRouter<string> | null = null;

  add(method: string, path: string, handler: T) {
    if (!this.#routes) throw new Error("Routes are added before the first request is matched.");
    this.#routes.push([method, path, handler]);
    if (path.endsWith("*")) return;
    this.#endpoints.push([method, path]);
    if (isFixed(path)) this.#fixedPaths.add(path);
  }

  /**
   * The methods some route answers at `path`: for a request no route took, whether the path exists under
   * other methods (405 and its Allow header) or not at all (404). Built on first use: it is not a hot path.
   */
  allowedMethods(path: string): string[] {
    const router = this.#patterns();
    const fixed = this.#fixedPaths.has(path);
    const methods = new Set(this.#endpoints.map(([method]) => method));
    return [...methods].filter(
      (method) => method !== METHOD_NAME_ALL && router.match(method, path)[0].some(([pattern]) => !fixed || isFixed(pattern)),
    );
  }

  match(method: string, path: string): Result<T> {
    if (this.#routes) this.#build(this.#routes);
    // Any other method (a client may send anything) shares the router that holds only the routes for all.
    const routers = this.#byMethod.get(method) ?? this.#byMethod.get(METHOD_NAME_ALL)!;
    return (routers.fixed.get(path) ?? routers.router).match(method, path);
  }

  /** Every endpoint, its pattern as its handler. */
  #patterns(): TrieRouter<string> {
    if (!this.#endpointRouter) {
      this.#endpointRouter = new TrieRouter<string>();
      for (const [method, route] of this.#endpoints) this.#endpointRouter.add(method, route, route);
    }
    return this.#endpointRouter;
  }

  #build(routes: Route<T>[]) {
    const patterns = this.#patterns();
    // For each fixed path, the patterns with a parameter that take it, whatever their method.
    const takenBy = new Map<string, Set<string>>();
    for (const path of this.#fixedPaths) {
      const taking = new Set<string>();
      for (const method of new Set(this.#endpoints.map(([m]) => m))) {
        for (const [pattern] of patterns.match(method, path)[0]) if (!isFixed(pattern)) taking.add(pattern);
      }
      if (taking.size > 0) takenBy.set(path, taking);
    }

    const methods = new Set([METHOD_NAME_ALL, ...routes.map(([method]) => method)]);
    for (const method of methods) {
      const own = routes.filter(([m]) => m === method || m === METHOD_NAME_ALL);
      const fixed = new Map<string, Router<T>>();
      for (const [path, taking] of takenBy) {
        const kept = own.filter(([, pattern]) => pattern.endsWith("*") || !taking.has(pattern));
        if (kept.length < own.length) fixed.set(path, routerOf(kept));
      }
      this.#byMethod.set(method, { router: routerOf(own), fixed });
    }
    this.#routes = null;
  }
}

function routerOf<T>(routes: Route<T>[]): Router<T> {
  const router = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
  for (const [method, path, handler] of routes) router.add(method, path, handler);
  return router;
}
