import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { jsonRequest, openApp } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

for (const backend of BACKENDS) {
  describe(`HTTP threads [${backend.name}]`, () => {
    it("SPEC §3: POST /v1/threads creates a thread → 201 {thread}", async () => {
      const { app } = await openApp(backend);
      const response = await app.request(
        PATHS.threads,
        jsonRequest("POST", { id: "t1", title: "Support", metadata: { tier: "gold" } }),
      );
      expect(response.status).toBe(201);
      const { thread } = await body(response);
      expect(thread).toMatchObject({
        id: "t1",
        title: "Support",
        metadata: { tier: "gold" },
        forkedFrom: null,
        headSeq: 1,
      });
    });

    it("SPEC §3: POST /v1/threads with no body creates a thread with a generated id", async () => {
      const { app } = await openApp(backend);
      const response = await app.request(PATHS.threads, { method: "POST" });
      expect(response.status).toBe(201);
      const { thread } = await body(response);
      expect(thread.id).toEqual(expect.any(String));
      expect(thread.title).toBeNull();
    });

    it("SPEC §3: a taken thread id → 409 conflict", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const response = await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      expect(response.status).toBe(409);
      expect((await body(response)).error.code).toBe("conflict");
    });

    for (const [name, payload, fragment] of [
      ["malformed JSON", "{not json", "malformed JSON"],
      ["a JSON array", "[1,2]", "expected object"],
      ["a title of the wrong type", { title: 42 }, 'field "title"'],
      ["an empty id", { id: "" }, 'field "id"'],
      ["an id over 200 characters", { id: "x".repeat(201) }, 'field "id"'],
      ["metadata that is not an object", { metadata: [1] }, 'field "metadata"'],
      ["an unknown field", { tittle: "typo" }, "tittle"],
    ] as const) {
      it(`SPEC §3: POST /v1/threads with ${name} → 400 bad_request`, async () => {
        const { app } = await openApp(backend);
        const response = await app.request(PATHS.threads, jsonRequest("POST", payload));
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("bad_request");
        expect(error.message).toContain(fragment);
      });
    }

    it("SPEC §3: GET /v1/threads/:id → {thread}; unknown → 404 not_found", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1", title: "A" }));
      const found = await app.request(PATHS.thread("t1"));
      expect(found.status).toBe(200);
      expect((await body(found)).thread).toMatchObject({ id: "t1", title: "A" });
      const missing = await app.request(PATHS.thread("nope"));
      expect(missing.status).toBe(404);
      expect(await body(missing)).toEqual({
        error: { code: "not_found", message: expect.stringContaining("nope") },
      });
    });

    it("SPEC §3: ids with reserved URL characters round-trip through the path", async () => {
      const { app } = await openApp(backend);
      const id = "a/b c?d#e%f";
      await app.request(PATHS.threads, jsonRequest("POST", { id }));
      const response = await app.request(PATHS.thread(id));
      expect(response.status).toBe(200);
      expect((await body(response)).thread.id).toBe(id);
    });

    it("SPEC §3: GET /v1/threads pages newest first with limit and cursor", async () => {
      const { app, clock } = await openApp(backend);
      for (const id of ["a", "b", "c", "d", "e"]) {
        await app.request(PATHS.threads, jsonRequest("POST", { id }));
        clock.advance(1);
      }
      const first = await body(await app.request(`${PATHS.threads}?limit=2`));
      expect(first.threads.map((t: { id: string }) => t.id)).toEqual(["e", "d"]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await body(
        await app.request(`${PATHS.threads}?limit=2&cursor=${first.nextCursor}`),
      );
      expect(second.threads.map((t: { id: string }) => t.id)).toEqual(["c", "b"]);
      const last = await body(
        await app.request(`${PATHS.threads}?limit=2&cursor=${second.nextCursor}`),
      );
      expect(last).toEqual({ threads: [expect.objectContaining({ id: "a" })], nextCursor: null });
      const all = await body(await app.request(PATHS.threads));
      expect(all.threads).toHaveLength(5);
    });

    for (const query of ["limit=0", "limit=201", "limit=abc", "limit=1.5", "limit=-1", "limit="]) {
      it(`SPEC §3: GET /v1/threads?${query} → 400 bad_request (limit 1–200)`, async () => {
        const { app } = await openApp(backend);
        const response = await app.request(`${PATHS.threads}?${query}`);
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe("bad_request");
        expect(error.message).toContain("limit");
      });
    }

    for (const cursor of ["not-a-cursor", "%20"]) {
      it(`SPEC §3: GET /v1/threads with a malformed cursor (${cursor}) → 400`, async () => {
        const { app } = await openApp(backend);
        const response = await app.request(`${PATHS.threads}?cursor=${cursor}`);
        expect(response.status).toBe(400);
        expect((await body(response)).error.code).toBe("bad_request");
      });
    }

    it("SPEC §3, R20: DELETE /v1/threads/:id → 204, then 404", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const deleted = await app.request(PATHS.thread("t1"), { method: "DELETE" });
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe("");
      expect((await app.request(PATHS.thread("t1"))).status).toBe(404);
      const again = await app.request(PATHS.thread("t1"), { method: "DELETE" });
      expect(again.status).toBe(404);
    });

    it("R19: POST /v1/threads/:id/fork at a seq → 201 {thread} with forkedFrom", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "src" }));
      for (const text of ["one", "two"]) {
        await app.request(
          PATHS.threadMessages("src"),
          jsonRequest("POST", { role: "user", parts: [{ type: "text", text }] }),
        );
      }
      const response = await app.request(
        PATHS.fork("src"),
        jsonRequest("POST", { atSeq: 2, id: "copy", title: "Copy" }),
      );
      expect(response.status).toBe(201);
      const { thread } = await body(response);
      expect(thread).toMatchObject({
        id: "copy",
        title: "Copy",
        forkedFrom: { threadId: "src", seq: 2 },
      });
      const { messages } = await body(await app.request(PATHS.threadMessages("copy")));
      expect(messages.map((m: { parts: Array<{ text: string }> }) => m.parts[0]?.text)).toEqual([
        "one",
      ]);
    });

    it("R19: fork at a message, and with no body (the whole log)", async () => {
      const { app } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "src" }));
      for (const id of ["m1", "m2"]) {
        await app.request(
          PATHS.threadMessages("src"),
          jsonRequest("POST", { id, role: "user", parts: [] }),
        );
      }
      const atMessage = await body(
        await app.request(PATHS.fork("src"), jsonRequest("POST", { atMessageId: "m1" })),
      );
      expect(atMessage.thread.forkedFrom).toEqual({ threadId: "src", seq: 2 });
      const whole = await app.request(PATHS.fork("src"), { method: "POST" });
      expect(whole.status).toBe(201);
      expect((await body(whole)).thread.forkedFrom).toEqual({ threadId: "src", seq: 3 });
    });

    for (const [name, payload, status, code] of [
      ["atSeq beyond the head", { atSeq: 99 }, 400, "bad_offset"],
      ["atSeq 0", { atSeq: 0 }, 400, "bad_request"],
      ["a fractional atSeq", { atSeq: 1.5 }, 400, "bad_request"],
      ["atSeq as a string", { atSeq: "1" }, 400, "bad_request"],
      ["both atSeq and atMessageId", { atSeq: 1, atMessageId: "m" }, 400, "bad_request"],
      ["an unknown atMessageId", { atMessageId: "nope" }, 404, "not_found"],
      ["malformed JSON", "{", 400, "bad_request"],
    ] as const) {
      it(`R19: fork with ${name} → ${status} ${code}`, async () => {
        const { app } = await openApp(backend);
        await app.request(PATHS.threads, jsonRequest("POST", { id: "src" }));
        const response = await app.request(PATHS.fork("src"), jsonRequest("POST", payload));
        expect(response.status).toBe(status);
        expect((await body(response)).error.code).toBe(code);
      });
    }

    it("R19: forking an unknown thread → 404", async () => {
      const { app } = await openApp(backend);
      const response = await app.request(PATHS.fork("nope"), jsonRequest("POST", {}));
      expect(response.status).toBe(404);
    });
  });
}
