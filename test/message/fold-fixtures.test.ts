import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createFoldState,
  type FoldState,
  foldChunk,
  foldChunks,
  parseChunk,
  type UIMessageChunk,
} from "../../src/message/index.js";
import {
  type AiVersion,
  FIXTURE_DIR,
  foldWithAi,
  readSseChunks,
  supportsChunks,
  toJson,
} from "./ai-oracle.js";

const FIXTURES = readdirSync(FIXTURE_DIR)
  .filter((name) => name.endsWith(".sse"))
  .sort()
  .map((name) => ({
    name,
    chunks: readSseChunks(join(FIXTURE_DIR, name)).map((value, index) => parseChunk(value, index)),
  }));

const EMPTY: FoldState = createFoldState({ id: "", role: "assistant", parts: [] });

/** Prefix lengths to compare: every one for short streams, about 40 spread over long ones. */
function prefixLengths(count: number): number[] {
  const step = Math.max(1, Math.floor(count / 40));
  const lengths = new Set<number>([count]);
  for (let length = 0; length <= count; length += step) lengths.add(length);
  return [...lengths];
}

async function expectSameAsAi(version: AiVersion, chunks: readonly UIMessageChunk[]) {
  const ai = await foldWithAi(version, chunks);
  expect(ai.completed).toBe(true);
  expect(toJson(foldChunks(EMPTY, chunks).message)).toStrictEqual(ai.message);
}

describe("fold of recorded UI message streams (SPEC R1)", () => {
  it("finds the shared fixtures", () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
  });

  for (const { name, chunks } of FIXTURES) {
    describe(name, () => {
      it("R1: equals ai 7 readUIMessageStream after every prefix", async () => {
        for (const length of prefixLengths(chunks.length)) {
          await expectSameAsAi("ai7", chunks.slice(0, length));
        }
      });

      it("R1: folding chunk by chunk equals folding the batch", () => {
        const stepwise = chunks.reduce(foldChunk, EMPTY);
        expect(stepwise).toStrictEqual(foldChunks(EMPTY, chunks));
      });

      for (const version of ["ai5", "ai6"] as const) {
        // An older client never receives chunk types it does not know: compare on those it knows.
        const known = chunks.filter((chunk) => supportsChunks(version, [chunk]));
        it(`R1: equals ${version} readUIMessageStream on the chunk types it knows`, async () => {
          expect(known.length).toBeGreaterThan(0);
          await expectSameAsAi(version, known);
        });
      }
    });
  }

  it("R1: only the fixtures with ai 7 chunk types lose chunks for ai 5 and ai 6", () => {
    const withAi7Types = FIXTURES.filter(({ chunks }) => !supportsChunks("ai6", chunks));
    expect(withAi7Types.map(({ name }) => name)).toStrictEqual([
      "from-anthropic--anthropic-clear-thinking.1.sse",
      "from-anthropic--anthropic-text.sse",
      "from-anthropic--anthropic-tool-no-args.sse",
    ]);
    for (const { chunks } of withAi7Types) {
      expect(chunks.some((chunk) => chunk.type === "custom")).toBe(true);
      expect(supportsChunks("ai5", chunks)).toBe(false);
    }
    const v5Only = FIXTURES.filter(({ chunks }) => !supportsChunks("ai5", chunks));
    expect(v5Only).toStrictEqual(withAi7Types);
  });
});
