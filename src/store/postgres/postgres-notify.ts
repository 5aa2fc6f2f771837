import { type Kysely, sql, type Transaction } from "kysely";
import pg from "pg";
import { retryDelayMs } from "../../inbound/retry-delay.js";
import { executePipelined } from "../queries/batch.js";
import type { Database } from "../schema.js";
import type { RemoteCommit, RemoteHandlers, StopRequest } from "../store.js";
import { textColumn } from "./delimited-columns.js";
import { type PostgresSettings, poolConfig } from "./postgres-dialect.js";

/** The NOTIFY channel for a schema: nodes sharing a schema share a channel. */
export function channelFor(schema: string | undefined): string {
  return `threadline_commits_${schema ?? "public"}`;
}

/** Payload bytes per notification, under PostgreSQL's 8 000-byte limit. */
const MAX_PAYLOAD_CHARS = 7_000;

/**
 * Queues the commit's announcements inside the writing transaction (R26): `(workspace, thread,
 * seq)` per thread and the sender's node id, packed into as few `pg_notify` payloads as fit
 * (`{"n":node,"c":[[workspace,thread,seq,deleted?],…]}`, ≤ 7 000 characters each) — a tick of 800
 * threads makes 8 notifications instead of 800 (6.1 → 1.7 ms per commit, and as many fewer
 * messages for every listening node to parse). PostgreSQL delivers a notification only when its
 * transaction commits, so a listener never hears of an uncommitted event (R10).
 */
export async function announceCommits(
  trx: Transaction<Database>,
  channel: string,
  nodeId: string,
  commits: readonly RemoteCommit[],
): Promise<void> {
  if (commits.length === 0) return;
  const head = commitPayloadHead(nodeId);
  const payloads: string[] = [];
  let entries: string[] = [];
  let length = head.length;
  for (const c of commits) {
    const entry = JSON.stringify([c.workspaceId, c.threadId, c.seq, ...(c.deleted ? [1] : [])]);
    if (entries.length > 0 && length + entry.length + 3 > MAX_PAYLOAD_CHARS) {
      payloads.push(`${head}${entries.join(",")}]}`);
      entries = [];
      length = head.length;
    }
    entries.push(entry);
    length += entry.length + 1;
  }
  payloads.push(`${head}${entries.join(",")}]}`);
  // Pipelined: sent with the transaction's last writes, waited for with its COMMIT. One delimited
  // text, not an array parameter whose every quote pg would escape (delimited-columns.ts).
  await executePipelined(trx, [
    sql`select pg_notify(${channel}, p) from unnest(${textColumn(payloads).sql}) as p`.compile(trx),
  ]);
}

/**
 * How every commit announcement of `nodeId` begins: its listener skips its own without parsing
 * them (a busy node hears its own ~30 notifications of up to 7 000 characters a second).
 */
function commitPayloadHead(nodeId: string): string {
  return `{"n":${JSON.stringify(nodeId)},"c":[`;
}

/**
 * Sends a stop request on the channel (R28), outside any transaction: every node hears it, the one
 * holding the message's writer lease acts on it. The payload carries only ids, like a commit's.
 */
export async function announceStop(
  db: Kysely<Database>,
  channel: string,
  nodeId: string,
  request: StopRequest,
): Promise<void> {
  const payload = JSON.stringify({
    k: "stop",
    n: nodeId,
    w: request.workspaceId,
    t: request.threadId,
    m: request.messageId,
  });
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}

/**
 * The `application_name` of a node's LISTEN connection, `threadline:<nodeId>:listen` (PostgreSQL
 * keeps its first 63 bytes), as `pg_stat_activity` shows it.
 * @example
 * ```ts
 * listenApplicationName("node-1"); // "threadline:node-1:listen"
 * ```
 */
export function listenApplicationName(nodeId: string): string {
  return `threadline:${nodeId}:listen`;
}

/** First delay before reconnecting a lost LISTEN connection; doubles per failed attempt (R12). */
const RECONNECT_INITIAL_MS = 100;
/** Longest delay between reconnect attempts; a success resets the delay to the first one. */
const RECONNECT_MAX_MS = 5_000;

