import { describe, expect, it } from "vitest";
import { ThreadlineError } from "../../src/errors.js";
import type { Threadline } from "../../src/threadline.js";
import { importThreadJsonl } from "../../src/transfer/thread-jsonl.js";
import type { MessageWriter } from "../../src/writer/message-writer.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";

/*
 * R30 at the library level: a library user calling the workspace API directly with input the
 * database would refuse (JSON nested past 64 levels, a NUL character) gets ThreadlineError
 * `bad_request` naming the field — never a driver error or a RangeError from deep inside a
 * transaction — and nothing already stored changes.
 */

const DEPTH = "exceeds the nesting depth limit of 64";
const NUL = "contains a NUL character";

/** A value nested `levels` deep (`{ a: { a: … 1 } }`), built without recursion. */
function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** JSON text nested `levels` deep, for import lines. */
function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

const DEEP = deep(5_000);
const TEXT = [{ type: "text" as const, text: "hi" }];
const nulCursor = Buffer.from("1700000000000:t1\u0000").toString("base64url");
const threadLine = (fields = "") => `{"type":"thread","thread":{"id":"t-imp"${fields}}}`;
const messageLine = (fields: string) =>
  `{"type":"message","message":{"id":"m-imp","role":"user","status":"completed","parts":[{"type":"text","text":"x"}]${fields}}}`;

interface Context {
  threadline: Threadline;
  /** A streaming writer of message `w1` on thread `t1`, text "Hello" so far. */
  writer: MessageWriter;
}

/** One public entry called with one bad value, and the start of the error message it must give. */
type Case = readonly [entry: string, expected: string, call: (ctx: Context) => unknown];

