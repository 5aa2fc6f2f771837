import { convertToModelMessages, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import {
  ABORTED_TOOL_ERROR_TEXT,
  classifyChunk,
  createFoldState,
  FAILED_TOOL_ERROR_TEXT,
  finalizeMessage,
  foldChunks,
  mergeDeltaChunks,
  type UIMessage,
  type UIMessageChunk,
} from "../../src/message/index.js";

/** A message cut off while tools are in every unresolved state (and some resolved ones). */
const CHUNKS: UIMessageChunk[] = [
  { type: "start", messageId: "msg-1" },
  { type: "start-step" },
  { type: "text-start", id: "0" },
  { type: "text-delta", id: "0", delta: "Let me look" },
  { type: "tool-input-start", toolCallId: "done", toolName: "weather" },
  {
    type: "tool-input-available",
    toolCallId: "done",
    toolName: "weather",
    input: { city: "Oslo" },
  },
  { type: "tool-output-available", toolCallId: "done", output: { temp: 3 } },
  { type: "tool-input-start", toolCallId: "awaiting", toolName: "confirm" },
  { type: "tool-input-available", toolCallId: "awaiting", toolName: "confirm", input: { ok: 1 } },
  { type: "tool-input-start", toolCallId: "asked", toolName: "delete" },
  { type: "tool-input-available", toolCallId: "asked", toolName: "delete", input: { id: 7 } },
  { type: "tool-approval-request", toolCallId: "asked", approvalId: "ap-1" },
  { type: "tool-input-start", toolCallId: "answered", toolName: "mcp", dynamic: true },
  {
    type: "tool-input-available",
    toolCallId: "answered",
    toolName: "mcp",
    input: {},
    dynamic: true,
  },
  { type: "tool-approval-request", toolCallId: "answered", approvalId: "ap-2" },
  { type: "tool-approval-response", approvalId: "ap-2", approved: true },
  { type: "tool-input-start", toolCallId: "refused", toolName: "pay" },
  { type: "tool-input-available", toolCallId: "refused", toolName: "pay", input: { eur: 5 } },
  { type: "tool-approval-request", toolCallId: "refused", approvalId: "ap-3" },
  { type: "tool-approval-response", approvalId: "ap-3", approved: false, reason: "too much" },
  { type: "tool-input-start", toolCallId: "streaming", toolName: "search" },
  { type: "tool-input-delta", toolCallId: "streaming", inputTextDelta: '{"query":"cheap fl' },
];

const STREAMED = foldChunks(
  createFoldState({ id: "", role: "assistant", parts: [] }),
  CHUNKS,
).message;

function toolPart(message: UIMessage, toolCallId: string) {
  return message.parts.find((part) => "toolCallId" in part && part.toolCallId === toolCallId);
}

describe("finalizeMessage (SPEC R16)", () => {
  it("R16: completed changes nothing; a call awaiting a client-side result stays input-available", () => {
    const final = finalizeMessage(STREAMED, "completed");
    expect(final).toBe(STREAMED);
    expect(toolPart(final, "awaiting")).toMatchObject({ state: "input-available" });
  });

  for (const status of ["aborted", "error"] as const) {
    it(`R16: ${status} gives every call without a result a synthetic result`, () => {
      const final = finalizeMessage(Object.freeze(STREAMED), status);
      const errorText = status === "aborted" ? ABORTED_TOOL_ERROR_TEXT : FAILED_TOOL_ERROR_TEXT;
      expect(toolPart(final, "awaiting")).toEqual({
        type: "tool-confirm",
        toolCallId: "awaiting",
        state: "output-error",
        input: { ok: 1 },
        errorText,
      });
      // An unanswered approval is dropped: an output-error part may only carry a granted one.
      expect(toolPart(final, "asked")).toEqual({
        type: "tool-delete",
        toolCallId: "asked",
        state: "output-error",
        input: { id: 7 },
        errorText,
      });
      expect(toolPart(final, "refused")).toEqual({
        type: "tool-pay",
        toolCallId: "refused",
        state: "output-denied",
        input: { eur: 5 },
        approval: { id: "ap-3", approved: false, reason: "too much" },
      });
      expect(toolPart(final, "answered")).toMatchObject({
        type: "dynamic-tool",
        toolName: "mcp",
        state: "output-error",
        errorText,
        approval: { id: "ap-2", approved: true },
      });
      expect(toolPart(final, "done")).toBe(toolPart(STREAMED, "done"));
    });
  }

  it("R16: a call still streaming its input keeps the input parsed so far", () => {
    const final = finalizeMessage(STREAMED, "aborted");
    expect(toolPart(final, "streaming")).toEqual({
      type: "tool-search",
      toolCallId: "streaming",
      state: "output-error",
      input: { query: "cheap fl" },
      rawInput: '{"query":"cheap fl',
      errorText: ABORTED_TOOL_ERROR_TEXT,
    });
  });

  it("R16: error uses the given error text and keeps partial text", () => {
    const final = finalizeMessage(STREAMED, "error", "provider overloaded");
    expect(toolPart(final, "awaiting")).toMatchObject({ errorText: "provider overloaded" });
    expect(final.parts).toContainEqual({ type: "text", text: "Let me look", state: "streaming" });
    expect(final.parts).toHaveLength(STREAMED.parts.length);
    expect(final.id).toBe("msg-1");
  });

  it("R16: the finalized history is a valid UIMessage that converts to model messages", async () => {
    for (const status of ["aborted", "error"] as const) {
      const final = finalizeMessage(STREAMED, status);
      const user: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] };
      const messages = await validateUIMessages({ messages: [user, final] });
      const model = await convertToModelMessages(messages);
      const results = model.flatMap((message) =>
        Array.isArray(message.content)
          ? message.content.filter((c) => c.type === "tool-result")
          : [],
      );
      expect(results.map((result) => result.toolCallId).sort()).toStrictEqual(
        ["answered", "asked", "awaiting", "done", "refused", "streaming"].sort(),
      );
    }
  });

  it("R16: a message without open tool calls is returned as is", () => {
    const message: UIMessage = { id: "m", role: "assistant", parts: [{ type: "text", text: "x" }] };
    expect(finalizeMessage(message, "aborted")).toBe(message);
  });
});

