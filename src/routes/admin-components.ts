import { Hono } from "hono";
import type { z } from "zod";
import { requireAdmin } from "../auth/clerk";
import { commitChange } from "../changes";
import {
  allComponentIds,
  deleteComponent,
  deleteGroup,
  findComponent,
  findGroup,
  insertComponent,
  insertGroup,
  nextComponentPosition,
  nextGroupPosition,
  updateComponent,
  updateGroup,
} from "../db/queries/component-admin";
import type { HttpMonitor } from "../db/schema";
import type { AppEnv } from "../env";
import { badRequest, notFound } from "../errors";
import { componentChecksQuery, createComponentBody, editGroupBody, groupBody, httpMonitorInput, reorderComponentsBody, editComponentBody } from "../schemas";
import { uuidParam, validate } from "../validation";
import type { Database } from "../db/client";
import { recentRounds } from "../db/queries/checks";
import { defaultRegions, monitorQuorum, monitorRegions } from "../checks/plan";
import { iso } from "../snapshot/format";

function toMonitor(input: z.infer<typeof httpMonitorInput>): HttpMonitor {
  return {
    type: "http",
    url: input.url,
    method: input.method,
    expected_status: input.expected_status,
    keyword: input.keyword,
    timeout_ms: input.timeout_ms,
    degraded_latency_ms: input.degraded_latency_ms,
    regions: input.regions,
    quorum: input.quorum,
  };
}

/** The admin's view of a component: its public fields plus how it is checked. */
async function componentView(db: Database, id: string) {
  const c = (await findComponent(db, id))!;
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    position: c.position,
    group_id: c.groupId,
    check: c.checkKind,
    monitor: c.monitor ?? null,
    confirmations: c.confirmations,
    monitored: c.monitored,
    monitored_status: c.monitoredStatus,
    last_checked: c.lastCheckedAt ? new Date(c.lastCheckedAt).toISOString() : null,
    last_error: c.lastError,
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
  };
}

async function assertGroup(db: Database, groupId: string | null | undefined) {
  if (groupId && !(await findGroup(db, groupId))) throw badRequest(`Unknown group id: ${groupId}`, { unknown_groups: [groupId] });
}

export const adminComponents = new Hono<AppEnv>()
  .get("/admin/components/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findComponent(c.var.db, id))) throw notFound("Component");
    return c.json(await componentView(c.var.db, id));
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
  .post("/components", requireAdmin, validate("json", createComponentBody), async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    await assertGroup(db, body.group_id);
    const id = crypto.randomUUID();
    const now = Date.now();
    await commitChange(
      c.env,
      db,
      [
        insertComponent(db, {
          id,
          name: body.name,
          description: body.description ?? null,
          position: body.position ?? (await nextComponentPosition(db)),
          groupId: body.group_id ?? null,
          checkKind: body.monitor ? "http" : "none",
          monitor: body.monitor ? toMonitor(body.monitor) : null,
          confirmations: body.monitor?.confirmations ?? body.confirmations ?? 2,
          createdAt: now,
          updatedAt: now,
        }),
      ],
      [],
    );
    return c.json(await componentView(db, id), 201);
  })
  .patch("/components/:id", requireAdmin, validate("param", uuidParam), validate("json", editComponentBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    const existing = await findComponent(db, id);
    if (!existing) throw notFound("Component");
    await assertGroup(db, body.group_id);
    const monitorChange =
      body.monitor === undefined
        ? {}
        : body.monitor === null
          ? existing.checkKind === "http"
            ? { checkKind: "none" as const, monitor: null, monitored: false, pendingStatus: null, pendingCount: 0, pendingSince: null }
            : {}
          : { checkKind: "http" as const, monitor: toMonitor(body.monitor), ...(body.monitor.confirmations ? { confirmations: body.monitor.confirmations } : {}) };
    await commitChange(
      c.env,
      db,
      [
        updateComponent(db, id, {
          ...(body.name !== undefined && { name: body.name }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.position !== undefined && { position: body.position }),
          ...(body.group_id !== undefined && { groupId: body.group_id }),
          ...(body.confirmations !== undefined && { confirmations: body.confirmations }),
          ...monitorChange,
          updatedAt: Date.now(),
        }),
      ],
      [],
    );
    return c.json(await componentView(db, id));
  })
  .delete("/components/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    if (!(await findComponent(db, id))) throw notFound("Component");
    await commitChange(c.env, db, [deleteComponent(db, id)], []);
    return c.body(null, 204);
  })
  .post("/components/reorder", requireAdmin, validate("json", reorderComponentsBody), async (c) => {
    const { ids } = c.req.valid("json");
    const db = c.var.db;
    const known = new Set(await allComponentIds(db));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw badRequest(`Unknown component ids: ${unknown.join(", ")}`, { unknown_components: unknown });
    if (new Set(ids).size !== ids.length) throw badRequest("ids must not repeat");
    const now = Date.now();
    await commitChange(c.env, db, ids.map((id, i) => updateComponent(db, id, { position: i + 1, updatedAt: now })), []);
    return c.json({ ids });
  })
  .post("/groups", requireAdmin, validate("json", groupBody), async (c) => {
    const body = c.req.valid("json");
    const db = c.var.db;
    const id = crypto.randomUUID();
    const now = Date.now();
    await commitChange(
      c.env,
      db,
      [insertGroup(db, { id, name: body.name, description: body.description ?? null, position: body.position ?? (await nextGroupPosition(db)), collapsed: body.collapsed ?? false, createdAt: now, updatedAt: now })],
      [],
    );
    const g = (await findGroup(db, id))!;
    return c.json({ id: g.id, name: g.name, description: g.description, position: g.position, collapsed: g.collapsed }, 201);
  })
  .patch("/groups/:id", requireAdmin, validate("param", uuidParam), validate("json", editGroupBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.var.db;
    if (!(await findGroup(db, id))) throw notFound("Group");
    await commitChange(
      c.env,
      db,
      [
        updateGroup(db, id, {
          ...(body.name !== undefined && { name: body.name }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.position !== undefined && { position: body.position }),
          ...(body.collapsed !== undefined && { collapsed: body.collapsed }),
          updatedAt: Date.now(),
        }),
      ],
      [],
    );
    const g = (await findGroup(db, id))!;
    return c.json({ id: g.id, name: g.name, description: g.description, position: g.position, collapsed: g.collapsed });
  })
  .delete("/groups/:id", requireAdmin, validate("param", uuidParam), async (c) => {
    const { id } = c.req.valid("param");
    const db = c.var.db;
    if (!(await findGroup(db, id))) throw notFound("Group");
    // Its components stay, ungrouped (the foreign key sets group_id to null).
    await commitChange(c.env, db, [deleteGroup(db, id)], []);
    return c.body(null, 204);
  });
