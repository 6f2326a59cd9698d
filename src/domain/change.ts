import type { Statement } from "../db/batch";
import { conflict, type ErrorDetail } from "../errors";

/** Who makes a change: an admin (from the API or the console) or Beacon itself (the cron). */
export type Actor = { kind: "admin"; userId: string; name?: string; email?: string } | { kind: "automation" };

export const AUTOMATION: Actor = { kind: "automation" };

export const adminActor = (admin: { userId: string; name?: string | null; email?: string | null }): Actor => ({
  kind: "admin",
  userId: admin.userId,
  ...(admin.name ? { name: admin.name } : {}),
  ...(admin.email ? { email: admin.email } : {}),
});

/** The user id an admin write is recorded under (created_by columns); null for Beacon's own moves. */
export const actorId = (actor: Actor) => (actor.kind === "admin" ? actor.userId : null);

/**
 * What one operation does, before it is committed: the statements for one atomic batch, the outbox events
 * they insert (handed to the queue once committed), and the answer, computed from what the statements
 * write so nothing is read back after the commit.
 */
export interface Change<R = null> {
  statements: Statement[];
  eventIds: string[];
  result: R;
  /** What a 409 says when a guard in `statements` finds the starting state changed before the commit. */
  conflict?: string;
  /** The fields that 409 is about, when it is about one (a name another request took meanwhile). */
  conflictDetails?: ErrorDetail[];
}

export const noChange = <R>(result: R): Change<R> => ({ statements: [], eventIds: [], result });

/**
 * Whether a patch sets any field to something other than what the row holds (its updatedAt aside): a save
 * that changes nothing writes nothing, so no audit entry says nothing happened and no other admin's open form
 * goes stale. Values compare as JSON, so a setting object rebuilt in another key order counts as a change.
 */
export const changesAnything = (row: object, patch: Record<string, unknown>) =>
  Object.entries(patch).some(([key, value]) => key !== "updatedAt" && JSON.stringify(value) !== JSON.stringify((row as Record<string, unknown>)[key]));

/**
 * The subscriber notification of a post, unless the admin chose not to notify (`notify: false`) for a
 * small correction. Component status changes are still recorded for those who follow them.
 */
export function notified(input: { notify?: boolean }, event: { id: string; statement: Statement }) {
  return input.notify === false ? { statements: [], eventIds: [] } : { statements: [event.statement], eventIds: [event.id] };
}

/**
 * An edit sent from a form drawn from an older version (`shown`: the updated_at or revision it showed) would put back
 * what a change made since replaced, field by field, without anyone seeing it: it is refused instead. The
 * batch's guard on the version read closes the rest of the race.
 */
export function assertAsShown(current: number, shown: number | undefined) {
  if (shown !== undefined && shown !== current) throw conflict(CHANGED_SINCE_SHOWN);
}

/** The refusal of a form drawn before another change (the console draws such a form around the record as it is now). */
export const CHANGED_SINCE_SHOWN =
  "It was changed (by another admin, or by Beacon) after this form was opened, so nothing was saved. Check it as it is now and send your changes again.";
