/**
 * R31 (issue 7 item 2): node heartbeats and takeover on PostgreSQL — a node that stops heartbeating
 * has its streaming messages finalized by another node within `nodeTimeoutMs + heartbeatMs`, never
 * a live node's; both orderings of "the dead node beats again" vs "the takeover"; a restart under
 * the same node id finalizes the previous process's messages at once; SQLite keeps its own rule
 * (every orphan at start, no heartbeat). Every node has its own fake clock, which the test moves;
 * a node "dies" when its clock stops (its timers never fire again, its connections stay open).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { type ServeOptions, serveCommand, serverOptionsOf } from "../../src/cli/commands/serve.js";
import { ManualClock } from "../../src/clock.js";
import { createMetrics } from "../../src/http/metrics.js";
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_NODE_TIMEOUT_MS,
} from "../../src/lifecycle/node-heartbeat.js";
import type { ThreadlineEventMap } from "../../src/observe.js";
import { NODE_LOST_REASON, RESTART_REASON } from "../../src/protocol/events.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { createThreadline, type Threadline } from "../../src/threadline.js";
import type { MessageWriter } from "../../src/writer/message-writer.js";
import { BACKENDS, type Backend, openThreadline } from "../support/backends.js";
import { DATABASE_URL } from "../support/database-url.js";
import { logOf, take, textOf } from "../support/helpers.js";

const T0 = 1_700_000_000_000;
const HEARTBEAT_MS = DEFAULT_HEARTBEAT_MS;
const NODE_TIMEOUT_MS = DEFAULT_NODE_TIMEOUT_MS;
/** Lease sweeps only when a test asks: these tests are about heartbeats, not leases (R18). */
const NO_PERIODIC_SWEEP = 3_600_000;

function backendNamed(name: Backend["name"]): Backend {
  const backend = BACKENDS.find((b) => b.name === name);
  if (!backend) throw new Error(`no backend ${name}`);
  return backend;
}

type NodeEvent = keyof Pick<
  ThreadlineEventMap,
  "lifecycle:node-lost" | "lifecycle:node-restarted" | "lifecycle:heartbeat-lost"
>;

/** One Threadline node on a shared database, with its own clock and its lifecycle events. */
interface TestNode {
  nodeId: string;
  threadline: Threadline;
  clock: ManualClock;
  seen: { name: NodeEvent; payload: ThreadlineEventMap[NodeEvent] }[];
}

async function openNode(
  backend: Backend,
  database: string,
  nodeId: string,
  startAt = T0,
): Promise<TestNode> {
  const clock = new ManualClock(startAt);
  const { threadline } = await openThreadline(backend, {
    database,
    nodeId,
    clock,
    windowMs: 0, // every chunk committed before write() returns: a dead node's text is stored
    sweepIntervalMs: NO_PERIODIC_SWEEP,
  });
  const seen: TestNode["seen"] = [];
  for (const name of [
    "lifecycle:node-lost",
    "lifecycle:node-restarted",
    "lifecycle:heartbeat-lost",
  ] as const) {
    threadline.events.on(name, (payload) => seen.push({ name, payload }));
  }
  return { nodeId, threadline, clock, seen };
}

/** Moves the clocks of `nodes` forward by `ms`, then waits until their beats and commits settle. */
async function step(nodes: readonly TestNode[], ms: number): Promise<void> {
  for (const node of nodes) node.clock.advance(ms);
  await Promise.all(
    nodes.map(async ({ threadline }) => {
      await threadline.nodes.idle();
      await threadline.idle();
    }),
  );
}

/** Opens a writer on `node` streaming `text` into a new message `messageId` of `threadId`. */
async function stream(
  node: TestNode,
  threadId: string,
  messageId: string,
  text: string,
): Promise<MessageWriter> {
  const writer = await node.threadline.writers.open(threadId, { messageId });
  await writer.write({ type: "text-start", id: "t" });
  await writer.write({ type: "text-delta", id: "t", delta: text });
  return writer;
}

async function statusOf(threadline: Threadline, messageId: string, workspace = "default") {
  return (await threadline.workspace(workspace).messages.get(messageId)).status;
}

