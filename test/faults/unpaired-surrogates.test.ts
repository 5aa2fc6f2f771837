/**
 * R30, found by the bad-request fuzz test (issue 7): an unpaired UTF-16 surrogate — valid in JSON
 * (`"\ud800"`) — in an id, a title or an idempotency key was accepted (201) but stored as
 * replacement characters, so the message or thread could no longer be read by the id it was
 * created with. Text columns now refuse it where it enters (400); JSON values keep it exactly.
 */
import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { jsonRequest, openApp } from "../http/support.js";
import { BACKENDS } from "../support/backends.js";

const LONE = ["\ud800", "a\udfffb", "\udc00\ud800"];

for (const backend of BACKENDS) {
  describe(`unpaired surrogates [${backend.name}]`, () => {
    it("R30: an id, title or idempotency key holding an unpaired surrogate is a 400 naming the field, nothing stored", async () => {
      const { app, threadline } = await openApp(backend);
      await threadline.threads.create({ id: "t1" });
      const hi = [{ type: "text", text: "hi" }];
      for (const text of LONE) {
        const refused = [
          [PATHS.threads, { id: `t${text}` }, "thread id"],
          [PATHS.threads, { title: text }, "title"],
          [PATHS.fork("t1"), { title: text }, "title"],
          [PATHS.threadMessages("t1"), { id: `m${text}`, role: "user", parts: hi }, "message id"],
        ] as const;
        for (const [path, body, field] of refused) {
          const response = await app.request(path, jsonRequest("POST", body));
          expect({ path, field, status: response.status }).toEqual({ path, field, status: 400 });
          expect((await response.json()).error.details.field).toBe(field);
        }
        const upload = await app.request(PATHS.messageStream("t1"), {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body: `${JSON.stringify({ type: "start", messageId: `m${text}` })}\n{"type":"finish"}\n`,
        });
        expect(upload.status).toBe(400);
        await expect(
          threadline.messages.submit(
            "t1",
            { role: "user", parts: [{ type: "text", text: "x" }] },
            {
              idempotencyKey: `k${text}`,
            },
          ),
        ).rejects.toMatchObject({ code: "bad_request", details: { field: "idempotency key" } });
      }
      expect((await threadline.threads.list()).threads.map((t) => t.id)).toEqual(["t1"]);
      expect((await threadline.messages.list("t1")).messages).toEqual([]);
    });

    it("R30: text and metadata of a message keep unpaired surrogates and paired ones exactly (JSON escapes)", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const parts = LONE.map((text) => ({ type: "text", text }));
      const metadata = { lone: "\udfff", pair: "😀" };
      const body = { id: "m😀", role: "user", parts, metadata };
      expect(
        (await app.request(PATHS.threadMessages("t1"), jsonRequest("POST", body))).status,
      ).toBe(201);
      const { message } = await (await app.request(PATHS.message("m😀"))).json();
      expect({ parts: message.parts, metadata: message.metadata }).toEqual({ parts, metadata });
    });
  });
}
