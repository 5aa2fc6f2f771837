/**
 * R31 and issue 7 (items 2, 6): a restarted SQLite process finalizes every message left streaming
 * at once, PostgreSQL keeps a live node's message, a graceful close ends its own writers' messages,
 * and a closed Threadline answers `closed` everywhere. Fake clocks, except for the real
 * `threadline serve` child at the end.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { createApp } from "../../src/http/app.js";
import { RESTART_REASON, SHUTDOWN_REASON } from "../../src/protocol/events.js";
import { PATHS } from "../../src/protocol/http.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { createThreadline, type Threadline } from "../../src/threadline.js";
import { waitFor } from "../inbound/support.js";
import { BACKENDS, type Backend, openThreadline } from "../support/backends.js";
import { logOf, take, textOf } from "../support/helpers.js";
import { startServe } from "../support/serve-process.js";

const NO_PERIODIC_SWEEP = 3_600_000;

function backendNamed(name: Backend["name"]): Backend {
  const backend = BACKENDS.find((b) => b.name === name);
  if (!backend) throw new Error(`no backend ${name}`);
  return backend;
}

/** A node that streams "partial" into a new message of thread `t1`, committed. */
async function streamingNode(backend: Backend, database: string) {
  const node = await openThreadline(backend, { database, sweepIntervalMs: NO_PERIODIC_SWEEP });
  await node.threadline.threads.create({ id: "t1" });
  const writer = await node.threadline.writers.open("t1", { messageId: "a1" });
  await writer.write({ type: "text-start", id: "t" });
  await writer.write({ type: "text-delta", id: "t", delta: "partial" });
  await writer.flush();
  return { ...node, writer };
}

/** The chunks of each `message.finished` event of `messageId` in the thread's log. */
async function finishedEvents(threadline: Threadline, messageId: string) {
  const log = await logOf(threadline.store, "default", "t1");
  return log.flatMap((e) =>
    e.type === "message.finished" && e.messageId === messageId ? [e.data] : [],
  );
}

describe("orphans at start [sqlite]", () => {
  const backend = backendNamed("sqlite");

  it("R31: a restart finalizes a message the previous process left streaming before createThreadline resolves", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const crashed = await streamingNode(backend, database);
    // The process dies (kill -9): no close(), its file is simply let go; a1's lease is still fresh.
    await crashed.threadline.store.close();

    const { threadline } = await openThreadline(backend, { database });
    expect(threadline.sweptAtStart).toBe(1);
    const message = await threadline.messages.get("a1");
    expect(message.status).toBe("aborted");
    expect(textOf(message)).toBe("partial");
    const finished = await finishedEvents(threadline, "a1");
    expect(finished).toHaveLength(1);
    expect(finished[0]?.chunks).toEqual([{ type: "abort", reason: RESTART_REASON }]);
    expect(await threadline.sweep()).toBe(0);
  });
});

describe("orphans at start [postgres]", () => {
  const backend = backendNamed("postgres");

  it("R18: a node starting on a shared database keeps a live node's streaming message", async () => {
    const database = await backend.freshDatabase({ shared: true });
    const live = await streamingNode(backend, database);
    const { threadline } = await openThreadline(backend, { database });
    expect(threadline.sweptAtStart).toBe(0);
    expect(await threadline.sweep()).toBe(0);
    expect((await threadline.messages.get("a1")).status).toBe("streaming");
    await live.writer.write({ type: "text-delta", id: "t", delta: " more" });
    await live.writer.finish();
    expect((await threadline.messages.get("a1")).status).toBe("completed");
  });
});

