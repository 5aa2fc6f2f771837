import { describe, expect, it } from "vitest";
import { isThreadlineError } from "../../src/errors.js";
import { parseChunk, parseChunkJson } from "../../src/message/index.js";

function rejectionOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isThreadlineError(error)) {
      return {
        code: error.code,
        status: error.status,
        message: error.message,
        details: error.details,
      };
    }
    throw error;
  }
  throw new Error("expected invalid_chunk");
}

describe("parseChunk (SPEC R2)", () => {
  it("R2: returns a valid chunk as it is, extra fields included", () => {
    const chunk = { type: "text-delta", id: "0", delta: "Hi", extra: { x: 1 } };
    expect(parseChunk(chunk, 0)).toBe(chunk);
    const data = { type: "data-weather", id: "w", data: { temp: 3 }, transient: false };
    expect(parseChunk(data, 1)).toBe(data);
  });

  const cases: Array<[string, unknown, string]> = [
    ["a non-object", "hello", "Invalid chunk at index 7: chunk must be an object, got string"],
    ["null", null, "Invalid chunk at index 7: chunk must be an object, got null"],
    ["an array", [], "Invalid chunk at index 7: chunk must be an object, got array"],
    ["no type", { id: "0" }, 'Invalid chunk at index 7: missing field "type"'],
    [
      "a numeric type",
      { type: 3 },
      'Invalid chunk at index 7: field "type" must be a string, got number',
    ],
    [
      "an unknown type",
      { type: "text-chunk" },
      'Invalid chunk at index 7 (type "text-chunk"): unknown chunk type "text-chunk"',
    ],
    [
      "a missing field",
      { type: "text-delta", id: "0" },
      'Invalid chunk at index 7 (type "text-delta"): missing field "delta"',
    ],
    [
      "a field of the wrong type",
      { type: "text-delta", id: "0", delta: 5 },
      'Invalid chunk at index 7 (type "text-delta"): field "delta" must be string, got number',
    ],
    [
      "a bad enum value",
      { type: "finish", finishReason: "done" },
      'Invalid chunk at index 7 (type "finish"): field "finishReason" must be one of "stop", "length", "content-filter", "tool-calls", "error", "interrupted", "other", got "done"',
    ],
    [
      "a missing unknown-typed field",
      { type: "tool-output-available", toolCallId: "c" },
      'Invalid chunk at index 7 (type "tool-output-available"): missing field "output"',
    ],
    [
      "bad provider metadata",
      { type: "text-delta", id: "0", delta: "", providerMetadata: { a: 1 } },
      'Invalid chunk at index 7 (type "text-delta"): field "providerMetadata.a" must be record, got number',
    ],
    [
      "a data chunk without data",
      { type: "data-x", id: "1" },
      'Invalid chunk at index 7 (type "data-x"): missing field "data"',
    ],
  ];
  for (const [what, value, message] of cases) {
    it(`R2: rejects ${what} with invalid_chunk naming the index and reason`, () => {
      const error = rejectionOf(() => parseChunk(value, 7));
      expect(error).toMatchObject({ code: "invalid_chunk", status: 400, message });
      expect(error.details).toMatchObject({ chunkIndex: 7 });
      expect(message).toContain(String(error.details?.reason));
    });
  }

  it("R2: parseChunkJson rejects malformed JSON with the parse error as cause", () => {
    const error = rejectionOf(() => parseChunkJson('{"type":"text-delta",', 12));
    expect(error.code).toBe("invalid_chunk");
    expect(error.message).toMatch(/^Invalid chunk at index 12: malformed JSON: /);
    expect(error.details).toMatchObject({ chunkIndex: 12 });
    expect(parseChunkJson('{"type":"start-step"}', 0)).toStrictEqual({ type: "start-step" });
  });
});
