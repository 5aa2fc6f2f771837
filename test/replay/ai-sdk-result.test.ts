/**
 * The AI SDK's own final message for a chunk stream, the reference a persisted message is compared
 * against.
 */
import { describe, expect, it } from "vitest";
import type { UIMessageChunk } from "../../src/message/index.js";
import { aiSdkFinalMessage, replayProviderRecording } from "../../src/replay/index.js";
import { readRecording } from "./recordings.js";

const TEXT: UIMessageChunk[] = [
  { type: "start", messageId: "m1" },
  { type: "start-step" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Hel" },
  { type: "text-delta", id: "t", delta: "lo" },
  { type: "text-end", id: "t" },
  { type: "finish-step" },
  { type: "finish", finishReason: "stop", messageMetadata: { tokens: 3 } },
];

describe("aiSdkFinalMessage", () => {
  it("returns the message readUIMessageStream ends with", async () => {
    expect(await aiSdkFinalMessage(TEXT)).toStrictEqual({
      message: {
        id: "m1",
        role: "assistant",
        metadata: { tokens: 3 },
        parts: [{ type: "step-start" }, { type: "text", text: "Hello", state: "done" }],
      },
      completed: true,
      errors: [],
    });
  });

  it("reads a replay directly", async () => {
    const file = readRecording("anthropic/anthropic-text.chunks.txt");
    const { message, completed } = await aiSdkFinalMessage(replayProviderRecording(file));
    expect(completed).toBe(true);
    expect(message.id).toBe("msg-anthropic-text");
    expect(message.parts.at(-1)).toMatchObject({
      type: "text",
      text: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
      state: "done",
    });
  });

  it("collects the error chunks' texts", async () => {
    const chunks: UIMessageChunk[] = [{ type: "start" }, { type: "error", errorText: "quota" }];
    const result = await aiSdkFinalMessage(chunks);
    expect(result.errors).toStrictEqual(["quota"]);
    expect(result.completed).toBe(true);
  });

  it("says when the AI SDK stopped early on a chunk it cannot apply", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "start", messageId: "m1" },
      { type: "text-delta", id: "missing", delta: "x" },
      { type: "start-step" },
    ];
    const result = await aiSdkFinalMessage(chunks);
    expect(result.completed).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.message.parts).toStrictEqual([]);
  });
});
