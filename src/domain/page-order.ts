import type { SnapshotComponent } from "../snapshot/types";

// The order the page shows components in, which the console lists and moves them by, and every list of them
// a visitor sees follows: by position, except that a group's members stand together where its first one is.

/**
 * Components as the page shows them: each group where its first member stands, its members together, every
 * other component on its own.
 */
export function pageBlocks<T extends { id: string; groupId: string | null }>(rows: T[]): { groupId: string | null; members: T[] }[] {
  const blocks: { groupId: string | null; members: T[] }[] = [];
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const members = row.groupId ? groups.get(row.groupId) : undefined;
    if (members) members.push(row);
    else {
      const block = { groupId: row.groupId, members: [row] };
      if (row.groupId) groups.set(row.groupId, block.members);
      blocks.push(block);
    }
  }
  return blocks;
}

/** Where a component can go with one press of Up or Down (see movedInPage). */
export function pageMoves<T extends { id: string; groupId: string | null }>(rows: T[]): Map<string, { up: boolean; down: boolean }> {
  const moves = new Map<string, { up: boolean; down: boolean }>();
  const blocks = pageBlocks(rows);
  blocks.forEach((block, b) =>
    block.members.forEach((row, m) =>
      // Within its block (only a group has more than one member), else past the next block.
      moves.set(row.id, { up: m > 0 || b > 0, down: m < block.members.length - 1 || b < blocks.length - 1 }),
    ),
  );
  return moves;
}

/**
 * The order of every component after one press of Up or Down as the page shows them: a group's member trades
 * places with its neighbour in the group, and at the group's edge takes the whole group past the block (a
 * group, or one component) next to it; any other component passes that block. Null where it cannot go.
 */
export function movedInPage<T extends { id: string; groupId: string | null }>(rows: T[], id: string, direction: "up" | "down"): string[] | null {
  const blocks = pageBlocks(rows);
  const b = blocks.findIndex((block) => block.members.some((r) => r.id === id));
  if (b < 0) return null;
  const step = direction === "up" ? -1 : 1;
  const block = blocks[b]!;
  const m = block.members.findIndex((r) => r.id === id);
  if (block.members[m + step]) [block.members[m], block.members[m + step]] = [block.members[m + step]!, block.members[m]!];
  else if (blocks[b + step]) [blocks[b], blocks[b + step]] = [blocks[b + step]!, blocks[b]!];
  else return null;
  return blocks.flatMap((x) => x.members.map((r) => r.id));
}

/** Snapshot components as the page shows them. */
export const inPageOrder = (components: SnapshotComponent[]): SnapshotComponent[] =>
  pageBlocks(components.map((component) => ({ id: component.id, groupId: component.group_id, component }))).flatMap((b) => b.members.map((m) => m.component));