/**
 * Listens on the channel with a dedicated connection and reports other nodes' commits and stop
 * requests (R26). The connection is supervised: when it is lost (an error, the server ending it,
 * `pg_terminate_backend`) it is reconnected with backoff (100 ms doubling to 5 s, reset after a
 * success), and `onListenRestored` is called once `LISTEN` is active again, so the caller has
 * every subscriber catch up from the log (R12): a commit inside the gap is read from the log, one
 * after it is notified. A stop request (R28) sent inside the gap is not in any log and is lost;
 * the stopping node then times out with `stopped: false` and its caller may retry.
 * @returns a function that stops listening.
 * @throws the connection error when the first connection fails.
 */
export async function listenForCommits(
  settings: PostgresSettings,
  channel: string,
  nodeId: string,
  handlers: RemoteHandlers,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failedAttempts = 0;
  let lostAt: number | undefined;
  const ownCommits = commitPayloadHead(nodeId);

  const connect = async (): Promise<void> => {
    // Named in `pg_stat_activity`, so an operator (or a fault test) can tell each node's LISTEN
    // connection apart from its pool's.
    const next = new pg.Client({
      ...poolConfig(settings),
      application_name: listenApplicationName(nodeId),
    });
    // Only the live connection reports a loss: a failed attempt rejects instead, and a replaced
    // connection's late `error`/`end` events are ignored.
    const lost = (error?: unknown) => {
      if (client === next) onLost(next, error);
    };
    next.on("notification", (message) => {
      if (message.channel !== channel || !message.payload) return;
      if (message.payload.startsWith(ownCommits)) return;
      for (const announcement of parsePayload(message.payload)) {
        if (announcement.nodeId === nodeId) continue;
        if (announcement.kind === "stop") handlers.onStop(announcement.request);
        else handlers.onCommit(announcement.commit);
      }
    });
    next.on("error", lost);
    next.on("end", () => lost());
    try {
      await next.connect();
      await next.query(`listen "${channel}"`);
    } catch (error) {
      next.end().catch(() => {});
      throw error;
    }
    if (stopped) await next.end().catch(() => {});
    else client = next;
  };
  const onLost = (lostClient: pg.Client, error: unknown) => {
    client = undefined;
    lostClient.end().catch(() => {});
    if (stopped) return;
    if (lostAt === undefined) {
      lostAt = Date.now();
      handlers.onListenLost(error);
    }
    scheduleReconnect();
  };
  const scheduleReconnect = () => {
    if (stopped || retry) return;
    const delayMs = retryDelayMs(failedAttempts + 1, RECONNECT_INITIAL_MS, RECONNECT_MAX_MS);
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          if (stopped) return;
          failedAttempts = 0;
          const gapMs = Date.now() - (lostAt ?? Date.now());
          lostAt = undefined;
          handlers.onListenRestored({ gapMs });
        },
        () => {
          failedAttempts += 1;
          scheduleReconnect();
        },
      );
    }, delayMs);
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

type Announcement =
  | { kind: "commit"; nodeId: string; commit: RemoteCommit }
  | { kind: "stop"; nodeId: string; request: StopRequest };

/**
 * The announcements of one notification: a stop request, a packed list of commits
 * (`{"n","c":[[w,t,s,d?],…]}`), or one commit as earlier versions sent it (`{"n","w","t","s","d"}`,
 * so nodes of both versions can share a database during an upgrade). Nothing for a payload that
 * is not one of these.
 */
function parsePayload(payload: string): Announcement[] {
  try {
    const p = JSON.parse(payload) as {
      k?: "stop";
      n: string;
      w: string;
      t: string;
      s: number;
      m: string;
      d?: 1;
      c?: [string, string, number, 1?][];
    };
    if (p.k === "stop") {
      return [
        {
          kind: "stop",
          nodeId: p.n,
          request: { workspaceId: p.w, threadId: p.t, messageId: p.m },
        },
      ];
    }
    if (Array.isArray(p.c)) {
      return p.c.map(([workspaceId, threadId, seq, deleted]) => ({
        kind: "commit",
        nodeId: p.n,
        commit: { workspaceId, threadId, seq, ...(deleted ? { deleted: true } : {}) },
      }));
    }
    return [
      {
        kind: "commit",
        nodeId: p.n,
        commit: { workspaceId: p.w, threadId: p.t, seq: p.s, ...(p.d ? { deleted: true } : {}) },
      },
    ];
  } catch {
    return [];
  }
}
