import type { Result, Router } from "hono/router";
import { METHOD_NAME_ALL } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/**
 * Hono's default router, one per HTTP method. Hono's RegExpRouter (one regular expression per method, no
 * allocation per match) cannot hold a static segment beside a parameter at the same place, such as the
 * seed's `POST /incidents/create` beside `POST /incidents/:id/updates`; the default SmartRouter then falls
 * back to the TrieRouter for every route of the app, public reads included. Split by method, only the
 * methods with such a pair (admin writes) fall back, and GET keeps the RegExpRouter.
 */
export class MethodRouter<T> implements Router<T> {
  name = "MethodRouter";
  #routes: [method: string, path: string, handler: T][] | null = [];
  #byMethod = new Map<string, Router<T>>();
  /** The routes that answer requests: middleware is mounted on wildcard paths, and answers none itself. */
  #endpoints: [method: string, path: string][] = [];
  #endpointRouter: TrieRouter<true> | null = null;

  add(method: string, path: string, handler: T) {
    if (!this.#routes) throw new Error("Routes are added before the first request is matched.");
    this.#routes.push([method, path, handler]);
    if (!path.endsWith("*")) this.#endpoints.push([method, path]);
  }

  /**
   * The methods some route answers at `path`: for a request no route took, whether the path exists under
   * other methods (405 and its Allow header) or not at all (404). Built on first use: it is not a hot path.
   */
  allowedMethods(path: string): string[] {
    if (!this.#endpointRouter) {
      this.#endpointRouter = new TrieRouter<true>();
      for (const [method, route] of this.#endpoints) this.#endpointRouter.add(method, route, true);
    }
    const router = this.#endpointRouter;
    const methods = new Set(this.#endpoints.map(([method]) => method));
    return [...methods].filter((method) => method !== METHOD_NAME_ALL && router.match(method, path)[0].length > 0);
  }

  match(method: string, path: string): Result<T> {
    if (this.#routes) this.#build(this.#routes);
    // Any other method (a client may send anything) shares the router that holds only the routes for all.
    const router = this.#byMethod.get(method) ?? this.#byMethod.get(METHOD_NAME_ALL)!;
    return router.match(method, path);
  }

  #build(routes: [string, string, T][]) {
    const methods = new Set([METHOD_NAME_ALL, ...routes.map(([method]) => method)]);
    for (const method of methods) {
      const router = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
      for (const [m, path, handler] of routes) if (m === method || m === METHOD_NAME_ALL) router.add(m, path, handler);
      this.#byMethod.set(method, router);
    }
    this.#routes = null;
  }
}
