import {
  AbstractChat,
  DefaultChatTransport,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "../../src/clock.js";
import { PATHS, UI_MESSAGE_STREAM_HEADERS } from "../../src/protocol/http.js";
import type { StoredMessage } from "../../src/protocol/resources.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { ArrayChatState } from "../support/chat-state.js";
import { textOf } from "../support/helpers.js";
import {
  FIXTURE_NAMES,
  feedableBody,
  fixtureChunks,
  fixtureEvents,
  listen,
  openApp,
  waitFor,
} from "./support.js";

/** The message as the AI SDK sees it: id, role, metadata and parts, JSON-normalized. */
function asUIMessage(message: UIMessage | StoredMessage | undefined) {
  if (!message) return undefined;
  const { id, role, parts, metadata } = message;
  return JSON.parse(JSON.stringify({ id, role, parts, metadata }));
}

/** The `data:` frames of an SSE body (heartbeat comments left out). */
function dataFrames(text: string): string[] {
  return text.split("\n\n").filter((frame) => frame.startsWith("data: "));
}

/** The last message `readUIMessageStream` builds from a resumed stream. */
async function readResumed(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last;
}

/** The smallest `ChatState` (what `useChat` keeps in React state), for `AbstractChat`. */

class TestChat extends AbstractChat<UIMessage> {
  constructor(id: string, api: string, messages: UIMessage[]) {
    super({
      id,
      transport: new DefaultChatTransport({ api }),
      state: new ArrayChatState(messages),
    });
  }
}

for (const backend of BACKENDS) {
  describe(`GET /v1/threads/:id/stream — AI SDK resume [${backend.name}]`, () => {
    async function setup() {
      // Heartbeat comments every 5 ms go through every AI SDK client below (it must ignore them).
      const opened = await openApp(backend, {
        threadline: { clock: systemClock, windowMs: 5 },
        app: { heartbeatMs: 5 },
      });
      await opened.threadline.threads.create({ id: "t1" });
      const baseUrl = await listen(opened.app);
      const transport = new DefaultChatTransport({ api: `${baseUrl}/v1/threads` });
      return { ...opened, baseUrl, transport };
    }

    /** Uploads `events` (SSE frames) as a producer that sends the first `split` now, the rest later. */
    function startProducer(baseUrl: string, events: string[], split: number) {
      const feed = feedableBody();
      const answer = fetch(`${baseUrl}${PATHS.messageStream("t1")}`, {
        method: "POST",
        headers: { "content-type": "text/event-stream" },
        body: feed.body,
        duplex: "half",
      } as RequestInit);
      for (const event of events.slice(0, split)) feed.send(event);
      return {
        answer,
        finish: () => {
          for (const event of events.slice(split)) feed.send(event);
          feed.end();
        },
      };
    }

    it("SPEC §3: 204 when no message is streaming; DefaultChatTransport resumes nothing", async () => {
      const { app, threadline, transport } = await setup();
      expect((await app.request(PATHS.resumeStream("t1"))).status).toBe(204);
      await threadline.messages.append("t1", {
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      const writer = await threadline.writers.open("t1");
      await writer.finish();
      expect((await app.request(PATHS.resumeStream("t1"))).status).toBe(204);
      expect(await transport.reconnectToStream({ chatId: "t1" })).toBeNull();
    });

    it("a chat with no thread yet → 204: useChat({ resume: true }) resumes every new chat, nothing to resume is no error", async () => {
      const { app, transport } = await setup();
      const response = await app.request(PATHS.resumeStream("nope"));
      expect(response.status).toBe(204);
      expect(await transport.reconnectToStream({ chatId: "nope" })).toBeNull();
    });

    it("SPEC §3: a streaming message answers with the AI SDK's headers, its chunks from start, then [DONE]", async () => {
      const { app, threadline } = await setup();
      const writer = await threadline.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "start", messageId: "a1" });
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "Hi" });
      const response = await app.request(PATHS.resumeStream("t1"));
      expect(response.status).toBe(200);
      for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) {
        expect(response.headers.get(name)).toBe(value);
      }
      await writer.write({ type: "text-end", id: "0" });
      await writer.finish();
      const text = await response.text();
      const frames = dataFrames(text);
      expect(frames.at(-1)).toBe("data: [DONE]");
      const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice("data: ".length)));
      expect(chunks).toEqual([
        { type: "start", messageId: "a1" },
        { type: "text-start", id: "0" },
        { type: "text-delta", id: "0", delta: "Hi" },
        { type: "text-end", id: "0" },
        { type: "finish" },
      ]);
    });

    for (const name of FIXTURE_NAMES) {
      it(`SPEC §3, R11: joining ${name} mid-stream, the AI SDK client ends with the persisted message`, async () => {
        const { baseUrl, threadline, transport } = await setup();
        const events = fixtureEvents(name);
        const start = fixtureChunks(name)[0];
        const messageId = start?.type === "start" ? String(start.messageId) : "";
        // Half of the stream now, but the terminal chunk and [DONE] (the last two) later.
        const split = Math.min(Math.ceil(events.length / 2), events.length - 2);
        const producer = startProducer(baseUrl, events, split);
        await waitFor(
          async () =>
            (await threadline.messages.get(messageId).catch(() => undefined)) !== undefined,
          5_000,
          "the producer's first chunks",
        );
        const stream = await transport.reconnectToStream({ chatId: "t1" });
        expect(stream).not.toBeNull();
        const reading = readResumed(stream as ReadableStream<UIMessageChunk>);
        producer.finish();
        expect((await producer.answer).status).toBe(200);
        const resumed = await reading;
        const persisted = await threadline.messages.get(messageId);
        expect(persisted.status).not.toBe("streaming");
        expect(asUIMessage(resumed)).toStrictEqual(asUIMessage(persisted));
      });
    }

    it("R17: a resuming client that disconnects leaves the producer's message completing", async () => {
      const { baseUrl, threadline, transport } = await setup();
      const name = "from-openai--openai-text.sse";
      const events = fixtureEvents(name);
      const producer = startProducer(baseUrl, events, 20);
      await waitFor(
        async () =>
          (await threadline.messages.get("msg-openai-text").catch(() => undefined)) !== undefined,
      );
      const stream = await transport.reconnectToStream({ chatId: "t1" });
      const reader = (stream as ReadableStream<UIMessageChunk>).getReader();
      expect((await reader.read()).value).toMatchObject({ type: "start" });
      await reader.cancel(); // the viewer goes away
      producer.finish();
      const response = await producer.answer;
      expect(response.status).toBe(200);
      const { message } = (await response.json()) as { message: StoredMessage };
      expect(message.status).toBe("completed");
      expect(textOf(message).length).toBeGreaterThan(100);
    });

    it("SPEC §3: a stream written without a start chunk is resumed with a synthesized start (the stored id)", async () => {
      const { threadline, transport } = await setup();
      const writer = await threadline.writers.open("t1", {
        messageId: "lib-1",
        metadata: { model: "m" },
      });
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "from the library" });
      await writer.flush();
      const stream = await transport.reconnectToStream({ chatId: "t1" });
      const reading = readResumed(stream as ReadableStream<UIMessageChunk>);
      await writer.write({ type: "text-end", id: "0" });
      await writer.finish();
      const resumed = await reading;
      expect(resumed?.id).toBe("lib-1");
      expect(asUIMessage(resumed)).toStrictEqual(
        asUIMessage(await threadline.messages.get("lib-1")),
      );
      expect(resumed?.metadata).toEqual({ model: "m" });
    });

    it("R18: a message of a crashed node, aborted by the sweep, ends the resumed stream with abort", async () => {
      const database = await backend.freshDatabase({ shared: true });
      // The serving node starts first: on SQLite a node starting later finalizes every streaming
      // message at once (R31), and a graceful close() ends its writers' messages (R31) — so the
      // crashed node is one whose clock stands still: it never renews a1's lease nor ends a1.
      const { app, threadline } = await openApp(backend, {
        threadline: { database, clock: systemClock },
      });
      const crashed = await openThreadline(backend, {
        database,
        clock: new ManualClock(Date.now()),
        leaseTtlMs: 1_500, // long enough that no sweep beats the resume request below
      });
      await crashed.threadline.threads.create({ id: "t1" });
      const writer = await crashed.threadline.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "cut" });
      await writer.flush(); // then the node "dies": nothing finalizes a1, its lease runs out
      const response = await app.request(PATHS.resumeStream("t1"));
      expect(response.status).toBe(200);
      await waitFor(async () => (await threadline.sweep()) > 0, 5_000, "the lease to expire");
      const frames = dataFrames(await response.text());
      expect(frames[0]).toBe('data: {"type":"start","messageId":"a1"}');
      expect(frames.at(-2)).toBe('data: {"type":"abort"}');
      expect(frames.at(-1)).toBe("data: [DONE]");
      expect((await threadline.messages.get("a1")).status).toBe("aborted");
    });

    for (const [name, loadPartial] of [
      ["a chat that has only the user message", false],
      ["a chat loaded mid-stream with the partial assistant message", true],
    ] as const) {
      it(`SPEC §3: AbstractChat.resumeStream() on ${name} ends with the persisted message, no duplicated parts`, async () => {
        const { baseUrl, threadline, app } = await setup();
        await threadline.messages.append("t1", {
          id: "u1",
          role: "user",
          parts: [{ type: "text", text: "What is the weather in Paris?" }],
        });
        const name = "streamtext-reasoning-tool-2steps.sse";
        const events = fixtureEvents(name);
        const producer = startProducer(baseUrl, events, 12);
        await waitFor(async () => {
          const message = await threadline.messages.get("msg-assistant-1").catch(() => undefined);
          return (message?.parts.length ?? 0) >= 3;
        });
        const listed = (await (await app.request(PATHS.threadMessages("t1"))).json()) as {
          messages: StoredMessage[];
        };
        const initial = listed.messages
          .filter((m) => loadPartial || m.role === "user")
          .map((m) => asUIMessage(m) as UIMessage);
        const chat = new TestChat("t1", `${baseUrl}/v1/threads`, initial);
        const resuming = chat.resumeStream();
        producer.finish();
        await resuming;
        expect((await producer.answer).status).toBe(200);
        expect(chat.status).toBe("ready");
        expect(chat.messages.map((m) => m.id)).toEqual(["u1", "msg-assistant-1"]);
        const persisted = await threadline.messages.get("msg-assistant-1");
        expect(asUIMessage(chat.messages[1])).toStrictEqual(asUIMessage(persisted));
      });
    }
  });
}
