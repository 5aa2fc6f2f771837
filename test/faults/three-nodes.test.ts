/**
 * Issue 7, R31/R12/R18/R26: three real `threadline serve` nodes (a, b, c) on one PostgreSQL
 * schema, ten paced uploads on each, every thread watched over SSE from another node than the one
 * writing it, so each event reaches its viewer through LISTEN/NOTIFY and the log. Mid-stream, B's
 * LISTEN connection is terminated while streams of A and C finish; then A is killed -9. Real time:
 * every wait polls for its condition within a bound, and the figures are printed.
 */
import pg from "pg";
import { describe, expect, it, onTestFinished } from "vitest";
import { NODE_LOST_REASON } from "../../src/protocol/events.js";
import { PATHS } from "../../src/protocol/http.js";
import { channelFor, listenApplicationName } from "../../src/store/postgres/postgres-notify.js";
import { waitFor } from "../inbound/support.js";
import { BACKENDS } from "../support/backends.js";
import { DATABASE_URL } from "../support/database-url.js";
import { logOf, textOf } from "../support/helpers.js";
import { type ServeProcess, startServe } from "../support/serve-process.js";
import {
  abortReason,
  charactersLost,
  checkLog,
  printFigures,
  sum,
  WORKSPACE,
  withBound,
  withStore,
} from "./checks.js";
import {
  CHARS_PER_SECOND,
  createThreads,
  DELTA_CHARS,
  fetchMessage,
  PacedUpload,
  streamText,
  Viewer,
} from "./load.js";

const NODE_IDS = ["a", "b", "c"] as const;
type NodeId = (typeof NODE_IDS)[number];
const STREAMS_PER_NODE = 10;
/**
 * PostgreSQL node timing, the defaults spelled out (`serve --heartbeat-ms --node-timeout-ms`):
 * a node silent for the timeout is dead, and the others look every heartbeat (R31).
 */
const HEARTBEAT_MS = 2_000;
const NODE_TIMEOUT_MS = 8_000;
/**
 * R31: a dead node's streaming messages are finalized by another node within timeout + heartbeat
 * of the kill (10 s by default); plus 4 s for the takeover's own commit and the last poll on a
 * loaded 2-core machine.
 */
const TAKEOVER_BOUND_MS = NODE_TIMEOUT_MS + HEARTBEAT_MS + 4_000;
/** How long B's viewers may take to show what was committed in its LISTEN gap, once it is back. */
const CATCH_UP_BOUND_MS = 5_000;

/** One thread: the node streaming its message and the node its viewer watches it from. */
interface StreamPlan {
  threadId: string;
  messageId: string;
  writer: NodeId;
  watcher: NodeId;
}

/** A planned thread with its viewer (on `watcher`) and its paced upload (to `writer`). */
interface Stream extends StreamPlan {
  viewer: Viewer;
  upload: PacedUpload;
}

describe("three nodes on one PostgreSQL schema (issue 7)", () => {
  it("R31, R12: B's viewers miss nothing across a cut LISTEN connection, streams finished inside the gap included; after kill -9 of A another node aborts A's streams within the bound, while B's and C's streams complete, never swept", async () => {
    await threeNodes();
  }, 90_000);
});

/**
 * The whole scenario: start three nodes, stream on each, cut B's LISTEN connection while streams
 * of A and C finish, kill A, finish B's and C's streams, then check the messages, what every
 * viewer saw against the logs, and each node's metrics, and print the figures.
 */
