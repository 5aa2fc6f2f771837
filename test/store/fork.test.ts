import { describe, expect, it } from "vitest";
import { applyThreadEvent, createThreadView } from "../../src/protocol/thread-view.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";

for (const backend of BACKENDS) {
  describe(`fork [${backend.name}]`, () => {
    it("R19: a fork's history equals the source up to atSeq; the source is not modified", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      const source = await threadline.threads.create({ title: "source" });
      await threadline.messages.append(source.id, {
        role: "user",
        parts: [{ type: "text", text: "q1" }],
      });
      const writer = await threadline.writers.open(source.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "partial" });
      const atSeq = (await threadline.threads.get(source.id)).headSeq; // the answer is streaming here
      await writer.write({ type: "text-delta", id: "t", delta: " and more" });
      await writer.finish();
      await threadline.messages.append(source.id, {
        role: "user",
        parts: [{ type: "text", text: "q2" }],
      });
      const sourceLog = await logOf(threadline.store, "default", source.id);

      const fork = await threadline.threads.fork(source.id, { atSeq, title: "fork" });
      expect(fork.forkedFrom).toEqual({ threadId: source.id, seq: atSeq });
      const { messages } = await threadline.messages.list(fork.id);
      expect(messages.map(textOf)).toEqual(["q1", "partial"]);
      expect(messages.map((m) => m.status)).toEqual(["completed", "aborted"]);
      expect(new Set(messages.map((m) => m.id)).has(writer.id)).toBe(false); // ids stay unique
      const forkLog = await logOf(threadline.store, "default", fork.id);
      expect(forkLog.map((e) => e.type)).toEqual([
        "thread.forked",
        "message.created",
        "message.created",
      ]);
      expect(await logOf(threadline.store, "default", source.id)).toEqual(sourceLog);

      const whole = await threadline.threads.fork(source.id, { atMessageId: writer.id });
      expect((await threadline.messages.list(whole.id)).messages.map(textOf)).toEqual([
        "q1",
        "partial and more",
      ]);
    });

    it("R19: bad fork points are refused", async () => {
      const { threadline } = await openThreadline(backend);
      const source = await threadline.threads.create();
      await expect(threadline.threads.fork(source.id, { atSeq: 0 })).rejects.toMatchObject({
        code: "bad_offset",
      });
      await expect(threadline.threads.fork(source.id, { atSeq: 9 })).rejects.toMatchObject({
        code: "bad_offset",
      });
      await expect(
        threadline.threads.fork(source.id, { atMessageId: "nope" }),
      ).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(threadline.workspace("other").threads.fork(source.id)).rejects.toMatchObject({
        code: "not_found",
      });
    });

    it("R13: replaying the log onto a view rebuilds the stored messages; overlaps are ignored", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "ab" });
      await writer.write({ type: "text-delta", id: "t", delta: "cd" });
      const log = await logOf(threadline.store, "default", thread.id);
      let view = createThreadView(0, []);
      for (const event of [...log, ...log]) view = applyThreadEvent(view, event); // overlap twice
      expect(view.messages.map(textOf)).toEqual(["abcd"]);
      expect(view.seq).toBe(log.at(-1)?.seq);
    });
  });
}
