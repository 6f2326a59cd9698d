import { defineConfig } from "drizzle-kit";

// Migrations are generated offline from the schema and applied by wrangler (dev, deploy) and by
// applyD1Migrations (tests), so every environment runs the same SQL.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
