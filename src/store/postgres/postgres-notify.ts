import { type Kysely, sql, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";
import type { RemoteCommit, RemoteHandlers, StopRequest } from "../store.js";
import { type PostgresSettings, poolConfig } from "./postgres-dialect.js";

const RECONNECT_DELAY_MS = 1_000;

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
 * Listens on the channel with a dedicated connection and reports other nodes' commits and stop
 * requests. Reconnects after a lost connection.
 * @returns a function that stops listening.
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

  const connect = async (): Promise<void> => {
    const next = new pg.Client(poolConfig(settings));
    next.on("notification", (message) => {
      if (message.channel !== channel || !message.payload) return;
      const announcement = parsePayload(message.payload);
      if (!announcement || announcement.nodeId === nodeId) return;
      if (announcement.kind === "stop") handlers.onStop(announcement.request);
      else handlers.onCommit(announcement.commit);
    });
    next.on("error", () => scheduleReconnect());
    await next.connect();
    await next.query(`listen "${channel}"`);
    client = next;
  };
  const scheduleReconnect = () => {
    if (stopped || retry) return;
    client?.end().catch(() => {});
    client = undefined;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch(() => scheduleReconnect());
    }, RECONNECT_DELAY_MS);
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
