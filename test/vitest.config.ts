import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = path.resolve(__dirname, "..");
// A key pair for this run only: the worker verifies with the public half, tests sign with the private one.
const keys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    test: {
      // Every *.test.ts runs inside workerd; the e2e project drives a real browser against the worker
      // running under wrangler, from Node.
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: path.join(root, "src/index.ts"),
              wrangler: { configPath: path.join(root, "wrangler.toml") },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  TEST_CLERK_PRIVATE_KEY: keys.privateKey,
                  CLERK_JWT_KEY: keys.publicKey,
                  PAGE_NAME: "Beacon Test",
                  PAGE_URL: "https://status.example.com",
                  SIGNING_SECRET: "test-signing-secret-0123456789abcdef",
                  // As under `npm start`: channels without credentials record into the dev outbox.
                  LOCAL_DEV: "true",
                },
                queueConsumers: {
                  "beacon-notifications": { maxBatchTimeout: 0 },
                  "beacon-notifications-dlq": { maxBatchTimeout: 0 },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            root,
            include: ["test/**/*.test.ts"],
            // Several tests send dozens of requests in turn; on a busy 2-core machine vitest's 5 s default
            // fails them for the machine's sake. A hang still fails.
            testTimeout: 30_000,
            setupFiles: [path.join(root, "test/setup.ts")],
          },
        },
        {
          test: {
            name: "e2e",
            root,
            environment: "node",
            include: ["test/e2e/**/*.e2e.ts"],
            // After the workers project, so a browser and a second wrangler do not compete with it for the cores.
            sequence: { groupOrder: 1 },
            // One browser and one wrangler at a time: on 2 cores, two of each starve the live socket's timing.
            fileParallelism: false,
            testTimeout: 30_000,
            hookTimeout: 90_000,
            // A page redraws itself after a random 200-800 ms wait and a fetch: on a busy machine that outlasts
            // expect.poll's 1 s default, though nothing is wrong.
            expect: { poll: { timeout: 10_000 } },
          },
        },
      ],
    },
  };
});
