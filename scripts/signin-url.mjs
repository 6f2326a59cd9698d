#!/usr/bin/env node
// Prints a link that signs a browser in to the console of the local dev server (npm start), without Clerk.
//   npm run -s signin-url                     as an admin, for 12 hours
//   npm run -s signin-url -- --role member    as a signed-in user who is not an admin (the console says 403)
// PORT picks the server as it does for npm start. Only the local dev server accepts these links.
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
  process.stderr.write(`npm run signin-url: ${error.message}\nUsage: npm run signin-url -- [--role admin|member|none] [--ttl seconds] [--sub user_id]\n`);
  process.exit(2);
}

const session = localSession(values.role, process.env.PORT);
if (!existsSync(privateKeyPath)) await ensureLocalSecrets();
const token = await mintSessionToken(readFileSync(privateKeyPath, "utf8"), {
  role: values.role === "none" ? null : values.role,
  ttlSeconds,
  sub: values.sub ?? session.sub,
  sid: `sess_local_${Date.now().toString(36)}`,
  azp: session.origin,
  claims: { email: session.email },
});
process.stdout.write(`${session.origin}/admin/sign-in/local?token=${token}\n`);
