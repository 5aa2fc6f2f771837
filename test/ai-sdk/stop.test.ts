import { describe, expect, it } from "vitest";
import { type ManualClock, systemClock } from "../../src/clock.js";
import { isThreadlineError } from "../../src/errors.js";
import { STOP_REASON } from "../../src/protocol/events.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";
import { pushSource, readRest, readUntil } from "./support.js";

const WINDOW_MS = 33;

for (const backend of BACKENDS) {
  describe(`stop (R28) [${backend.name}]`, () => {
    async function setup() {
      const { threadline, clock, database } = await openThreadline(backend);
      const thread = await threadline.threads.create({ id: "t1" });
      return { threadline, clock, database, threadId: thread.id };
    }

    /**
     * A reply in flight: start, an open text part with "partial" committed (one window on the fake
     * clock), the client reading.
     */
    async function replyInFlight(
      threadline: Awaited<ReturnType<typeof setup>>["threadline"],
      clock: ManualClock,
    ) {
      const source = pushSource();
      let abortSignal: AbortSignal | undefined;
      source.push({ type: "start" }, { type: "text-start", id: "a" });
      source.push({ type: "text-delta", id: "a", delta: "partial" });
      const reply = await threadline.chat.respond("t1", (context) => {
        abortSignal = context.abortSignal;
        return source.stream;
      });
      const reader = reply.stream.getReader();
      const seen = await readUntil(reader, (c) => c.type === "text-delta");
      clock.advance(WINDOW_MS);
      await threadline.idle();
      return { source, reply, reader, seen, abortSignal: abortSignal! };
    }

    it("R28, R10: when a viewer receives message.created the message's writer is already live here, so a stop it sends at once stops that writer", async () => {
      const { threadline } = await setup();
      const viewer = threadline.subscribe("t1")[Symbol.asyncIterator]();
      expect((await viewer.next()).value?.type).toBe("snapshot");
      // The viewer's reaction runs in the same turn as the event's delivery, before writers.open
      // resumes: the writer must have been tracked before the event was published.
      const reaction = viewer.next().then((item) => {
        const streamingHere = threadline.stats.streamingMessages;
        return { item, streamingHere, stop: threadline.stop("t1") };
      });
      const writer = await threadline.writers.open("t1");
      const { item, streamingHere, stop } = await reaction;
      expect(item.value?.type).toBe("message.created");
      expect(streamingHere).toBe(1);
      expect(await stop).toMatchObject({ stopped: true, message: { status: "aborted" } });
      expect(writer.signal.aborted).toBe(true);
      await expect(writer.write({ type: "text-start", id: "a" })).rejects.toMatchObject({
        code: "message_finalized",
      });
    });

    it("R28: stops the producer: abortSignal fires, the source is cancelled, the message ends aborted with its partial text, the client gets abort", async () => {
      const { threadline, clock } = await setup();
      const viewer = threadline.subscribe("t1")[Symbol.asyncIterator]();
      expect((await viewer.next()).value?.type).toBe("snapshot");
      const { source, reply, reader, abortSignal } = await replyInFlight(threadline, clock);

      const result = await threadline.stop("t1");

      expect(result.stopped).toBe(true);
      expect(result.message?.status).toBe("aborted");
      expect(textOf(result.message!)).toBe("partial");
      expect(abortSignal.aborted).toBe(true);
      expect(abortSignal.reason).toBe(STOP_REASON);
      expect(source.cancelled).toBe(true);
      expect((await readRest(reader)).at(-1)).toEqual({ type: "abort" });
      expect((await reply.message).status).toBe("aborted");
      const items: SubscriptionItem[] = [];
      for (;;) {
        const next = await viewer.next();
        if (next.done) break;
        items.push(next.value);
        if (next.value.type === "message.finished") break;
      }
      const finished = items.at(-1);
      expect(finished?.type).toBe("message.finished");
      if (finished?.type === "message.finished") {
        expect(finished.data.chunks.at(-1)).toEqual({ type: "abort", reason: STOP_REASON });
      }
    });

    it("R28: stop by message id; a second stop is a no-op answer", async () => {
      const { threadline, clock } = await setup();
      const { reply } = await replyInFlight(threadline, clock);
      const first = await threadline.stop("t1", { messageId: reply.messageId });
      const second = await threadline.stop("t1", { messageId: reply.messageId });
      expect(first.stopped).toBe(true);
      expect(second).toMatchObject({ stopped: false, message: { status: "aborted" } });
      expect(await threadline.stop("t1")).toEqual({ stopped: false, message: null });
    });

    it("R28: nothing streaming answers stopped: false; unknown thread, message, other thread or workspace: not_found", async () => {
      const { threadline } = await setup();
      expect(await threadline.stop("t1")).toEqual({ stopped: false, message: null });
      await threadline.threads.create({ id: "t2" });
      const other = await threadline.messages.append("t2", {
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      for (const attempt of [
        () => threadline.stop("missing"),
        () => threadline.stop("t1", { messageId: "missing" }),
        () => threadline.stop("t1", { messageId: other.id }),
        () => threadline.workspace("w2").stop("t1"),
        () => threadline.workspace("w2").stop("t2", { messageId: other.id }),
      ]) {
        const error = await attempt().catch((e) => e);
        expect(isThreadlineError(error, "not_found")).toBe(true);
      }
    });

    it("race, stop first: the producer's finish loses and the message stays aborted (R16: one terminal state)", async () => {
      const { threadline, clock } = await setup();
      const { source, reply } = await replyInFlight(threadline, clock);
      const result = await threadline.stop("t1");
      source.push({ type: "text-end", id: "a" }, { type: "finish" });
      expect(result.stopped).toBe(true);
      expect((await reply.message).status).toBe("aborted");
      const finished = (await logOf(threadline.store, "default", "t1")).filter(
        (e) => e.type === "message.finished",
      );
      expect(finished).toHaveLength(1);
    });

    it("race, finish first: the stop is a no-op and the message stays completed", async () => {
      const { threadline, clock } = await setup();
      const { source, reply, reader } = await replyInFlight(threadline, clock);
      source.push({ type: "text-end", id: "a" }, { type: "finish" });
      await readUntil(reader, (c) => c.type === "finish");
      const result = await threadline.stop("t1", { messageId: reply.messageId });
      expect(result).toMatchObject({ stopped: false, message: { status: "completed" } });
      expect((await reply.message).status).toBe("completed");
    });

    it("race, finish accepted but not yet committed: the stop waits for it and reports completed", async () => {
      const { threadline, clock } = await setup();
      const { reply } = await replyInFlight(threadline, clock);
      const writer = await threadline.writers.open("t1", { messageId: "direct" });
      await writer.write({ type: "start" });
      const finishing = writer.finish(); // accepted synchronously, committing
      const result = await threadline.stop("t1", { messageId: "direct" });
      await finishing;
      expect(result).toMatchObject({ stopped: false, message: { status: "completed" } });
      await threadline.stop("t1", { messageId: reply.messageId });
    });

    it("race with the crash sweep, sweep first: the orphan is aborted by the sweep and the stop is a no-op", async () => {
      const { threadline, clock } = await setup();
      await orphan(threadline, clock.now());
      expect(await threadline.sweep()).toBe(1);
      const result = await threadline.stop("t1");
      expect(result).toEqual({ stopped: false, message: null });
      expect((await threadline.messages.get("orphan")).status).toBe("aborted");
    });

    it("race with the crash sweep, stop first: the stop aborts the orphan and the sweep finds nothing", async () => {
      const { threadline, clock } = await setup();
      await orphan(threadline, clock.now());
      const result = await threadline.stop("t1");
      expect(result).toMatchObject({ stopped: true, message: { id: "orphan", status: "aborted" } });
      expect(await threadline.sweep()).toBe(0);
    });

    it("race with a client reconnect, reconnect first: the resumed stream ends with the abort", async () => {
      const { threadline, clock } = await setup();
      await replyInFlight(threadline, clock);
      const resumed = await threadline.chat.resume("t1");
      expect(resumed).not.toBeNull();
      const reader = resumed!.getReader();
      const before = await readUntil(reader, (c) => c.type === "text-delta");
      expect(before.map((c) => c.type)).toEqual(["start", "text-start", "text-delta"]);
      await threadline.stop("t1");
      const rest = await readRest(reader);
      expect(rest.at(-1)).toEqual({ type: "abort", reason: STOP_REASON });
    });

    it("race with a client reconnect, stop first: nothing to resume (204)", async () => {
      const { threadline, clock } = await setup();
      await replyInFlight(threadline, clock);
      await threadline.stop("t1");
      expect(await threadline.chat.resume("t1")).toBeNull();
      expect((await threadline.chat.resumeResponse("t1")).status).toBe(204);
    });

    it("R28: a producer that ignores the signal is still cut off: its later chunks are not stored", async () => {
      const { threadline, clock } = await setup();
      const { source, reply } = await replyInFlight(threadline, clock);
      await threadline.stop("t1");
      source.push({ type: "text-delta", id: "a", delta: " more" });
      expect(textOf(await reply.message)).toBe("partial");
      expect(textOf(await threadline.messages.get(reply.messageId))).toBe("partial");
    });
  });
}

/** A streaming message whose writer (another node) died: its lease expired a second ago. */
async function orphan(
  threadline: Awaited<ReturnType<typeof openThreadline>>["threadline"],
  now: number,
): Promise<void> {
  const { event } = await threadline.store.createMessage(
    "default",
    {
      threadId: "t1",
      id: "orphan",
      role: "assistant",
      status: "streaming",
      parts: [{ type: "text", text: "half", state: "streaming" }],
      lease: { owner: "dead-node", expiresAt: now - 1_000 },
    },
    now,
  );
  expect(event.type).toBe("message.created");
}

describe("stop from another node (R28, PostgreSQL LISTEN/NOTIFY)", () => {
  const postgres = BACKENDS.find((b) => b.name === "postgres")!;

  it("node B stops a message node A is producing: A's abortSignal fires and both nodes' viewers see it aborted", async () => {
    const database = await postgres.freshDatabase();
    const a = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-a" });
    const b = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-b" });
    await a.threadline.threads.create({ id: "t1" });
    const viewerOnB = b.threadline.subscribe("t1")[Symbol.asyncIterator]();
    expect((await viewerOnB.next()).value?.type).toBe("snapshot");

    const source = pushSource();
    let abortSignal: AbortSignal | undefined;
    source.push({ type: "start" }, { type: "text-start", id: "a" });
    source.push({ type: "text-delta", id: "a", delta: "from A" });
    const reply = await a.threadline.chat.respond("t1", (context) => {
      abortSignal = context.abortSignal;
      return source.stream;
    });
    const reader = reply.stream.getReader();
    await readUntil(reader, (c) => c.type === "text-delta");
    await a.threadline.flush(reply.messageId);

    const result = await b.threadline.stop("t1");

    expect(result.stopped).toBe(true);
    expect(result.message).toMatchObject({ id: reply.messageId, status: "aborted" });
    expect(textOf(result.message!)).toBe("from A");
    expect(abortSignal?.aborted).toBe(true);
    expect(source.cancelled).toBe(true);
    expect((await readRest(reader)).at(-1)).toEqual({ type: "abort" });
    let finished: SubscriptionItem | undefined;
    while (finished?.type !== "message.finished") finished = (await viewerOnB.next()).value;
    expect(finished.messageId).toBe(reply.messageId);
    await viewerOnB.return?.();
  });

  it("the lease holder aborts before the stopping node reads the message back: still stopped: true", async () => {
    const database = await postgres.freshDatabase();
    const a = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-a" });
    const b = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-b" });
    await a.threadline.threads.create({ id: "t1" });
    const writer = await a.threadline.writers.open("t1");
    await writer.write({ type: "text-start", id: "a" });
    await writer.write({ type: "text-delta", id: "a", delta: "from A" });
    await writer.flush();
    // B's stop request reaches A, and A's abort commits, before B reads the message again.
    const store = b.threadline.store;
    const announce = store.announceStop.bind(store);
    store.announceStop = async (request) => {
      await announce(request);
      while ((await a.threadline.messages.get(writer.id)).status === "streaming") {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    const result = await b.threadline.stop("t1");

    expect(result).toMatchObject({ stopped: true, message: { id: writer.id, status: "aborted" } });
    expect(writer.signal.aborted).toBe(true);
  });

  it("a stop whose lease holder never answers times out with stopped: false, leaving the live lease alone (R18)", async () => {
    const database = await postgres.freshDatabase();
    const b = await openThreadline(postgres, {
      database,
      clock: systemClock,
      nodeId: "node-b",
      stopTimeoutMs: 200,
    });
    await b.threadline.threads.create({ id: "t1" });
    const now = Date.now();
    await b.threadline.store.createMessage(
      "default",
      {
        threadId: "t1",
        id: "elsewhere",
        role: "assistant",
        status: "streaming",
        parts: [],
        lease: { owner: "silent-node", expiresAt: now + 60_000 },
      },
      now,
    );
    const result = await b.threadline.stop("t1");
    expect(result).toMatchObject({ stopped: false, message: { status: "streaming" } });
  });
});