async function threeNodes() {
  const postgres = BACKENDS.find((b) => b.name === "postgres")!;
  const database = await postgres.freshDatabase({ shared: true });
  const schema = new URL(database).searchParams.get("schema")!;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  onTestFinished(() => admin.end());
  const [a, b, c] = await Promise.all(NODE_IDS.map((id) => startNode(database, id)));
  const nodes: Record<NodeId, ServeProcess> = { a: a!, b: b!, c: c! };

  const planned = plan();
  await createThreads(
    nodes.a.url,
    planned.map((p) => p.threadId),
  );
  const watched = planned.map((p) => ({
    ...p,
    viewer: new Viewer(nodes[p.watcher].url, p.threadId),
  }));
  await withBound(Promise.all(watched.map((s) => s.viewer.ready)), 15_000, "every snapshot");
  const streams: Stream[] = watched.map((s, i) => ({
    ...s,
    upload: new PacedUpload(nodes[s.writer].url, s.threadId, s.messageId, streamText(i)),
  }));
  await waitFor(
    async () => {
      if (!streams.every((s) => s.upload.sent.length >= CHARS_PER_SECOND)) return false;
      const rows = await messageRows(admin, schema, streams);
      return streams.every((s) => rows.get(s.messageId)?.status === "streaming");
    },
    "every upload to stream for a second, stored streaming",
    20_000,
  );

  // 1. Cut B's LISTEN connection; streams of A and C that B's viewers watch finish in the gap.
  const inGap = streams.filter(
    (s) => s.watcher === "b" && ["a0", "a2", "a4", "c0", "c1", "c2"].includes(s.threadId),
  );
  const gap = await cutListenWhileFinishing(nodes.b, "b", admin, schema, inGap);
  await waitFor(
    () => inGap.every((s) => s.viewer.finished.has(s.messageId)),
    `B's viewers to show ${inGap.map((s) => s.messageId).join(", ")} finished (R12)`,
    Math.max(0, gap.restoredAt + CATCH_UP_BOUND_MS - Date.now()),
  );
  const caughtUpMs = Date.now() - gap.restoredAt;

  // 2. kill -9 A mid-stream: B or C aborts every message A was still streaming (R31).
  const interrupted = streams.filter((s) => s.writer === "a" && !inGap.includes(s));
  const survivors = streams.filter((s) => s.writer !== "a" && !inGap.includes(s));
  for (const s of interrupted) s.upload.halt();
  const killedAt = Date.now();
  expect((await nodes.a.kill()).signal).toBe("SIGKILL");
  for (const s of interrupted) s.upload.end();
  let rows = new Map<string, MessageRow>();
  await waitFor(
    async () => {
      rows = await messageRows(admin, schema, interrupted);
      return interrupted.every((s) => rows.get(s.messageId)?.status === "aborted");
    },
    `every message of A aborted within ${TAKEOVER_BOUND_MS} ms of the kill (R31)`,
    Math.max(0, killedAt + TAKEOVER_BOUND_MS - Date.now()),
  );
  const takeoverMs = Date.now() - killedAt;
  // R18: the survivors' own streams were not swept along; each still streams under its node.
  rows = await messageRows(admin, schema, survivors);
  expect(survivors.filter((s) => rows.get(s.messageId)?.status !== "streaming")).toEqual([]);
  expect(survivors.filter((s) => rows.get(s.messageId)?.leaseOwner !== s.writer)).toEqual([]);

  // 3. B's and C's streams finish normally, with exactly the text their producers sent.
  for (const s of survivors) s.upload.finish();
  for (const s of survivors) {
    const outcome = await withBound(s.upload.outcome, 15_000, `${s.messageId} to complete`);
    expect(outcome.kind, s.messageId).toBe("answered");
    const stored = await fetchMessage(nodes[s.writer].url, s.messageId);
    expect(stored.message?.status, s.messageId).toBe("completed");
    expect(textOf(stored.message!) === s.upload.sent, `${s.messageId} text`).toBe(true);
  }

  // 4. Every viewer on B and C saw its thread's log exactly: every seq once, in order (R11, R12).
  const logs = await withStore(database, (store) =>
    Promise.all(streams.map((s) => logOf(store, WORKSPACE, s.threadId))),
  );
  await waitFor(
    () => streams.every((s, i) => s.viewer.lastSeq === logs[i]?.at(-1)?.seq),
    "every viewer to reach the end of its thread's log",
    10_000,
  );
  const viewerProblems = streams.flatMap((s, i) => s.viewer.compareWith(logs[i] ?? []));
  const metrics = {
    b: await nodeMetrics(nodes.b.url),
    c: await nodeMetrics(nodes.c.url),
  };
  for (const s of streams) s.viewer.close();
  expect((await nodes.b.stop("SIGTERM")).code).toBe(0);
  expect((await nodes.c.stop("SIGTERM")).code).toBe(0);

  const checks = await withStore(database, (store) =>
    Promise.all(streams.map((s) => checkLog(store, s.threadId))),
  );
  const finishedOf = (s: Stream) => checks[streams.indexOf(s)]?.finished.get(s.messageId);
  const abortCommittedMs = Math.max(
    ...interrupted.map((s) => (finishedOf(s)?.createdAt ?? Number.NaN) - killedAt),
  );
  const finals = await withStore(database, (store) =>
    Promise.all(interrupted.map((s) => store.getMessage(WORKSPACE, s.messageId))),
  );
  const lost = interrupted.map((s, i) => charactersLost(s.upload.sent, finals[i]!));
  const events = streams.map((s) => s.viewer.received.length);

  printFigures("three nodes on one PostgreSQL schema", {
    "nodes / streams (per node) / viewers on b, c": `3 / ${streams.length} (${STREAMS_PER_NODE}) / ${streams.filter((s) => s.watcher === "b").length}, ${streams.filter((s) => s.watcher === "c").length}`,
    "rate per stream": `${CHARS_PER_SECOND} chars/s, ${DELTA_CHARS} chars per text-delta`,
    "B's LISTEN gap: cut → restored": `${gap.restoredAt - gap.cutAt} ms (B paused ${gap.resumedAt - gap.cutAt} ms; B's own measure ${gap.measuredMs} ms)`,
    "streams finished inside the gap": `${inGap.length} (${inGap.map((s) => s.threadId).join(", ")})`,
    "their message.finished on B's viewers": `${caughtUpMs} ms after the reconnect (bound ${CATCH_UP_BOUND_MS} ms)`,
    "kill -9 A → all its streams aborted": `${takeoverMs} ms polled, last abort committed at ${abortCommittedMs} ms (bound ${TAKEOVER_BOUND_MS} ms)`,
    "A's streams aborted / taken over by": `${interrupted.length} / b: ${metrics.b.nodesLost} node(s) ${metrics.b.orphans} msgs, c: ${metrics.c.nodesLost} node(s) ${metrics.c.orphans} msgs`,
    "chars A's streams lost (max)": Math.max(...lost.map((l) => l ?? Number.POSITIVE_INFINITY)),
    "B's and C's streams completed / swept": `${survivors.length} / ${metrics.b.swept + metrics.c.swept}`,
    "events per viewer (min–max) / total": `${Math.min(...events)}–${Math.max(...events)} / ${sum(events)}`,
    "viewer seq gaps, duplicates, missing": viewerProblems.length,
    "broker drops on b / c (then caught up)": `${metrics.b.drops} / ${metrics.c.drops}`,
    "log events checked": sum(checks.map((l) => l.events)),
  });

  expect(viewerProblems).toEqual([]);
  expect(
    streams.filter((s) => !s.viewer.finished.has(s.messageId)).map((s) => s.messageId),
  ).toEqual([]);
  expect(checks.flatMap((l) => l.problems)).toEqual([]);
  expect(checks.map((l) => l.finished.size)).toEqual(streams.map(() => 1));
  for (const s of inGap) {
    const finished = finishedOf(s);
    expect(finished?.data.message.status, s.messageId).toBe("completed");
    // Committed after the cut, before B could listen again: inside the gap.
    expect(finished!.createdAt).toBeGreaterThanOrEqual(gap.cutAt);
    expect(finished!.createdAt).toBeLessThanOrEqual(gap.resumedAt);
  }
  for (const s of interrupted)
    expect(abortReason(finishedOf(s)), s.messageId).toBe(NODE_LOST_REASON);
  expect(
    lost.every((l) => l !== undefined),
    "A's stored texts are prefixes of what was sent",
  ).toBe(true);
  expect(metrics.b.reconnects).toBe(1);
  expect(metrics.c.reconnects).toBe(0);
  expect(metrics.b.nodesLost + metrics.c.nodesLost).toBe(1);
  expect(metrics.b.orphans + metrics.c.orphans).toBe(interrupted.length);
  expect(metrics.b.swept + metrics.c.swept).toBe(0);
  expect(metrics.b.heartbeatLost + metrics.c.heartbeatLost).toBe(0);
}

