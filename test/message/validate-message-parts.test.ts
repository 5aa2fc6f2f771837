import { readdirSync } from "node:fs";
import { join } from "node:path";
import { safeValidateUIMessages, validateUIMessages } from "ai";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createFoldState,
  finalizeMessage,
  foldChunks,
  type UIMessageChunk,
  validateMessageParts,
} from "../../src/message/index.js";
import { rejectionOf } from "../support/helpers.js";
import { FIXTURE_DIR, foldWithAi, readSseChunks } from "./ai-oracle.js";
import { validChunks } from "./chunk-arbitraries.js";

/** ai 7's verdict on a message holding `parts`, with the index of the part it refused. */
async function aiVerdict(parts: unknown[]): Promise<{ ok: boolean; partIndex?: number }> {
  const result = await safeValidateUIMessages({
    messages: [{ id: "m", role: "assistant", parts }],
  });
  if (result.success) return { ok: true };
  const cause = (result.error as { cause?: { issues?: Array<{ path: PropertyKey[] }> } }).cause;
  const path = cause?.issues?.[0]?.path ?? [];
  return { ok: false, ...(path[1] === "parts" ? { partIndex: Number(path[2]) } : {}) };
}

/** Our verdict on `parts`. */
function ourVerdict(parts: unknown[]): { ok: boolean; partIndex?: number } {
  try {
    validateMessageParts(parts);
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      partIndex: (error as { details?: { partIndex?: number } }).details?.partIndex,
    };
  }
}

const APPROVAL = { id: "ap1" };
const GRANTED = { id: "ap1", approved: true };
const DENIED = { id: "ap1", approved: false, reason: "no" };
const PM = { openai: { itemId: "rs_1" } };

/** One valid part of every kind: each part type, each tool state, static and dynamic tools. */
const VALID_PARTS: Array<Record<string, unknown>> = [
  { type: "text", text: "Hello", state: "done", providerMetadata: PM },
  {
    type: "text",
    text: "cited",
    citations: [
      { source: { type: "source", sourceType: "url", id: "s", url: "https://a" }, startIndex: 0 },
    ],
  },
  { type: "reasoning", id: "r", text: "hmm", state: "streaming" },
  { type: "custom", kind: "openai.compaction" },
  { type: "source-url", sourceId: "s1", url: "https://example.com", title: "Ex" },
  { type: "source-document", sourceId: "s2", mediaType: "application/pdf", title: "Doc" },
  { type: "file", mediaType: "image/png", url: "data:image/png;base64,AA==", filename: "a.png" },
  { type: "reasoning-file", mediaType: "image/png", url: "https://x/a.png" },
  { type: "steering-message", id: "st", parts: [{ type: "text", text: "also this" }] },
  { type: "step-start" },
  { type: "data-weather", id: "w", data: { temp: 3 } },
  { type: "data-anything", data: null },
  ...(["tool-weather", "dynamic-tool"] as const).flatMap((type) => {
    const base = { type, toolCallId: "c1", ...(type === "dynamic-tool" ? { toolName: "w" } : {}) };
    return [
      { ...base, state: "input-streaming", input: { city: "Ber" }, rawInput: '{"city":"Ber' },
      { ...base, state: "input-available", input: { city: "Berlin" }, title: "Weather" },
      { ...base, state: "approval-requested", input: {}, approval: APPROVAL },
      { ...base, state: "approval-responded", input: {}, approval: DENIED },
      { ...base, state: "output-available", input: {}, output: { temp: 3 }, preliminary: true },
      { ...base, state: "output-available", input: {}, output: "x", approval: GRANTED },
      { ...base, state: "output-error", errorText: "boom", providerExecuted: true },
      { ...base, state: "output-denied", input: {}, approval: DENIED },
    ];
  }),
];

