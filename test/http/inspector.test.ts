/**
 * The inspector page (issue 8 item 7) in headless Chromium, against real `threadline serve`
 * processes (from source, SQLite files): threads appear and filter, a recorded stream renders live
 * (text growing, then `completed`), the event log shows seqs, the counters come from `/metrics`;
 * with `--api-key`, the page asks for a key, refuses a wrong one, and works with the right one.
 * Then, with no browser: every file the page loads is served from source and from a build.
 *
 * Screenshots: `test-artifacts/inspector/<test>/<nn>-<step>.png` (see `ARTIFACTS_DIR`).
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { createApp } from "../../src/http/app.js";
import type { inspectorRoutes } from "../../src/http/routes/inspector.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import { paceChunks } from "../../src/replay/pacing.js";
import { readUiMessageStreamRecording } from "../../src/replay/ui-sse-recording.js";
import { createThreadline } from "../../src/threadline.js";
import { launchChromium, screenshots } from "../examples/ai-sdk-chat-browser.js";
import { textOf } from "../support/helpers.js";
import { startServe } from "../support/serve-process.js";
import { ARTIFACTS_DIR, crawlInspector, InspectorPage } from "./inspector-page.js";

const REPO = resolve(".");
const FIXTURES = resolve(REPO, "../shared/fixtures/ui-message-stream");
/** 300 text deltas (≈ 4.5 s at 15 ms each): long enough to watch the text grow. */
const LONG_TEXT = "from-openai--openai-text.sse";
/** Reasoning, text, and a `weather` tool call executed in a second step. */
const REASONING_TOOL = "streamtext-reasoning-tool-2steps.sse";
const SHORT_TEXT = "from-anthropic--anthropic-text.sse";
const CHUNK_INTERVAL_MS = 15;

let workDir: string;
let browser: Browser;
const pages: Page[] = [];
/** Errors thrown in a page, and files of the page answered ≥ 400: both must stay empty. */
const pageErrors: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "threadline-inspector-"));
  browser = await launchChromium();
  console.log(`inspector screenshots: ${resolve(ARTIFACTS_DIR)}`);
}, 60_000);

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  expect(pageErrors.splice(0), "errors in the page").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await rm(workDir, { recursive: true, force: true });
});

/** Opens `/inspector` of `url` in a new browser context (its own sessionStorage). */
async function openInspector(url: string): Promise<InspectorPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000); // fail at the step that hangs, before the test times out
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("response", (response) => {
    if (response.url().includes("/inspector") && response.status() >= 400) {
      pageErrors.push(`${response.status()} ${response.url()}`);
    }
  });
  // From source, the server transpiles the page's modules on their first load (and loads
  // `typescript` for it): seconds on a busy machine, hence a first navigation's own bound.
  await page.goto(`${url}/inspector`, { timeout: 60_000 });
  return new InspectorPage(page);
}

/** The chunks of a recorded UI message stream, `intervalMs` apart when streamed. */
async function* recorded(name: string, intervalMs = 0): AsyncGenerator<UIMessageChunk> {
  const text = await readFile(join(FIXTURES, name), "utf8");
  const chunks = readUiMessageStreamRecording(text, { path: name, eventIntervalMs: intervalMs });
  for await (const { chunk } of paceChunks(chunks)) yield chunk;
}

/** The id a recorded stream's `start` chunk gives its message. */
async function messageIdOf(name: string): Promise<string> {
  for await (const chunk of recorded(name)) if (chunk.type === "start") return chunk.messageId!;
  throw new Error(`${name} has no start chunk`);
}

