import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import type { Snapshot } from "../snapshot/types";
import { diffSnapshots, liveView, type LiveMessage } from "./messages";
import { decodeSnapshot, encodeSnapshot, encodeWhole } from "../snapshot/codec";

// SQLite-backed values are capped at 2 MB; a year of incidents can exceed that, so the snapshot is chunked.
const CHUNK_CHARS = 512 * 1024;
/** Messages kept for clients that reconnect and ask to catch up from a sequence number. */
const REPLAY_LIMIT = 500;
/** Largest catch-up a client gets as a replay; past it, a fresh snapshot (bounded by what is open) is cheaper. */
const REPLAY_MAX_BYTES = 64 * 1024;
/** A socket may ask to catch up (`resume`) this often; the page needs it only after a gap. */
const RESUME_INTERVAL_MS = 5_000;
/** Open sockets per client (an IPv4 address or an IPv6 /64): enough for an office behind NAT, few for a flood. */
export const MAX_SOCKETS_PER_CLIENT = 200;
/** The header the worker sets with the client's key; the hub is reachable only through the worker. */
export const CLIENT_KEY_HEADER = "x-beacon-client";
/** Largest message a client may send; anything bigger closes its socket. */
const MAX_CLIENT_MESSAGE_BYTES = 1024;
/** Messages (other than "ping") a client may send per window before its socket is closed. */
const MAX_CLIENT_MESSAGES_PER_WINDOW = 20;
const CLIENT_WINDOW_MS = 10_000;

/**
 * The text cut in pieces of at most CHUNK_CHARS, never between the two halves of a character outside the BMP
 * (an emoji): SQLite stores text as UTF-8, where half a pair becomes U+FFFD and the character is lost.
 */
function chunksOf(text: string): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + CHUNK_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/** A text's size on the wire; one longer in characters than `limit` is over it whatever it holds, and not encoded. */
function utf8Bytes(text: string, limit: number): number {
  return text.length > limit ? text.length : new TextEncoder().encode(text).byteLength;
}

/** Whether a message fits in a replay at all (counted in UTF-8 bytes, as a socket carries it). */
const replayable = (body: string) => utf8Bytes(body, REPLAY_MAX_BYTES) <= REPLAY_MAX_BYTES;

/**
 * The sequence number of a client's `{"type":"resume","since":N}`, its only message the hub acts on (at most
 * every few seconds); null for anything else, whatever JSON (or not) it is.
 */
function resumeSince(message: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { type, since } = parsed as { type?: unknown; since?: unknown };
  return type === "resume" && typeof since === "number" && Number.isFinite(since) ? since : null;
}

interface ClientAttachment {
  connectedAt?: number;
  windowStart?: number;
  messages?: number;
  lastCatchUp?: number;
}

/**
 * One per page. Holds the last-known-good snapshot where a D1 outage cannot reach it, and fans every change
 * out to browsers over hibernating WebSockets (no timers, so an idle hub costs nothing).
 */
