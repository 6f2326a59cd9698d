import { and, asc, desc, eq, getTableColumns, gte, inArray, isNull, lte, not, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { componentPageOrder, groupPageOrder } from "./components";
import {
  checkRegionResults,
  componentGroups,
  components,
  dailyRollups,
  incidentComponents,
  incidentLinkHistory,
  incidents,
  incidentUpdates,
  maintenanceComponents,
  maintenances,
  statusChanges,
  type ShownStatus,
} from "../schema";

/**
 * A window's component's shown status just after every move recorded at or before `at` (from the first move
 * after it when none was before; null when it never moved): two seeks on status_changes (component_id, at).
 */
const shownStatusAt = (at: SQL) =>
  sql<ShownStatus | null>`coalesce(
    (select sc.to_status from ${statusChanges} sc where sc.component_id = ${maintenanceComponents.componentId} and sc.at <= ${at} order by sc.at desc, sc.id desc limit 1),
    (select sc.from_status from ${statusChanges} sc where sc.component_id = ${maintenanceComponents.componentId} and sc.at > ${at} order by sc.at asc, sc.id asc limit 1))`;

/** Everything a snapshot is made of, read in one round trip (one db.batch of selects). */
export async function loadSnapshotRows(db: Database, opts: { historySince: number; firstDay: string }) {
  // Started in the window, still open, or resolved in it (a long one, resolved today, is recent news).
  const incidentInWindow = or(gte(incidents.startedAt, opts.historySince), isNull(incidents.resolvedAt), gte(incidents.resolvedAt, opts.historySince));
  const maintenanceInWindow = or(
    gte(maintenances.scheduledEnd, opts.historySince),
    inArray(maintenances.status, ["scheduled", "in_progress"]),
  );
  const [groupRows, componentRows, incidentRows, linkRows, updateRows, maintenanceRows, maintenanceLinkRows, rollupRows, incidentChangeRows, olderIncidentRows, checkChangeRows, regionRows, linkHistoryRows] =
    await db.batch([
      db.select().from(componentGroups).orderBy(...groupPageOrder),
      db
        .select({
          ...getTableColumns(components),
          // The last move of its shown status (incident, maintenance, monitor): one seek on (component_id, at).
          lastStatusChangeAt: sql<number | null>`(select max(sc.at) from ${statusChanges} sc where sc.component_id = ${components}.id)`,
        })
        .from(components)
        .orderBy(...componentPageOrder),
      db.select().from(incidents).where(incidentInWindow).orderBy(desc(incidents.startedAt), desc(incidents.id)),
      db
        .select({
          incidentId: incidentComponents.incidentId,
          componentId: incidentComponents.componentId,
          status: incidentComponents.status,
          addedAt: incidentComponents.addedAt,
          name: components.name,
        })
        .from(incidentComponents)
        .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
        .innerJoin(components, eq(components.id, incidentComponents.componentId))
        .where(incidentInWindow)
        .orderBy(...componentPageOrder),
      db
        .select({
          id: incidentUpdates.id,
          incidentId: incidentUpdates.incidentId,
          status: incidentUpdates.status,
          message: incidentUpdates.message,
          estimatedResolution: incidentUpdates.estimatedResolution,
          notified: incidentUpdates.notified,
          etaWithdrawn: incidentUpdates.etaWithdrawn,
          createdAt: incidentUpdates.createdAt,
          updatedAt: incidentUpdates.updatedAt,
        })
        .from(incidentUpdates)
        .innerJoin(incidents, eq(incidents.id, incidentUpdates.incidentId))
        .where(incidentInWindow)
        .orderBy(desc(incidentUpdates.createdAt), desc(incidentUpdates.id)),
      db.select().from(maintenances).where(maintenanceInWindow).orderBy(asc(maintenances.scheduledStart)),
      db
        .select({
          maintenanceId: maintenanceComponents.maintenanceId,
          componentId: maintenanceComponents.componentId,
          name: components.name,
          // Around each step of the window, for what Statuspage's updates say it moved.
          written: shownStatusAt(sql`${maintenances.createdAt}`),
          beforeStart: shownStatusAt(sql`${maintenances.startedAt} - 1`),
          afterStart: shownStatusAt(sql`${maintenances.startedAt}`),
          beforeEnd: shownStatusAt(sql`${maintenances.completedAt} - 1`),
          afterEnd: shownStatusAt(sql`${maintenances.completedAt}`),
        })
        .from(maintenanceComponents)
        .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
        .innerJoin(components, eq(components.id, maintenanceComponents.componentId))
        .where(maintenanceInWindow)
        .orderBy(...componentPageOrder),
      db.select().from(dailyRollups).where(gte(dailyRollups.day, opts.firstDay)),
      // The shown-status moves incidents caused (by time, on the `at` index), for Statuspage's affected_components.
      db
        .select({
          incidentId: statusChanges.referenceId,
          componentId: statusChanges.componentId,
          fromStatus: statusChanges.fromStatus,
          toStatus: statusChanges.toStatus,
          at: statusChanges.at,
        })
        .from(statusChanges)
        .where(and(gte(statusChanges.at, opts.historySince), eq(statusChanges.source, "incident")))
        .orderBy(asc(statusChanges.at), asc(statusChanges.id)),
      // Incidents older than the window, as the first 8 characters of their ids: enough to know an id is unknown.
      db
        .selectDistinct({ prefix: sql<string>`substr(${incidents.id}, 1, 8)` })
        .from(incidents)
        .where(not(incidentInWindow!)),
      // An automatic incident's components move with their checks: those moves, while it lasted, are its own.
      db
        .select({
          incidentId: incidents.id,
          componentId: statusChanges.componentId,
          fromStatus: statusChanges.fromStatus,
          toStatus: statusChanges.toStatus,
          at: statusChanges.at,
        })
        .from(statusChanges)
        .innerJoin(incidentComponents, eq(incidentComponents.componentId, statusChanges.componentId))
        .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
        .where(
          and(
            eq(incidents.automatic, true),
            gte(statusChanges.at, opts.historySince),
            eq(statusChanges.source, "monitor"),
            gte(statusChanges.at, incidents.startedAt),
            or(isNull(incidents.resolvedAt), lte(statusChanges.at, incidents.resolvedAt)),
          ),
        )
        .orderBy(asc(statusChanges.at), asc(statusChanges.id)),
      // What each region saw in a component's latest check (HTTP monitors probed from several regions).
      db
        .select({ componentId: checkRegionResults.componentId, region: checkRegionResults.region, outcome: checkRegionResults.outcome, latencyMs: checkRegionResults.latencyMs, error: checkRegionResults.error })
        .from(checkRegionResults)
        .innerJoin(components, and(eq(components.id, checkRegionResults.componentId), eq(checkRegionResults.checkedAt, components.lastCheckedAt)))
        .orderBy(asc(checkRegionResults.region)),
      // What each incident set for each component, change by change (the bar's days reported in incidents).
      db
        .select({ incidentId: incidentLinkHistory.incidentId, componentId: incidentLinkHistory.componentId, status: incidentLinkHistory.status, at: incidentLinkHistory.at })
        .from(incidentLinkHistory)
        .innerJoin(incidents, eq(incidents.id, incidentLinkHistory.incidentId))
        .where(incidentInWindow)
        .orderBy(asc(incidentLinkHistory.at), asc(incidentLinkHistory.id)),
    ]);
  const changeRows = [...incidentChangeRows, ...checkChangeRows].sort((a, b) => a.at - b.at);
  return { groupRows, componentRows, incidentRows, linkRows, updateRows, maintenanceRows, maintenanceLinkRows, rollupRows, incidentChangeRows: changeRows, olderIncidentRows, regionRows, linkHistoryRows };
}

export type SnapshotRows = Awaited<ReturnType<typeof loadSnapshotRows>>;
