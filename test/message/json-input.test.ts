import { describe, expect, it } from "vitest";
import { parseChunk } from "../../src/message/chunk-schema.js";
import { jsonInputProblem } from "../../src/message/json-input.js";
import { MAX_JSON_DEPTH } from "../../src/protocol/limits.js";

/** An array nested `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe("JSON input the database can store (R30)", () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(jsonInputProblem(nested(64))).toBeUndefined();
    expect(jsonInputProblem(nested(65))).toBe("exceeds the nesting depth limit of 64");
  });

  it("walks 100,000 levels without overflowing the stack", () => {
    expect(jsonInputProblem(nested(100_000))).toBe("exceeds the nesting depth limit of 64");
  });

  it("refuses a NUL character in a string or a key, anywhere", () => {
    expect(jsonInputProblem({ a: [1, { b: "x\u0000" }] })).toBe("contains a NUL character");
    expect(jsonInputProblem({ "k\u0000": 1 })).toBe("contains a NUL character");
    expect(jsonInputProblem("plain")).toBeUndefined();
    expect(jsonInputProblem({ a: [null, true, 1.5, "ok"] })).toBeUndefined();
  });

  it("parseChunk names the chunk: a deep data chunk and a NUL delta are invalid_chunk", () => {
    expect(() => parseChunk({ type: "data-x", data: nested(65) }, 7)).toThrow(
      expect.objectContaining({
        code: "invalid_chunk",
        details: expect.objectContaining({ chunkIndex: 7 }),
      }),
    );
    expect(() => parseChunk({ type: "text-delta", id: "0", delta: "\u0000" }, 2)).toThrow(
      /index 2 \(type "text-delta"\): contains a NUL character/,
    );
    expect(parseChunk({ type: "data-x", data: nested(60) }, 0)).toBeDefined();
  });
});
