import { validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/index.js";
import {
  createFoldState,
  finalizeMessage,
  foldChunks,
  type UIMessageChunk,
} from "../../src/message/index.js";
import { PATHS } from "../../src/protocol/http.js";
import { createThreadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { FIXTURE_NAMES, fixtureChunks, jsonRequest, openApp } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

const hello = { role: "user", parts: [{ type: "text", text: "Hello" }] } as const;

/** The assistant message a recorded AI SDK stream folds into, finalized as its stream ended. */
function recordedMessage(name: string) {
  const chunks = fixtureChunks(name) as UIMessageChunk[];
  const folded = foldChunks(createFoldState({ id: "", role: "assistant", parts: [] }), chunks);
  const last = chunks.at(-1)?.type;
  const status = last === "finish" ? "completed" : last === "error" ? "error" : "aborted";
  return JSON.parse(JSON.stringify(finalizeMessage(folded.message, status, "failed")));
}

/** Bad parts (each at index 1, after a good one) and what the 400 says about them (R2). */
const BAD_PARTS = [
  ["an unknown part type", { type: "banana" }, 'parts[1]: unknown part type "banana"'],
  ["a text part without text", { type: "text" }, 'parts[1]: missing field "text"'],
  [
    "a tool part in an unknown state",
    { type: "tool-weather", toolCallId: "c1", state: "thinking", input: {} },
    'parts[1]: field "state" must be one of',
  ],
  [
    "a tool part without toolCallId",
    { type: "tool-weather", state: "input-available", input: {} },
    'parts[1]: missing field "toolCallId"',
  ],
  [
    "a file part without url",
    { type: "file", mediaType: "image/png" },
    'parts[1]: missing field "url"',
  ],
] as const;

for (const backend of BACKENDS) {
  describe(`HTTP messages [${backend.name}]`, () => {
    async function setup() {
      const opened = await openApp(backend);
      await opened.app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      return opened;
    }

    it("SPEC §3: POST /v1/threads/:id/messages → 201 {message, seq}", async () => {
      const { app } = await setup();
      const response = await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", { ...hello, id: "m1", metadata: { lang: "en" } }),
      );
      expect(response.status).toBe(201);
      const result = await body(response);
      expect(result.seq).toBe(2);
      expect(result.message).toMatchObject({
        id: "m1",
        threadId: "t1",
        role: "user",
        status: "completed",
        parts: hello.parts,
        metadata: { lang: "en" },
        createdSeq: 2,
      });
    });

    it("SPEC §3: a UIMessage with extra fields is accepted as it is", async () => {
      const { app } = await setup();
      const response = await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", { ...hello, createdAt: "2024-01-01" }),
      );
      expect(response.status).toBe(201);
    });

    it("R21: a POST with an Idempotency-Key header → 201 the first time", async () => {
      const { app } = await setup();
      const response = await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", hello, { "idempotency-key": "k-1" }),
      );
      expect(response.status).toBe(201);
    });

    for (const [name, payload, fragment] of [
      ["malformed JSON", '{"role":', "malformed JSON"],
      ["no body", undefined, "expected object"],
      ["no role", { parts: [] }, 'field "role"'],
      ["an unknown role", { role: "robot", parts: [] }, 'field "role"'],
      ["parts that are not an array", { role: "user", parts: "hi" }, 'field "parts"'],
      [
        "a part without a type",
        { role: "user", parts: [{ text: "hi" }] },
        'parts[0]: missing field "type"',
      ],
      [
        "a part type that is not a string",
        { role: "user", parts: [{ type: 1 }] },
        'parts[0]: field "type"',
      ],
      ["an id that is not a string", { ...hello, id: 7 }, 'field "id"'],
    ] as const) {
      it(`SPEC §3: POST /v1/threads/:id/messages with ${name} → 400 bad_request`, async () => {
        const { app } = await setup();
        const response = await app.request(
          PATHS.threadMessages("t1"),
          jsonRequest("POST", payload),
        );
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("bad_request");
        expect(error.message).toContain(fragment);
      });
    }

    for (const [name, part, fragment] of BAD_PARTS) {
      it(`R2: POST a message with ${name} → 400 naming the part index and reason; nothing stored`, async () => {
        const { app } = await setup();
        const response = await app.request(
          PATHS.threadMessages("t1"),
          jsonRequest("POST", { role: "assistant", parts: [{ type: "text", text: "ok" }, part] }),
        );
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error).toMatchObject({ code: "bad_request", details: { partIndex: 1 } });
        expect(error.message).toContain(fragment);
        const { messages, seq } = await body(await app.request(PATHS.threadMessages("t1")));
        expect(messages).toEqual([]);
        expect(seq).toBe(1); // no event either
      });
    }

    it("R2: the library refuses the same bad parts on append and importMessage, naming the index", async () => {
      const { threadline } = await setup();
      const parts = [{ type: "step-start" }, { type: "text", text: "ok" }, { type: "banana" }];
      const input = { role: "assistant", parts } as unknown as Parameters<
        typeof threadline.messages.append
      >[1];
      await expect(threadline.messages.append("t1", input)).rejects.toMatchObject({
        code: "bad_request",
        message: 'parts[2]: unknown part type "banana"',
        details: { partIndex: 2 },
      });
      const exported = { ...input, id: "m9", threadId: "t1", status: "completed" } as never;
      await expect(threadline.importMessage("t1", exported, 1)).rejects.toMatchObject({
        code: "bad_request",
        details: { partIndex: 2 },
      });
      expect((await threadline.messages.list("t1")).messages).toEqual([]);
    });

    it("R2: the messages of the recorded AI SDK streams are accepted, and read back valid for ai", async () => {
      const { app } = await setup();
      for (const name of FIXTURE_NAMES) {
        const message = recordedMessage(name);
        const response = await app.request(
          PATHS.threadMessages("t1"),
          jsonRequest("POST", {
            role: "assistant",
            parts: message.parts,
            metadata: message.metadata,
          }),
        );
        expect(response.status, name).toBe(201);
        const stored = (await body(response)).message;
        expect(stored.parts).toStrictEqual(message.parts);
        const { id, role, parts, metadata } = stored;
        await expect(
          validateUIMessages({ messages: [{ id, role, parts, metadata }] }),
        ).resolves.toHaveLength(1);
      }
    });

    it("SPEC §3: appending to an unknown thread → 404; a taken message id → 409", async () => {
      const { app } = await setup();
      const missing = await app.request(PATHS.threadMessages("nope"), jsonRequest("POST", hello));
      expect(missing.status).toBe(404);
      await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", { ...hello, id: "m1" }));
      const taken = await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", { ...hello, id: "m1" }),
      );
      expect(taken.status).toBe(409);
      expect((await body(taken)).error.code).toBe("conflict");
    });

    it("SPEC §3: GET /v1/threads/:id/messages → {messages, seq}; unknown thread → 404", async () => {
      const { app } = await setup();
      await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", { ...hello, id: "m1" }));
      await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", { ...hello, id: "m2" }));
      const response = await app.request(PATHS.threadMessages("t1"));
      expect(response.status).toBe(200);
      const result = await body(response);
      expect(result.seq).toBe(3);
      expect(result.messages.map((m: { id: string }) => m.id)).toEqual(["m1", "m2"]);
      expect((await app.request(PATHS.threadMessages("nope"))).status).toBe(404);
    });

    it("R8: GET messages includes the buffered chunks of a message being written", async () => {
      const { app, threadline } = await setup();
      const writer = await threadline.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "buffered" }); // not committed yet
      const { messages } = await body(await app.request(PATHS.threadMessages("t1")));
      expect(messages[0]).toMatchObject({ id: "a1", status: "streaming" });
      expect(messages[0].parts[0].text).toBe("buffered");
      const single = await body(await app.request(PATHS.message("a1")));
      expect(single.message.parts[0].text).toBe("buffered");
      await writer.finish();
    });

    it("SPEC §3: GET /v1/messages/:id → {message}; DELETE → 204, then 404", async () => {
      const { app } = await setup();
      await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", { ...hello, id: "m1" }));
      const found = await app.request(PATHS.message("m1"));
      expect(found.status).toBe(200);
      expect((await body(found)).message).toMatchObject({ id: "m1", parts: hello.parts });
      const deleted = await app.request(PATHS.message("m1"), { method: "DELETE" });
      expect(deleted.status).toBe(204);
      expect((await app.request(PATHS.message("m1"))).status).toBe(404);
      expect((await app.request(PATHS.message("m1"), { method: "DELETE" })).status).toBe(404);
      const { messages } = await body(await app.request(PATHS.threadMessages("t1")));
      expect(messages).toEqual([]);
    });

    it("SPEC §3: a message body over maxMessageBytes → 413 too_large (Content-Length and streamed)", async () => {
      const { app } = await openApp(backend, { app: { limits: { maxMessageBytes: 100 } } });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const big = JSON.stringify({
        role: "user",
        parts: [{ type: "text", text: "x".repeat(200) }],
      });
      const declared = await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", big));
      expect(declared.status).toBe(413);
      expect((await body(declared)).error.code).toBe("too_large");
      const encoder = new TextEncoder();
      const streamed = await app.request(PATHS.threadMessages("t1"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(encoder.encode(big.slice(0, 80)));
            controller.enqueue(encoder.encode(big.slice(80)));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(streamed.status).toBe(413);
      expect((await body(streamed)).error.code).toBe("too_large");
      const { messages } = await body(await app.request(PATHS.threadMessages("t1")));
      expect(messages).toEqual([]);
    });

    it("SPEC §3: a message may be larger than maxBodyBytes, up to maxMessageBytes; other bodies may not", async () => {
      const { app } = await openApp(backend, { app: { limits: { maxBodyBytes: 100 } } });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const text = "x".repeat(100_000);
      const message = { role: "assistant", parts: [{ type: "text", text }] };
      const posted = await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", message));
      expect(posted.status).toBe(201);
      expect((await body(posted)).message.parts[0].text).toHaveLength(100_000);
      const thread = await app.request(
        PATHS.threads,
        jsonRequest("POST", { id: "t2", title: "y".repeat(200) }),
      );
      expect(thread.status).toBe(413);
      expect((await body(thread)).error).toMatchObject({
        code: "too_large",
        details: { limitBytes: 100 },
      });
    });

    it("SPEC §3: createApp limits default to the Threadline's; a bad limit → bad_request naming it", async () => {
      const { threadline } = await openThreadline(backend, {
        limits: { maxChunkBytes: 1_000, maxMessageBytes: 5_000 },
      });
      expect(threadline.limits).toEqual({ maxChunkBytes: 1_000, maxMessageBytes: 5_000 });
      const { app } = await openApp(backend, {
        threadline: { limits: { maxMessageBytes: 200 } },
      });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const big = { role: "user", parts: [{ type: "text", text: "z".repeat(300) }] };
      const refused = await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", big));
      expect(refused.status).toBe(413);
      for (const [limits, field] of [
        [{ maxBodyBytes: 0 }, "limits.maxBodyBytes"],
        [{ maxChunkBytes: -1 }, "limits.maxChunkBytes"],
        [{ maxMessageBytes: 1.5 }, "limits.maxMessageBytes"],
        [{ maxMessageBytes: "64MiB" }, "limits.maxMessageBytes"],
      ] as const) {
        expect(() => createApp({ threadline, limits: limits as never })).toThrow(
          expect.objectContaining({ code: "bad_request", message: expect.stringContaining(field) }),
        );
      }
    });

    it("SPEC §3: createThreadline refuses a bad limits field, naming it", async () => {
      for (const [limits, field] of [
        [{ maxChunkBytes: 0 }, "limits.maxChunkBytes"],
        [{ maxMessageBytes: Number.NaN }, "limits.maxMessageBytes"],
        [5, "limits must be an object"],
      ] as const) {
        await expect(
          createThreadline({ database: await backend.freshDatabase(), limits: limits as never }),
        ).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining(field) });
      }
    });

    it("SPEC §3: a malformed Content-Length → 400", async () => {
      const { app } = await setup();
      const response = await app.request(PATHS.threadMessages("t1"), {
        method: "POST",
        headers: { "content-length": "lots" },
      });
      expect(response.status).toBe(400);
    });
  });
}
