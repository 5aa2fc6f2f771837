import { describe, expect, it } from "vitest";
import { UIMessageStreamReplay } from "../../src/http/index.js";
import type { UIMessageChunk } from "../../src/message/index.js";
import type { ThreadEvent } from "../../src/protocol/events.js";
import type { StoredMessage } from "../../src/protocol/resources.js";

const base = { threadId: "t1", createdAt: 0 };

function message(overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: "a1",
    role: "assistant",
    parts: [],
    threadId: "t1",
    status: "streaming",
    revision: 1,
    createdSeq: 2,
    createdAt: 0,
    updatedAt: 0,
    finishedAt: null,
    ...overrides,
  };
}

const created = (seq: number, metadata?: unknown): ThreadEvent => ({
  ...base,
  type: "message.created",
  seq,
  messageId: "a1",
  revision: 1,
  data: { message: message(metadata === undefined ? {} : { metadata }) },
});

const delta = (seq: number, chunks: UIMessageChunk[], messageId = "a1"): ThreadEvent => ({
  ...base,
  type: "message.delta",
  seq,
  messageId,
  revision: seq,
  data: { chunks },
});

const finished = (
  seq: number,
  chunks: UIMessageChunk[],
  status: StoredMessage["status"],
): ThreadEvent => ({
  ...base,
  type: "message.finished",
  seq,
  messageId: "a1",
  revision: seq,
  data: {
    message: message({ status, ...(status === "error" ? { errorText: "boom" } : {}) }),
    chunks,
  },
});

const TEXT: UIMessageChunk[] = [
  { type: "text-start", id: "0" },
  { type: "text-delta", id: "0", delta: "Hi" },
];

describe("UIMessageStreamReplay (SPEC §3 GET /v1/threads/:id/stream)", () => {
  it("synthesizes a start chunk with the message id when the recorded stream has none", () => {
    const replay = new UIMessageStreamReplay("a1");
    expect(replay.next(created(2)).chunks).toEqual([]);
    expect(replay.next(delta(3, TEXT)).chunks).toEqual([
      { type: "start", messageId: "a1" },
      ...TEXT,
    ]);
    expect(replay.next(delta(4, [{ type: "text-end", id: "0" }])).chunks).toEqual([
      { type: "text-end", id: "0" },
    ]);
  });

  it("carries the metadata the message was created with on the synthesized start", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2, { model: "m" }));
    expect(replay.next(delta(3, TEXT)).chunks[0]).toEqual({
      type: "start",
      messageId: "a1",
      messageMetadata: { model: "m" },
    });
  });

  it("puts the stored message id on every recorded start chunk", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    const chunks = replay.next(delta(3, [{ type: "start", messageId: "other" }, ...TEXT])).chunks;
    expect(chunks).toEqual([{ type: "start", messageId: "a1" }, ...TEXT]);
  });

  it("R13: ignores other messages' events and anything at or below the last seq", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    expect(replay.next(delta(3, TEXT, "other")).chunks).toEqual([]);
    expect(replay.next(delta(4, TEXT)).chunks).toHaveLength(3);
    expect(replay.next(delta(4, TEXT)).chunks).toEqual([]);
    expect(replay.next(delta(3, TEXT)).chunks).toEqual([]);
  });

  it("ends finished with the terminal chunk of message.finished", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    replay.next(delta(3, TEXT));
    expect(replay.next(finished(4, [{ type: "finish" }], "completed"))).toEqual({
      chunks: [{ type: "finish" }],
      end: "finished",
    });
  });

  for (const [status, terminal] of [
    ["aborted", { type: "abort" }],
    ["error", { type: "error", errorText: "boom" }],
    ["completed", { type: "finish" }],
  ] as const) {
    it(`R18: a finish without a terminal chunk (${status}, e.g. the sweep) adds ${terminal.type}`, () => {
      const replay = new UIMessageStreamReplay("a1");
      replay.next(created(2));
      replay.next(delta(3, TEXT));
      expect(replay.next(finished(4, [], status))).toEqual({ chunks: [terminal], end: "finished" });
    });
  }

  it("a message finished before any chunk still starts with start", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    expect(replay.next(finished(3, [], "aborted")).chunks).toEqual([
      { type: "start", messageId: "a1" },
      { type: "abort" },
    ]);
  });

  it("R20: ends gone when the message or the thread is deleted", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    const deleted: ThreadEvent = {
      ...base,
      type: "message.deleted",
      seq: 3,
      messageId: "a1",
      revision: null,
      data: {},
    };
    expect(replay.next(deleted).end).toBe("gone");
    const threadDeleted: ThreadEvent = { ...deleted, type: "thread.deleted", messageId: null };
    expect(new UIMessageStreamReplay("a1").next(threadDeleted).end).toBe("gone");
  });

  it("ends unsupported at a whole-message replacement (writer.update), which has no chunk form", () => {
    const replay = new UIMessageStreamReplay("a1");
    replay.next(created(2));
    const replaced: ThreadEvent = {
      ...base,
      type: "message.delta",
      seq: 3,
      messageId: "a1",
      revision: 2,
      data: { message: { id: "a1", role: "assistant", parts: [] }, chunks: [] },
    };
    expect(replay.next(replaced)).toEqual({ chunks: [], end: "unsupported" });
  });
});
