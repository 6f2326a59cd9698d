#!/usr/bin/env node
// Prints a link that signs a browser in to the console of the local dev server (npm start), without Clerk.
//   npm run -s signin-url                     as an admin, for 12 hours
//   npm run -s signin-url -- --role member    as a signed-in user who is not an admin (the console says 403)
// PORT picks the server as it does for npm start. Only the local dev server accepts these links.
import { mintLocalSession } from "./lib/local-session.mjs";

const { token, session } = await mintLocalSession("signin-url", (session) => ({ sid: `sess_local_${Date.now().toString(36)}`, claims: { email: session.email } }));
process.stdout.write(`${session.origin}/admin/sign-in/local?token=${token}\n`);
