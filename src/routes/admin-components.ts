import { Hono } from "hono";
import { requireAdmin } from "../auth/clerk";
import { findComponent } from "../db/queries/component-admin";
import { adminActor } from "../domain/change";
import {
  createComponent,
  createGroup,
  deleteComponent,
  deleteGroup,
  editComponent,
  editGroup,
  nameAlsoTaken,
  reorderComponents,
  type ComponentRow,
  type GroupRow,
} from "../domain/components";
import { autoConfigView, autoIncidentDefaults, componentAutoConfig } from "../domain/auto-incidents";
import type { AppEnv, Bindings } from "../env";
import { addsOnce, commitAndAnswer, idempotent } from "./admin-write";
import { notFound } from "../errors";
import { componentChecksQuery, createComponentBody, editComponentBody, editGroupBody, groupBody, reorderComponentsBody } from "../schemas";
import { noBody, uuidParam, validate } from "../validation";
import { recentRounds } from "../db/queries/checks";
import { defaultRegions, monitorQuorum, monitorRegions } from "../checks/plan";
import { iso } from "../time";
import { isMonitored } from "../status";

/** The admin's view of a component: its public fields plus how it is checked. */
function componentView(env: Bindings, c: ComponentRow) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    position: c.position,
    group_id: c.groupId,
    check: c.checkKind,
    platform_check: c.platformCheck,
    monitor: c.monitor ?? null,
    confirmations: c.confirmations,
    monitored: isMonitored(c),
    monitored_status: c.monitoredStatus,
    last_checked: iso(c.lastCheckedAt),
    last_error: c.lastError,
    // Every key as it applies to this component: its own settings over the AUTO_INCIDENTS default.
    auto_incidents: autoConfigView(componentAutoConfig(autoIncidentDefaults(env.AUTO_INCIDENTS), c.autoIncidents)),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

const groupView = (g: GroupRow) => ({ id: g.id, name: g.name, description: g.description, position: g.position, collapsed: g.collapsed });

export const adminComponents = new Hono<AppEnv>()
  .get("/admin/components/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const component = await findComponent(c.var.db, c.req.valid("param").id);
    if (!component) throw notFound("Component");
    return c.json(componentView(c.env, component));
  })
  .get("/components/:id/checks", requireAdmin, validate("param", uuidParam), validate("query", componentChecksQuery), async (c) => {
    const { id } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    const component = await findComponent(c.var.db, id);
    if (!component) throw notFound("Component");
    const regions = component.monitor ? monitorRegions(component.monitor, defaultRegions(c.env.CHECK_REGIONS)) : [];
    const rounds = await recentRounds(c.var.db, id, limit);
    return c.json({
      component_id: id,
      regions,
      quorum: component.monitor ? monitorQuorum(component.monitor, regions.length) : null,
      checks: rounds.map((round) => ({
        checked_at: iso(round.checkedAt),
        // null: the regions that answered could not agree, so the round has no data.
        status: round.result?.outcome ?? null,
        latency_ms: round.result?.latencyMs ?? null,
        error: round.result?.error ?? null,
        regions: round.regions.map((r) => ({ region: r.region, status: r.outcome, latency_ms: r.latencyMs, error: r.error })),
      })),
    });
  })
  .post("/components", requireAdmin, addsOnce, validate("json", createComponentBody, (c, body) => nameAlsoTaken(c.var.db, "component", body, null)), async (c) => {
    const db = c.var.db;
    const change = await createComponent(db, c.req.valid("json"), adminActor(c.var.admin), Date.now(), defaultRegions(c.env.CHECK_REGIONS));
    return commitAndAnswer(c, change, 201, (row) => componentView(c.env, row));
  })
  .patch("/components/:id", requireAdmin, idempotent, validate("param", uuidParam), validate("json", editComponentBody, (c, body) => nameAlsoTaken(c.var.db, "component", body, c.req.param("id")?.toLowerCase() ?? null)), async (c) => {
    const db = c.var.db;
    const change = await editComponent(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now(), defaultRegions(c.env.CHECK_REGIONS));
    return commitAndAnswer(c, change, 200, (row) => componentView(c.env, row));
  })
  .delete("/components/:id", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    return commitAndAnswer(c, await deleteComponent(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()), 204);
  })
  .post("/components/reorder", requireAdmin, idempotent, validate("json", reorderComponentsBody), async (c) => {
    const db = c.var.db;
    const change = await reorderComponents(db, c.req.valid("json").ids, adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, (result) => result);
  })
  .post("/groups", requireAdmin, addsOnce, validate("json", groupBody, (c, body) => nameAlsoTaken(c.var.db, "group", body, null)), async (c) => {
    const db = c.var.db;
    const change = await createGroup(db, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 201, groupView);
  })
  .patch("/groups/:id", requireAdmin, idempotent, validate("param", uuidParam), validate("json", editGroupBody, (c, body) => nameAlsoTaken(c.var.db, "group", body, c.req.param("id")?.toLowerCase() ?? null)), async (c) => {
    const db = c.var.db;
    const change = await editGroup(db, c.req.valid("param").id, c.req.valid("json"), adminActor(c.var.admin), Date.now());
    return commitAndAnswer(c, change, 200, groupView);
  })
  .delete("/groups/:id", requireAdmin, idempotent, validate("param", uuidParam), noBody, async (c) => {
    const db = c.var.db;
    return commitAndAnswer(c, await deleteGroup(db, c.req.valid("param").id, adminActor(c.var.admin), Date.now()), 204);
  });
