// Paging cursors are opaque to clients: base64url of the (time, id) of the last row of the previous page,
// the key that newest-first lists are ordered by.

export interface PageCursor {
  at: number;
  id: string;
}

export const encodeCursor = (after: PageCursor) => btoa(`${after.at}.${after.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function decodeCursor(value: string): PageCursor | null {
  let text: string;
  try {
    text = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(text);
  return match ? { at: Number(match[1]), id: match[2]! } : null;
}