/** Typical bad parts: the reason our error gives for each (always at the part's index). */
const BAD_PARTS: Array<[string, unknown, string]> = [
  ["an unknown part type", { type: "banana" }, 'unknown part type "banana"'],
  ["a part that is not an object", "hello", "part must be an object, got string"],
  ["a part without a type", { text: "hi" }, 'missing field "type"'],
  ["a numeric type", { type: 5 }, 'field "type" must be a string, got number'],
  ["a text part without text", { type: "text" }, 'missing field "text"'],
  ["a text part with numeric text", { type: "text", text: 1 }, 'field "text" must be string'],
  ["a text part in an unknown state", { type: "text", text: "a", state: "half" }, 'field "state"'],
  [
    "a tool part in an unknown state",
    { type: "tool-weather", toolCallId: "c", state: "bogus", input: {} },
    'field "state" must be one of "input-streaming"',
  ],
  ["a tool part without state", { type: "tool-weather", toolCallId: "c" }, 'missing field "state"'],
  [
    "a tool part without toolCallId",
    { type: "tool-weather", state: "input-available", input: {} },
    'missing field "toolCallId"',
  ],
  [
    "a tool part with output before its output state",
    { type: "tool-weather", toolCallId: "c", state: "input-available", input: {}, output: 1 },
    'field "output" must be absent',
  ],
  [
    "an output-error tool part without errorText",
    { type: "tool-weather", toolCallId: "c", state: "output-error" },
    'missing field "errorText"',
  ],
  [
    "an approval-responded tool part without approved",
    { type: "tool-w", toolCallId: "c", state: "approval-responded", input: {}, approval: APPROVAL },
    'field "approval.approved"',
  ],
  [
    "a dynamic-tool part without toolName",
    { type: "dynamic-tool", toolCallId: "c", state: "input-available", input: {} },
    'missing field "toolName"',
  ],
  [
    "a file part without mediaType",
    { type: "file", url: "https://x" },
    'missing field "mediaType"',
  ],
  ["a file part without url", { type: "file", mediaType: "image/png" }, 'missing field "url"'],
  ["a source-url part without sourceId", { type: "source-url", url: "u" }, 'field "sourceId"'],
  ["a source-url part without url", { type: "source-url", sourceId: "s" }, 'field "url"'],
  [
    "a data part with a numeric id",
    { type: "data-x", id: 1, data: 1 },
    'field "id" must be string',
  ],
  [
    "provider metadata that is not an object",
    { type: "text", text: "a", providerMetadata: "x" },
    'field "providerMetadata"',
  ],
  [
    "a steering message with a bad part",
    { type: "steering-message", id: "s", parts: [{ type: "image" }] },
    'field "parts.0"',
  ],
];

