import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { textOf } from "../support/helpers.js";
import { jsonRequest, listen, openApp } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

/** JSON text nested `levels` deep (`{"a":{"a":…1…}}`), built without recursion. */
function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** A request whose JSON body is given as text (deep values are never built as objects). */
function rawJson(method: string, text: string) {
  return { method, headers: { "content-type": "application/json" }, body: text };
}

const sse = (chunks: readonly string[]) =>
  `${chunks.map((c) => `data: ${c}\n\n`).join("")}data: [DONE]\n\n`;

const HELLO = [
  '{"type":"start","messageId":"a1"}',
  '{"type":"start-step"}',
  '{"type":"text-start","id":"0"}',
  '{"type":"text-delta","id":"0","delta":"Hello"}',
];
const FINISH = ['{"type":"text-end","id":"0"}', '{"type":"finish-step"}', '{"type":"finish"}'];
const DEEP = deepJson(5_000);

for (const backend of BACKENDS) {
  describe(`every bad input is a 4xx (R30) [${backend.name}]`, () => {
    async function setup() {
      const opened = await openApp(backend);
      await opened.threadline.threads.create({ id: "t1" });
      await opened.threadline.threads.create({ id: "t2" });
      const upload = (threadId: string, chunks: readonly string[]) =>
        opened.app.request(PATHS.messageStream(threadId), {
          method: "POST",
          headers: { "content-type": "text/event-stream" },
          body: sse(chunks),
        });
      /** A normal upload on t2 completes: the shared writer tick is not poisoned. */
      const expectHealthyTick = async () => {
        const chunks = [...HELLO, ...FINISH].map((c) => c.replace('"a1"', '"ok"'));
        const response = await upload("t2", chunks);
        expect(response.status).toBe(200);
        await opened.threadline.flushAll();
        const stored = await body(await opened.app.request(PATHS.message("ok")));
        expect(stored.message.status).toBe("completed");
        expect(textOf(stored.message)).toBe("Hello");
      };
      return { ...opened, upload, expectHealthyTick };
    }

    for (const [name, path, makeBody] of [
      ["POST thread", () => PATHS.threads, (m: string) => `{"id":"t9","metadata":${m}}`],
      [
        "POST message",
        () => PATHS.threadMessages("t1"),
        (m: string) => `{"role":"user","parts":[{"type":"text","text":"hi"}],"metadata":${m}}`,
      ],
      ["POST fork", () => PATHS.fork("t1"), (m: string) => `{"id":"t9","metadata":${m}}`],
    ] as const) {
      it(`${name} with metadata nested 5,000 deep → 400 naming metadata; nothing stored`, async () => {
        const { app, threadline, expectHealthyTick } = await setup();
        const response = await app.request(path(), rawJson("POST", makeBody(`{"x":${DEEP}}`)));
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("bad_request");
        expect(error.message).toContain("exceeds the nesting depth limit of 64");
        expect(error.details.field).toBe("metadata");
        await expect(threadline.threads.get("t9")).rejects.toMatchObject({ code: "not_found" });
        expect((await threadline.messages.list("t1")).messages).toEqual([]);
        await expectHealthyTick();
      });
    }

    it("POST message with a data part nested 5,000 deep → 400 naming the part", async () => {
      const { app, threadline } = await setup();
      const response = await app.request(
        PATHS.threadMessages("t1"),
        rawJson("POST", `{"role":"user","parts":[{"type":"data-x","data":${DEEP}}]}`),
      );
      expect(response.status).toBe(400);
      const { error } = await body(response);
      expect(error.message).toContain("parts[0]: exceeds the nesting depth limit of 64");
      expect((await threadline.messages.list("t1")).messages).toEqual([]);
    });

    for (const [name, chunk] of [
      ["a data-* chunk", `{"type":"data-weather","data":${DEEP}}`],
      ["a message-metadata chunk", `{"type":"message-metadata","messageMetadata":${DEEP}}`],
      [
        "a tool input",
        `{"type":"tool-input-available","toolCallId":"c","toolName":"w","input":${DEEP}}`,
      ],
      ["a text delta with a NUL", '{"type":"text-delta","id":"0","delta":"a\\u0000b"}'],
    ] as const) {
      it(`upload: ${name} at chunk 4 → 400 invalid_chunk naming it; the message ends error keeping "Hello"; other uploads complete`, async () => {
        const { app, upload, expectHealthyTick } = await setup();
        const response = await upload("t1", [...HELLO, chunk, ...FINISH]);
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("invalid_chunk");
        expect(error.details.chunkIndex).toBe(4);
        expect(error.message).toMatch(/exceeds the nesting depth limit of 64|contains a NUL/);
        const stored = await body(await app.request(PATHS.message("a1")));
        expect(stored.message.status).toBe("error");
        expect(textOf(stored.message)).toBe("Hello");
        await expectHealthyTick();
      });
    }

    for (const [name, request, field] of [
      ["a thread id in the path", () => [PATHS.thread("t\u0000x")], "path"],
      [
        "a thread id in the body",
        () => [PATHS.threads, jsonRequest("POST", { id: "t\u0000x" })],
        "id",
      ],
      ["a title", () => [PATHS.threads, jsonRequest("POST", { title: "a\u0000b" })], "title"],
      [
        "a message id",
        () => [
          PATHS.threadMessages("t1"),
          jsonRequest("POST", {
            id: "m\u0000",
            role: "user",
            parts: [{ type: "text", text: "x" }],
          }),
        ],
        "id",
      ],
      ["a message id in the path", () => [PATHS.message("m\u0000")], "path"],
      ["a cursor", () => [`${PATHS.threads}?cursor=%00`], "cursor"],
      [
        "thread metadata",
        () => [PATHS.threads, jsonRequest("POST", { metadata: { k: "\u0000" } })],
        "metadata",
      ],
    ] as const) {
      it(`a NUL character in ${name} → 400 naming ${field}`, async () => {
        const { app, threadline, expectHealthyTick } = await setup();
        const [path, init] = request() as [string, RequestInit?];
        const response = await app.request(path, init);
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("bad_request");
        expect(error.message).toContain("contains a NUL character");
        expect(error.details.field).toBe(field);
        expect((await threadline.threads.list()).threads).toHaveLength(2);
        await expectHealthyTick();
      });
    }

    it("a NUL in the start chunk's message id → 400 invalid_chunk at chunk 0, no message", async () => {
      const { app, upload } = await setup();
      const response = await upload("t1", ['{"type":"start","messageId":"a\\u0000"}', ...FINISH]);
      expect(response.status).toBe(400);
      expect((await body(response)).error.details.chunkIndex).toBe(0);
      expect((await body(await app.request(PATHS.threadMessages("t1")))).messages).toEqual([]);
    });

    it("a 413 refusing a body still being sent answers Connection: close; the client's next request succeeds", async () => {
      const { app } = await openApp(backend, { app: { limits: { maxBodyBytes: 1_024 } } });
      const baseUrl = await listen(app);
      const big = JSON.stringify({ title: "x".repeat(256 * 1024) });
      const refused = await fetch(`${baseUrl}${PATHS.threads}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      expect(refused.status).toBe(413);
      expect(refused.headers.get("connection")).toBe("close");
      await refused.body?.cancel();
      for (let i = 0; i < 3; i++) {
        const next = await fetch(`${baseUrl}${PATHS.threads}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: `ok ${i}` }),
        });
        expect(next.status).toBe(201);
        await next.body?.cancel();
      }
    });
  });
}