export class StatusHub extends DurableObject<Bindings> {
  // Strings only: a parsed snapshot is tens of thousands of objects for the collector to walk on every
  // cycle, and all a read or a new socket needs is text. The stored JSON is parsed when a publish diffs it.
  private snapshotJson: string | null = null;
  /** What a new socket is sent first, rendered once per version: `{version, data}` of liveView. */
  private liveViewJson: { version: number; data: string } | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS snapshot_chunks (idx INTEGER PRIMARY KEY, data TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);`,
    );
  }

  private meta(key: string): number {
    const row = this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row?.value ?? 0;
  }

  private setMeta(key: string, value: number) {
    this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** The stored snapshot as isolates read it: lines (see codec.ts), made once from the stored one-line form. */
  private loadSnapshotJson(): string | null {
    if (this.snapshotJson === null) {
      const rows = this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM snapshot_chunks ORDER BY idx").toArray();
      const stored = rows.length ? rows.map((r) => r.data).join("") : null;
      this.snapshotJson = stored === null || stored.includes("\n") ? stored : encodeSnapshot(decodeSnapshot(stored));
    }
    return this.snapshotJson;
  }

  private loadSnapshot(): Snapshot | null {
    const json = this.loadSnapshotJson();
    return json ? decodeSnapshot(json) : null;
  }

  /**
   * The stored snapshot, or undefined when a release that wrote another form stored it: it is forgotten (the
   * next publish writes over it) and logged with what happens meanwhile.
   */
  private readStoredSnapshot(meanwhile: string): Snapshot | null | undefined {
    try {
      return this.loadSnapshot();
    } catch (err) {
      console.error(`stored snapshot unreadable; ${meanwhile}`, err);
      this.snapshotJson = null;
      return undefined;
    }
  }

  private loadLiveView(): { version: number; data: string } | null {
    if (!this.liveViewJson) {
      // Unreadable, a socket gets what it would before any publish (no data) rather than a failed upgrade, and
      // the next publish sends it the page. Held until then: pages reconnecting must not parse it again.
      const snapshot = this.readStoredSnapshot("sockets get none until the next publish");
      if (snapshot === undefined) return (this.liveViewJson = { version: 0, data: "null" });
      this.liveViewJson = snapshot ? { version: snapshot.version, data: JSON.stringify(liveView(snapshot)) } : null;
    }
    return this.liveViewJson;
  }

  /** The stored snapshot's version (0: none yet) and its JSON, left out when the caller holds that version. */
  async getSnapshot(knownVersion?: number): Promise<{ version: number; json: string | null }> {
    const version = this.meta("version");
    if (!version || version === knownVersion) return { version, json: null };
    return { version, json: this.loadSnapshotJson() };
  }

  /**
   * Stores a snapshot and broadcasts what changed since the stored one. The hub is where versions are
   * ordered: a snapshot built from an older read of D1 than the stored one (a slower writer) is ignored, so
   * the page never goes back in time; otherwise it gets a version above the stored one.
   */
  async publish(json: string): Promise<{ accepted: boolean; version: number; messages: LiveMessage[] }> {
    const next = decodeSnapshot(json);
    const current = this.meta("version");
    if (next.generated_at < this.meta("generated_at")) return { accepted: false, version: current, messages: [] };
    next.version = Math.max(next.generated_at, current + 1);
    json = encodeSnapshot(next);
    // Stored whole, in the form every release reads: rolling back to an earlier one keeps the page up.
    const stored = encodeWhole(next);
    // Unreadable, it is published over (the live diff starts afresh) rather than refusing every publish.
    const prev = this.readStoredSnapshot("publishing over it") ?? null;
    const changes = diffSnapshots(prev, next);

    let seq = this.meta("seq");
    const messages: LiveMessage[] = changes.map((change) => ({ ...change, seq: ++seq, version: next.version, at: next.generated_at }));
    const bodies = messages.map((m) => JSON.stringify(m));
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("DELETE FROM snapshot_chunks");
      chunksOf(stored).forEach((chunk, i) => sql.exec("INSERT INTO snapshot_chunks (idx, data) VALUES (?, ?)", i, chunk));
      // A message no replay could carry is kept as an empty mark of its place: a value over 2 MB (a minute's
      // response times of a few thousand monitors) would fail the whole publish, and a catch-up over it is a
      // fresh snapshot either way.
      messages.forEach((m, i) => sql.exec("INSERT INTO messages (seq, body) VALUES (?, ?)", m.seq, replayable(bodies[i]!) ? bodies[i]! : ""));
      sql.exec("DELETE FROM messages WHERE seq <= ?", seq - REPLAY_LIMIT);
      this.setMeta("version", next.version);
      this.setMeta("generated_at", next.generated_at);
      this.setMeta("seq", seq);
    });
    this.snapshotJson = json;
    this.liveViewJson = { version: next.version, data: JSON.stringify(liveView(next)) };

    // Nothing to tell changes from (the first publish, or one over a form this release cannot read): the open
    // sockets, which got no data on connect, get the page as a new one would.
    if (!prev) this.broadcast(this.snapshotMessage());
    for (const body of bodies) this.broadcast(body);
    return { accepted: true, version: next.version, messages };
  }

  private broadcast(body: string) {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(body);
      } catch {
        // A broken socket must not stop delivery to the others; the runtime closes it.
      }
    }
  }

  /** WebSocket upgrade. `?since=N` replays what the client missed, or sends a fresh snapshot if too old. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(JSON.stringify({ error: { code: "upgrade_required", message: "Expected a WebSocket upgrade" } }), {
        status: 426,
        headers: { "content-type": "application/json" },
      });
    }
    const clientKey = request.headers.get(CLIENT_KEY_HEADER);
    const clientTag = clientKey ? `client:${clientKey}`.slice(0, 256) : null;
    if (clientTag && this.ctx.getWebSockets(clientTag).length >= MAX_SOCKETS_PER_CLIENT) {
      return new Response(JSON.stringify({ error: { code: "rate_limited", message: "Too many open live sockets from this address" } }), {
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "60" },
      });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, clientTag ? ["live", clientTag] : ["live"]);
    server.serializeAttachment({ connectedAt: Date.now() } satisfies ClientAttachment);

    const since = Number(new URL(request.url).searchParams.get("since"));
    this.sendCatchUp(server, Number.isInteger(since) && since > 0 ? since : null);
    return new Response(null, { status: 101, webSocket: client });
  }

  private sendCatchUp(ws: WebSocket, since: number | null) {
    const seq = this.meta("seq");
    if (since !== null && since <= seq) {
      const rows = this.ctx.storage.sql
        .exec<{ seq: number; body: string; bytes: number }>(
          "SELECT seq, body, CASE body WHEN '' THEN ? ELSE length(CAST(body AS BLOB)) END AS bytes FROM messages WHERE seq > ? ORDER BY seq",
          REPLAY_MAX_BYTES + 1,
          since,
        )
        .toArray();
      // Replay only when nothing in between was pruned and it stays small (in the UTF-8 bytes a socket
      // carries, not in characters); otherwise a fresh snapshot.
      const bytes = rows.reduce((sum, row) => sum + row.bytes, 0);
      if (rows.length === seq - since && bytes <= REPLAY_MAX_BYTES) {
        for (const row of rows) ws.send(row.body);
        return;
      }
    }
    ws.send(this.snapshotMessage());
  }

  /** Spliced from the text rendered once per version, not serialized again for every socket. */
  private snapshotMessage(): string {
    const view = this.loadLiveView();
    return `{"type":"snapshot","seq":${this.meta("seq")},"version":${view?.version ?? 0},"at":${Date.now()},"data":${view?.data ?? "null"}}`;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    const size = typeof message === "string" ? utf8Bytes(message, MAX_CLIENT_MESSAGE_BYTES) : message.byteLength;
    if (size > MAX_CLIENT_MESSAGE_BYTES) {
      ws.close(1009, "Message too large");
      return;
    }
    // "ping" never gets here (the runtime answers it); anything else costs the hub work, so a client that
    // floods it (a resume replays up to REPLAY_LIMIT messages) is disconnected.
    const now = Date.now();
    const seen = (ws.deserializeAttachment() ?? {}) as ClientAttachment;
    const window = seen.windowStart !== undefined && now - seen.windowStart < CLIENT_WINDOW_MS ? seen : { ...seen, windowStart: now, messages: 0 };
    window.messages = (window.messages ?? 0) + 1;
    ws.serializeAttachment(window);
    if (window.messages > MAX_CLIENT_MESSAGES_PER_WINDOW) {
      ws.close(1008, "Too many messages");
      return;
    }
    if (typeof message !== "string") return;
    const since = resumeSince(message);
    if (since === null) return; // Anything else from a client is ignored.
    if (window.lastCatchUp !== undefined && now - window.lastCatchUp < RESUME_INTERVAL_MS) {
      ws.close(1008, "Too many resumes");
      return;
    }
    window.lastCatchUp = now;
    ws.serializeAttachment(window);
    this.sendCatchUp(ws, since);
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket) {
    try {
      ws.close(1011, "error");
    } catch {
      // already closed
    }
  }
}

export function statusHub(env: Bindings) {
  return env.STATUS_HUB.get(env.STATUS_HUB.idFromName("page"));
}