describe("the inspector page in a browser", { timeout: 120_000 }, () => {
  it("lists threads newest first, searches them, and shows a stream live with its event log and counters", async () => {
    const server = await startServe({ database: `sqlite:${join(workDir, "open.db")}` });
    const client = createClient({ baseUrl: server.url });
    const inspector = await openInspector(server.url);
    const { page } = inspector;
    const shot = screenshots(page, "live-stream", ARTIFACTS_DIR);
    await page.getByTestId("thread-search").waitFor();
    expect(await page.getByTestId("api-key-form").isHidden()).toBe(true); // no keys: no prompt
    await shot("empty");

    // Threads created while the page is open appear (the list refreshes), newest first.
    const thread = await client.threads.create({ title: "Recorded OpenAI answer" });
    const other = await client.threads.create({ title: "Another conversation" });
    await inspector.threadItem(other.id).waitFor();
    expect(await inspector.threadIds()).toEqual([other.id, thread.id]);
    await page.getByTestId("thread-search").fill("openai ANSWER");
    await expect.poll(() => inspector.threadIds()).toEqual([thread.id]);
    await page.getByTestId("thread-search").fill(other.id.slice(0, 13));
    await expect.poll(() => inspector.threadIds()).toEqual([other.id]);
    await page.getByTestId("thread-search").fill("");
    await expect.poll(() => inspector.threadIds()).toEqual([other.id, thread.id]);
    await shot("two-threads");

    await inspector.threadItem(thread.id).click();
    await page.locator('[data-testid="thread-state"][data-state="live"]').waitFor();
    expect(await page.getByTestId("thread-title").textContent()).toBe("Recorded OpenAI answer");

    // A recorded stream, paced: the page shows its text growing, then the final status.
    const messageId = await messageIdOf(LONG_TEXT);
    const upload = client.messages.stream(thread.id, recorded(LONG_TEXT, CHUNK_INTERVAL_MS));
    await expect
      .poll(async () => (await inspector.message(messageId))?.text.length ?? 0)
      .toBeGreaterThan(0);
    await shot("streaming");
    const streamingTexts: string[] = [];
    for (;;) {
      const shown = await inspector.message(messageId);
      if (shown?.status !== "streaming") break;
      streamingTexts.push(shown.text);
      await page.waitForTimeout(200);
    }
    const stored = await upload;
    expect(stored.status).toBe("completed");
    const finalText = textOf(stored);
    await expect
      .poll(() => inspector.message(messageId))
      .toMatchObject({
        role: "assistant",
        status: "completed",
        revision: `rev ${stored.revision}`,
        text: finalText,
      });
    await shot("completed");
    console.log(
      `inspector: text lengths shown while streaming ${streamingTexts.map((t) => t.length).join(" → ")} → ${finalText.length}`,
    );
    expect(streamingTexts.length, "samples taken while streaming").toBeGreaterThanOrEqual(2);
    for (const [i, text] of streamingTexts.entries()) {
      expect(finalText.startsWith(text), `sample ${i} is a prefix of the final text`).toBe(true);
      if (i > 0) expect(text.length).toBeGreaterThanOrEqual(streamingTexts[i - 1]!.length);
    }
    expect(streamingTexts.at(-1)!.length).toBeGreaterThan(streamingTexts[0]!.length);

    // The event log: the newest events, with their seqs, newest on top, none missing.
    const { headSeq } = await client.threads.get(thread.id);
    await expect.poll(async () => (await inspector.eventSeqs())[0]).toBe(headSeq);
    const seqs = await inspector.eventSeqs();
    expect(seqs).toEqual(seqs.map((_, i) => headSeq - i));
    expect(seqs.at(-1)).toBe(Math.max(1, headSeq - 199));
    const types = await inspector.eventTypes();
    expect(types[0]).toBe("message.finished");
    expect(types).toContain("message.delta");
    expect(types).toContain("message.created");
    expect(await page.getByTestId("thread-seq").textContent()).toBe(`seq ${headSeq}`);

    // Live counters from /metrics.
    await expect
      .poll(() => inspector.counter("threadline_writer_commits_total"))
      .toBeGreaterThan(0);

    // Reasoning and a tool call with its state.
    const toolMessageId = await messageIdOf(REASONING_TOOL);
    const toolMessage = await client.messages.stream(thread.id, recorded(REASONING_TOOL));
    await expect
      .poll(() => inspector.message(toolMessageId))
      .toMatchObject({
        status: "completed",
        text: textOf(toolMessage),
      });
    const article = page.locator(`[data-testid="message"][data-message-id="${toolMessageId}"]`);
    expect(await article.getByTestId("message-reasoning").textContent()).toContain(
      "User wants weather; call tool.",
    );
    const tool = article.getByTestId("tool-call");
    expect(await tool.getAttribute("data-state")).toBe("output-available");
    expect(await tool.textContent()).toContain("weather");
    await article.scrollIntoViewIfNeeded();
    await shot("reasoning-and-tool");
    await server.stop();
  });

  it("with --api-key, asks for a key, refuses a wrong one, and shows the key's workspace with the right one", async () => {
    const server = await startServe({
      database: `sqlite:${join(workDir, "keys.db")}`,
      args: ["--api-key", "acme:sk-inspector-acme", "--api-key", "globex:sk-inspector-globex"],
    });
    const acme = createClient({ baseUrl: server.url, apiKey: "sk-inspector-acme" });
    const globex = createClient({ baseUrl: server.url, apiKey: "sk-inspector-globex" });
    const thread = await acme.threads.create({ title: "Acme support" });
    const stored = await acme.messages.stream(thread.id, recorded(SHORT_TEXT));
    await globex.threads.create({ title: "Globex internal" });

    const inspector = await openInspector(server.url);
    const { page } = inspector;
    const shot = screenshots(page, "api-key", ARTIFACTS_DIR);
    await page.getByTestId("api-key-form").waitFor();
    expect(await page.getByTestId("thread-search").isHidden()).toBe(true);
    expect(await page.getByTestId("api-key-error").textContent()).toBe("");
    await shot("asks-for-key");

    await page.getByTestId("api-key-input").fill("sk-wrong");
    await page.getByTestId("api-key-submit").click();
    await expect
      .poll(() => page.getByTestId("api-key-error").textContent())
      .toContain("unknown API key");
    expect(await page.getByTestId("thread-search").isHidden()).toBe(true);
    await shot("wrong-key");

    await page.getByTestId("api-key-input").fill("sk-inspector-acme");
    await page.getByTestId("api-key-submit").click();
    await inspector.threadItem(thread.id).waitFor();
    expect(await page.getByTestId("api-key-form").isHidden()).toBe(true);
    expect(await inspector.threadIds()).toEqual([thread.id]); // not globex's
    await inspector.threadItem(thread.id).click();
    await expect
      .poll(() => inspector.message(stored.id))
      .toMatchObject({
        status: "completed",
        text: textOf(stored),
      });
    await shot("right-key");

    // The key stays for the tab: a reload goes straight back to the thread.
    await page.reload();
    await expect.poll(() => inspector.message(stored.id)).toMatchObject({ status: "completed" });
    expect(await page.getByTestId("api-key-form").isHidden()).toBe(true);
    await shot("reloaded");
    await server.stop();
  });
});