for (const backend of BACKENDS) {
  describe(`graceful shutdown [${backend.name}]`, () => {
    it("R31: close() ends an open writer's message aborted with its partial text, aborts its signal and tells a live subscriber", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline } = await openThreadline(backend, { database });
      await threadline.threads.create({ id: "t1" });
      const viewer = threadline.subscribe("t1")[Symbol.asyncIterator]();
      expect((await take(viewer, 1))[0]?.type).toBe("snapshot");
      const writer = await threadline.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "partial" }); // buffered: close flushes it

      await threadline.close();

      expect(writer.signal.aborted).toBe(true);
      expect(writer.signal.reason).toBe(SHUTDOWN_REASON);
      const seen: SubscriptionItem[] = await take(viewer, 100);
      const finished = seen.find((e) => e.type === "message.finished");
      expect(finished?.type === "message.finished" && finished.data.message.status).toBe("aborted");
      expect(finished?.type === "message.finished" && textOf(finished.data.message)).toBe(
        "partial",
      );

      const { threadline: next } = await openThreadline(backend, { database });
      expect(next.sweptAtStart).toBe(0); // nothing was left streaming
      const stored = await next.messages.get("a1");
      expect(stored.status).toBe("aborted");
      expect(textOf(stored)).toBe("partial");
      expect(await next.store.getLease("default", "a1")).toEqual({ owner: null, expiresAt: null });
      const events = await finishedEvents(next, "a1");
      expect(events).toHaveLength(1);
      expect(events[0]?.chunks).toEqual([{ type: "abort", reason: SHUTDOWN_REASON }]);
    });

    it("issue 7: after close() every entry answers ThreadlineError closed, and HTTP 503; close() twice is fine", async () => {
      const { threadline } = await openThreadline(backend);
      await threadline.threads.create({ id: "t1" });
      const writer = await threadline.writers.open("t1", { messageId: "a1" });
      const app = createApp({ threadline });
      await threadline.close();
      await threadline.close();

      const other = threadline.workspace("other");
      const message = { role: "user" as const, parts: [{ type: "text" as const, text: "hi" }] };
      const entries: Record<string, () => unknown> = {
        "threads.create": () => threadline.threads.create(),
        "threads.get": () => threadline.threads.get("t1"),
        "threads.list": () => threadline.threads.list(),
        "threads.fork": () => threadline.threads.fork("t1"),
        "threads.delete": () => threadline.threads.delete("t1"),
        "messages.append": () => threadline.messages.append("t1", message),
        "messages.submit": () => threadline.messages.submit("t1", message),
        "messages.get": () => threadline.messages.get("a1"),
        "messages.list": () => threadline.messages.list("t1"),
        "messages.delete": () => threadline.messages.delete("a1"),
        "writers.open": () => threadline.writers.open("t1"),
        "writer.write": () => writer.write({ type: "text-start", id: "t" }),
        subscribe: () => threadline.subscribe("t1"),
        "chat.receive": () => threadline.chat.receive({ id: "t1", messages: [] }),
        "chat.history": () => threadline.chat.history("t1"),
        "chat.respond": () => threadline.chat.respond("t1", new ReadableStream()),
        "chat.resume": () => threadline.chat.resume("t1"),
        "chat.resumeResponse": () => threadline.chat.resumeResponse("t1"),
        stop: () => threadline.stop("t1"),
        flush: () => threadline.flush("a1"),
        flushAll: () => threadline.flushAll(),
        sweep: () => threadline.sweep(),
        "runs.fireDue": () => threadline.runs.fireDue(),
        "runs.idle": () => threadline.runs.idle(),
        "runs.purge": () => threadline.runs.purge(),
        "workspace(other).threads.get": () => other.threads.get("t1"),
      };
      for (const [name, run] of Object.entries(entries)) {
        const error = await errorOf(run);
        expect({ name, code: error?.code, status: error?.status }).toEqual({
          name,
          code: "closed",
          status: 503,
        });
      }

      const response = await app.request(PATHS.thread("t1"));
      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe("closed");
    });
  });
}

async function errorOf(
  run: () => unknown,
): Promise<{ code?: string; status?: number } | undefined> {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; status?: number };
  }
  return undefined;
}

/** A request body the test writes to line by line and never ends. */
function openBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
  });
  const send = (chunk: unknown) =>
    controller.enqueue(new TextEncoder().encode(`${JSON.stringify(chunk)}\n`));
  return { body, send };
}

for (const backend of BACKENDS) {
  describe(`threadline serve shutdown [${backend.name}]`, () => {
    it("R31: SIGTERM with a streaming upload open ends its message aborted, not streaming, before exit", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const server = await startServe({ database });
      const { url } = server;
      const created = await fetch(`${url}${PATHS.threads}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "t1" }),
      });
      expect(created.status).toBe(201);
      const upload = openBody();
      const answer = fetch(`${url}${PATHS.messageStream("t1")}`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: upload.body,
        duplex: "half",
      } as RequestInit).catch((error: unknown) => error);
      upload.send({ type: "start", messageId: "a1" });
      upload.send({ type: "text-start", id: "t" });
      upload.send({ type: "text-delta", id: "t", delta: "partial" });
      await waitFor(
        async () => {
          const response = await fetch(`${url}${PATHS.threadMessages("t1")}`);
          const { messages } = (await response.json()) as {
            messages: { id: string; parts: { type: string; text?: string }[] }[];
          };
          return messages.some((m) => m.id === "a1" && textOf(m) === "partial");
        },
        "the upload to be stored",
        10_000,
      );

      expect((await server.stop("SIGTERM")).code).toBe(0);
      await answer;

      const after = await createThreadline({
        database,
        clock: new ManualClock(Date.now()),
        sweepIntervalMs: NO_PERIODIC_SWEEP,
      });
      try {
        expect(after.sweptAtStart).toBe(0); // the shutdown ended it, not this start
        const message = await after.messages.get("a1");
        expect(message.status).toBe("aborted");
        expect(textOf(message)).toBe("partial");
        expect(await finishedEvents(after, "a1")).toHaveLength(1);
      } finally {
        await after.close();
      }
    }, 60_000);
  });
}
