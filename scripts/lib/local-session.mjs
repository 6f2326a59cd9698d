// What `npm run token` and `npm run signin-url` share: their options, read strictly, and a session token for
// the local server (PORT names it: its azp), signed with the local key pair (made on first use).
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureLocalSecrets, privateKeyPath } from "./local-keys.mjs";
import { localSession, mintSessionToken, sessionRole, sessionSubject, sessionTtlSeconds } from "./session-token.mjs";

/**
 * Reads `--role`, `--ttl` and `--sub`, and mints the session they describe with `more` claims on top. A bad
 * option ends the command with a one-line reason and the usage, exit code 2, rather than a stack trace or a
 * token that never works.
 */
export async function mintLocalSession(command, more = () => ({})) {
  let values;
  let ttlSeconds;
  let sub;
  let role;
  let session;
  try {
    ({ values } = parseArgs({ options: { role: { type: "string" }, ttl: { type: "string" }, sub: { type: "string" } } }));
    role = sessionRole(values.role);
    ttlSeconds = sessionTtlSeconds(values.ttl);
    sub = sessionSubject(values.sub);
    session = localSession(role, process.env.PORT);
  } catch (error) {
    process.stderr.write(`npm run ${command}: ${error.message}\nUsage: npm run ${command} -- [--role admin|member|none] [--ttl seconds] [--sub user_id]\n`);
    process.exit(2);
  }
  if (!existsSync(privateKeyPath)) await ensureLocalSecrets();
  const token = await mintSessionToken(readFileSync(privateKeyPath, "utf8"), {
    role: role === "none" ? null : role,
    ttlSeconds,
    sub: sub ?? session.sub,
    azp: session.origin,
    ...more(session),
  });
  return { token, session };
}
