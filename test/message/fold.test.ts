import { describe, expect, it } from "vitest";
import {
  createFoldState,
  type FoldState,
  foldChunk,
  foldChunks,
  type UIMessage,
  type UIMessageChunk,
} from "../../src/message/index.js";
import { rejectionOf } from "../support/helpers.js";
import { foldWithAi, toJson } from "./ai-oracle.js";

const EMPTY: FoldState = createFoldState({ id: "", role: "assistant", parts: [] });

async function expectSameAsAi7(chunks: UIMessageChunk[], message?: UIMessage) {
  const ai = await foldWithAi("ai7", chunks, message);
  expect(ai.completed).toBe(true);
  const start = message === undefined ? EMPTY : createFoldState(message);
  const folded = foldChunks(start, chunks).message;
  expect(toJson(folded)).toStrictEqual(ai.message);
  return folded;
}

describe("foldChunk (SPEC R1)", () => {
  it('R1: part ids repeat across steps (Anthropic sends "0" every step)', async () => {
    const folded = await expectSameAsAi7([
      { type: "start", messageId: "m" },
      { type: "start-step" },
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "first" },
      { type: "text-end", id: "0" },
      { type: "finish-step" },
      { type: "start-step" },
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "second" },
      { type: "text-end", id: "0" },
    ]);
    expect(folded.parts.filter((part) => part.type === "text")).toStrictEqual([
      { type: "text", text: "first", state: "done" },
      { type: "text", text: "second", state: "done" },
    ]);
  });

  it("R1: finish-step leaves parts open (ai 7; ai 5 and 6 close them and then reject the delta)", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "start-step" },
      { type: "text-start", id: "a" },
      { type: "finish-step" },
      { type: "text-delta", id: "a", delta: "late" },
    ];
    await expectSameAsAi7(chunks);
    expect((await foldWithAi("ai6", chunks)).completed).toBe(false);
    expect((await foldWithAi("ai5", chunks)).completed).toBe(false);
  });

  it("R1: a stored message's input-streaming tool calls take further deltas", async () => {
    const stored = foldChunks(EMPTY, [
      { type: "start", messageId: "m" },
      { type: "start-step" },
      { type: "tool-input-start", toolCallId: "s", toolName: "search" },
      { type: "tool-input-delta", toolCallId: "s", inputTextDelta: '{"q":"ca' },
      { type: "tool-input-start", toolCallId: "d", toolName: "mcp", dynamic: true },
      { type: "tool-input-delta", toolCallId: "d", inputTextDelta: "[1," },
    ]).message;
    const folded = await expectSameAsAi7(
      [
        { type: "tool-input-delta", toolCallId: "s", inputTextDelta: 'ts"}' },
        { type: "tool-input-delta", toolCallId: "d", inputTextDelta: "2]" },
      ],
      toJson(stored),
    );
    expect(folded.parts.slice(1)).toMatchObject([
      { toolCallId: "s", input: { q: "cats" }, rawInput: '{"q":"cats"}' },
      { toolCallId: "d", input: [1, 2], rawInput: "[1,2]" },
    ]);
  });

  it("R1: ids such as constructor and __proto__ are plain keys, also after a JSON round trip", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "text-start", id: "constructor" },
      { type: "reasoning-start", id: "__proto__" },
      { type: "tool-input-start", toolCallId: "toString", toolName: "t" },
    ];
    const more: UIMessageChunk[] = [
      { type: "text-delta", id: "constructor", delta: "a" },
      { type: "reasoning-delta", id: "__proto__", delta: "b" },
      { type: "tool-input-delta", toolCallId: "toString", inputTextDelta: "{}" },
    ];
    const resumed = foldChunks(toJson(foldChunks(EMPTY, chunks)), more);
    expect(toJson(resumed.message)).toStrictEqual(
      (await foldWithAi("ai7", [...chunks, ...more])).message,
    );
    expect(
      rejectionOf(() => foldChunk(EMPTY, { type: "text-delta", id: "hasOwnProperty", delta: "x" })),
    ).toMatchObject({ code: "chunk_rejected" });
  });

  it("R1: copies only the changed part and the parts array; the input state is untouched", () => {
    const before = foldChunks(EMPTY, [
      { type: "start-step" },
      { type: "reasoning-start", id: "r" },
      { type: "text-start", id: "t" },
    ]);
    const after = foldChunk(before, { type: "text-delta", id: "t", delta: "x" });
    expect(after.message.parts).not.toBe(before.message.parts);
    expect(after.message.parts[0]).toBe(before.message.parts[0]);
    expect(after.message.parts[1]).toBe(before.message.parts[1]);
    expect(after.message.parts[2]).toStrictEqual({ type: "text", text: "x", state: "streaming" });
    expect(before.message.parts[2]).toStrictEqual({ type: "text", text: "", state: "streaming" });
    expect(after.open).toBe(before.open);
  });

  it("R1: chunks that change nothing return the same state", () => {
    for (const chunk of [
      { type: "finish-step" },
      { type: "error", errorText: "x" },
      { type: "abort" },
      { type: "data-toast", data: 1, transient: true },
      { type: "start" },
    ] as UIMessageChunk[]) {
      expect(foldChunk(EMPTY, chunk)).toBe(EMPTY);
    }
  });

  it("R1: folds thousands of deltas into a large message quickly", () => {
    let state = foldChunks(EMPTY, [
      { type: "start-step" },
      ...Array.from(
        { length: 30 },
        (_, i): UIMessageChunk => ({ type: "data-x", id: `${i}`, data: "y".repeat(1000) }),
      ),
      { type: "text-start", id: "0" },
    ]);
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      state = foldChunk(state, { type: "text-delta", id: "0", delta: "abcde" });
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((state.message.parts.at(-1) as { text: string }).text).toHaveLength(50_000);
  });
});

