/**
 * The README's promises: every TypeScript snippet in it is code of a file under `examples/` that
 * a test runs (here, or the example's own tests), and its two Quickstart commands exist.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AbstractChat, type UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { chatRoutes } from "../../examples/ai-sdk-chat/chat-routes.js";
import { uploadAndFollow } from "../../examples/readme/client-upload.js";
import { inboundRuns } from "../../examples/readme/inbound-runs.js";
import { threadlineTransport } from "../../examples/readme/serve-transport.js";
import { typedMessages } from "../../examples/readme/typed-messages.js";
import { createClient } from "../../src/client/index.js";
import { systemClock } from "../../src/clock.js";
import { createApp, parseApiKeys } from "../../src/http/index.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import type { RunRequest } from "../../src/protocol/runs.js";
import { modelWords, slowModel } from "../ai-sdk/support.js";
import { listen } from "../http/support.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { ArrayChatState } from "../support/chat-state.js";
import { textOf } from "../support/helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : filesUnder(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** The ```ts / ```tsx blocks of a Markdown text. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```tsx?\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

/**
 * The block's lines, trimmed, appear one after another in the file (indentation and blank lines
 * aside); a `// …` line in the block stands for lines of the file left out.
 */
function containsBlock(file: string, block: string): boolean {
  const lines = file
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const segments = block
    .split(/^\s*\/\/ …\s*$/m)
    .map((segment) =>
      segment
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== ""),
    )
    .filter((segment) => segment.length > 0);
  let from = 0;
  for (const segment of segments) {
    const at = indexOfRun(lines, segment, from);
    if (at < 0) return false;
    from = at + segment.length;
  }
  return true;
}

function indexOfRun(lines: string[], run: string[], from: number): number {
  for (let start = from; start + run.length <= lines.length; start += 1) {
    if (run.every((line, i) => lines[start + i] === line)) return start;
  }
  return -1;
}

describe("README", () => {
  it("every TypeScript snippet is code of a file under examples/ (run by a test)", () => {
    const sources = filesUnder(join(ROOT, "examples")).map((path) => ({
      path,
      text: readFileSync(path, "utf8"),
    }));
    const blocks = codeBlocks(README);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      const found = sources.find((source) => containsBlock(source.text, block));
      expect(found, `README snippet not found in examples/:\n${block}`).toBeDefined();
    }
  });

  it("its two Quickstart commands are npm scripts", () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(README).toContain("npm ci && npm run demo");
    expect(README).toContain("npm ci && npm test");
    expect(scripts.demo).toBeDefined();
    expect(scripts.test).toBeDefined();
  });
});

