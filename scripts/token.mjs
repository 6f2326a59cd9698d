#!/usr/bin/env node
// Prints a session token that the local Beacon accepts as a Clerk session.
//   npm run token                      an admin (metadata.role = "admin"), valid for 12 hours
//   npm run token -- --role member     a signed-in user who is not an admin (the API answers 403)
//   npm run token -- --ttl 60          valid for 60 seconds
// PORT names the server it is for (its azp), as it picks the one npm start runs.
import { mintLocalSession } from "./lib/local-session.mjs";

const { token } = await mintLocalSession("token");
process.stdout.write(token + "\n");
