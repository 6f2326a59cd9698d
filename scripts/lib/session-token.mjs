// Mints Clerk-shaped session tokens (RS256) for local use and tests, with WebCrypto only, so the same code
// runs in Node (npm run token) and in workerd (the tests).

const b64url = (bytes) => {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const b64urlJson = (value) => b64url(new TextEncoder().encode(JSON.stringify(value)));

function pemBody(pem) {
  return Uint8Array.from(atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

function toPem(label, der) {
  let binary = "";
  for (const byte of new Uint8Array(der)) binary += String.fromCharCode(byte);
  return `-----BEGIN ${label}-----\n${btoa(binary).match(/.{1,64}/g).join("\n")}\n-----END ${label}-----\n`;
}

export async function generateKeyPairPem() {
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
  return { publicKeyPem: toPem("PUBLIC KEY", spki), privateKeyPem: toPem("PRIVATE KEY", pkcs8) };
}

/**
 * A session token with the claims Clerk puts in one: sub, sid, iss, iat, nbf, exp, azp, plus the custom
 * `metadata` claim (public metadata) that carries the role.
 */
export async function mintSessionToken(privateKeyPem, options = {}) {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const header = { alg: "RS256", typ: "JWT", kid: options.kid ?? "ins_beacon_local", ...(options.header ?? {}) };
  const payload = {
    sub: options.sub ?? "user_local_admin",
    sid: options.sid ?? "sess_local",
    iss: options.iss ?? "https://clerk.beacon.local",
    azp: options.azp ?? "http://localhost:8787",
    iat: now,
    nbf: now - 5,
    exp: now + (options.ttlSeconds ?? 3600),
    ...(options.role === null ? {} : { metadata: { role: options.role ?? "admin" } }),
    ...(options.claims ?? {}),
  };
  const signingInput = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  const key = await crypto.subtle.importKey("pkcs8", pemBody(privateKeyPem), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(signingInput));
  return `${signingInput}.${b64url(signature)}`;
}

/**
 * Who a local session is, for `npm run token` and `npm run signin-url` alike: the role's own user id and
 * address (`user_local_member`, `member@localhost`), and as `azp` the dev server it is for, on the port
 * `npm start` serves (PORT, 8787 unless set).
 */
export function localSession(role = "admin", port = undefined) {
  return { sub: `user_local_${role}`, email: `${role}@localhost`, origin: `http://localhost:${localPort(port)}` };
}

/**
 * The port `npm start` serves and the local sessions name: PORT, 8787 when unset or empty. Anything but a port
 * number throws, rather than start a server or mint a token for `localhost:NaN`.
 */
export function localPort(value = undefined) {
  if (value === undefined || value === "") return 8787;
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new Error(`PORT must be a port number, 1 to 65535 (not "${value}")`);
  return Number(value);
}

/**
 * How long a local session lasts: `--ttl` in whole seconds, 12 hours without it. Anything else throws rather
 * than mint a token without a usable expiry, which the server would only refuse as "invalid or expired".
 */
export function sessionTtlSeconds(value = undefined) {
  if (value === undefined) return 12 * 3600;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw new Error(`--ttl must be a whole number of seconds, at least 1 (not "${value}")`);
  return Number(value);
}

/**
 * The role a local session carries: `--role` as one of those the usage names, `admin` without it. Anything
 * else throws, since a misspelt role (`Admin`, `memeber`) would mint a session that is merely not an admin.
 */
export function sessionRole(value = undefined) {
  if (value === undefined) return "admin";
  if (!["admin", "member", "none"].includes(value)) throw new Error(`--role must be admin, member or none (not ${JSON.stringify(value)})`);
  return value;
}

/**
 * The user a local session names: `--sub` as given, or the role's own user without it. A value the server
 * would not record as it is (blank, spaces at either end, control characters, more than 200 characters)
 * throws rather than mint a token that is refused as "invalid or expired" or names someone else.
 */
export function sessionSubject(value = undefined) {
  if (value === undefined) return undefined;
  if (!/^[^\p{C}\s](?:[^\p{C}]{0,198}[^\p{C}\s])?$/u.test(value)) {
    throw new Error(`--sub must be a user id of 1 to 200 characters, without spaces at either end or control characters (not ${JSON.stringify(value)})`);
  }
  return value;
}

/** An unsigned token (`alg: none`), for proving it is refused. */
export function unsignedToken(claims) {
  return `${b64urlJson({ alg: "none", typ: "JWT" })}.${b64urlJson(claims)}.`;
}