for (const backend of BACKENDS) {
  describe(`README snippets run [${backend.name}]`, () => {
    it("the three chat routes (Web handlers) serve the AI SDK client: send, resume, stop", async () => {
      const { threadline } = await openThreadline(backend, { clock: systemClock, windowMs: 5 });
      const words = modelWords(30);
      const { model, record } = slowModel(words, 10);
      const routes = chatRoutes(threadline, model);
      // The handlers called as a framework would: a fetch that routes by path, no socket.
      const fetchRoutes = async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const path = new URL(request.url).pathname;
        const [, , , chatId, action] = path.split("/");
        if (path === "/api/chat" && request.method === "POST") return routes.chat(request);
        if (action === "stream") return routes.resume(decodeURIComponent(chatId ?? ""));
        if (action === "stop") return routes.stop(decodeURIComponent(chatId ?? ""));
        return new Response(null, { status: 404 });
      };
      const { DefaultChatTransport } = await import("ai");
      const chat = new (class extends AbstractChat<UIMessage> {})({
        id: "chat-1",
        state: new ArrayChatState(),
        transport: new DefaultChatTransport({ api: "http://app/api/chat", fetch: fetchRoutes }),
      });
      await chat.sendMessage({ text: "Hello" });
      expect(textOf(chat.messages[1]!)).toBe(words.join(""));
      const stored = await threadline.chat.history("chat-1");
      expect(chat.messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));

      const sending = chat.sendMessage({ text: "Again" });
      // Stopped once the reply streams to the client (its first part arrived): a fixed wait
      // could come before the server began the reply, with nothing to stop yet.
      let sent = false;
      sending.then(
        () => (sent = true),
        () => (sent = true), // a failure is the `await sending` below's to report
      );
      while (chat.status !== "streaming" && !sent) {
        await new Promise((done) => setTimeout(done, 5));
      }
      const stop = await fetchRoutes("http://app/api/chat/chat-1/stop", { method: "POST" });
      expect(((await stop.json()) as { stopped: boolean }).stopped).toBe(true);
      await sending;
      expect(record.cancelled).toBe(1);
      const bad = await fetchRoutes("http://app/api/chat", { method: "POST", body: "{}" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_request");
      expect((await fetchRoutes("http://app/api/chat/new/stream")).status).toBe(204);
    });

    it("the transport for `threadline serve` resumes a reply uploaded by another process", async () => {
      const { threadline } = await openThreadline(backend, { clock: systemClock, windowMs: 5 });
      const app = createApp({ threadline, apiKeys: parseApiKeys(["acme:sk-1"]), log: () => {} });
      const baseUrl = await listen(app);
      const client = createClient({ baseUrl, apiKey: "sk-1" });
      await client.threads.create({ id: "chat-1" });
      const words = modelWords(20);
      let release!: () => void;
      const halfway = new Promise<void>((done) => {
        release = done;
      });
      async function* reply(): AsyncGenerator<UIMessageChunk> {
        yield { type: "start", messageId: "a1" };
        yield { type: "text-start", id: "t" };
        for (const [i, delta] of words.entries()) {
          if (i === 10) await halfway;
          yield { type: "text-delta", id: "t", delta };
        }
        yield { type: "text-end", id: "t" };
        yield { type: "finish" };
      }
      const uploading = client.messages.stream("chat-1", reply());
      const acme = threadline.workspace("acme");
      while ((await acme.messages.get("a1").catch(() => undefined)) === undefined) {
        await new Promise((done) => setTimeout(done, 5));
      }
      const chat = new (class extends AbstractChat<UIMessage> {})({
        id: "chat-1",
        state: new ArrayChatState(),
        transport: threadlineTransport({
          chatApi: "http://app.invalid/api/chat",
          threadlineUrl: baseUrl,
          apiKey: "sk-1",
        }),
      });
      const resuming = chat.resumeStream();
      // The rest of the reply is sent once the resumed stream delivered its first part: released
      // at once, the upload could end before the resume reached the server, leaving nothing to
      // resume (the route answers 204).
      let settled = false;
      const settle = () => {
        settled = true;
      };
      resuming.then(settle, settle); // a failure is the `await resuming` below's to report
      while (chat.messages.length === 0 && !settled) {
        await new Promise((done) => setTimeout(done, 5));
      }
      release();
      await resuming;
      await uploading;
      expect(chat.messages.map((m) => m.id)).toEqual(["a1"]);
      expect(textOf(chat.messages[0]!)).toBe(words.join(""));
    });

    it("the client uploads a reply and follows the thread", async () => {
      const { threadline } = await openThreadline(backend, { clock: systemClock, windowMs: 5 });
      const app = createApp({ threadline, apiKeys: parseApiKeys(["acme:sk-1"]), log: () => {} });
      const baseUrl = await listen(app);
      const chunks: UIMessageChunk[] = [
        { type: "start" },
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: "Hello" },
        { type: "text-end", id: "t" },
        { type: "finish" },
      ];
      const result = {
        async *toUIMessageStream() {
          yield* chunks;
        },
      };
      const { thread, seen } = await uploadAndFollow(baseUrl, "sk-1", result);
      expect(seen[0]?.type).toBe("snapshot");
      expect(seen.at(-1)?.type).toBe("message.finished");
      const { messages } = await threadline.workspace("acme").messages.list(thread.id);
      expect(messages.map(textOf)).toEqual(["Hello"]);
    });

    it("typed messages: metadata reads back typed", async () => {
      const { threadline, model } = await typedMessages(await backend.freshDatabase());
      await threadline.close();
      expect(model).toBe("fast");
    });

    it("inbound: one run for the burst, delivered to the callback", async () => {
      const database = await backend.freshDatabase();
      const runs: RunRequest[] = [];
      const { threadline, thread } = await inboundRuns(database, {
        enqueue: async (_id, run) => {
          runs.push(run);
        },
      });
      await threadline.close(); // a graceful shutdown fires the pending trigger at once (R23)
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ threadId: thread.id, forceFresh: true });
      expect(runs[0]?.messages.map(textOf)).toEqual(["Hi"]);
    });
  });
}