const CASES: readonly Case[] = [
  // Deep JSON: JSON.stringify would overflow the stack inside the store's transaction.
  [
    "threads.create metadata",
    `metadata ${DEPTH}`,
    ({ threadline }) => threadline.threads.create({ id: "t9", metadata: DEEP }),
  ],
  [
    "threads.fork metadata",
    `metadata ${DEPTH}`,
    ({ threadline }) => threadline.threads.fork("t1", { id: "t9", metadata: DEEP }),
  ],
  [
    "messages.append metadata",
    `metadata ${DEPTH}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: TEXT, metadata: DEEP }),
  ],
  [
    "messages.append a part",
    `parts[0]: ${DEPTH}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: [{ type: "data-x", data: DEEP }] }),
  ],
  [
    "messages.append run options",
    `run options ${DEPTH}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: TEXT }, { run: { x: DEEP } }),
  ],
  [
    "writers.open metadata",
    `metadata ${DEPTH}`,
    ({ threadline }) => threadline.writers.open("t1", { messageId: "w9", metadata: DEEP }),
  ],
  [
    "MessageWriter.update metadata",
    `metadata ${DEPTH}`,
    ({ writer }) => writer.update({ parts: writer.message.parts, metadata: DEEP }),
  ],
  [
    "MessageWriter.update a part",
    `parts[0]: ${DEPTH}`,
    ({ writer }) => writer.update({ parts: [{ type: "data-x", data: DEEP }] }),
  ],
  [
    "MessageWriter.finish messageMetadata",
    `messageMetadata ${DEPTH}`,
    ({ writer }) => writer.finish({ messageMetadata: DEEP }),
  ],
  [
    "import of a thread line's metadata",
    `import line 1: metadata ${DEPTH}`,
    ({ threadline }) =>
      importThreadJsonl(threadline, [threadLine(`,"metadata":${deepJson(5_000)}`)], { now: 1 }),
  ],
  [
    "import of a message line's metadata",
    `import line 2: metadata ${DEPTH}`,
    ({ threadline }) =>
      importThreadJsonl(threadline, [threadLine(), messageLine(`,"metadata":${deepJson(5_000)}`)], {
        now: 1,
      }),
  ],
  // NUL characters: PostgreSQL refuses them in text and JSON ("invalid byte sequence").
  [
    "threads.create id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.threads.create({ id: "t\u00009" }),
  ],
  [
    "threads.create title",
    `title ${NUL}`,
    ({ threadline }) => threadline.threads.create({ id: "t9", title: "a\u0000b" }),
  ],
  [
    "threads.create metadata value",
    `metadata ${NUL}`,
    ({ threadline }) => threadline.threads.create({ id: "t9", metadata: { k: "a\u0000" } }),
  ],
  [
    "threads.create metadata key",
    `metadata ${NUL}`,
    ({ threadline }) => threadline.threads.create({ id: "t9", metadata: { "k\u0000": 1 } }),
  ],
  ["threads.get id", `thread id ${NUL}`, ({ threadline }) => threadline.threads.get("t1\u0000")],
  [
    "threads.delete id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.threads.delete("t1\u0000"),
  ],
  [
    "threads.list cursor",
    "malformed cursor",
    ({ threadline }) => threadline.threads.list({ cursor: nulCursor }),
  ],
  [
    "threads.fork source id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.threads.fork("t1\u0000", { id: "t9" }),
  ],
  [
    "threads.fork new id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.threads.fork("t1", { id: "t\u00009" }),
  ],
  [
    "threads.fork atMessageId",
    `atMessageId ${NUL}`,
    ({ threadline }) => threadline.threads.fork("t1", { id: "t9", atMessageId: "m1\u0000" }),
  ],
  [
    "threads.fork title",
    `title ${NUL}`,
    ({ threadline }) => threadline.threads.fork("t1", { id: "t9", title: "\u0000" }),
  ],
  [
    "messages.append thread id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.messages.append("t1\u0000", { role: "user", parts: TEXT }),
  ],
  [
    "messages.append message id",
    `message id ${NUL}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { id: "m\u00009", role: "user", parts: TEXT }),
  ],
  [
    "messages.append metadata",
    `metadata ${NUL}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: TEXT, metadata: ["\u0000"] }),
  ],
  [
    "messages.append a text part",
    `parts[0]: ${NUL}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: [{ type: "text", text: "\u0000" }] }),
  ],
  [
    "messages.submit idempotency key",
    `idempotency key ${NUL}`,
    ({ threadline }) =>
      threadline.messages.submit(
        "t1",
        { role: "user", parts: TEXT },
        { idempotencyKey: "k\u0000" },
      ),
  ],
  [
    "messages.append run options",
    `run options ${NUL}`,
    ({ threadline }) =>
      threadline.messages.append("t1", { role: "user", parts: TEXT }, { run: { model: "\u0000" } }),
  ],
  ["messages.get id", `message id ${NUL}`, ({ threadline }) => threadline.messages.get("m1\u0000")],
  [
    "messages.list thread id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.messages.list("t1\u0000"),
  ],
  [
    "messages.delete id",
    `message id ${NUL}`,
    ({ threadline }) => threadline.messages.delete("m1\u0000"),
  ],
  [
    "writers.open thread id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.writers.open("t1\u0000"),
  ],
  [
    "writers.open message id",
    `message id ${NUL}`,
    ({ threadline }) => threadline.writers.open("t1", { messageId: "w\u00009" }),
  ],
  [
    "writers.open metadata",
    `metadata ${NUL}`,
    ({ threadline }) =>
      threadline.writers.open("t1", { messageId: "w9", metadata: { k: "\u0000" } }),
  ],
  [
    "MessageWriter.update a text part",
    `parts[0]: ${NUL}`,
    ({ writer }) => writer.update({ parts: [{ type: "text", text: "Hello\u0000" }] }),
  ],
  [
    "MessageWriter.update metadata",
    `metadata ${NUL}`,
    ({ writer }) => writer.update({ parts: writer.message.parts, metadata: { k: "\u0000" } }),
  ],
  [
    "MessageWriter.finish messageMetadata",
    `messageMetadata ${NUL}`,
    ({ writer }) => writer.finish({ messageMetadata: { k: "\u0000" } }),
  ],
  ["MessageWriter.fail errorText", `errorText ${NUL}`, ({ writer }) => writer.fail("bad\u0000")],
  ["MessageWriter.abort reason", `reason ${NUL}`, ({ writer }) => writer.abort("why\u0000")],
  ["subscribe thread id", `thread id ${NUL}`, ({ threadline }) => threadline.subscribe("t1\u0000")],
  ["stop thread id", `thread id ${NUL}`, ({ threadline }) => threadline.stop("t1\u0000")],
  [
    "stop message id",
    `message id ${NUL}`,
    ({ threadline }) => threadline.stop("t1", { messageId: "w1\u0000" }),
  ],
  [
    "chat.history thread id",
    `thread id ${NUL}`,
    ({ threadline }) => threadline.chat.history("t1\u0000"),
  ],
  [
    "workspace id",
    `workspace id ${NUL}`,
    ({ threadline }) => threadline.workspace("w\u0000").threads.list(),
  ],
  [
    "import of a thread line's title",
    `import line 1: title ${NUL}`,
    ({ threadline }) =>
      importThreadJsonl(threadline, [threadLine(',"title":"\\u0000"')], { now: 1 }),
  ],
  [
    "import of a message line's errorText",
    `import line 2: errorText ${NUL}`,
    ({ threadline }) =>
      importThreadJsonl(
        threadline,
        [threadLine(), messageLine(',"status":"error","errorText":"x\\u0000"')],
        { now: 1 },
      ),
  ],
];