describe("validateMessageParts (SPEC R2 for complete messages)", () => {
  it("R2: returns the parts as they are, extra fields included", () => {
    const parts = [{ type: "text", text: "Hi", createdAt: "x" }, { type: "step-start" }];
    expect(validateMessageParts(parts)).toBe(parts);
    expect(parts[0]).toHaveProperty("createdAt", "x");
  });

  it("R2: every kind of valid part is accepted, and ai 7's validateUIMessages accepts it too", async () => {
    expect(() => validateMessageParts(VALID_PARTS)).not.toThrow();
    await expect(
      validateUIMessages({ messages: [{ id: "m", role: "assistant", parts: VALID_PARTS }] }),
    ).resolves.toHaveLength(1);
  });

  for (const [name, part, reason] of BAD_PARTS) {
    it(`R2: ${name} → bad_request naming the part index and the reason; ai refuses it too`, async () => {
      const parts = [{ type: "text", text: "ok" }, { type: "step-start" }, part];
      const error = rejectionOf(() => validateMessageParts(parts));
      expect(error).toMatchObject({ code: "bad_request", partIndex: 2 });
      expect(error.message).toMatch(/^parts\[2\]: /);
      expect(error.message).toContain(reason);
      expect(await aiVerdict(parts)).toEqual({ ok: false, partIndex: 2 });
    });
  }

  it("R2: parts that are not an array → bad_request", () => {
    expect(rejectionOf(() => validateMessageParts("hi"))).toMatchObject({
      code: "bad_request",
      message: "parts must be an array, got string",
    });
  });

  it("R2: the recorded AI SDK streams, folded by ai and by Threadline and finalized, are valid parts", async () => {
    const names = readdirSync(FIXTURE_DIR).filter((name) => name.endsWith(".sse"));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const chunks = readSseChunks(join(FIXTURE_DIR, name)) as UIMessageChunk[];
      const byAi = await foldWithAi("ai7", chunks);
      if (byAi.message) expect(ourVerdict(byAi.message.parts), name).toEqual({ ok: true });
      const folded = foldChunks(createFoldState({ id: "", role: "assistant", parts: [] }), chunks);
      for (const status of ["completed", "aborted", "error"] as const) {
        const message = finalizeMessage(folded.message, status, "failed");
        expect(ourVerdict(message.parts), `${name} ${status}`).toEqual({ ok: true });
        await expect(validateUIMessages({ messages: [message] })).resolves.toHaveLength(1);
      }
    }
  });

  // ai's own readUIMessageStream can build parts its validateUIMessages refuses (a tool denied
  // without an approval request: `output-denied` with no `input` nor `approval`), so the claim is
  // agreement with ai, not that every fold is valid.
  it("R2: on messages folded from valid chunks and finalized, we and ai agree (and on the index)", async () => {
    const statuses = ["completed", "aborted", "error"] as const;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(validChunks(40), fc.constantFrom(...statuses), async (chunks, status) => {
        const folded = foldChunks(
          createFoldState({ id: "", role: "assistant", parts: [] }),
          chunks,
        );
        const message = finalizeMessage(folded.message, status, "failed");
        const parts = JSON.parse(JSON.stringify(message.parts));
        const verdict = ourVerdict(parts);
        expect(verdict).toEqual(await aiVerdict(parts));
        if (verdict.ok) accepted += 1;
      }),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(100); // most folds are valid: the agreement is not vacuous
  });

  it("R2: on valid parts with a field removed, replaced or added, we and ai agree (and on the index)", async () => {
    const values = [
      "s",
      "",
      0,
      1.5,
      true,
      false,
      null,
      {},
      [],
      { openai: { a: 1 } },
      { openai: 5 },
      APPROVAL,
      GRANTED,
      DENIED,
      "input-available",
      "output-error",
      "bogus",
      [{ type: "text", text: "x" }],
      [{ type: "x" }],
    ];
    const otherKeys = [
      ...new Set(VALID_PARTS.flatMap((part) => Object.keys(part))),
      "dynamic",
      "inputEncoding",
      "resultProviderMetadata",
      "extra",
    ];
    // Mostly the part's own fields, sometimes any field another part type has.
    const mutation = (ownKeys: string[]) => {
      const key = fc.oneof(
        { arbitrary: fc.constantFrom(...ownKeys), weight: 3 },
        { arbitrary: fc.constantFrom(...otherKeys), weight: 1 },
      );
      return fc.oneof(
        fc.record({ kind: fc.constant("remove" as const), key }),
        fc.record({ kind: fc.constant("set" as const), key, value: fc.constantFrom(...values) }),
      );
    };
    const mutatedPart = fc.constantFrom(...VALID_PARTS).chain((part) =>
      fc.array(mutation(Object.keys(part)), { maxLength: 2 }).map((mutations) => {
        const copy: Record<string, unknown> = structuredClone(part);
        for (const m of mutations) {
          if (m.kind === "remove") delete copy[m.key];
          else copy[m.key] = structuredClone(m.value);
        }
        return copy;
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedPart, { minLength: 1, maxLength: 3 }), async (parts) => {
        expect(ourVerdict(parts)).toEqual(await aiVerdict(parts));
      }),
      { numRuns: 600 },
    );
  });
});