/** The `message.finished` events of `messageId` in a thread's log. */
async function finishedOf(threadline: Threadline, threadId: string, messageId: string) {
  const log = await logOf(threadline.store, "default", threadId);
  return log.flatMap((e) =>
    e.type === "message.finished" && e.messageId === messageId ? [e.data] : [],
  );
}

/** Reads a subscription until `messageId`'s `message.finished`; fails after `timeoutMs` (a guard). */
async function untilFinished(
  iterator: AsyncIterator<SubscriptionItem>,
  messageId: string,
  timeoutMs = 5_000,
): Promise<SubscriptionItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no message.finished of ${messageId} within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no message.finished of ${messageId}`)), left);
      }),
    ]).finally(() => clearTimeout(timer));
    if (next.done) throw new Error("subscription ended");
    if (next.value.type === "message.finished" && next.value.messageId === messageId) {
      return next.value;
    }
  }
}

function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe("node heartbeats and takeover [postgres]", () => {
  const backend = backendNamed("postgres");

  it("R31: a node that stops heartbeating has its streaming messages finalized aborted by one other node within nodeTimeoutMs + one heartbeat; the live nodes' streams are never touched", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const a = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    const c = await openNode(backend, database, "node-c");
    const metrics = [b, c].map((node) => createMetrics(node.threadline));
    await a.threadline.threads.create({ id: "t1" });
    const viewer = c.threadline.subscribe("t1")[Symbol.asyncIterator]();
    expect((await take(viewer, 1))[0]?.type).toBe("snapshot");
    const a1 = await stream(a, "t1", "a1", "partial from A");
    await a1.write({ type: "tool-input-start", toolCallId: "tc", toolName: "search" });
    const b1 = await stream(b, "t1", "b1", "from B");
    const c1 = await stream(c, "t1", "c1", "from C");
    expect((await c.threadline.nodes.list()).map((n) => n.nodeId)).toEqual([
      "node-a",
      "node-b",
      "node-c",
    ]);

    // A dies: its clock stops, so it never beats (nor renews a lease) again. B and C live on.
    let silentMs = 0;
    while (silentMs <= NODE_TIMEOUT_MS) {
      await step([b, c], HEARTBEAT_MS);
      silentMs += HEARTBEAT_MS;
      if (silentMs <= NODE_TIMEOUT_MS) {
        expect({ silentMs, a1: await statusOf(b.threadline, "a1") }).toEqual({
          silentMs,
          a1: "streaming",
        });
      }
    }
    expect(silentMs).toBe(NODE_TIMEOUT_MS + HEARTBEAT_MS); // the bound: 10 s by default
    const aborted = await b.threadline.messages.get("a1");
    expect(aborted).toMatchObject({ status: "aborted", errorText: NODE_LOST_REASON });
    expect(textOf(aborted)).toBe("partial from A");
    expect(aborted.parts.at(-1)).toMatchObject({ type: "tool-search", state: "output-error" });
    const finished = await finishedOf(b.threadline, "t1", "a1");
    expect(finished).toHaveLength(1);
    expect(finished[0]?.chunks).toEqual([{ type: "abort", reason: NODE_LOST_REASON }]);

    // Exactly one node did the takeover; A's row is gone, the survivors' rows stay.
    const lost = [...b.seen, ...c.seen].filter((e) => e.name === "lifecycle:node-lost");
    expect(lost.map((e) => e.payload)).toEqual([
      { nodeId: "node-a", count: 1, silentMs: NODE_TIMEOUT_MS + HEARTBEAT_MS },
    ]);
    expect((await b.threadline.nodes.list()).map((n) => n.nodeId)).toEqual(["node-b", "node-c"]);
    const scraped = await Promise.all(metrics.map((m) => m.registry.metrics()));
    const total = (series: string) => scraped.reduce((sum, text) => sum + sample(text, series), 0);
    expect(total("threadline_nodes_lost_total")).toBe(1);
    expect(total('threadline_node_orphans_finalized_total{cause="node_lost"}')).toBe(1);

    // A viewer on C saw the end of A's message, whichever node wrote it.
    expect(await untilFinished(viewer, "a1")).toMatchObject({
      data: { message: { status: "aborted" } },
    });

    // B's and C's streams were never touched: they go on and complete.
    expect(await statusOf(b.threadline, "b1")).toBe("streaming");
    expect(await statusOf(b.threadline, "c1")).toBe("streaming");
    await step([b, c], 3 * HEARTBEAT_MS);
    for (const [writer, id, text] of [
      [b1, "b1", "from B"],
      [c1, "c1", "from C"],
    ] as const) {
      await writer.write({ type: "text-delta", id: "t", delta: " and more" });
      await writer.finish();
      const message = await b.threadline.messages.get(id);
      expect({ id, status: message.status, text: textOf(message) }).toEqual({
        id,
        status: "completed",
        text: `${text} and more`,
      });
    }
    expect(await b.threadline.nodes.check()).toEqual([]);
    for (const m of metrics) m.dispose();
  });

  it("R31: takeover first, then the dead node's heartbeat comes back — it rejoins, but what was taken over stays finalized", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const a = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    await a.threadline.threads.create({ id: "t1" });
    const a1 = await stream(a, "t1", "a1", "partial");

    await step([b], NODE_TIMEOUT_MS + HEARTBEAT_MS);
    expect(await statusOf(b.threadline, "a1")).toBe("aborted");
    expect((await b.threadline.nodes.list()).map((n) => n.nodeId)).toEqual(["node-b"]);

    // A was only paused: its clock catches up and it beats, too late.
    await step([a], NODE_TIMEOUT_MS + HEARTBEAT_MS);
    expect(a.seen).toEqual([
      { name: "lifecycle:heartbeat-lost", payload: { nodeId: "node-a", outcome: "rejoined" } },
    ]);
    expect((await b.threadline.nodes.list()).map((n) => n.nodeId)).toEqual(["node-a", "node-b"]);
    expect(await statusOf(b.threadline, "a1")).toBe("aborted");
    // Its writer's late chunks are refused by the R15 guard; the lease renewal touches nothing.
    await expect(a1.write({ type: "text-delta", id: "t", delta: " late" })).rejects.toMatchObject({
      code: "message_finalized",
    });
    await step([a, b], 30_000 / 3); // A's lease renewal comes due again
    const message = await b.threadline.messages.get("a1");
    expect({ status: message.status, text: textOf(message) }).toEqual({
      status: "aborted",
      text: "partial",
    });
    expect(await finishedOf(b.threadline, "t1", "a1")).toHaveLength(1);

    // Alive again, A streams anew, and B never takes it over while it beats.
    const a2 = await stream(a, "t1", "a2", "second");
    for (let i = 0; i < 10; i++) await step([a, b], HEARTBEAT_MS);
    expect(await b.threadline.nodes.check()).toEqual([]);
    expect(await statusOf(b.threadline, "a2")).toBe("streaming");
    await a2.finish();
    expect(await statusOf(b.threadline, "a2")).toBe("completed");
  });

  it("R31: heartbeat first, then the takeover — a takeover whose guard sees a fresh heartbeat changes nothing", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const a = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    await a.threadline.threads.create({ id: "t1" });
    await stream(a, "t1", "a1", "partial");

    // B's look finds A stale (its heartbeat is from T0) …
    const now = T0 + NODE_TIMEOUT_MS + HEARTBEAT_MS;
    const staleBefore = now - NODE_TIMEOUT_MS;
    const [stale] = await b.threadline.store.findStaleNodes(staleBefore, "node-b", 10);
    expect(stale).toMatchObject({ nodeId: "node-a", heartbeatAt: T0 });
    // … then A beats before B's takeover transaction runs.
    await step([a], HEARTBEAT_MS);
    expect(
      await b.threadline.store.takeOverNode(
        stale as NonNullable<typeof stale>,
        staleBefore,
        now,
        100,
      ),
    ).toBeUndefined();
    expect(await statusOf(b.threadline, "a1")).toBe("streaming");
    expect((await b.threadline.nodes.list()).find((n) => n.nodeId === "node-a")).toMatchObject({
      heartbeatAt: T0 + HEARTBEAT_MS,
    });

    // A node that keeps beating is never taken over, however long it streams.
    for (let i = 0; i < 15; i++) await step([a, b], HEARTBEAT_MS);
    expect(b.seen).toEqual([]);
    expect(a.seen).toEqual([]);
    expect(await statusOf(b.threadline, "a1")).toBe("streaming");
  });

  it("R31: a takeover in progress on another node is skipped, neither waited for nor repeated (FOR UPDATE SKIP LOCKED)", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const a = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    await a.threadline.threads.create({ id: "t1" });
    await stream(a, "t1", "a1", "partial");
    const schema = new URL(database).searchParams.get("schema");
    const taker = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await taker.connect();
    try {
      // Another taker holds A's row inside its transaction while A goes silent.
      await taker.query("begin");
      await taker.query("select node_id from nodes where node_id = 'node-a' for update");
      for (let i = 0; i < 6; i++) await step([b], HEARTBEAT_MS); // each look skips A's row
      expect(b.seen).toEqual([]);
      expect(await statusOf(b.threadline, "a1")).toBe("streaming");
      await taker.query("rollback"); // that taker gave up: B takes A over at its next look
      const takeovers = await b.threadline.nodes.check();
      expect(takeovers).toEqual([{ nodeId: "node-a", finalized: 1, silentMs: 6 * HEARTBEAT_MS }]);
      expect(await b.threadline.nodes.check()).toEqual([]);
      expect(await finishedOf(b.threadline, "t1", "a1")).toHaveLength(1);
    } finally {
      await taker.end();
    }
  });

  it("R31: a node restarted under the same node id finalizes at once what its previous process left streaming, and only that", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const first = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    await first.threadline.threads.create({ id: "t1" });
    await first.threadline.workspace("w2").threads.create({ id: "t2" });
    await stream(first, "t1", "a1", "one");
    const other = await first.threadline.workspace("w2").writers.open("t2", { messageId: "a2" });
    await other.write({ type: "text-start", id: "t" });
    await stream(b, "t1", "b1", "from B");
    const [previous] = (await b.threadline.nodes.list()).filter((n) => n.nodeId === "node-a");

    // The process of node-a dies (kill -9) and restarts at once, long before its heartbeat is stale.
    const restarted = await openNode(backend, database, "node-a", T0 + 1_000);
    expect(restarted.threadline.sweptAtStart).toBe(2);
    const one = await restarted.threadline.messages.get("a1");
    expect(one).toMatchObject({ status: "aborted", errorText: RESTART_REASON });
    expect(textOf(one)).toBe("one");
    expect(await statusOf(restarted.threadline, "a2", "w2")).toBe("aborted");
    expect((await finishedOf(restarted.threadline, "t1", "a1"))[0]?.chunks).toEqual([
      { type: "abort", reason: RESTART_REASON },
    ]);
    expect(await statusOf(restarted.threadline, "b1")).toBe("streaming");
    const [current] = (await b.threadline.nodes.list()).filter((n) => n.nodeId === "node-a");
    expect(current).toMatchObject({ startedAt: T0 + 1_000, heartbeatAt: T0 + 1_000 });
    expect(current?.incarnation).not.toBe(previous?.incarnation);

    // The previous process's row cannot be removed any more, nor beaten: the new one owns it.
    if (!previous) throw new Error("node-a was not registered");
    expect(await b.threadline.store.removeNode(previous)).toBe(false);
    expect(await b.threadline.store.beatHeartbeat(previous, T0 + 2_000)).toBe("superseded");
    expect((await b.threadline.nodes.list()).find((n) => n.nodeId === "node-a")).toEqual(current);
    // And B, later, never takes the new process over while it beats.
    for (let i = 0; i < 6; i++) await step([restarted, b], HEARTBEAT_MS);
    expect(b.seen).toEqual([]);
    const fresh = await stream(restarted, "t1", "a3", "new");
    await fresh.finish();
    expect(await statusOf(b.threadline, "a3")).toBe("completed");
  });

  it("R31: close() ends its writers' messages, then deletes the node's row; a row still owning a streaming message is kept", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const a = await openNode(backend, database, "node-a");
    const b = await openNode(backend, database, "node-b");
    await a.threadline.threads.create({ id: "t1" });
    await stream(a, "t1", "a1", "partial");
    await a.threadline.close();
    expect(await statusOf(b.threadline, "a1")).toBe("aborted");
    expect((await b.threadline.nodes.list()).map((n) => n.nodeId)).toEqual(["node-b"]);
    await expect(a.threadline.nodes.check()).rejects.toMatchObject({ code: "closed" });

    // The removal's guard: a node that still owns a streaming message keeps its row.
    const orphanOwner = { nodeId: "node-x", incarnation: "x1" };
    await b.threadline.store.registerNode(orphanOwner, T0);
    await b.threadline.store.createMessage(
      "default",
      {
        threadId: "t1",
        id: "x1",
        role: "assistant",
        status: "streaming",
        parts: [],
        lease: { owner: "node-x", expiresAt: T0 + 30_000 },
      },
      T0,
    );
    expect(await b.threadline.store.removeNode(orphanOwner)).toBe(false);
    await step([b], NODE_TIMEOUT_MS + HEARTBEAT_MS);
    await b.threadline.nodes.check();
    expect(await statusOf(b.threadline, "x1")).toBe("aborted");
    expect((await b.threadline.nodes.list()).map((n) => n.nodeId)).toEqual(["node-b"]);
  });
});

describe("node heartbeats [sqlite]", () => {
  const backend = backendNamed("sqlite");

  it("R31: SQLite has no heartbeat: the nodes table stays empty, a restart finalizes every orphan at start as before, and no takeover ever runs", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const crashed = await openNode(backend, database, "node-a");
    await crashed.threadline.threads.create({ id: "t1" });
    await stream(crashed, "t1", "a1", "partial");
    expect(await crashed.threadline.nodes.list()).toEqual([]);

    const next = await openNode(backend, database, "node-b");
    expect(next.threadline.sweptAtStart).toBe(1);
    expect(await next.threadline.messages.get("a1")).toMatchObject({
      status: "aborted",
      errorText: RESTART_REASON,
    });
    await step([next], 10 * (NODE_TIMEOUT_MS + HEARTBEAT_MS));
    expect(await next.threadline.nodes.check()).toEqual([]);
    expect(await next.threadline.nodes.list()).toEqual([]);
    expect(next.seen).toEqual([]);
    expect(await finishedOf(next.threadline, "t1", "a1")).toHaveLength(1);
  });
});

describe("node heartbeat settings", () => {
  it("R31: heartbeatMs and nodeTimeoutMs must be positive integers, the timeout longer than the heartbeat; the error names the field", async () => {
    for (const [options, field] of [
      [{ heartbeatMs: 0 }, "heartbeatMs"],
      [{ heartbeatMs: 1.5 }, "heartbeatMs"],
      [{ nodeTimeoutMs: -1 }, "nodeTimeoutMs"],
      [{ heartbeatMs: 5_000, nodeTimeoutMs: 5_000 }, "nodeTimeoutMs"],
      [{ nodeTimeoutMs: 1_000 }, "nodeTimeoutMs"], // shorter than the default heartbeat
    ] as const) {
      await expect(
        createThreadline({ database: "sqlite::memory:", ...options }),
      ).rejects.toMatchObject({
        code: "bad_request",
        message: expect.stringContaining(field),
        details: { field },
      });
    }
  });

  it("R31: threadline serve takes --node-id, --heartbeat-ms and --node-timeout-ms (defaults 2 000 and 8 000 ms)", () => {
    const parse = (args: string[]) => {
      let parsed: ServeOptions | undefined;
      serveCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => {} })
        .action((options: ServeOptions) => {
          parsed = options;
        })
        .parse(args, { from: "user" });
      if (!parsed) throw new Error("the action did not run");
      return serverOptionsOf(parsed);
    };
    const defaults = parse(["--api-key", "ws:key"]);
    expect(defaults).toMatchObject({ heartbeatMs: 2_000, nodeTimeoutMs: 8_000 });
    expect(defaults.nodeId).toBeUndefined();
    expect(
      parse([
        "--api-key",
        "ws:key",
        "--node-id",
        "web-1",
        "--heartbeat-ms",
        "500",
        "--node-timeout-ms",
        "3000",
      ]),
    ).toMatchObject({ nodeId: "web-1", heartbeatMs: 500, nodeTimeoutMs: 3_000 });
    expect(() => parse(["--api-key", "ws:key", "--heartbeat-ms", "0"])).toThrow(
      /--heartbeat-ms must be a positive integer/,
    );
  });
});
