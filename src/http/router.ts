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

  add(method: string, path: string, handler: T) {
    if (!this.#routes) throw new Error("Routes are added before the first request is matched.");
    this.#routes.push([method, path, handler]);
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
