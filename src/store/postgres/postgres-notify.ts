import { type Kysely, sql, type Transaction } from "kysely";
import pg from "pg";
import { retryDelayMs } from "../../inbound/retry-delay.js";
import type { Database } from "../schema.js";
import type { RemoteCommit, RemoteHandlers, StopRequest } from "../store.js";
import { type PostgresSettings, poolConfig } from "./postgres-dialect.js";

/** The NOTIFY channel for a schema: nodes sharing a schema share a channel. */
export function channelFor(schema: string | undefined): string {
  return `threadline_commits_${schema ?? "public"}`;
}

/**
 * Queues one `pg_notify` per thread inside the writing transaction (R26). PostgreSQL delivers a
 * notification only when its transaction commits, so a listener never hears of an uncommitted
 * event (R10). The payload carries only `(workspace, thread, seq)` and the sender's node id.
 */
export async function announceCommits(
  trx: Transaction<Database>,
  channel: string,
  nodeId: string,
  commits: readonly RemoteCommit[],
): Promise<void> {
  if (commits.length === 0) return;
  const payloads = commits.map((c) =>
    JSON.stringify({
      n: nodeId,
      w: c.workspaceId,
      t: c.threadId,
      s: c.seq,
      ...(c.deleted ? { d: 1 } : {}),
    }),
  );
  await sql`select pg_notify(${channel}, p) from unnest(cast(${payloads} as text[])) as p`.execute(
    trx,
  );
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
      const announcement = parsePayload(message.payload);
      if (!announcement || announcement.nodeId === nodeId) return;
      if (announcement.kind === "stop") handlers.onStop(announcement.request);
      else handlers.onCommit(announcement.commit);
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

function parsePayload(payload: string): Announcement | undefined {
  try {
    const p = JSON.parse(payload) as {
      k?: "stop";
      n: string;
      w: string;
      t: string;
      s: number;
      m: string;
      d?: 1;
    };
    if (p.k === "stop") {
      return {
        kind: "stop",
        nodeId: p.n,
        request: { workspaceId: p.w, threadId: p.t, messageId: p.m },
      };
    }
    return {
      kind: "commit",
      nodeId: p.n,
      commit: { workspaceId: p.w, threadId: p.t, seq: p.s, ...(p.d ? { deleted: true } : {}) },
    };
  } catch {
    return undefined;
  }
}
