/**
 * The AI SDK's own client classes (`AbstractChat` — what `useChat` wraps — with
 * `DefaultChatTransport`) against a chat app built on `threadline.chat` over a real socket: the
 * example app's routes, `streamText` on a mock model. R28, R29, R11–R13.
 */
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { AbstractChat, DefaultChatTransport, type UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { createChatApp } from "../../examples/ai-sdk-chat/chat-app.js";
import { systemClock } from "../../src/clock.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { ArrayChatState } from "../support/chat-state.js";
import { textOf } from "../support/helpers.js";
import { modelWords, slowModel } from "./support.js";

const WORDS = modelWords(40);
const DELAY_MS = 15;

/** The smallest `ChatState` (what `useChat` keeps in React state). */

/** A chat client as a browser tab has it: `useChat({ id, messages, transport })`. */
class TestChat extends AbstractChat<UIMessage> {
  constructor(id: string, baseUrl: string, messages: UIMessage[] = []) {
    super({
      id,
      transport: new DefaultChatTransport({ api: `${baseUrl}/api/chat` }),
      state: new ArrayChatState(messages),
    });
  }
}

const servers: ServerType[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((done) => server.close(() => done()));
  }
});

async function serveChat(threadline: Threadline, model: ReturnType<typeof slowModel>["model"]) {
  const app = createChatApp({ threadline, model });
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
      resolve(started),
    );
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The message as the AI SDK sees it: id, role, parts, JSON-normalized. */
function plain(message: UIMessage | undefined) {
  if (!message) return undefined;
  const { id, role, parts } = message;
  return JSON.parse(JSON.stringify({ id, role, parts }));
}

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const backend of BACKENDS) {
  describe(`AI SDK client classes against threadline.chat [${backend.name}]`, () => {
    async function setup() {
      const { threadline } = await openThreadline(backend, { clock: systemClock, windowMs: 10 });
      const { model, record } = slowModel(WORDS, DELAY_MS);
      const baseUrl = await serveChat(threadline, model);
      return { threadline, record, baseUrl };
    }

    async function stored(threadline: Threadline, threadId: string) {
      return (await threadline.chat.history(threadId)).map(plain);
    }

    it("send: the client ends with exactly the stored messages, ids equal", async () => {
      const { threadline, baseUrl } = await setup();
      const chat = new TestChat("chat-1", baseUrl);
      await chat.sendMessage({ text: "Hello" });
      expect(chat.status).toBe("ready");
      expect(chat.messages.map(plain)).toEqual(await stored(threadline, "chat-1"));
      expect(textOf(chat.messages[1]!)).toBe(WORDS.join(""));
    });

    it("drop the connection mid-stream, then resumeStream(): no part missing or doubled, ids equal", async () => {
      const { threadline, record, baseUrl } = await setup();
      const chat = new TestChat("chat-1", baseUrl);
      const sending = chat.sendMessage({ text: "Hello" });
      await until(() => textOf(chat.messages[1] ?? { parts: [] }).length > 0, "some text");
      await chat.stop(); // closes the browser's request only (R17)
      await sending;
      const partial = textOf(chat.messages[1]!);
      expect(partial.length).toBeLessThan(WORDS.join("").length);
      await chat.resumeStream();
      expect(chat.messages).toHaveLength(2);
      expect(chat.messages.map(plain)).toEqual(await stored(threadline, "chat-1"));
      expect(textOf(chat.messages[1]!)).toBe(WORDS.join(""));
      expect(record.cancelled).toBe(0); // the model never noticed the client leaving
    });

    it("reload from stored history mid-stream, then resume: the reply arrives once, whole", async () => {
      const { threadline, baseUrl } = await setup();
      const first = new TestChat("chat-1", baseUrl);
      const sending = first.sendMessage({ text: "Hello" });
      await until(() => textOf(first.messages[1] ?? { parts: [] }).length > 0, "some text");
      await first.stop();
      await sending;
      // The page reloads: initial messages from the store (finished only), then resume.
      const history = await threadline.chat.history("chat-1");
      expect(history.map((m) => m.role)).toEqual(["user"]);
      const reloaded = new TestChat("chat-1", baseUrl, history);
      await reloaded.resumeStream();
      expect(reloaded.messages.map(plain)).toEqual(await stored(threadline, "chat-1"));
      expect(reloaded.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
      expect(textOf(reloaded.messages[1]!)).toBe(WORDS.join(""));
    });

    it("resume with nothing streaming is a no-op (204)", async () => {
      const { threadline, baseUrl } = await setup();
      const chat = new TestChat("chat-1", baseUrl);
      await chat.sendMessage({ text: "Hello" });
      const again = new TestChat("chat-1", baseUrl, await threadline.chat.history("chat-1"));
      await again.resumeStream();
      expect(again.status).toBe("ready");
      expect(again.messages).toHaveLength(2);
    });

    it("follow-up turns and regenerate: the client and the store agree on every id", async () => {
      const { threadline, baseUrl } = await setup();
      const chat = new TestChat("chat-1", baseUrl);
      await chat.sendMessage({ text: "Hello" });
      await chat.sendMessage({ text: "And then?" });
      expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
      expect(chat.messages.map(plain)).toEqual(await stored(threadline, "chat-1"));
      const replaced = chat.messages[3]!.id;
      await chat.regenerate();
      expect(chat.messages).toHaveLength(4);
      expect(chat.messages[3]!.id).not.toBe(replaced);
      expect(chat.messages.map(plain)).toEqual(await stored(threadline, "chat-1"));
      const threads = (await threadline.threads.list()).threads;
      const fork = threads.find((t) => t.forkedFrom?.threadId === "chat-1");
      const kept = await threadline.messages.list(fork!.id);
      expect(kept.messages.map(textOf)).toContain(WORDS.join("")); // the old reply stays reachable
    });

    it("R28: stop after a reconnect cancels the model; the message ends aborted with its partial text", async () => {
      const { threadline, record, baseUrl } = await setup();
      const chat = new TestChat("chat-1", baseUrl);
      const sending = chat.sendMessage({ text: "Hello" });
      await until(() => textOf(chat.messages[1] ?? { parts: [] }).length > 0, "some text");
      await chat.stop();
      await sending;
      const other = new TestChat("chat-1", baseUrl, await threadline.chat.history("chat-1"));
      const resuming = other.resumeStream();
      await until(() => other.messages.length === 2, "the resumed reply");
      const response = await fetch(`${baseUrl}/api/chat/chat-1/stop`, { method: "POST" });
      const result = (await response.json()) as { stopped: boolean; message: UIMessage };
      await resuming;
      expect(result.stopped).toBe(true);
      expect(record.cancelled).toBe(1);
      const [, reply] = (await threadline.messages.list("chat-1")).messages;
      expect(reply?.status).toBe("aborted");
      expect(textOf(reply!).length).toBeGreaterThan(0);
      expect(textOf(reply!).length).toBeLessThan(WORDS.join("").length);
      expect(plain(other.messages[1])).toEqual(
        plain(await threadline.chat.history("chat-1").then((h) => h[1])),
      );
      const emitted = record.emitted;
      await new Promise((resolve) => setTimeout(resolve, DELAY_MS * 4));
      expect(record.emitted).toBe(emitted); // no more text is generated
    });
  });
}
