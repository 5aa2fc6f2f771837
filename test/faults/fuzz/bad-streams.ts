/**
 * Malformed UI message streams of the fuzz test (R2, SPEC §3): an upload with one record that
 * cannot apply after a valid prefix, or with no chunk at all — 400, the message (if one was
 * created) ended `error` with what came before.
 */
import fc from "fast-check";
import { PATHS } from "../../../src/protocol/http.js";
import { notJson } from "./bad-bodies.js";
import {
  type CaseBuilder,
  type FuzzCase,
  type LaneContext,
  OWN,
  startChunk,
  upload,
} from "./case.js";

/** A record that cannot apply wherever it comes. */
const badRecord = fc.oneof(
  notJson.filter((text) => !/[\r\n]/.test(text) && text.trim() !== "[DONE]"),
  fc.constantFrom(
    '{"type":"no-such-chunk"}',
    '{"type":"text-delta","id":"t","delta":5}',
    '{"type":"text-delta","id":"never-started","delta":"x"}',
    '{"type":"text-end","id":"never-started"}',
    '{"type":"tool-input-delta","toolCallId":"none","inputTextDelta":"x"}',
    '{"type":"tool-output-available","toolCallId":"none","output":1}',
    "[1,2]",
    "5",
    "null",
    '"start"',
    '{"type":5}',
    "{}",
  ),
);

const VALID_PREFIX = [
  '{"type":"start-step"}',
  '{"type":"text-start","id":"t"}',
  '{"type":"text-delta","id":"t","delta":"ok"}',
];
const VALID_TAIL = ['{"type":"text-delta","id":"t","delta":"more"}', '{"type":"finish"}'];

/** Chunk streams with one record that cannot apply, after 0–3 valid ones, NDJSON or SSE (400). */
export const malformedStreams: fc.Arbitrary<CaseBuilder> = fc
  .tuple(fc.integer({ min: 0, max: 3 }), badRecord, fc.boolean(), fc.boolean())
  .map(([prefixLength, bad, sse, tail]) => (lane) => {
    const prefix = [startChunk(lane), ...VALID_PREFIX].slice(0, prefixLength);
    const records = [...prefix, bad, ...(tail ? VALID_TAIL : [])];
    return upload(lane, records, sse ? "sse" : "ndjson", "malformed chunk stream", [400]);
  });

/** Uploads holding no chunk at all (400). */
export const emptyStreams: fc.Arbitrary<CaseBuilder> = fc
  .constantFrom<[string, string]>(
    ["", "application/x-ndjson"],
    ["", "text/event-stream"],
    ["data: [DONE]\n\n", "text/event-stream"],
    ["\n\n\n", "application/x-ndjson"],
    [": comment\n\n", "text/event-stream"],
  )
  .map(
    ([body, contentType]) =>
      (lane: LaneContext): FuzzCase => ({
        kind: "malformed chunk stream",
        request: {
          method: "POST",
          path: PATHS.messageStream(lane.threadId),
          headers: { ...OWN, "content-type": contentType },
          body,
        },
        expected: [400],
      }),
  );