describe("the inspector's files", () => {
  /** Every file of the page found, served 200 with its type; the modules as the page imports them. */
  function expectComplete(files: Awaited<ReturnType<typeof crawlInspector>>): void {
    for (const file of files) {
      expect(file.status, file.path).toBe(200);
      expect(file.contentType, file.path).toMatch(/^text\/(css|javascript); charset=utf-8$/);
    }
    const paths = files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/inspector/inspector.css",
        "/inspector/lib/http/inspector/app.js",
        "/inspector/lib/client/index.js",
        "/inspector/lib/message/fold.js",
        "/inspector/vendor/eventsource-parser/stream.js",
        "/inspector/vendor/eventsource-parser/index.js",
      ]),
    );
  }

  it("from source: each module transpiled on request; nothing but browser-safe modules", async () => {
    const threadline = await createThreadline({ database: "sqlite::memory:" });
    try {
      const app = createApp({ threadline });
      expectComplete(await crawlInspector((path) => app.request(path)));
      const redirect = await app.request("/inspector");
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get("location")).toBe("inspector/");
      for (const path of [
        "/inspector/lib/store/sqlite/sqlite-store.js",
        "/inspector/lib/cli/main.js",
        "/inspector/lib/client/../cli/main.js",
        "/inspector/lib/client/index.ts",
        "/inspector/vendor/eventsource-parser/package.json",
      ]) {
        expect((await app.request(path)).status, path).toBe(404);
      }
      const off = createApp({ threadline, inspector: false });
      expect((await off.request("/inspector/")).status).toBe(404);
    } finally {
      await threadline.close();
    }
  });

  it("from a build: tsc's modules and the HTML and CSS copied by npm run build's copy step", async () => {
    // The package layout a user installs (dist/ under node_modules/threadline), built from the
    // route and the page's entry module (what they import is compiled with them).
    const packageDir = join(workDir, "consumer/node_modules/threadline");
    await mkdir(packageDir, { recursive: true });
    await copyFile(join(REPO, "package.json"), join(packageDir, "package.json"));
    await symlink(join(REPO, "node_modules"), join(packageDir, "node_modules"), "dir");
    const tsconfig = join(workDir, "tsconfig.inspector.json");
    await writeFile(
      tsconfig,
      JSON.stringify({
        extends: join(REPO, "tsconfig.json"),
        compilerOptions: {
          rootDir: join(REPO, "src"),
          outDir: join(packageDir, "dist"),
          noCheck: true,
          declaration: false,
          sourceMap: false,
        },
        include: [],
        files: [
          join(REPO, "src/http/routes/inspector.ts"),
          join(REPO, "src/http/inspector/app.ts"),
        ],
      }),
    );
    const run = promisify(execFile);
    await run(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", tsconfig]);
    await run(process.execPath, [join(REPO, "scripts/copy-assets.mjs"), join(packageDir, "dist")]);

    const built: { inspectorRoutes: typeof inspectorRoutes } = await import(
      pathToFileURL(join(packageDir, "dist/http/routes/inspector.js")).href
    );
    const routes = built.inspectorRoutes();
    expectComplete(await crawlInspector((path) => routes.request(path)));
    const page = await routes.request("/inspector/");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
  }, 60_000);
});
