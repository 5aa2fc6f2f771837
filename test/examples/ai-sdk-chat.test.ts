import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildChatPage } from "../../examples/ai-sdk-chat/build-page.js";
import { type ChatServer, startChatServer } from "../../examples/ai-sdk-chat/server.js";
import { MOCK_REPLY_TEXT } from "../../examples/ai-sdk-chat/slow-mock-model.js";
import { DATABASE_URL } from "../support/database-url.js";
import {
  ChatPage,
  launchChromium,
  modelStats,
  screenshots,
  textOf,
} from "./ai-sdk-chat-browser.js";

/**
 * The AI SDK chat example in a real browser: Vite-built page, `useChat` with `resume: true`, the
 * example server on Threadline, the slow mock model (60 words, one per 60 ms ≈ 3.6 s).
 */

const CHUNK_DELAY_MS = 60;

let workDir: string;
let staticDir: string;
let browser: Browser;
const servers: ChatServer[] = [];
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "threadline-chat-example-"));
  staticDir = join(workDir, "page");
  [browser] = await Promise.all([launchChromium(), buildChatPage(staticDir)]);
}, 60_000);

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  expect(pageErrors.splice(0), "errors thrown in the page").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await rm(workDir, { recursive: true, force: true });
});

async function startServer(database: string, nodeId?: string): Promise<ChatServer> {
  const server = await startChatServer({
    database,
    port: 0,
    staticDir,
    debug: true,
    mock: { chunkDelayMs: CHUNK_DELAY_MS },
    env: {}, // always the mock model, whatever OPENAI_API_KEY says
    ...(nodeId ? { nodeId } : {}),
  });
  servers.push(server);
  return server;
}

async function openChat(server: ChatServer): Promise<ChatPage> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  context.setDefaultTimeout(10_000); // fail with the step that hangs, before the test times out
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  await page.goto(server.url);
  await page.getByTestId("chat-input").waitFor();
  return new ChatPage(page);
}

async function storedAssistant(server: ChatServer, threadId: string) {
  const { messages } = await server.threadline.messages.list(threadId);
  const assistants = messages.filter((m) => m.role === "assistant");
  expect(assistants).toHaveLength(1);
  return assistants[0]!;
}

