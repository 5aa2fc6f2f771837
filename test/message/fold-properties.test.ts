import { parsePartialJson as aiParsePartialJson, uiMessageChunkSchema } from "ai";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createFoldState,
  type FoldState,
  foldChunk,
  foldChunks,
  mergeDeltaChunks,
  parseChunk,
  parsePartialJson,
  type UIMessageChunk,
} from "../../src/message/index.js";
import { rejectionOf } from "../support/helpers.js";
import { foldWithAi, toJson } from "./ai-oracle.js";
import { continuingChunks, rejectedChunk, validChunks } from "./chunk-arbitraries.js";

const RUNS = { numRuns: 150 };
const EMPTY: FoldState = createFoldState({ id: "", role: "assistant", parts: [] });

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value))
      deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

describe("fold of generated chunk sequences (SPEC R1)", () => {
  it("R1: equals ai 7 readUIMessageStream for random valid sequences", async () => {
    await fc.assert(
      fc.asyncProperty(validChunks(), async (chunks) => {
        const ai = await foldWithAi("ai7", chunks);
        expect(ai.completed).toBe(true);
        expect(toJson(foldChunks(EMPTY, chunks).message)).toStrictEqual(ai.message);
      }),
      RUNS,
    );
  });

  it("R1: continuing a stored message equals readUIMessageStream({ message })", async () => {
    const firstThenMore = validChunks(30).chain((first) => {
      const message = toJson(foldChunks(EMPTY, first).message);
      return continuingChunks(message.id).map((more) => ({ message, more }));
    });
    await fc.assert(
      fc.asyncProperty(firstThenMore, async ({ message, more }) => {
        const ai = await foldWithAi("ai7", more, message);
        expect(ai.completed).toBe(true);
        expect(toJson(foldChunks(createFoldState(message), more).message)).toStrictEqual(
          ai.message,
        );
      }),
      RUNS,
    );
  });

  it("R1: folding chunk by chunk, through a JSON round trip of the state, equals one batch", () => {
    fc.assert(
      fc.property(validChunks(), fc.nat(), (chunks, cut) => {
        const at = cut % (chunks.length + 1);
        const persisted = toJson(foldChunks(EMPTY, chunks.slice(0, at)));
        const resumed = chunks.slice(at).reduce(foldChunk, persisted);
        expect(toJson(resumed)).toStrictEqual(toJson(foldChunks(EMPTY, chunks)));
      }),
      RUNS,
    );
  });

  it("R1: never mutates the input state or the chunks", () => {
    fc.assert(
      fc.property(validChunks(), fc.nat(), (chunks, cut) => {
        const at = cut % (chunks.length + 1);
        const before = deepFreeze(foldChunks(EMPTY, chunks.slice(0, at)));
        const snapshot = JSON.stringify(before);
        deepFreeze(chunks);
        const after = chunks.slice(at).reduce(foldChunk, before);
        foldChunks(before, chunks.slice(at));
        expect(JSON.stringify(before)).toBe(snapshot);
        if (at < chunks.length && JSON.stringify(after) !== snapshot)
          expect(after).not.toBe(before);
      }),
      RUNS,
    );
  });

  it("R1: mergeDeltaChunks preserves the folded state", () => {
    fc.assert(
      fc.property(validChunks(80), (chunks) => {
        const merged = mergeDeltaChunks(chunks);
        expect(merged.length).toBeLessThanOrEqual(chunks.length);
        expect(toJson(foldChunks(EMPTY, merged))).toStrictEqual(toJson(foldChunks(EMPTY, chunks)));
      }),
      RUNS,
    );
  });
});