for (const backend of BACKENDS) {
  describe(`library bad input is bad_request (R30) [${backend.name}]`, () => {
    /** Thread t1 (title, metadata) with a user message m1 and a streaming message w1 ("Hello"). */
    async function setup(): Promise<Context> {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      await threadline.threads.create({ id: "t1", title: "kept", metadata: { a: 1 } });
      await threadline.messages.append("t1", { id: "m1", role: "user", parts: TEXT });
      const writer = await threadline.writers.open("t1", { messageId: "w1" });
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "Hello" });
      await threadline.flush("w1");
      return { threadline, writer };
    }

    /** Everything a bad call could have changed: threads, t1's messages (buffered included), log. */
    async function state({ threadline }: Context) {
      return {
        threads: await threadline.threads.list(),
        messages: await threadline.messages.list("t1"),
        log: await logOf(threadline.store, "default", "t1"),
      };
    }

    /** Valid writes after the bad call succeed: the writer goes on, a thread and message store. */
    async function expectStillWorks({ threadline, writer }: Context) {
      await writer.write({ type: "text-delta", id: "0", delta: " world" });
      await writer.write({ type: "text-end", id: "0" });
      await writer.finish({ messageMetadata: { ok: true } });
      const finished = await threadline.messages.get("w1");
      expect(finished).toMatchObject({ status: "completed", metadata: { ok: true } });
      expect(textOf(finished)).toBe("Hello world");
      await threadline.threads.create({ id: "t-ok", title: "fine", metadata: { b: [1] } });
      const stored = await threadline.messages.append(
        "t-ok",
        { role: "user", parts: TEXT, metadata: { c: "d" } },
        { idempotencyKey: "k-ok", run: { model: "m" } },
      );
      expect((await threadline.messages.get(stored.id)).metadata).toEqual({ c: "d" });
    }

    for (const [entry, expected, call] of CASES) {
      const problem = expected.includes(DEPTH) ? "a value nested 5,000 deep" : "a NUL character";
      it(`R30: ${entry} with ${problem} → bad_request "${expected}"; nothing stored changes; later writes succeed`, async () => {
        const ctx = await setup();
        const before = await state(ctx);
        const error = await (async () => call(ctx))().then(
          () => undefined,
          (rejected: unknown) => rejected,
        );
        expect(error).toBeInstanceOf(ThreadlineError);
        expect(error).toMatchObject({ code: "bad_request", status: 400 });
        expect((error as Error).message).toContain(expected);
        await ctx.threadline.flushAll();
        expect(await state(ctx)).toEqual(before);
        await expect(ctx.threadline.threads.get("t9")).rejects.toMatchObject({ code: "not_found" });
        await expect(ctx.threadline.threads.get("t-imp")).rejects.toMatchObject({
          code: "not_found",
        });
        await expectStillWorks(ctx);
      });
    }

    it("R30: an idempotency key refused with bad metadata stays free: a valid retry stores the message", async () => {
      const ctx = await setup();
      const { threadline } = ctx;
      const input = { role: "user" as const, parts: TEXT };
      await expect(
        threadline.messages.submit("t1", { ...input, metadata: DEEP }, { idempotencyKey: "k1" }),
      ).rejects.toMatchObject({ code: "bad_request", message: `metadata ${DEPTH}` });
      const retried = await threadline.messages.submit("t1", input, { idempotencyKey: "k1" });
      expect(retried.replayed).toBe(false);
      expect((await threadline.messages.list("t1")).messages.map((m) => m.id)).toEqual([
        "m1",
        "w1",
        retried.message.id,
      ]);
    });
  });
}
