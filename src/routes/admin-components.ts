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
import type { AutoIncidentSettings, HttpMonitor } from "../db/schema";
import type { AppEnv } from "../env";
import { badRequest, notFound } from "../errors";
import { autoIncidentsInput, createComponentBody, editGroupBody, groupBody, httpMonitorInput, reorderComponentsBody, editComponentBody } from "../schemas";
import { uuidParam, validate } from "../validation";
import type { Database } from "../db/client";
import type { Bindings } from "../env";
import { autoConfigView, autoIncidentDefaults, componentAutoConfig } from "../domain/auto-incidents";

function toMonitor(input: z.infer<typeof httpMonitorInput>): HttpMonitor {
  return {
    type: "http",
    url: input.url,
    method: input.method,
    expected_status: input.expected_status,
    keyword: input.keyword,
    timeout_ms: input.timeout_ms,
    degraded_latency_ms: input.degraded_latency_ms,
  };
}

/** Only the keys an admin set, so the rest keep following the page-wide default. */
function ownSettings(input: z.infer<typeof autoIncidentsInput>): AutoIncidentSettings {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as AutoIncidentSettings;
}

/** The admin's view of a component: its public fields plus how it is checked. */
async function componentView(env: Bindings, db: Database, id: string) {
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
    // Every key as it applies to this component: its own settings over the AUTO_INCIDENTS default.
    auto_incidents: autoConfigView(componentAutoConfig(autoIncidentDefaults(env.AUTO_INCIDENTS), c.autoIncidents)),
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
    return c.json(await componentView(c.env, c.var.db, id));
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
          autoIncidents: body.auto_incidents ? ownSettings(body.auto_incidents) : null,
          createdAt: now,
          updatedAt: now,
        }),
      ],
      [],
    );
    return c.json(await componentView(c.env, db, id), 201);
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
          // Settings merge key by key; null goes back to the AUTO_INCIDENTS default.
          ...(body.auto_incidents !== undefined && {
            autoIncidents: body.auto_incidents === null ? null : ownSettings({ ...existing.autoIncidents, ...body.auto_incidents }),
          }),
          ...monitorChange,
          updatedAt: Date.now(),
        }),
      ],
      [],
    );
    return c.json(await componentView(c.env, db, id));
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