/** Starts node `id` of the scenario: `serve --node-id ID` with the default node timing. */
function startNode(database: string, id: NodeId): Promise<ServeProcess> {
  return startServe({
    database,
    args: [
      "--node-id",
      id,
      "--heartbeat-ms",
      `${HEARTBEAT_MS}`,
      "--node-timeout-ms",
      `${NODE_TIMEOUT_MS}`,
    ],
  });
}

/**
 * The threads `a0`…`c9`, each streamed on the node its name starts with and watched from another:
 * A's by B (even) or C (odd), B's by C, C's by B. Uploads and viewers are attached later.
 */
function plan(): StreamPlan[] {
  const watcherOf = (writer: NodeId, i: number): NodeId =>
    writer === "a" ? (i % 2 === 0 ? "b" : "c") : writer === "b" ? "c" : "b";
  return NODE_IDS.flatMap((writer) =>
    Array.from({ length: STREAMS_PER_NODE }, (_, i) => {
      const threadId = `${writer}${i}`;
      return { threadId, messageId: `${threadId}-m`, writer, watcher: watcherOf(writer, i) };
    }),
  );
}

/** When B's LISTEN connection was cut, when B ran again, and when it listened again. */
interface ListenGap {
  cutAt: number;
  resumedAt: number;
  restoredAt: number;
  /** The gap B itself measured (`threadline_listen_gap_seconds_total`), in ms. */
  measuredMs: number;
}