describe("rejected chunks (SPEC R2)", () => {
  it("R2: foldChunks names the first chunk that cannot apply; the prefix equals ai 7's", async () => {
    await fc.assert(
      fc.asyncProperty(
        validChunks(30),
        rejectedChunk,
        validChunks(10),
        async (prefix, bad, rest) => {
          const chunks = [...prefix, bad, ...rest];
          const error = rejectionOf(() => foldChunks(EMPTY, chunks));
          expect(error).toMatchObject({
            code: "chunk_rejected",
            chunkIndex: prefix.length,
            chunkType: bad.type,
          });
          expect(error.message).toContain(`index ${prefix.length}`);
          expect(error.message).toContain(bad.type);

          const aiPrefix = await foldWithAi("ai7", prefix);
          expect(toJson(foldChunks(EMPTY, prefix).message)).toStrictEqual(aiPrefix.message);
          expect((await foldWithAi("ai7", chunks)).completed).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("R2: parseChunk accepts exactly what ai 7's uiMessageChunkSchema accepts", async () => {
    const schema = uiMessageChunkSchema();
    const mutated = fc
      .tuple(
        validChunks(6),
        fc.nat(),
        fc.constantFrom("delete", "set", "retype"),
        fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom("tool-foo", "data", "data-x", "")),
      )
      .map(([chunks, pick, how, value]) => {
        const chunk = {
          ...(chunks[pick % Math.max(1, chunks.length)] ?? { type: "start" }),
        } as Record<string, unknown>;
        const keys = Object.keys(chunk);
        const key = keys[pick % keys.length] as string;
        if (how === "delete") delete chunk[key];
        else if (how === "set") chunk[key] = value;
        else chunk.type = value;
        return chunk;
      });
    const anything = fc.oneof(mutated, mutated, fc.jsonValue({ maxDepth: 2 }));
    await fc.assert(
      fc.asyncProperty(anything, fc.nat(1000), async (value, index) => {
        const expected = (await schema.validate?.(value))?.success ?? false;
        if (expected) {
          expect(parseChunk(value, index)).toBe(value);
        } else {
          const error = rejectionOf(() => parseChunk(value, index));
          expect(error).toMatchObject({ code: "invalid_chunk", chunkIndex: index });
          expect(error.message).toMatch(new RegExp(`^Invalid chunk at index ${index}\\b`));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("partial JSON of streamed tool input (SPEC R1)", () => {
  const jsonish = fc
    .array(fc.constantFrom(...'{}[]",:0123456789.-+eEtrufalsn \\uAb'.split("")), { maxLength: 30 })
    .map((chars) => chars.join(""));
  const prefix = fc.tuple(fc.jsonValue(), fc.nat(), fc.boolean()).map(([value, cut, pretty]) => {
    const text = JSON.stringify(value, null, pretty ? 2 : 0) ?? "";
    return text.slice(0, cut % (text.length + 1));
  });

  it("R1: parsePartialJson gives ai 7's value for JSON prefixes and JSON-like noise", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(prefix, jsonish), async (text) => {
        const expected = (await aiParsePartialJson(text)).value;
        expect(toJson({ value: parsePartialJson(text) })).toStrictEqual(
          toJson({ value: expected }),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("R1: refuses prototype keys as ai does", async () => {
    for (const text of [
      '{"__proto__": {"x": 1}}',
      '{"a": {"\\u005f_proto__": 1}',
      '{"constructor": {"prototype": {}}}',
      '{"constructor": 1}',
      '[{"constructor": {"prototype": 1}',
    ]) {
      expect(toJson({ value: parsePartialJson(text) })).toStrictEqual(
        toJson({ value: (await aiParsePartialJson(text)).value }),
      );
    }
  });
});

describe("chunk sequences of the generators", () => {
  it("cover every chunk type of ai 7", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(validChunks(), (chunks: UIMessageChunk[]) => {
        for (const chunk of chunks)
          seen.add(chunk.type.startsWith("data-") ? "data-*" : chunk.type);
      }),
      { numRuns: 200 },
    );
    // 29 literal chunk types of ai 7 plus data-*.
    expect(seen.size).toBe(30);
  });
});