describe("AI SDK chat example in a browser", { timeout: 30_000 }, () => {
  it("a reply resumed after a reload shows its whole text once and equals the stored message", async () => {
    const server = await startServer(`sqlite:${join(workDir, "resume.db")}`);
    const chat = await openChat(server);
    const shot = screenshots(chat.page, "reload-resumes");
    await shot("empty");

    await chat.send("Tell me about Threadline");
    await chat.waitForAssistantWords(5);
    await shot("streaming");
    expect((await modelStats(server.url)).completed).toBe(0);

    await chat.recordAssistantTexts();
    await chat.page.reload();
    await chat.waitForAssistantWords(1);
    await shot("resumed");
    await chat.waitForAssistantText(MOCK_REPLY_TEXT);
    await chat.waitForReady();
    await shot("finished");

    const seen = await chat.seenTexts();
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(MOCK_REPLY_TEXT.startsWith(text), text).toBe(true);
    expect(seen[0]!.length).toBeLessThan(MOCK_REPLY_TEXT.length); // the reload was mid-stream
    expect(await chat.assistantTexts()).toEqual([MOCK_REPLY_TEXT]);

    const stored = await storedAssistant(server, chat.threadId());
    expect(stored.status).toBe("completed");
    expect(textOf(stored)).toBe(MOCK_REPLY_TEXT);
    expect(await chat.messages()).toEqual([
      { role: "user", id: expect.any(String) },
      { role: "assistant", id: stored.id },
    ]);
    expect(await modelStats(server.url)).toEqual({ calls: 1, cancelled: 0, completed: 1 });

    // New chat, then back to the first thread: its messages come from the server.
    const threadId = chat.threadId();
    await chat.page.getByTestId("new-chat").click();
    await chat.page.waitForURL((url) => url.searchParams.get("thread") !== threadId);
    expect(await chat.messages()).toEqual([]);
    const item = chat.page.locator(`[data-testid="thread-item"][data-thread-id="${threadId}"]`);
    await expect.poll(() => item.textContent()).toBe("Tell me about Threadline");
    await shot("new-chat");
    await item.click();
    await chat.waitForAssistantText(MOCK_REPLY_TEXT);
    await shot("switched-back");
    expect(chat.threadId()).toBe(threadId);
    expect(await chat.messages()).toEqual([
      { role: "user", id: expect.any(String) },
      { role: "assistant", id: stored.id },
    ]);
  });

  it("stop after a reload aborts the model and keeps the partial text, and no more text arrives", async () => {
    const server = await startServer(`sqlite:${join(workDir, "stop.db")}`);
    const chat = await openChat(server);
    const shot = screenshots(chat.page, "reload-then-stop");

    await chat.send("Tell me about Threadline");
    await chat.waitForAssistantWords(5);
    await shot("streaming");
    await chat.page.reload();
    await chat.waitForAssistantWords(10);
    await shot("resumed");

    await chat.page.getByTestId("stop").click();
    await chat.page.getByTestId("message-status").filter({ hasText: "aborted" }).waitFor();
    await chat.waitForReady();
    await shot("stopped");

    const stored = await storedAssistant(server, chat.threadId());
    expect(stored.status).toBe("aborted");
    const partial = textOf(stored);
    expect(partial.split(" ").length).toBeGreaterThanOrEqual(10);
    expect(partial.length).toBeLessThan(MOCK_REPLY_TEXT.length);
    expect(MOCK_REPLY_TEXT.startsWith(partial)).toBe(true);
    expect(await chat.assistantTexts()).toEqual([partial]);
    expect(await modelStats(server.url)).toEqual({ calls: 1, cancelled: 1, completed: 0 });

    await new Promise((resolve) => setTimeout(resolve, 1_000)); // would a word still arrive?
    await shot("a-second-later");
    expect(await chat.assistantTexts()).toEqual([partial]);
    expect(textOf(await storedAssistant(server, chat.threadId()))).toBe(partial);
    expect(await modelStats(server.url)).toEqual({ calls: 1, cancelled: 1, completed: 0 });
  });

  describe("on PostgreSQL with two nodes", () => {
    const schema = `chat_example_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

    afterAll(async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    });

    it("a stop POSTed to node B cancels the model on node A, and A's page shows it stopped", async () => {
      const url = new URL(DATABASE_URL);
      url.searchParams.set("schema", schema);
      const nodeA = await startServer(url.toString(), "node-a");
      const nodeB = await startServer(url.toString(), "node-b");
      const chat = await openChat(nodeA);
      const shot = screenshots(chat.page, "stop-from-other-node");

      await chat.send("Tell me about Threadline");
      await chat.waitForAssistantWords(5);
      await shot("streaming-on-a");

      const response = await fetch(`${nodeB.url}/api/chat/${chat.threadId()}/stop`, {
        method: "POST",
      });
      expect(response.status).toBe(200);
      const stop = (await response.json()) as { stopped: boolean; message: { status: string } };
      expect(stop).toMatchObject({ stopped: true, message: { status: "aborted" } });

      await chat.page.getByTestId("message-status").filter({ hasText: "aborted" }).waitFor();
      await chat.waitForReady();
      await shot("stopped-on-a");

      const stored = await storedAssistant(nodeB, chat.threadId());
      expect(stored.status).toBe("aborted");
      const partial = textOf(stored);
      expect(MOCK_REPLY_TEXT.startsWith(partial) && partial.length < MOCK_REPLY_TEXT.length).toBe(
        true,
      );
      expect(await chat.assistantTexts()).toEqual([partial]);
      expect(await modelStats(nodeA.url)).toEqual({ calls: 1, cancelled: 1, completed: 0 });
      expect(await modelStats(nodeB.url)).toEqual({ calls: 0, cancelled: 0, completed: 0 });
    });
  });
});