/**
 * Terminates the LISTEN connection of `node` (node id `nodeId`: `pg_terminate_backend`, picked by
 * its application name and the schema's channel) and has `finishing` streams finish inside the gap. On its own a node reconnects
 * ~100 ms after it notices, too soon for a stream to be finished inside the gap whatever the
 * scheduling; so the node is paused (SIGSTOP) from just before the cut until those messages are
 * committed `completed`, then resumed: it notices the loss, reconnects and must have its viewers
 * catch up from the log (R12), as after any outage. Resolves once the node listens again.
 */
async function cutListenWhileFinishing(
  node: ServeProcess,
  nodeId: NodeId,
  admin: pg.Client,
  schema: string,
  finishing: readonly Stream[],
): Promise<ListenGap> {
  node.child.kill("SIGSTOP");
  const cutAt = Date.now();
  let resumedAt: number;
  try {
    expect(await terminateListen(admin, nodeId, channelFor(schema))).toBe(1);
    for (const s of finishing) s.upload.finish();
    for (const s of finishing) {
      const outcome = await withBound(s.upload.outcome, 10_000, `${s.messageId} to complete`);
      expect(outcome.kind, s.messageId).toBe("answered");
    }
    const rows = await messageRows(admin, schema, finishing);
    expect(finishing.map((s) => rows.get(s.messageId)?.status)).toEqual(
      finishing.map(() => "completed"),
    );
  } finally {
    resumedAt = Date.now();
    node.child.kill("SIGCONT");
  }
  let restoredAt = 0;
  await waitFor(
    async () => {
      restoredAt = Date.now();
      return (await metric(node.url, "threadline_listen_reconnects_total")) >= 1;
    },
    `node ${nodeId} to listen again`,
    10_000,
  );
  const measuredMs = (await metric(node.url, "threadline_listen_gap_seconds_total")) * 1_000;
  return { cutAt, resumedAt, restoredAt, measuredMs: Math.round(measuredMs) };
}

/**
 * Ends node `nodeId`'s LISTEN connection on `channel` (its application name is
 * `threadline:<nodeId>:listen`) and answers how many backends were terminated.
 */
async function terminateListen(admin: pg.Client, nodeId: string, channel: string) {
  const { rows } = await admin.query<{ ended: boolean }>(
    `select pg_terminate_backend(pid) as ended from pg_stat_activity
     where application_name = $1 and query ilike 'listen %' and query like $2
       and pid <> pg_backend_pid()`,
    [listenApplicationName(nodeId), `%${channel}%`],
  );
  return rows.filter((row) => row.ended).length;
}

/** A message's status and writer lease owner (its node id while streaming, R18). */
interface MessageRow {
  status: string;
  leaseOwner: string | null;
}

/** The {@link MessageRow} of each stream's message, read from the database by message id. */
async function messageRows(
  admin: pg.Client,
  schema: string,
  streams: readonly StreamPlan[],
): Promise<Map<string, MessageRow>> {
  const { rows } = await admin.query<{ id: string; status: string; lease_owner: string | null }>(
    `select id, status, lease_owner from "${schema}".messages where id = any($1)`,
    [streams.map((s) => s.messageId)],
  );
  return new Map(rows.map((r) => [r.id, { status: r.status, leaseOwner: r.lease_owner }]));
}

/** The sum of every series of a counter in a node's `/metrics` (labels ignored). */
async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}${PATHS.metrics}`)).text();
  const series = text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"));
  return sum([...series].map((match) => Number(match[1])));
}

/** What the scenario checks of a surviving node's `/metrics` (R12, R18, R31). */
async function nodeMetrics(baseUrl: string) {
  return {
    reconnects: await metric(baseUrl, "threadline_listen_reconnects_total"),
    nodesLost: await metric(baseUrl, "threadline_nodes_lost_total"),
    orphans: await metric(baseUrl, "threadline_node_orphans_finalized_total"),
    swept: await metric(baseUrl, "threadline_sweep_finalized_messages_total"),
    heartbeatLost: await metric(baseUrl, "threadline_heartbeat_lost_total"),
    drops: await metric(baseUrl, "threadline_broker_dropped_events_total"),
  };
}
