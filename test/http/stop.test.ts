import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { systemClock } from "../../src/clock.js";
import { parseApiKeys } from "../../src/http/index.js";
import { PATHS } from "../../src/protocol/http.js";
import type { StopResult, StoredMessage } from "../../src/protocol/resources.js";
import { BACKENDS } from "../support/backends.js";
import { textOf } from "../support/helpers.js";
import { feedableBody, jsonRequest, listen, openApp, waitFor } from "./support.js";

const ndjson = (...chunks: unknown[]) => chunks.map((c) => `${JSON.stringify(c)}\n`).join("");

for (const backend of BACKENDS) {
  describe(`POST /v1/threads/:id/stop (R28) [${backend.name}]`, () => {
    async function setup() {
      const opened = await openApp(backend, {
        threadline: { clock: systemClock, windowMs: 5 },
        app: { apiKeys: parseApiKeys(["acme:key-a", "globex:key-g"]) },
      });
      const auth = { authorization: "Bearer key-a" };
      const acme = opened.threadline.workspace("acme");
      await acme.threads.create({ id: "t1" });
      return { ...opened, auth, acme };
    }

    /** An NDJSON upload left open after "Hel": the producer is mid-answer. */
    async function uploadInFlight(app: Awaited<ReturnType<typeof setup>>["app"], auth: object) {
      const feed = feedableBody();
      const answer = app.request(PATHS.messageStream("t1"), {
        method: "POST",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        body: feed.body,
        duplex: "half",
      } as RequestInit);
      feed.send(
        ndjson(
          { type: "start", messageId: "a1" },
          { type: "text-start", id: "0" },
          { type: "text-delta", id: "0", delta: "Hel" },
        ),
      );
      return { feed, answer };
    }

    it("stops a streaming upload: 200 {stopped, message}, the upload answers at once with the aborted message", async () => {
      const { app, auth, acme } = await setup();
      const { feed, answer } = await uploadInFlight(app, auth);
      await waitFor(
        async () => textOf(await acme.messages.get("a1").catch(() => ({ parts: [] }))) === "Hel",
      );
      const response = await app.request(PATHS.stop("t1"), jsonRequest("POST", {}, auth));
      expect(response.status).toBe(200);
      const result = (await response.json()) as StopResult;
      expect(result.stopped).toBe(true);
      expect(result.message).toMatchObject({ id: "a1", status: "aborted" });
      const uploaded = await answer; // the producer has not ended its body
      expect(uploaded.status).toBe(200);
      const { message } = (await uploaded.json()) as { message: StoredMessage };
      expect(message).toMatchObject({ id: "a1", status: "aborted" });
      feed.send(ndjson({ type: "text-delta", id: "0", delta: "lo" }, { type: "finish" }));
      feed.end(); // the rest of the body is drained and dropped
      await new Promise((resolve) => setTimeout(resolve, 30));
      const stored = await acme.messages.get("a1");
      expect(stored.status).toBe("aborted");
      expect(textOf(stored)).toBe("Hel");
    });

    it("an empty body or no body stops the streaming message; nothing streaming is a no-op answer", async () => {
      const { app, auth } = await setup();
      for (const init of [{ method: "POST", headers: auth }, jsonRequest("POST", {}, auth)]) {
        const response = await app.request(PATHS.stop("t1"), init);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ stopped: false, message: null });
      }
    });

    it("bad input is a clear 4xx and stops nothing", async () => {
      const { app, auth, acme } = await setup();
      await acme.threads.create({ id: "t2" });
      const elsewhere = await acme.messages.append("t2", {
        id: "u2",
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      const globex = { authorization: "Bearer key-g" };
      const { answer } = await uploadInFlight(app, auth);
      await waitFor(
        async () => (await acme.messages.get("a1").catch(() => undefined)) !== undefined,
      );
      const cases: Array<[string, RequestInit, number, RegExp]> = [
        [PATHS.stop("t1"), jsonRequest("POST", "{not json", auth), 400, /malformed JSON/],
        [PATHS.stop("t1"), jsonRequest("POST", { messageId: 5 }, auth), 400, /messageId/],
        [PATHS.stop("t1"), jsonRequest("POST", { messageID: "a1" }, auth), 400, /messageID/],
        [PATHS.stop("t1"), jsonRequest("POST", [], auth), 400, /invalid request body/],
        [PATHS.stop("t1"), jsonRequest("POST", { messageId: "u2" }, auth), 404, /not found/],
        [
          PATHS.stop("t1"),
          jsonRequest("POST", { messageId: elsewhere.id }, globex),
          404,
          /not found/,
        ],
        [PATHS.stop("t1"), jsonRequest("POST", {}, globex), 404, /not found/],
        [PATHS.stop("nope"), jsonRequest("POST", {}, auth), 404, /not found/],
        [PATHS.stop("t1"), jsonRequest("POST", {}), 401, /./],
        [
          PATHS.stop("t1"),
          jsonRequest("POST", { messageId: "x".repeat(2 * 1024 * 1024) }, auth),
          413,
          /exceeds/,
        ],
      ];
      for (const [path, init, status, message] of cases) {
        const response = await app.request(path, init);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(response.status, JSON.stringify(init.body).slice(0, 80)).toBe(status);
        expect(body.error.message).toMatch(message);
      }
      expect((await acme.messages.get("a1")).status).toBe("streaming");
      await acme.stop("t1");
      expect((await answer).status).toBe(200);
    });

    it("threadline/client stops over HTTP, by thread and by message id", async () => {
      const { app, acme } = await setup();
      const baseUrl = await listen(app);
      const client = createClient({ baseUrl, apiKey: "key-a" });
      const writer = await acme.writers.open("t1", { messageId: "a2" });
      await writer.write({ type: "start" });
      expect(await client.threads.stop("t1", { messageId: "a2" })).toMatchObject({
        stopped: true,
        message: { id: "a2", status: "aborted" },
      });
      expect(writer.signal.aborted).toBe(true);
      expect(await client.threads.stop("t1")).toEqual({ stopped: false, message: null });
      await expect(client.threads.stop("nope")).rejects.toMatchObject({ code: "not_found" });
    });
  });
}
