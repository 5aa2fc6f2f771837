/**
 * Bad JSON bodies of the fuzz test (R2, R30, SPEC §3): not JSON at all, the wrong shape, nested
 * past the depth limit, or over the body limits — each answered with its 4xx.
 */
import fc from "fast-check";
import { PATHS } from "../../../src/protocol/http.js";
import {
  type CaseBuilder,
  deepJson,
  FUZZ_LIMITS,
  type FuzzCase,
  type LaneContext,
  parses,
  post,
  startChunk,
  upload,
} from "./case.js";

/** The own workspace's routes that take a JSON body, on the lane's thread. */
const jsonRoutes = fc.constantFrom<(lane: LaneContext) => string>(
  () => PATHS.threads,
  (lane) => PATHS.fork(lane.threadId),
  (lane) => PATHS.threadMessages(lane.threadId),
  (lane) => PATHS.stop(lane.threadId),
);

/** Text that is not JSON: valid JSON cut short, junk, near misses. */
export const notJson: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .jsonValue({ maxDepth: 3 })
      .map((value) => JSON.stringify(value))
      .chain((text) =>
        fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n)),
      ),
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom("{", "[", '{"a":}', "nul", "{'a':1}", '{"a":1,}', '{"id":"x"}}', "{\u0000}"),
  )
  .filter((text) => text.trim() !== "" && !parses(text));

/** Malformed JSON on every JSON route (400). */
export const malformedJson: fc.Arbitrary<CaseBuilder> = fc.tuple(jsonRoutes, notJson).map(
  ([route, text]) =>
    (lane) =>
      post(route(lane), text, "malformed JSON", [400]),
);

const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({ a: 1 }));
const badPart = fc.constantFrom<unknown>(
  null,
  "x",
  {},
  { type: "text" },
  { type: "text", text: 5 },
  { type: "no-such-part" },
  { type: "reasoning", text: [] },
  { type: "file" },
);

/** `POST /v1/threads` bodies of the wrong shape: wrong types, unknown fields, bad lengths. */
const wrongThread = fc.oneof(
  notString.map((id) => ({ id })),
  fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer())).map((title) => ({ title })),
  fc
    .oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer()))
    .map((metadata) => ({ metadata })),
  fc
    .oneof(fc.constantFrom("__proto__", "constructor", "ID", "titel"), fc.string({ minLength: 1 }))
    .filter((key) => !["id", "title", "metadata"].includes(key))
    .map((key) => JSON.parse(`{${JSON.stringify(key)}:1}`) as unknown),
  fc.constantFrom<unknown>(
    { id: "" },
    { id: "x".repeat(201) },
    { title: "x".repeat(1_001) },
    [],
    5,
  ),
);

/** `POST /v1/threads/:id/messages` bodies of the wrong shape. */
const wrongMessage = fc.oneof(
  fc
    .oneof(fc.string(), notString)
    .filter((role) => !["user", "assistant", "system"].includes(role as string))
    .map((role) => ({ role, parts: [] })),
  fc.oneof(fc.string(), fc.integer(), fc.constant({})).map((parts) => ({ role: "user", parts })),
  badPart.map((part) => ({ role: "user", parts: [part] })),
  notString.map((id) => ({ id, role: "user", parts: [] })),
  fc.constantFrom<unknown>(
    { parts: [] },
    { role: "user" },
    { role: "user", parts: [], run: { forceFresh: "yes" } },
    [],
    7,
  ),
);

/** `POST …/fork` and `POST …/stop` bodies of the wrong shape. */
const wrongFork = fc.constantFrom<unknown>(
  { atSeq: 0 },
  { atSeq: -1 },
  { atSeq: 1.5 },
  { atSeq: "1" },
  { atSeq: 1, atMessageId: "m" },
  { atMessageId: 5 },
  { id: 5 },
  { from: 1 },
  [],
);
const wrongStop = fc.constantFrom<unknown>(
  { messageId: 5 },
  { messageId: "" },
  { messageId: null },
  { x: 1 },
  [],
  "stop",
);

/** Well-formed JSON of the wrong shape on each JSON route (400 naming the field). */
export const wrongTypes: fc.Arbitrary<CaseBuilder> = fc.oneof(
  wrongThread.map((body) => () => post(PATHS.threads, JSON.stringify(body), "wrong types", [400])),
  wrongMessage.map(
    (body) => (lane: LaneContext) =>
      post(PATHS.threadMessages(lane.threadId), JSON.stringify(body), "wrong types", [400]),
  ),
  wrongFork.map(
    (body) => (lane: LaneContext) =>
      post(PATHS.fork(lane.threadId), JSON.stringify(body), "wrong types", [400]),
  ),
  wrongStop.map(
    (body) => (lane: LaneContext) =>
      post(PATHS.stop(lane.threadId), JSON.stringify(body), "wrong types", [400]),
  ),
);

