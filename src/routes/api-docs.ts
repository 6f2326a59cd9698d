import { Hono } from "hono";
import type { AppEnv } from "../env";
import { sendStatic } from "../http/static";
import { openApiDocument } from "../openapi/document";
import { REFERENCE_CSS, referencePage } from "../openapi/reference-page";
import { pageInfo } from "../snapshot/build";

const DOC_CACHE = "public, max-age=300";

// Built on first request per isolate (configuration cannot change within one), never at load.
let built: { url: string; json: string; html: string; csp: string } | null = null;

async function documents(env: AppEnv["Bindings"]) {
  const page = pageInfo(env);
  if (built?.url === page.url + page.name) return built;
  const doc = openApiDocument(page);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(REFERENCE_CSS));
  const styleHash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  built = {
    url: page.url + page.name,
    json: JSON.stringify(doc),
    html: referencePage(doc),
    csp: `default-src 'none'; style-src 'sha256-${styleHash}'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  };
  return built;
}

/** The OpenAPI 3.1 document of every route and a readable reference generated from it. */
export const apiDocs = new Hono<AppEnv>()
  .get("/openapi.json", async (c) => {
    const { json } = await documents(c.env);
    return sendStatic(c, { body: json, contentType: "application/json; charset=utf-8", cacheControl: DOC_CACHE });
  })
  .get("/docs", async (c) => {
    const { html, csp } = await documents(c.env);
    return sendStatic(c, { body: html, contentType: "text/html; charset=utf-8", cacheControl: DOC_CACHE, headers: { "content-security-policy": csp } });
  });
