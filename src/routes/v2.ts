import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { sendJsonFromSnapshot } from "../snapshot/respond";
import { publicSnapshot } from "../snapshot/store";
import type { Snapshot } from "../snapshot/types";
import { v2Lists, v2Page, v2Status, v2Summary } from "../v2/statuspage";

/** One Statuspage v2 document, rendered once per snapshot version. */
const v2 = (key: string, render: (snapshot: Snapshot) => unknown) => async (c: Context<AppEnv>) => {
  const snapshot = await publicSnapshot(c);
  return sendJsonFromSnapshot(c, snapshot, `v2:${key}`, () => render(snapshot));
};

/** Atlassian Statuspage's public API v2, for the aggregators and chat integrations that speak it. */
export const statuspageV2 = new Hono<AppEnv>()
  .get("/summary.json", v2("summary", v2Summary))
  .get("/status.json", v2("status", (s) => ({ page: v2Page(s), status: v2Status(s) })))
  .get("/components.json", v2("components", (s) => ({ page: v2Page(s), components: v2Lists(s).components })))
  .get("/incidents.json", v2("incidents", (s) => ({ page: v2Page(s), incidents: v2Lists(s).incidents() })))
  .get("/incidents/unresolved.json", v2("unresolved", (s) => ({ page: v2Page(s), incidents: v2Lists(s).unresolved() })))
  .get("/scheduled-maintenances.json", v2("maintenances", (s) => ({ page: v2Page(s), scheduled_maintenances: v2Lists(s).maintenances() })))
  .get("/scheduled-maintenances/upcoming.json", v2("upcoming", (s) => ({ page: v2Page(s), scheduled_maintenances: v2Lists(s).upcoming() })))
  .get("/scheduled-maintenances/active.json", v2("active", (s) => ({ page: v2Page(s), scheduled_maintenances: v2Lists(s).active() })));
