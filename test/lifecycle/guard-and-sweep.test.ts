import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import type { MessageWrite } from "../../src/store/store.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";

const LEASE_TTL_MS = 30_000;
/** Sweeper nodes in these tests sweep only when the test says so. */
const NO_PERIODIC_SWEEP = 3_600_000;
/**
 * These tests are about leases (R18): on PostgreSQL a sweeper node whose clock runs ahead must not
 * take the producer node over for its silent heartbeat first (R31, test/lifecycle/node-takeover).
 */
const NO_NODE_TAKEOVER = 3_600_000;

function lateStreamWrite(
  threadId: string,
  messageId: string,
  workspaceId = "default",
): MessageWrite {
  return {
    kind: "stream",
    workspaceId,
    threadId,
    messageId,
    revision: 100, // a foreign write's revision: these tests look at status and the log's order
    delta: { chunks: [{ type: "text-delta", id: "t", delta: " LATE" }] },
  };
}

// gitmost's status guard and crash sweep cases (seed 002), plus the races both ways.
for (const backend of BACKENDS) {
  describe(`message lifecycle [${backend.name}]`, () => {
    /** Two nodes on one database: one streaming a message (its clock still), one sweeping. */
    async function producerAndSweeper() {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline: producer } = await openThreadline(backend, {
        database,
        clock: new ManualClock(1_700_000_000_000),
      });
      const sweeperClock = new ManualClock(1_700_000_000_000);
      const { threadline: sweeper } = await openThreadline(backend, {
        database,
        clock: sweeperClock,
        sweepIntervalMs: NO_PERIODIC_SWEEP,
        nodeTimeoutMs: NO_NODE_TAKEOVER,
      });
      const thread = await producer.threads.create();
      const writer = await producer.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      return { sweeper, sweeperClock, writer };
    }

    it("R14: an assistant message exists as streaming before its first chunk is accepted", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored).toMatchObject({ status: "streaming", role: "assistant", parts: [] });
    });

    it("R15: a late streaming write after finalize is a no-op (status, parts and metadata preserved)", async () => {
      const { threadline, clock } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "final answer" });
      await writer.write({ type: "finish", messageMetadata: { usage: { totalTokens: 42 } } });

      const [late] = await threadline.store.commitWrites(
        [lateStreamWrite(thread.id, writer.id)],
        clock.now(),
      );
      expect(late).toMatchObject({ applied: false, reason: "finalized" });
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.status).toBe("completed");
      expect(textOf(stored!)).toBe("final answer");
      expect(stored?.metadata).toEqual({ usage: { totalTokens: 42 } });
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.at(-1)?.type).toBe("message.finished");
    });

    it("R15: streaming write and terminal write racing — streaming commits first: both apply, completed wins", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await threadline.store.commitWrites([lateStreamWrite(thread.id, writer.id)], clock.now());
      await writer.finish();
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.status).toBe("completed");
    });

    it("R15: streaming write and terminal write issued concurrently never leave the message streaming", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      for (let round = 0; round < 10; round++) {
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        const late = threadline.store.commitWrites(
          [lateStreamWrite(thread.id, writer.id)],
          clock.now(),
        );
        const finish = writer.finish();
        const [[outcome]] = await Promise.all([late, finish]);
        const stored = await threadline.store.getMessage("default", writer.id);
        expect(stored?.status).toBe("completed");
        // Whichever order the commits took, the log ends with the terminal event.
        const log = (await logOf(threadline.store, "default", thread.id)).filter(
          (e) => e.messageId === writer.id,
        );
        expect(log.at(-1)?.type).toBe("message.finished");
        expect(outcome?.applied === false || log.at(-2)?.type === "message.delta").toBe(true);
      }
    });

    it("R15, SPEC §1: a tick mixing applied and refused stream writes gives the refused ones' seqs back — the log stays dense and the next event follows the last", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const open = async () => {
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        return writer;
      };
      const [first, finished, second] = [await open(), await open(), await open()];
      await finished.finish();
      const before = (await threadline.threads.get(thread.id)).headSeq;
      const outcomes = await threadline.store.commitWrites(
        [
          lateStreamWrite(thread.id, first.id),
          lateStreamWrite(thread.id, finished.id),
          lateStreamWrite(thread.id, "no-such-message"),
          lateStreamWrite(thread.id, second.id),
        ],
        clock.now(),
      );
      expect(outcomes.map((o) => (o.applied ? o.event.seq : o.reason))).toEqual([
        before + 1,
        "finalized",
        "missing",
        before + 2,
      ]);
      expect((await threadline.threads.get(thread.id)).headSeq).toBe(before + 2);
      const appended = await threadline.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "next" }],
      });
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.at(-1)).toMatchObject({ seq: before + 3, messageId: appended.id });
    });

    it("R15: a write of another workspace matches nothing", async () => {
      const { threadline, clock } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      const [outcome] = await threadline.store.commitWrites(
        [lateStreamWrite(thread.id, writer.id, "other-workspace")],
        clock.now(),
      );
      expect(outcome).toMatchObject({ applied: false, reason: "missing" });
      const other = threadline.workspace("other-workspace");
      await expect(other.messages.get(writer.id)).rejects.toMatchObject({ code: "not_found" });
      await expect(other.messages.delete(writer.id)).rejects.toMatchObject({ code: "not_found" });
      await expect(other.threads.get(thread.id)).rejects.toMatchObject({ code: "not_found" });
      expect((await threadline.store.getMessage("default", writer.id))?.status).toBe("streaming");
    });

    it("R18: fresh rows are not swept; expired leases are finalized aborted with partial text and synthetic tool errors", async () => {
      const database = await backend.freshDatabase({ shared: true });
      // The sweeping node starts first: on SQLite a node starting later finalizes every streaming
      // message at once (R31, test/lifecycle/orphans-and-shutdown.test.ts); here the lease rules.
      const sweeperClock = new ManualClock(1_700_000_000_000);
      const { threadline: sweeper } = await openThreadline(backend, {
        database,
        clock: sweeperClock,
        sweepIntervalMs: NO_PERIODIC_SWEEP,
        nodeTimeoutMs: NO_NODE_TAKEOVER,
      });
      const crashedClock = new ManualClock(1_700_000_000_000);
      const { threadline: crashed } = await openThreadline(backend, {
        database,
        clock: crashedClock,
        leaseTtlMs: LEASE_TTL_MS,
        windowMs: 0,
      });
      const thread = await crashed.threads.create();
      const writer = await crashed.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "partial" });
      await writer.write({ type: "tool-input-start", toolCallId: "tc", toolName: "search" });
      // The producer "crashes": its node stops renewing (its clock never moves again).

      sweeperClock.advance(LEASE_TTL_MS - 1);
      expect(await sweeper.sweep()).toBe(0);
      expect((await sweeper.messages.get(writer.id)).status).toBe("streaming");

      sweeperClock.advance(2);
      expect(await sweeper.sweep()).toBe(1);
      const swept = await sweeper.messages.get(writer.id);
      expect(swept.status).toBe("aborted");
      expect(textOf(swept)).toBe("partial");
      expect(swept.parts.at(-1)).toMatchObject({ type: "tool-search", state: "output-error" });
      const log = await logOf(sweeper.store, "default", thread.id);
      expect(log.at(-1)).toMatchObject({ type: "message.finished", messageId: writer.id });

      // Idempotent: a second sweep finds nothing.
      expect(await sweeper.sweep()).toBe(0);
      // The crashed writer's late writes are refused by the guard.
      await expect(
        writer.write({ type: "text-delta", id: "t", delta: "late" }),
      ).rejects.toMatchObject({
        code: "message_finalized",
      });
      expect(textOf(await sweeper.messages.get(writer.id))).toBe("partial");
    });

    it("R18: a live writer's lease is renewed, so another node's sweep never aborts its stream", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const clock = new ManualClock(1_700_000_000_000);
      const { threadline: live } = await openThreadline(backend, {
        database,
        clock,
        leaseTtlMs: LEASE_TTL_MS,
      });
      // One clock jumping a third of a lease at a time: the live node's heartbeat would look stale.
      const { threadline: other } = await openThreadline(backend, {
        database,
        clock,
        nodeTimeoutMs: NO_NODE_TAKEOVER,
      });
      const thread = await live.threads.create();
      const writer = await live.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      for (let i = 0; i < 6; i++) {
        clock.advance(LEASE_TTL_MS / 3); // the live node renews every third of the lease
        await live.idle();
        expect(await other.sweep()).toBe(0);
      }
      expect((await other.messages.get(writer.id)).status).toBe("streaming");
      await writer.finish();
      expect((await other.messages.get(writer.id)).status).toBe("completed");
    });

    it("R16/R18: sweep first, then the live writer finishes — the writer's unguarded terminal write wins", async () => {
      const { sweeper, sweeperClock, writer } = await producerAndSweeper();
      sweeperClock.advance(LEASE_TTL_MS + 1);
      expect(await sweeper.sweep()).toBe(1);
      await writer.finish();
      const stored = await sweeper.messages.get(writer.id);
      expect(stored.status).toBe("completed");
      expect(stored.parts).toMatchObject([{ type: "text" }]);
    });

    it("R16/R18: the writer finishes first, then the sweep — the sweep finds nothing", async () => {
      const { sweeper, sweeperClock, writer } = await producerAndSweeper();
      await writer.finish();
      sweeperClock.advance(LEASE_TTL_MS + 1);
      expect(await sweeper.sweep()).toBe(0);
      expect((await sweeper.messages.get(writer.id)).status).toBe("completed");
    });

    it("R16: exactly one terminal state; error keeps partial text and gives unpaired tool calls an output-error", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "so far" });
      await writer.write({ type: "tool-input-start", toolCallId: "a", toolName: "lookup" });
      await writer.write({
        type: "tool-input-available",
        toolCallId: "a",
        toolName: "lookup",
        input: { q: 1 },
      });
      await writer.fail("provider overloaded");
      await expect(writer.finish()).rejects.toMatchObject({ code: "message_finalized" });
      const stored = await threadline.messages.get(writer.id);
      expect(stored).toMatchObject({ status: "error", errorText: "provider overloaded" });
      expect(textOf(stored)).toBe("so far");
      expect(stored.parts.at(-1)).toMatchObject({ state: "output-error", input: { q: 1 } });
      const finished = (await logOf(threadline.store, "default", thread.id)).filter(
        (e) => e.type === "message.finished",
      );
      expect(finished).toHaveLength(1);
    });

    it("R16: on completed, a tool call awaiting a client-side result stays input-available", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "tool-input-start", toolCallId: "a", toolName: "askUser" });
      await writer.write({
        type: "tool-input-available",
        toolCallId: "a",
        toolName: "askUser",
        input: {},
      });
      await writer.finish({ finishReason: "tool-calls" });
      const stored = await threadline.messages.get(writer.id);
      expect(stored.status).toBe("completed");
      expect(stored.parts.at(-1)).toMatchObject({ state: "input-available" });
    });

    it("R2: a chunk that cannot apply is rejected naming its index; the message ends error keeping what was accepted", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "kept" });
      await expect(
        writer.write({ type: "text-delta", id: "nope", delta: "x" }),
      ).rejects.toMatchObject({
        code: "chunk_rejected",
        details: { chunkIndex: 2 },
      });
      const stored = await threadline.messages.get(writer.id);
      expect(stored.status).toBe("error");
      expect(stored.errorText).toMatch(/chunk 2/);
      expect(textOf(stored)).toBe("kept");
    });

    it("R2: malformed chunks (unknown type, wrong field type, not an object) are rejected as invalid_chunk", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      for (const bad of [
        { type: "no-such-chunk" },
        { type: "text-delta", id: "t", delta: 5 },
        "text",
        null,
      ]) {
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        await expect(writer.write(bad as never)).rejects.toMatchObject({
          code: "invalid_chunk",
          details: { chunkIndex: 1 },
        });
        expect((await threadline.messages.get(writer.id)).status).toBe("error");
      }
    });
  });
}
