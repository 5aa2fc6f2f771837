import { describe, expect, it } from "vitest";
import { exportThreadJsonl, importThreadJsonl } from "../../src/transfer/thread-jsonl.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { textOf } from "../support/helpers.js";

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

for (const backend of BACKENDS) {
  describe(`export / import [${backend.name}]`, () => {
    it("SPEC §4: an exported thread imports into another database unchanged; a streaming message arrives aborted", async () => {
      const { threadline: source } = await openThreadline(backend, { windowMs: 0 });
      const thread = await source.threads.create({ title: "exported", metadata: { team: "a" } });
      await source.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "q" }],
      });
      const done = await source.writers.open(thread.id);
      await done.write({ type: "text-start", id: "t" });
      await done.write({ type: "text-delta", id: "t", delta: "answer" });
      await done.finish();
      const open = await source.writers.open(thread.id);
      await open.write({ type: "tool-input-start", toolCallId: "c", toolName: "search" });

      const lines = await collect(exportThreadJsonl(source, thread.id));
      expect(lines.map((l) => JSON.parse(l).type)).toEqual([
        "thread",
        "message",
        "message",
        "message",
      ]);

      const { threadline: target, clock } = await openThreadline(backend);
      const imported = await importThreadJsonl(target, lines, { now: clock.now() });
      expect(imported.messages).toBe(3);
      expect(imported.thread).toMatchObject({
        id: thread.id,
        title: "exported",
        metadata: { team: "a" },
      });
      const { messages } = await target.messages.list(thread.id);
      expect(messages.map((m) => [m.id, m.status, textOf(m)])).toEqual([
        [expect.any(String), "completed", "q"],
        [done.id, "completed", "answer"],
        [open.id, "aborted", ""],
      ]);
      expect(messages[2]?.parts).toMatchObject([{ state: "output-error" }]);

      await expect(importThreadJsonl(target, lines, { now: clock.now() })).rejects.toMatchObject({
        code: "conflict",
      });
      const renamed = await importThreadJsonl(target.workspace("copy"), lines, {
        threadId: "renamed",
        now: 1,
      });
      expect(renamed.thread.id).toBe("renamed");
    });

    it("issue 7: a malformed import names the bad line and stores nothing, not even the thread", async () => {
      const { threadline } = await openThreadline(backend);
      const bad = [
        JSON.stringify({ type: "thread", thread: { id: "t1", title: null, metadata: null } }),
        "{not json",
      ];
      await expect(importThreadJsonl(threadline, bad, { now: 1 })).rejects.toMatchObject({
        code: "bad_request",
        message: expect.stringContaining("line 2"),
      });
      await expect(threadline.threads.get("t1")).rejects.toMatchObject({ code: "not_found" });
      await expect(
        importThreadJsonl(threadline, ['{"type":"message","message":{}}'], { now: 1 }),
      ).rejects.toMatchObject({
        message: expect.stringContaining("line 1"),
      });
      await expect(importThreadJsonl(threadline, [], { now: 1 })).rejects.toMatchObject({
        code: "bad_request",
      });
    });

    it("R2: an imported message with a bad part → bad_request naming the line and the part index", async () => {
      const { threadline } = await openThreadline(backend);
      const message = (id: string, status: string, parts: unknown[]) =>
        JSON.stringify({
          type: "message",
          message: { id, threadId: "t1", role: "assistant", status, parts },
        });
      const lines = [
        JSON.stringify({ type: "thread", thread: { id: "t1", title: null, metadata: null } }),
        message("m1", "completed", [{ type: "text", text: "fine" }]),
        message("m2", "completed", [{ type: "step-start" }, { type: "banana" }]),
        message("m3", "completed", [{ type: "text", text: "never reached" }]),
      ];
      await expect(importThreadJsonl(threadline, lines, { now: 1 })).rejects.toMatchObject({
        code: "bad_request",
        message: 'import line 3: parts[1]: unknown part type "banana"',
        details: { line: 3, partIndex: 1 },
      });
      // All or nothing (issue 7): no thread, not even the messages before the bad line.
      await expect(threadline.threads.get("t1")).rejects.toMatchObject({ code: "not_found" });
      await expect(threadline.messages.get("m1")).rejects.toMatchObject({ code: "not_found" });

      // A message exported while streaming is checked before it is finalized as aborted.
      const streaming = [
        JSON.stringify({ type: "thread", thread: { id: "t2", title: null, metadata: null } }),
        message("m4", "streaming", [null]),
      ];
      await expect(importThreadJsonl(threadline, streaming, { now: 1 })).rejects.toMatchObject({
        code: "bad_request",
        message: "import line 2: parts[0]: part must be an object, got null",
      });
    });

    it("issue 7: an import that fails while writing (a message id taken) leaves no thread behind", async () => {
      const { threadline } = await openThreadline(backend);
      await threadline.threads.create({ id: "other" });
      await threadline.messages.append("other", {
        id: "taken",
        role: "user",
        parts: [{ type: "text", text: "already here" }],
      });
      const message = (id: string) =>
        JSON.stringify({
          type: "message",
          message: { id, threadId: "t1", role: "user", status: "completed", parts: [] },
        });
      const lines = [
        JSON.stringify({ type: "thread", thread: { id: "t1", title: null, metadata: null } }),
        message("m1"),
        message("taken"),
      ];
      await expect(importThreadJsonl(threadline, lines, { now: 1 })).rejects.toMatchObject({
        code: "conflict",
      });
      await expect(threadline.threads.get("t1")).rejects.toMatchObject({ code: "not_found" });
      await expect(threadline.messages.get("m1")).rejects.toMatchObject({ code: "not_found" });
      expect((await threadline.messages.get("taken")).threadId).toBe("other");
    });
  });
}
