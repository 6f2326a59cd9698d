import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { generateKeyPairPem } from "./session-token.mjs";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const privateKeyPath = path.join(root, ".dev-keys", "clerk-private.pem");
const devVarsPath = path.join(root, ".dev.vars");

function devVars() {
  return existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "";
}

/**
 * First start on a machine: an RS256 key pair stands in for a Clerk instance. The public key goes into
 * .dev.vars as CLERK_JWT_KEY (what production sets from Clerk's dashboard); the private key stays in
 * .dev-keys/ for `npm run token`. Both are git-ignored. Existing values are never overwritten.
 */
export async function ensureLocalSecrets() {
  const created = [];
  let vars = devVars();
  if (!/^CLERK_JWT_KEY=/m.test(vars) || !existsSync(privateKeyPath)) {
    const { publicKeyPem, privateKeyPem } = await generateKeyPairPem();
    mkdirSync(path.dirname(privateKeyPath), { recursive: true });
    writeFileSync(privateKeyPath, privateKeyPem, { mode: 0o600 });
    vars = vars.replace(/^CLERK_JWT_KEY=.*$/m, "").trimEnd();
    writeFileSync(devVarsPath, `${vars ? vars + "\n" : ""}CLERK_JWT_KEY="${publicKeyPem.trim().replace(/\n/g, "\\n")}"\n`);
    created.push("CLERK_JWT_KEY (and .dev-keys/clerk-private.pem)");
  }
  if (!/^SIGNING_SECRET=/m.test(devVars())) {
    appendFileSync(devVarsPath, `SIGNING_SECRET="${randomBytes(32).toString("hex")}"\n`);
    created.push("SIGNING_SECRET");
  }
  return created;
}
