import { readUIMessageStream, type UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { isThreadlineError } from "../../src/errors.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import { FIXTURE_NAMES, fixtureChunks } from "../http/support.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { textOf } from "../support/helpers.js";
import { pushSource, readAll, readRest, readUntil } from "./support.js";

const text = (id: string, ...deltas: string[]): UIMessageChunk[] => [
  { type: "text-start", id },
  ...deltas.map((delta): UIMessageChunk => ({ type: "text-delta", id, delta })),
  { type: "text-end", id },
];

async function lastMessageOf(chunks: UIMessageChunk[]): Promise<UIMessage | undefined> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream: stream as never })) last = message;
  return last;
}

for (const backend of BACKENDS) {
  describe(`chat.respond: persist while responding [${backend.name}]`, () => {
    async function setup() {
      const { threadline, clock } = await openThreadline(backend);
      const thread = await threadline.threads.create({ id: "t1" });
      return { threadline, clock, threadId: thread.id };
    }

    it("R29: the client's start chunk carries the id the app passes", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push({ type: "start", messageId: "from-stream" }, ...text("a", "Hi"), {
        type: "finish",
      });
      source.end();
      const reply = await threadline.chat.respond(threadId, source.stream, { messageId: "app-id" });
      const chunks = await readAll(reply.stream);
      expect(reply.messageId).toBe("app-id");
      expect(chunks[0]).toEqual({ type: "start", messageId: "app-id" });
      expect((await reply.message).id).toBe("app-id");
      expect((await threadline.messages.get("app-id")).status).toBe("completed");
    });

    it("R29: without an app id, the stream's start chunk id is stored", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push({ type: "start", messageId: "from-stream" }, ...text("a", "Hi"), {
        type: "finish",
      });
      source.end();
      const reply = await threadline.chat.respond(threadId, source.stream);
      const chunks = await readAll(reply.stream);
      expect(chunks[0]).toEqual({ type: "start", messageId: "from-stream" });
      expect((await threadline.messages.get("from-stream")).parts).toHaveLength(1);
    });

    it("R29: with no id anywhere, one is generated and sent in a start chunk", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push(...text("a", "Hi"), { type: "finish" });
      source.end();
      const reply = await threadline.chat.respond(threadId, source.stream);
      const chunks = await readAll(reply.stream);
      expect(chunks[0]).toEqual({ type: "start", messageId: reply.messageId });
      expect(reply.messageId).not.toBe("");
      const stored = await reply.message;
      expect(stored.id).toBe(reply.messageId);
      const clientView = await lastMessageOf(chunks);
      expect(clientView?.id).toBe(stored.id);
    });

    it("R1, R29: the stored message equals what the AI SDK builds from the client's stream", async () => {
      const { threadline, threadId } = await setup();
      for (const name of FIXTURE_NAMES) {
        const chunks = fixtureChunks(name) as UIMessageChunk[];
        async function* source() {
          yield* chunks;
        }
        const reply = await threadline.chat.respond(threadId, source());
        const sent = await readAll(reply.stream);
        const stored = await reply.message;
        const clientView = await lastMessageOf(sent);
        expect(JSON.parse(JSON.stringify(clientView?.parts))).toEqual(
          JSON.parse(JSON.stringify(stored.parts)),
        );
        expect(clientView?.id).toBe(stored.id);
      }
    });

    it("R17: persistence goes on after the client cancels its stream", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push({ type: "start" }, { type: "text-start", id: "a" });
      const reply = await threadline.chat.respond(threadId, source.stream);
      const reader = reply.stream.getReader();
      await reader.read();
      await reader.cancel("browser went away");
      source.push(
        { type: "text-delta", id: "a", delta: "still " },
        { type: "text-delta", id: "a", delta: "here" },
      );
      source.push({ type: "text-end", id: "a" }, { type: "finish" });
      source.end();
      const stored = await reply.message;
      expect(stored.status).toBe("completed");
      expect(textOf(stored)).toBe("still here");
      expect(source.cancelled).toBe(false);
    });

    it("R17: a client that never reads does not hold persistence back", async () => {
      const { threadline, threadId } = await setup();
      const deltas = Array.from({ length: 2_000 }, (_, i) => `${i},`);
      async function* source(): AsyncGenerator<UIMessageChunk> {
        yield { type: "start" };
        yield* text("a", ...deltas);
        yield { type: "finish" };
      }
      const reply = await threadline.chat.respond(threadId, source());
      const stored = await reply.message; // reply.stream is never read
      expect(stored.status).toBe("completed");
      expect(textOf(stored)).toBe(deltas.join(""));
    });

    it("R16: a source that ends before a terminal chunk aborts the message; the client gets abort", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push(
        { type: "start" },
        { type: "text-start", id: "a" },
        { type: "text-delta", id: "a", delta: "half" },
      );
      source.end();
      const reply = await threadline.chat.respond(threadId, source.stream);
      const chunks = await readAll(reply.stream);
      expect(chunks.at(-1)).toEqual({ type: "abort" });
      const stored = await reply.message;
      expect(stored.status).toBe("aborted");
      expect(textOf(stored)).toBe("half");
    });

    it("R16: a source that throws ends the message error with its text; the client gets error", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push(
        { type: "start" },
        { type: "text-start", id: "a" },
        { type: "text-delta", id: "a", delta: "part" },
      );
      const reply = await threadline.chat.respond(threadId, source.stream);
      const reader = reply.stream.getReader();
      const seen = await readUntil(reader, (c) => c.type === "text-delta");
      source.fail(new Error("provider overloaded")); // after the delta was accepted
      const chunks = [...seen, ...(await readRest(reader))];
      expect(chunks.at(-1)).toEqual({ type: "error", errorText: "provider overloaded" });
      const stored = await reply.message;
      expect(stored.status).toBe("error");
      expect(stored.errorText).toBe("provider overloaded");
      expect(textOf(stored)).toBe("part");
    });

    it("R2: a chunk the writer rejects ends the message error, keeps what came before, and is never sent", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push({ type: "start" }, ...text("a", "kept"));
      source.push({ type: "text-delta", id: "nope", delta: "x" }); // no open part
      source.push({ type: "finish" });
      source.end();
      const reply = await threadline.chat.respond(threadId, source.stream);
      const chunks = await readAll(reply.stream);
      expect(chunks.some((c) => c.type === "text-delta" && c.id === "nope")).toBe(false);
      expect(chunks.at(-1)?.type).toBe("error");
      const stored = await reply.message;
      expect(stored.status).toBe("error");
      expect(stored.errorText).toMatch(/^chunk 4: /);
      expect(textOf(stored)).toBe("kept");
      expect(source.cancelled).toBe(true);
    });

    it("an empty source is refused with bad_request and creates nothing", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.end();
      const error = await threadline.chat.respond(threadId, source.stream).catch((e) => e);
      expect(isThreadlineError(error, "bad_request")).toBe(true);
      expect((await threadline.messages.list(threadId)).messages).toHaveLength(0);
    });

    it("a taken message id is a conflict, and the source is cancelled", async () => {
      const { threadline, threadId } = await setup();
      await threadline.messages.append(threadId, {
        id: "taken",
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      const source = pushSource();
      source.push({ type: "start", messageId: "taken" });
      const error = await threadline.chat.respond(threadId, source.stream).catch((e) => e);
      expect(isThreadlineError(error, "conflict")).toBe(true);
      expect(source.cancelled).toBe(true);
    });

    it("another workspace's thread is not_found", async () => {
      const { threadline, threadId } = await setup();
      const source = pushSource();
      source.push({ type: "start" });
      const other = threadline.workspace("other");
      const error = await other.chat.respond(threadId, source.stream).catch((e) => e);
      expect(isThreadlineError(error, "not_found")).toBe(true);
    });
  });
}
