import type { ShownStatus } from "../db/schema";
import type { Snapshot, SnapshotIncident } from "./types";

/** A component as one update of an incident left it: moved (`from` to `to`) or as it stood (the two equal). */
export interface UpdateComponent {
  id: string;
  name: string;
  from: ShownStatus;
  to: ShownStatus;
}

/**
 * What each update did to the incident's components, by update id: the shown-status moves since the previous
 * update (an admin's moves are recorded at the instant of the update that made them; an automatic incident's
 * are its components' check results, backdated to the first failing check), then the components that did
 * not move, at the status they had then. A component is listed from the update that named it on; one an
 * update took off the incident, from its first move to the update that took it off (its last move), so what
 * was published before that update stays as it was. Snapshots without the record of moves fall back to: the
 * first update set what the incident says, resolving lifted it, the others kept it.
 */
export function componentsByUpdate(snapshot: Pick<Snapshot, "components">, i: SnapshotIncident): Map<string, UpdateComponent[]> {
  const oldestFirst = [...i.updates].reverse();
  const byUpdate = new Map<string, UpdateComponent[]>();
  if (!i.status_changes) {
    const firstResolved = oldestFirst.find((u) => u.status === "resolved");
    for (const u of oldestFirst) {
      const phase = u === oldestFirst[0] ? "opened" : u === firstResolved ? "resolved" : "ongoing";
      byUpdate.set(
        u.id,
        i.components.map((c) => ({ id: c.id, name: c.name, from: phase === "opened" ? "operational" : c.status, to: phase === "resolved" ? "operational" : c.status })),
      );
    }
    return byUpdate;
  }
  // A move dated before its component joined the incident (an automatic incident's, backdated to the first
  // failed check of a component grouped in later) belongs to the update that named the component.
  const joined = new Map(i.components.filter((c) => c.added_at !== undefined).map((c) => [c.id, c.added_at!]));
  const changes = i.status_changes.map((change) => {
    const at = Math.max(change.at, joined.get(change.component_id) ?? Number.NEGATIVE_INFINITY);
    return at === change.at ? change : { ...change, at };
  });
  // A component taken off the incident mid-way is no longer among its links, but its moves still count.
  const names = new Map([...snapshot.components, ...i.components].map((c) => [c.id, c.name]));
  // Each component starts where it stood before this incident first moved it (its link's status when it never
  // did), and walks forward with the moves: an update shows the status of its own time, not a later one.
  const current = new Map<string, ShownStatus>(i.components.map((c) => [c.id, c.status]));
  for (const change of [...changes].reverse()) current.set(change.component_id, change.from);
  // Components no longer linked (taken off while open), between their first and last moves.
  const linked = i.components.filter((c) => !c.released);
  const linkedIds = new Set(linked.map((c) => c.id));
  const off = new Map<string, { first: number; last: number }>();
  for (const change of changes) {
    if (linkedIds.has(change.component_id)) continue;
    const span = off.get(change.component_id);
    off.set(change.component_id, { first: span?.first ?? change.at, last: change.at });
  }
  oldestFirst.forEach((u, at) => {
    const previousAt = oldestFirst[at - 1]?.created_at ?? Number.NEGATIVE_INFINITY;
    const moved = collapse(changes.filter((change) => change.at > previousAt && change.at <= u.created_at));
    for (const change of moved) current.set(change.component_id, change.to);
    const movedIds = new Set(moved.map((change) => change.component_id));
    byUpdate.set(u.id, [
      ...moved.map((change) => ({ id: change.component_id, name: names.get(change.component_id) ?? "", from: change.from, to: change.to })),
      ...linked
        .filter((c) => !movedIds.has(c.id) && (c.added_at === undefined || c.added_at <= u.created_at))
        .map((c) => ({ id: c.id, name: c.name, from: current.get(c.id)!, to: current.get(c.id)! })),
      ...[...off]
        .filter(([id, span]) => !movedIds.has(id) && span.first <= u.created_at && span.last > u.created_at)
        .map(([id]) => ({ id, name: names.get(id) ?? "", from: current.get(id)!, to: current.get(id)! })),
    ]);
  });
  return byUpdate;
}

/** Several moves of one component between two updates read as one, from the first status to the last. */
function collapse(changes: NonNullable<SnapshotIncident["status_changes"]>) {
  const byComponent = new Map<string, (typeof changes)[number]>();
  for (const change of changes) {
    const first = byComponent.get(change.component_id);
    byComponent.set(change.component_id, first ? { ...change, from: first.from } : change);
  }
  return [...byComponent.values()];
}