/** Where free JSON enters: metadata, data parts, run options, chunks (R30). */
function deepCase(lane: LaneContext, deep: string, where: number): FuzzCase {
  const kind = "deep JSON";
  const text = '{"type":"text","text":"hi"}';
  const messages = PATHS.threadMessages(lane.threadId);
  switch (where) {
    case 0:
      return post(PATHS.threads, `{"metadata":{"x":${deep}}}`, kind, [400]);
    case 1:
      return post(PATHS.fork(lane.threadId), `{"metadata":{"x":${deep}}}`, kind, [400]);
    case 2:
      return post(messages, `{"role":"user","parts":[${text}],"metadata":${deep}}`, kind, [400]);
    case 3:
      return post(
        messages,
        `{"role":"user","parts":[{"type":"data-x","data":${deep}}]}`,
        kind,
        [400],
      );
    case 4:
      return post(messages, `{"role":"user","parts":[${text}],"run":{"x":${deep}}}`, kind, [400]);
    case 5:
      return upload(lane, [`{"type":"start","messageMetadata":${deep}}`], "ndjson", kind, [400]);
    case 6: {
      const chunk = `{"type":"message-metadata","messageMetadata":${deep}}`;
      return upload(lane, [startChunk(lane), chunk], "sse", kind, [400]);
    }
    case 7:
      return upload(
        lane,
        [startChunk(lane), `{"type":"data-x","data":${deep}}`],
        "ndjson",
        kind,
        [400],
      );
    default: {
      const chunk = `{"type":"tool-input-available","toolCallId":"c","toolName":"x","input":${deep}}`;
      return upload(lane, [startChunk(lane), chunk], "sse", kind, [400]);
    }
  }
}

/**
 * JSON nested 65 to 5,000 levels (the limit is 64; a few thousand overflowed the writer's stack
 * before issue 7) in every place free JSON enters (400).
 */
export const deepNesting: fc.Arbitrary<CaseBuilder> = fc
  .tuple(fc.integer({ min: 65, max: 5_000 }), fc.boolean(), fc.integer({ min: 0, max: 8 }))
  .map(
    ([depth, arrays, where]) =>
      (lane) =>
        deepCase(lane, deepJson(depth, arrays), where),
  );

/** A body over the limit of its route (413), on one of five routes. */
function hugeCase(lane: LaneContext, where: number, overBy: number): FuzzCase {
  const kind = "huge body";
  const over = (limit: number) => "x".repeat(limit + overBy);
  switch (where) {
    case 0:
      return post(
        PATHS.threads,
        JSON.stringify({ title: over(FUZZ_LIMITS.bodyBytes) }),
        kind,
        [413],
      );
    case 1: {
      const body = JSON.stringify({ title: over(FUZZ_LIMITS.bodyBytes) });
      return post(PATHS.fork(lane.threadId), body, kind, [413]);
    }
    case 2: {
      const body = JSON.stringify({ messageId: over(FUZZ_LIMITS.bodyBytes) });
      return post(PATHS.stop(lane.threadId), body, kind, [413]);
    }
    case 3: {
      const parts = [{ type: "text", text: over(FUZZ_LIMITS.messageBytes) }];
      const body = JSON.stringify({ role: "user", parts });
      return post(PATHS.threadMessages(lane.threadId), body, kind, [413]);
    }
    default: {
      const delta = JSON.stringify({
        type: "text-delta",
        id: "t",
        delta: over(FUZZ_LIMITS.chunkBytes),
      });
      const records = [startChunk(lane), '{"type":"text-start","id":"t"}', delta];
      return upload(lane, records, "ndjson", kind, [413]);
    }
  }
}

/**
 * Bodies 10–60 KB over `--max-body-bytes`, `--max-message-bytes` or `--max-chunk-bytes`, sent
 * with a `Content-Length` or chunked (413; the next request on the lane must still be answered).
 */
export const hugeBodies: fc.Arbitrary<CaseBuilder> = fc
  .tuple(
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 1, max: 6 }),
    fc.option(fc.constantFrom(4_096, 65_536)),
  )
  .map(([where, factor, chunkBytes]) => (lane) => {
    const built = hugeCase(lane, where, factor * 10_000);
    return chunkBytes === null ? built : { ...built, request: { ...built.request, chunkBytes } };
  });
