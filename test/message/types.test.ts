import type { UIMessageChunk as Ai7Chunk, UIMessage as Ai7UIMessage } from "ai";
import type { UIMessageChunk as Ai5Chunk, UIMessage as Ai5UIMessage } from "ai-v5";
import type { UIMessageChunk as Ai6Chunk, UIMessage as Ai6UIMessage } from "ai-v6";
import { describe, expectTypeOf, it } from "vitest";
import type { UIMessage, UIMessageChunk } from "../../src/message/index.js";

describe("AI SDK type compatibility (SPEC §1 Message, R1)", () => {
  it("R1: AI SDK messages and chunks of ai 5, 6 and 7 are Threadline messages and chunks", () => {
    expectTypeOf<Ai7UIMessage>().toExtend<UIMessage>();
    expectTypeOf<Ai6UIMessage>().toExtend<UIMessage>();
    expectTypeOf<Ai5UIMessage>().toExtend<UIMessage>();
    expectTypeOf<Ai7Chunk>().toExtend<UIMessageChunk>();
    expectTypeOf<Ai6Chunk>().toExtend<UIMessageChunk>();
    // ai 5 also allows finishReason "unknown", which ai 6 and 7 (and parseChunk) reject.
    expectTypeOf<Exclude<Ai5Chunk, { type: "finish" }>>().toExtend<UIMessageChunk>();
    expectTypeOf<Ai5Chunk & { type: "finish" }>().not.toExtend<UIMessageChunk>();
  });

  it("R1: Threadline messages and chunks are ai 7 messages and chunks", () => {
    expectTypeOf<UIMessage>().toExtend<Ai7UIMessage>();
    expectTypeOf<UIMessageChunk>().toExtend<Ai7Chunk>();
  });
});