describe("classifyChunk (SPEC R3, R4)", () => {
  const cases: Array<[UIMessageChunk, "delta" | "structural" | "terminal"]> = [
    [{ type: "text-delta", id: "0", delta: "a" }, "delta"],
    [{ type: "reasoning-delta", id: "0", delta: "a" }, "delta"],
    [{ type: "tool-input-delta", toolCallId: "c", inputTextDelta: "{" }, "delta"],
    [{ type: "message-metadata", messageMetadata: { a: 1 } }, "delta"],
    [{ type: "finish" }, "terminal"],
    [{ type: "error", errorText: "e" }, "terminal"],
    [{ type: "abort" }, "terminal"],
    [{ type: "start" }, "structural"],
    [{ type: "text-start", id: "0" }, "structural"],
    [{ type: "text-end", id: "0" }, "structural"],
    [{ type: "reasoning-end", id: "0" }, "structural"],
    [{ type: "tool-input-start", toolCallId: "c", toolName: "t" }, "structural"],
    [{ type: "tool-input-available", toolCallId: "c", toolName: "t", input: {} }, "structural"],
    [{ type: "tool-output-available", toolCallId: "c", output: 1 }, "structural"],
    [{ type: "tool-approval-request", toolCallId: "c", approvalId: "a" }, "structural"],
    [{ type: "start-step" }, "structural"],
    [{ type: "finish-step" }, "structural"],
    [{ type: "reset-step" }, "structural"],
    [{ type: "source-url", sourceId: "s", url: "https://x.test" }, "structural"],
    [{ type: "file", url: "data:,", mediaType: "text/plain" }, "structural"],
    [{ type: "data-status", data: 1 }, "structural"],
    [{ type: "custom", kind: "a.b" }, "structural"],
  ];
  for (const [chunk, kind] of cases) {
    it(`R3/R4: ${chunk.type} is ${kind}`, () => {
      expect(classifyChunk(chunk)).toBe(kind);
    });
  }
});

describe("mergeDeltaChunks (SPEC R3)", () => {
  it("R3: merges adjacent deltas of the same part or call only, keeping a tool run's last", () => {
    const pm = { providerMetadata: { p: { x: 1 } } };
    expect(
      mergeDeltaChunks([
        { type: "text-delta", id: "0", delta: "Hel" },
        { type: "text-delta", id: "0", delta: "lo" },
        { type: "text-delta", id: "1", delta: "!" },
        { type: "reasoning-delta", id: "1", delta: "a" },
        { type: "reasoning-delta", id: "1", delta: "b", ...pm },
        { type: "tool-input-delta", toolCallId: "c", inputTextDelta: '{"a"' },
        { type: "tool-input-delta", toolCallId: "c", inputTextDelta: ":1" },
        { type: "tool-input-delta", toolCallId: "c", inputTextDelta: "}" },
        { type: "tool-input-delta", toolCallId: "d", inputTextDelta: "{" },
        { type: "text-end", id: "0" },
        { type: "text-delta", id: "0", delta: "x" },
      ]),
    ).toStrictEqual([
      { type: "text-delta", id: "0", delta: "Hello" },
      { type: "text-delta", id: "1", delta: "!" },
      { type: "reasoning-delta", id: "1", delta: "a" },
      { type: "reasoning-delta", id: "1", delta: "b", ...pm },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: '{"a":1' },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: "}" },
      { type: "tool-input-delta", toolCallId: "d", inputTextDelta: "{" },
      { type: "text-end", id: "0" },
      { type: "text-delta", id: "0", delta: "x" },
    ]);
  });
});
