import { describe, expect, it } from "vitest";
import type { UIMessageChunk } from "../../src/message/types.js";
import { BACKENDS_WITH_WORKER as BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";

// crush's message-service cases (seed 000/001), restated for chunk writers on every backend.
for (const backend of BACKENDS) {
  describe(`coalescing writer [${backend.name}]`, () => {
    it("R3: deltas inside one window coalesce into one commit and one event, not before the window ends", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 50 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      for (let i = 0; i < 5; i++) await writer.write({ type: "text-delta", id: "t", delta: "a" });

      clock.advance(49);
      await threadline.idle();
      const before = await logOf(threadline.store, "default", thread.id);
      expect(before.filter((e) => e.type === "message.delta")).toHaveLength(1); // text-start only

      clock.advance(1);
      await threadline.idle();
      const deltas = (await logOf(threadline.store, "default", thread.id)).filter(
        (e) => e.type === "message.delta",
      );
      expect(deltas).toHaveLength(2);
      expect(deltas[1]?.data).toEqual({
        chunks: [{ type: "text-delta", id: "t", delta: "aaaaa" }],
      });
      expect(
        textOf((await threadline.store.getMessage("default", writer.id)) ?? { parts: [] }),
      ).toBe("aaaaa");
    });

    it("R3: the window opens at the first buffered change and later changes do not reset it", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 33 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      const commits: number[] = [];
      threadline.events.on("writer:commit", () => commits.push(clock.now()));
      const start = clock.now();
      for (let i = 0; i < 10; i++) {
        await writer.write({ type: "text-delta", id: "t", delta: "x" });
        clock.advance(10); // a delta every 10 ms: a reset-on-change debounce would never fire
        await threadline.idle();
      }
      // Timers fire 33 ms after the first buffered change (at +33 and +73); each commit then runs
      // when that 10 ms step of the fake clock has completed (+40, +80).
      expect(commits).toEqual([start + 40, start + 80]);
    });

    it("R4: a finish chunk is written before the call returns, even with a one-hour window", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "done" });
      await writer.write({ type: "text-end", id: "t" });
      await writer.write({ type: "finish" });
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.status).toBe("completed");
      expect(textOf(stored ?? { parts: [] })).toBe("done");
    });

    it("R4: a tool call appearing and becoming available are each written before the call returns", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "tool-input-start", toolCallId: "tc1", toolName: "view" });
      let stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.parts).toMatchObject([
        { type: "tool-view", toolCallId: "tc1", state: "input-streaming" },
      ]);
      await writer.write({
        type: "tool-input-available",
        toolCallId: "tc1",
        toolName: "view",
        input: {},
      });
      stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.parts).toMatchObject([
        { type: "tool-view", state: "input-available", input: {} },
      ]);
    });

    it("R4: reasoning deltas stay buffered; reasoning-end writes them", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "reasoning-start", id: "r" });
      await writer.write({ type: "reasoning-delta", id: "r", delta: "hmm" });
      let stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.parts).toMatchObject([{ type: "reasoning", text: "" }]);
      await writer.write({ type: "reasoning-end", id: "r" });
      stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.parts).toMatchObject([{ type: "reasoning", text: "hmm", state: "done" }]);
    });

    it("R7: flush(id) drains buffered deltas; a second flush is a no-op", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "buffered" });
      expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("");
      await threadline.flush(writer.id);
      expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("buffered");
      const events = (await logOf(threadline.store, "default", thread.id)).length;
      await threadline.flush(writer.id);
      expect((await logOf(threadline.store, "default", thread.id)).length).toBe(events);
    });

    it("R5/R7: flushAll drains every message, all in one transaction", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writers = [];
      for (let i = 0; i < 5; i++) {
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        await writer.write({ type: "text-delta", id: "t", delta: `hi${i}` });
        writers.push(writer);
      }
      const commits: number[] = [];
      threadline.events.on("writer:commit", (c) => commits.push(c.writes));
      await threadline.flushAll();
      expect(commits).toEqual([5]);
      for (const [i, writer] of writers.entries()) {
        expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe(`hi${i}`);
      }
    });

    it("R5: every message dirty in a window is written by one commit per tick", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 33 });
      const thread = await threadline.threads.create();
      const writers = await Promise.all(
        Array.from({ length: 20 }, () => threadline.writers.open(thread.id)),
      );
      await Promise.all(writers.map((w) => w.write({ type: "text-start", id: "t" })));
      const commits: number[] = [];
      threadline.events.on("writer:commit", (c) => commits.push(c.writes));
      for (let tick = 0; tick < 3; tick++) {
        for (const w of writers) await w.write({ type: "text-delta", id: "t", delta: "abcd" });
        clock.advance(33);
        await threadline.idle();
      }
      expect(commits).toEqual([20, 20, 20]);
    });

    it("R3: coalesced writes converge to the same message as write-through (window 0)", async () => {
      const script: UIMessageChunk[] = [
        { type: "start" },
        { type: "start-step" },
        { type: "reasoning-start", id: "r" },
        { type: "reasoning-delta", id: "r", delta: "thinking 1 " },
        { type: "reasoning-delta", id: "r", delta: "thinking 2" },
        { type: "reasoning-end", id: "r" },
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: "hello " },
        { type: "text-delta", id: "t", delta: "world" },
        { type: "text-end", id: "t" },
        { type: "tool-input-start", toolCallId: "tc", toolName: "x" },
        { type: "tool-input-delta", toolCallId: "tc", inputTextDelta: '{"a":' },
        { type: "tool-input-delta", toolCallId: "tc", inputTextDelta: "1}" },
        { type: "tool-input-available", toolCallId: "tc", toolName: "x", input: { a: 1 } },
        { type: "finish-step" },
        { type: "finish", finishReason: "tool-calls" },
      ];
      const results = [];
      for (const windowMs of [33, 0]) {
        const { threadline } = await openThreadline(backend, { windowMs });
        const thread = await threadline.threads.create({ id: "same-thread" });
        const writer = await threadline.writers.open(thread.id, { messageId: "m" });
        for (const chunk of script) await writer.write(chunk);
        await threadline.flushAll();
        const { updatedAt, createdAt, finishedAt, revision, ...stored } =
          (await threadline.store.getMessage("default", "m"))!;
        results.push({ stored, windowMs, revision });
      }
      expect(results[0]?.stored).toEqual(results[1]?.stored);
      // Write-through commits every chunk; coalescing commits fewer times.
      expect(results[0]!.revision).toBeLessThan(results[1]!.revision);
    });

    it("R8: deleting a message drops its buffered state; nothing is written back over it", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "dropped" });
      await threadline.messages.delete(writer.id);
      await threadline.flushAll();
      await expect(threadline.messages.get(writer.id)).rejects.toMatchObject({ code: "not_found" });
      expect(await threadline.store.getMessage("default", writer.id)).toBeUndefined();
      await expect(writer.write({ type: "text-delta", id: "t", delta: "x" })).rejects.toMatchObject(
        {
          code: "message_finalized",
        },
      );
      const types = (await logOf(threadline.store, "default", thread.id)).map((e) => e.type);
      expect(types.at(-1)).toBe("message.deleted");
      expect(threadline.stats.bufferedMessages).toBe(0);
    });

    it("R3/R7: window 0 writes every change through before returning", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      for (let i = 1; i <= 3; i++) {
        await writer.write({ type: "text-delta", id: "t", delta: "x" });
        expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toHaveLength(i);
      }
    });

    it("R9: a finished message frees its buffered state", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      expect(threadline.stats.bufferedMessages).toBe(1);
      await writer.finish();
      expect(threadline.stats.bufferedMessages).toBe(0);
    });

    it("R3/R4: update(message) coalesces growing text and writes a structural change at once (crush)", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline } = await openThreadline(backend, { database, windowMs: 3_600_000 });
      const { threadline: reader } = await openThreadline(backend, { database });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.update({ parts: [{ type: "text", text: "hel", state: "streaming" }] }); // a part appears
      await writer.update({ parts: [{ type: "text", text: "hello", state: "streaming" }] }); // text grows
      expect(textOf(await reader.messages.get(writer.id))).toBe("hel");
      expect(textOf(writer.message)).toBe("hello");
      await writer.update({
        parts: [
          { type: "text", text: "hello", state: "done" },
          { type: "tool-view", toolCallId: "tc", state: "input-available", input: {} },
        ],
      });
      const stored = await reader.messages.get(writer.id);
      expect(stored.parts).toMatchObject([{ text: "hello", state: "done" }, { type: "tool-view" }]);
      // Chunks may follow a snapshot: they start from no open part.
      await writer.write({ type: "text-start", id: "t2" });
      await writer.write({ type: "text-delta", id: "t2", delta: " world" });
      await writer.finish();
      expect(textOf(await reader.messages.get(writer.id))).toBe("hello world");
    });

    it("R7: idle() waits for an urgent commit that is not yet queued (no hang on close)", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 3_600_000 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      const write = writer.write({ type: "text-start", id: "t" }); // not awaited
      await threadline.idle();
      await write;
      expect((await threadline.store.getMessage("default", writer.id))?.parts).toHaveLength(1);
    });
  });
}