describe("foldChunk and foldChunks errors (SPEC R2)", () => {
  it("R2: foldChunk names the chunk type and the reason", () => {
    expect(
      rejectionOf(() => foldChunk(EMPTY, { type: "text-delta", id: "x", delta: "a" })),
    ).toStrictEqual({
      code: "chunk_rejected",
      chunkType: "text-delta",
      reason: 'no open text part with id "x" (a "text-start" chunk must come first)',
      message:
        'Cannot apply "text-delta" chunk: no open text part with id "x" (a "text-start" chunk must come first)',
    });
  });

  it("R2: foldChunks adds the chunk index and keeps the input state", () => {
    const chunks: UIMessageChunk[] = [
      { type: "text-start", id: "a" },
      { type: "text-end", id: "a" },
      { type: "tool-output-available", toolCallId: "nope", output: 1 },
    ];
    expect(rejectionOf(() => foldChunks(EMPTY, chunks))).toStrictEqual({
      code: "chunk_rejected",
      chunkIndex: 2,
      chunkType: "tool-output-available",
      reason: 'no tool call with toolCallId "nope" in the message',
      message:
        'Chunk at index 2 (type "tool-output-available") rejected: no tool call with toolCallId "nope" in the message',
    });
    expect(EMPTY.message.parts).toStrictEqual([]);
  });

  it("R2: rejects an unknown chunk type and metadata that cannot merge, where ai fails", async () => {
    expect(
      rejectionOf(() => foldChunk(EMPTY, { type: "nonsense" } as unknown as UIMessageChunk)),
    ).toMatchObject({ code: "chunk_rejected", reason: 'unknown chunk type "nonsense"' });
    const primitive: UIMessageChunk[] = [
      { type: "message-metadata", messageMetadata: 5 },
      { type: "message-metadata", messageMetadata: { a: 1 } },
    ];
    expect(rejectionOf(() => foldChunks(EMPTY, primitive))).toMatchObject({
      code: "chunk_rejected",
      chunkIndex: 1,
      reason: "cannot merge messageMetadata into number metadata",
    });
    expect((await foldWithAi("ai7", primitive)).completed).toBe(false);
  });
});

describe("where ai 5 and 6 differ from ai 7 (the fold follows ai 7, SPEC R1)", () => {
  it("R1: tool-input-error keeps the input as input (ai 5/6 move it to rawInput)", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "tool-input-start", toolCallId: "c", toolName: "t" },
      { type: "tool-input-error", toolCallId: "c", toolName: "t", input: "{bad", errorText: "e" },
    ];
    const folded = await expectSameAsAi7(chunks);
    expect(folded.parts[0]).toMatchObject({ state: "output-error", input: "{bad" });
    for (const version of ["ai5", "ai6"] as const) {
      expect((await foldWithAi(version, chunks)).message?.parts[0]).toMatchObject({
        state: "output-error",
        rawInput: "{bad",
      });
    }
  });

  it("R1: partial JSON `[-` is [] (ai 6 keeps the sign and gets no value)", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "tool-input-start", toolCallId: "c", toolName: "t" },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: "[-" },
    ];
    const folded = await expectSameAsAi7(chunks);
    expect(folded.parts[0]).toMatchObject({ input: [] });
    expect((await foldWithAi("ai6", chunks)).message?.parts[0]).not.toHaveProperty("input");
  });
});
