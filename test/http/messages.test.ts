import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { jsonRequest, openApp } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

const hello = { role: "user", parts: [{ type: "text", text: "Hello" }] } as const;

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
      ["a part without a type", { role: "user", parts: [{ text: "hi" }] }, 'field "parts.0.type"'],
      ["a part type that is not a string", { role: "user", parts: [{ type: 1 }] }, "parts.0.type"],
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

    it("SPEC §3: a body over maxBodyBytes → 413 too_large (Content-Length and streamed)", async () => {
      const { app } = await openApp(backend, { app: { limits: { maxBodyBytes: 100 } } });
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
