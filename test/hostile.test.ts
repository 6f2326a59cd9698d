import { describe, expect, it } from "vitest";
import { adminToken, call, json } from "./support/api";

// Every route the API documents, hit with the inputs a careless or hostile client sends. Whatever the
// input, the answer is a deliberate status with a JSON error, never a 500.

const GARBAGE_BODIES: { body: string; contentType: string }[] = [
  { body: "{}", contentType: "application/json" },
  { body: "[]", contentType: "application/json" },
  { body: "null", contentType: "application/json" },
  { body: '{"title":', contentType: "application/json" },
  { body: JSON.stringify({ title: "\u0000\uFFFF\uD800", id: { $ne: null }, components: ["../../etc/passwd"], email: "a@b", started_at: -1 }), contentType: "application/json" },
  { body: JSON.stringify(JSON.parse("[".repeat(500) + "]".repeat(500))), contentType: "application/json" },
  { body: "title=x&severity=major", contentType: "application/x-www-form-urlencoded" },
  { body: "<xml/>", contentType: "text/xml" },
];

const PARAMS = ["00000000-0000-4000-8000-000000000000", "..%2F%00"];

async function documentedRoutes(): Promise<{ method: string; path: string }[]> {
  const doc = await json(await call("GET", "/api/openapi.json"));
  const routes: { method: string; path: string }[] = [];
  for (const [path, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
    for (const method of Object.keys(operations)) {
      if (["get", "post", "patch", "put", "delete"].includes(method)) routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

describe("hostile input", () => {
  it("never gets a 500 from any documented route, with or without an admin token", async () => {
    const token = await adminToken();
    const routes = await documentedRoutes();
    expect(routes.length).toBeGreaterThan(30);
    const failures: string[] = [];
    // Routes are swept a few at a time: the answers are independent, and waiting on each in turn makes the
    // sweep grow with every route the API gains.
    const sweep = async (route: { method: string; path: string }) => {
      // A WebSocket upgrade and the run-every-check-now action are tested on their own.
      if (route.path.endsWith("/live") || route.path.endsWith("/health-check")) return;
      for (const param of PARAMS) {
        const path = route.path.replace(/\{[^}]+\}/g, param) + "?days=-1&component=%00&token=x&limit=99999999999";
        const attempts = route.method === "GET" || route.method === "DELETE" ? [null] : GARBAGE_BODIES;
        for (const attempt of attempts) {
          // Without a token only the refusal path runs, whatever the body: one try is enough.
          for (const auth of attempt === attempts[0] ? [token, null] : [token]) {
            const res = await call(route.method, path, {
              token: auth,
              ...(attempt ? { body: attempt.body, headers: { "content-type": attempt.contentType } } : {}),
            });
            if (res.status >= 500) failures.push(`${route.method} ${path} ${attempt?.body.slice(0, 30) ?? ""} -> ${res.status} ${await res.text()}`);
            else await res.arrayBuffer();
          }
        }
      }
    };
    const queue = [...routes];
    await Promise.all(Array.from({ length: 6 }, async () => {
      for (let route = queue.shift(); route; route = queue.shift()) await sweep(route);
    }));
    expect(failures).toEqual([]);
  }, 240_000);
});
