import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Each test file gets its own D1 storage; the migrations (schema and the five default components) are
// applied exactly as wrangler applies them in dev and production.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
