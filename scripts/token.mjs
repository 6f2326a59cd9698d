#!/usr/bin/env node
// Prints a session token that the local Beacon accepts as a Clerk session.
//   npm run token                      an admin (metadata.role = "admin"), valid for 12 hours
//   npm run token -- --role member     a signed-in user who is not an admin (the API answers 403)
//   npm run token -- --ttl 60          valid for 60 seconds
// PORT names the server it is for (its azp), as it picks the one npm start runs.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureLocalSecrets, privateKeyPath } from "./lib/local-keys.mjs";
import { localSession, mintSessionToken, sessionTtlSeconds } from "./lib/session-token.mjs";

let values;
let ttlSeconds;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: "string", default: "admin" },
      ttl: { type: "string" },
      sub: { type: "string" },
    },
  }));
  ttlSeconds = sessionTtlSeconds(values.ttl);
} catch (error) {
  process.stderr.write(`npm run token: ${error.message}\nUsage: npm run token -- [--role admin|member|none] [--ttl seconds] [--sub user_id]\n`);
  process.exit(2);
}

const session = localSession(values.role, process.env.PORT);
if (!existsSync(privateKeyPath)) await ensureLocalSecrets();
const token = await mintSessionToken(readFileSync(privateKeyPath, "utf8"), {
  role: values.role === "none" ? null : values.role,
  ttlSeconds,
  sub: values.sub ?? session.sub,
  azp: session.origin,
});
process.stdout.write(token + "\n");
