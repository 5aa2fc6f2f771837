/**
 * The good traffic interleaved with the fuzz test's bad requests: thread creation, complete
 * messages, streamed messages and forks with arbitrary (valid) Unicode and JSON. Each must succeed
 * with exactly what it sent; every message it stores must read back unchanged at the end (R30).
 */
import fc from "fast-check";
import { PATHS } from "../../../src/protocol/http.js";
import {
  type Answered,
  type CaseBuilder,
  type FuzzCase,
  type GoodKind,
  type LaneContext,
  post,
  upload,
} from "./case.js";

/** Text an id or a title may hold: any Unicode text but NUL (R30). */
const titleText = fc
  .oneof(
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.constantFrom("\u2028\u2029", "\ufeff", "😀", "data: x\n\n", "%00", "\\u0000"),
  )
  .map((text) => text.replaceAll("\u0000", ""));

/** Text a message stores as JSON: that, plus any UTF-16 — unpaired surrogates are JSON escapes. */
const storedText = fc
  .oneof(
    titleText,
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.constantFrom("\ud800", "a\udc00b"),
  )
  .map((text) => text.replaceAll("\u0000", ""));

const metadata = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 4,
});

interface StoredShape {
  id: string;
  status: string;
  parts: { type: string; text?: string }[];
}

/** The `message` of an answer body. */
function messageOf(answer: Answered): StoredShape {
  return (JSON.parse(answer.body) as { message: StoredShape }).message;
}

/** The text of a message's text parts, joined. */
function textOf(message: StoredShape): string {
  return message.parts
    .filter((p) => p.type === "text")
    .map((p) => p.text)
    .join("");
}

/** Marks `built` as good traffic of kind `good`, checked by `check` on success. */
function goodCase(built: FuzzCase, good: GoodKind, check: FuzzCase["check"]): FuzzCase {
  return { ...built, good, ...(check ? { check } : {}) };
}

/** `POST /v1/threads` with a fresh id, any title and metadata → 201 echoing them. */
const createThread = fc
  .tuple(titleText, fc.option(metadata))
  .map(([title, meta]) => (lane: LaneContext) => {
    const sent = JSON.parse(JSON.stringify({ id: lane.freshId(), title, metadata: meta }));
    return goodCase(
      post(PATHS.threads, JSON.stringify(sent), "good", [201]),
      "create thread",
      (answer) => {
        const { thread } = JSON.parse(answer.body) as {
          thread: { id: string; title: string; metadata: unknown };
        };
        const same =
          thread.id === sent.id &&
          thread.title === title &&
          JSON.stringify(thread.metadata) === JSON.stringify(sent.metadata);
        return same ? {} : { problem: `sent ${JSON.stringify(sent).slice(0, 200)}` };
      },
    );
  });

/** `POST /v1/threads/:id/messages`, sometimes with an `Idempotency-Key` → 201 with its text. */
const appendMessage = fc
  .tuple(storedText, fc.option(fc.jsonValue({ maxDepth: 3 })), fc.boolean())
  .map(([text, meta, keyed]) => (lane: LaneContext) => {
    const id = lane.freshId();
    const body = JSON.stringify({
      id,
      role: "user",
      parts: [{ type: "text", text }],
      ...(meta === null ? {} : { metadata: meta }),
    });
    const built = post(PATHS.threadMessages(lane.threadId), body, "good", [201]);
    if (keyed) built.request.headers = { ...built.request.headers, "idempotency-key": `key-${id}` };
    return goodCase(built, "append message", (answer) => {
      const message = messageOf(answer);
      const same = message.id === id && textOf(message) === text;
      return same ? { acceptedMessageId: id } : { problem: `sent ${body.slice(0, 200)}` };
    });
  });

/** A complete UI message stream, NDJSON or SSE → 200, the message `completed` with its text. */
const streamingUpload = fc
  .tuple(fc.array(storedText, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([deltas, sse]) => (lane: LaneContext) => {
    const id = lane.freshId();
    const records = [
      JSON.stringify({ type: "start", messageId: id }),
      '{"type":"start-step"}',
      '{"type":"text-start","id":"t"}',
      ...deltas.map((delta) => JSON.stringify({ type: "text-delta", id: "t", delta })),
      '{"type":"text-end","id":"t"}',
      '{"type":"finish-step"}',
      '{"type":"finish"}',
    ];
    const built = upload(lane, records, sse ? "sse" : "ndjson", "good", [200]);
    return goodCase(built, "streaming upload", (answer) => {
      const message = messageOf(answer);
      const same =
        message.id === id && message.status === "completed" && textOf(message) === deltas.join("");
      return same
        ? { acceptedMessageId: id }
        : { problem: `streamed ${JSON.stringify(deltas).slice(0, 200)}` };
    });
  });

/** `POST /v1/threads/:id/fork` of the lane's thread → 201. */
const fork = fc.constant((lane: LaneContext) =>
  goodCase(
    post(PATHS.fork(lane.threadId), JSON.stringify({ id: lane.freshId() }), "good", [201]),
    "fork",
    undefined,
  ),
);

/** The good traffic, forks rarer (each copies the lane's whole thread). */
export const goodTraffic: fc.Arbitrary<CaseBuilder> = fc.oneof(
  { arbitrary: createThread, weight: 4 },
  { arbitrary: appendMessage, weight: 4 },
  { arbitrary: streamingUpload, weight: 4 },
  { arbitrary: fork, weight: 1 },
);
