import { describe, expect, it } from "vitest";
import {
  createFoldState,
  finalizeMessage,
  foldChunks,
  type UIMessageChunk,
} from "../../src/message/index.js";
import { PATHS } from "../../src/protocol/http.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { gate, textOf } from "../support/helpers.js";
import {
  FIXTURE_NAMES,
  feedableBody,
  fixtureChunks,
  fixtureText,
  jsonRequest,
  openApp,
  waitFor,
} from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

const sse = (chunks: readonly unknown[], done = true) =>
  chunks.map((c) => `data: ${typeof c === "string" ? c : JSON.stringify(c)}\n\n`).join("") +
  (done ? "data: [DONE]\n\n" : "");
const ndjson = (chunks: readonly unknown[]) => chunks.map((c) => `${JSON.stringify(c)}\n`).join("");

const START = { type: "start", messageId: "a1" };
const TEXT = [
  START,
  { type: "start-step" },
  { type: "text-start", id: "0" },
  { type: "text-delta", id: "0", delta: "Hel" },
  { type: "text-delta", id: "0", delta: "lo" },
];
const FINISH = { type: "finish" };
const FINISHED = [
  ...TEXT,
  { type: "text-end", id: "0" },
  { type: "finish-step" },
  { type: "finish" },
];

/** The stored message the fold gives for `chunks` (R1) once finalized as the stream ended it. */
function expectedMessage(chunks: readonly UIMessageChunk[]) {
  const terminal = chunks.at(-1);
  const status =
    terminal?.type === "finish" ? "completed" : terminal?.type === "error" ? "error" : "aborted";
  const errorText = terminal?.type === "error" ? terminal.errorText : undefined;
  const folded = foldChunks(createFoldState({ id: "", role: "assistant", parts: [] }), chunks);
  return { status, message: finalizeMessage(folded.message, status, errorText) };
}

/** A body delivered in pieces of `size` bytes (UTF-8 sequences split too). */
function inPieces(text: string, size: number): RequestInit {
  const bytes = new TextEncoder().encode(text);
  return {
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
        controller.close();
      },
    }),
    duplex: "half",
  } as RequestInit;
}

/** A real store whose `commitWrites` waits for `hold()` while armed. */
function holdingCommits(store: Store) {
  let held: { started: () => void; released: Promise<void> } | undefined;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      if (property === "commitWrites") {
        return async (...args: Parameters<Store["commitWrites"]>) => {
          const current = held;
          held = undefined;
          if (current) {
            current.started();
            await current.released;
          }
          return target.commitWrites(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    store: proxy,
    /** Holds the next commit; resolves `inFlight` once it is held. */
    holdNext() {
      const release = gate();
      const inFlight = gate();
      held = { started: inFlight.open, released: release.promise };
      return { inFlight: inFlight.promise, release: release.open };
    },
  };
}

for (const backend of BACKENDS) {
  describe(`POST /v1/threads/:id/messages/stream [${backend.name}]`, () => {
    async function setup(app: Parameters<typeof openApp>[1] = {}) {
      const opened = await openApp(backend, app);
      await opened.threadline.threads.create({ id: "t1" });
      const upload = (payload: string | RequestInit, contentType = "text/event-stream") =>
        opened.app.request(PATHS.messageStream("t1"), {
          method: "POST",
          headers: { "content-type": contentType },
          ...(typeof payload === "string" ? { body: payload } : payload),
        });
      return { ...opened, upload };
    }

    for (const name of FIXTURE_NAMES) {
      it(`R3–R16: the recorded stream ${name} is stored as the fold of its chunks`, async () => {
        const { upload, app } = await setup();
        const chunks = fixtureChunks(name) as UIMessageChunk[];
        const response = await upload(fixtureText(name));
        expect(response.status).toBe(200);
        const { message } = await body(response);
        const expected = expectedMessage(chunks);
        const start = chunks[0];
        expect(message.id).toBe(start?.type === "start" ? start.messageId : expect.any(String));
        expect(message.status).toBe(expected.status);
        expect(message.parts).toStrictEqual(JSON.parse(JSON.stringify(expected.message.parts)));
        expect(message.metadata).toStrictEqual(expected.message.metadata);
        const stored = await body(await app.request(PATHS.message(message.id)));
        expect(stored.message).toStrictEqual(message);
      });
    }

    it("SPEC §3: an NDJSON body (Content-Type application/x-ndjson) is stored the same way", async () => {
      const { upload } = await setup();
      const response = await upload(ndjson(FINISHED), "application/x-ndjson; charset=utf-8");
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message).toMatchObject({ id: "a1", role: "assistant", status: "completed" });
      expect(textOf(message)).toBe("Hello");
    });

    for (const size of [1, 3, 7, 64]) {
      it(`SPEC §3: a body split every ${size} bytes (UTF-8 included) gives the same message`, async () => {
        const { upload } = await setup();
        const chunks = [
          ...TEXT.slice(0, 3),
          { type: "text-delta", id: "0", delta: "héllo wörld — 你好 👋" },
          { type: "text-end", id: "0" },
          { type: "finish" },
        ];
        for (const [format, text] of [
          ["text/event-stream", sse(chunks)],
          ["application/x-ndjson", ndjson(chunks)],
        ] as const) {
          const id = `${format}-${size}`;
          const renamed = text.replace('"messageId":"a1"', `"messageId":"${id}"`);
          const response = await upload({ body: null, ...inPieces(renamed, size) }, format);
          expect(response.status).toBe(200);
          const { message } = await body(response);
          expect(message.id).toBe(id);
          expect(textOf(message)).toBe("héllo wörld — 你好 👋");
        }
      });
    }

    it("SPEC §3: SSE comments, event:/id: fields and CRLF line ends are tolerated", async () => {
      const { upload } = await setup();
      const text = `: stream-open\r\n\r\n${sse(FINISHED)
        .replaceAll("data: ", "event: chunk\r\nid: 1\r\ndata: ")
        .replaceAll("\n\n", "\r\n\r\n")}`;
      const response = await upload(text);
      expect(response.status).toBe(200);
      expect(textOf((await body(response)).message)).toBe("Hello");
    });

    it("SPEC §3: a start chunk without messageId gets a generated id", async () => {
      const { upload } = await setup();
      const response = await upload(sse([{ type: "start" }, ...FINISHED.slice(1)]));
      const { message } = await body(response);
      expect(message.id).toEqual(expect.any(String));
      expect(message.status).toBe("completed");
    });

    it("SPEC §3: a stream that does not begin with start is stored under a generated id", async () => {
      const { upload } = await setup();
      const response = await upload(sse(FINISHED.slice(1)));
      expect(response.status).toBe(200);
      expect(textOf((await body(response)).message)).toBe("Hello");
    });

    it("R16: a body that ends without a terminal chunk → 200, message aborted with its partial text", async () => {
      const { upload } = await setup();
      const response = await upload(sse(TEXT, false));
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message).toMatchObject({ id: "a1", status: "aborted" });
      expect(textOf(message)).toBe("Hello");
    });

    it("R16: [DONE] without a terminal chunk aborts the message too", async () => {
      const { upload } = await setup();
      const { message } = await body(await upload(sse(TEXT)));
      expect(message.status).toBe("aborted");
    });

    it("R16: a last record cut off by the end of the body is dropped, not an error", async () => {
      const { upload } = await setup();
      const cut = `${sse(TEXT, false)}data: {"type":"text-delta","id":"0","del`;
      const { message } = await body(await upload(cut));
      expect(message.status).toBe("aborted");
      expect(textOf(message)).toBe("Hello");
      const ndjsonCut = `${ndjson(TEXT).replace('"a1"', '"a2"')}{"type":"text-del`;
      const second = await body(await upload(ndjsonCut, "application/x-ndjson"));
      expect(second.message).toMatchObject({ id: "a2", status: "aborted" });
    });

    it("SPEC §3: a complete last record without a final newline still counts", async () => {
      const { upload } = await setup();
      const noNewline = ndjson(FINISHED).trimEnd();
      const { message } = await body(await upload(noNewline, "application/x-ndjson"));
      expect(message.status).toBe("completed");
      const sseNoBlank = sse(FINISHED, false).replace('"a1"', '"a2"').trimEnd();
      const second = await body(await upload(sseNoBlank));
      expect(second.message).toMatchObject({ id: "a2", status: "completed" });
    });

    it("R16: chunks after the terminal chunk are ignored", async () => {
      const { upload } = await setup();
      const response = await upload(sse([...FINISHED, { type: "text-start", id: "late" }]));
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message.status).toBe("completed");
      expect(message.parts.filter((p: { type: string }) => p.type === "text")).toHaveLength(1);
    });

    for (const [name, bad, code] of [
      ["malformed JSON", '{"type":"text-delta",', "invalid_chunk"],
      ["an unknown chunk type", { type: "text-shout", id: "0" }, "invalid_chunk"],
      ["a field of the wrong type", { type: "text-delta", id: "0", delta: 5 }, "invalid_chunk"],
      ["a delta with no open part", { type: "text-delta", id: "zz", delta: "x" }, "chunk_rejected"],
    ] as const) {
      it(`R2: ${name} at chunk 5 → 400 ${code} naming it; the message ends error keeping chunks 0–4`, async () => {
        const { upload, app } = await setup();
        const response = await upload(sse([...TEXT, bad, { type: "finish" }]));
        expect(response.status).toBe(400);
        const { error } = await body(response);
        expect(error.code).toBe(code);
        expect(error.details.chunkIndex).toBe(5);
        expect(error.message).toMatch(/5/);
        const stored = await body(await app.request(PATHS.message("a1")));
        expect(stored.message.status).toBe("error");
        expect(stored.message.errorText).toContain("5");
        expect(textOf(stored.message)).toBe("Hello");
      });
    }

    it("R2: a malformed first chunk → 400 naming chunk 0, and no message is created", async () => {
      const { upload, app } = await setup();
      const response = await upload("data: {oops}\n\n");
      expect(response.status).toBe(400);
      const { error } = await body(response);
      expect(error).toMatchObject({ code: "invalid_chunk", details: { chunkIndex: 0 } });
      expect((await body(await app.request(PATHS.threadMessages("t1")))).messages).toEqual([]);
    });

    for (const [name, payload] of [
      ["an empty body", ""],
      ["only [DONE]", "data: [DONE]\n\n"],
      ["only comments", ": hello\n\n"],
    ] as const) {
      it(`SPEC §3: ${name} → 400 bad_request, nothing stored`, async () => {
        const { upload, app } = await setup();
        const response = await upload(payload);
        expect(response.status).toBe(400);
        expect((await body(response)).error.code).toBe("bad_request");
        expect((await body(await app.request(PATHS.threadMessages("t1")))).messages).toEqual([]);
      });
    }

    it("SPEC §3: an unknown thread → 404 before anything is written", async () => {
      const { app, threadline } = await setup();
      const response = await app.request(PATHS.messageStream("nope"), {
        method: "POST",
        body: sse(FINISHED),
      });
      expect(response.status).toBe(404);
      expect((await body(response)).error.code).toBe("not_found");
      await expect(threadline.messages.get("a1")).rejects.toMatchObject({ code: "not_found" });
    });

    it("SPEC §3: a start chunk whose messageId is taken → 409 conflict", async () => {
      const { upload, app } = await setup();
      await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", { id: "a1", role: "user", parts: [] }),
      );
      const response = await upload(sse(FINISHED));
      expect(response.status).toBe(409);
      expect((await body(response)).error.code).toBe("conflict");
    });

    for (const [format, encode] of [
      ["text/event-stream", sse],
      ["application/x-ndjson", ndjson],
    ] as const) {
      for (const [where, options] of [
        ["createApp", { app: { limits: { maxChunkBytes: 200 } } }],
        ["createThreadline", { threadline: { limits: { maxChunkBytes: 200 } } }],
      ] as const) {
        it(`SPEC §3: a ${format} chunk over maxChunkBytes (set in ${where}) → 413 naming it; earlier chunks kept (R2)`, async () => {
          const { upload, app } = await setup(options);
          const big = { type: "text-delta", id: "0", delta: "x".repeat(300) };
          const response = await upload(encode([...TEXT, big, { type: "finish" }]), format);
          expect(response.status).toBe(413);
          const { error } = await body(response);
          expect(error).toMatchObject({
            code: "too_large",
            message: "chunk 5 exceeds the chunk size limit of 200 bytes",
            details: { chunkIndex: 5, limitBytes: 200 },
          });
          const stored = await body(await app.request(PATHS.message("a1")));
          expect(stored.message.status).toBe("error");
          expect(textOf(stored.message)).toBe("Hello");
        });
      }

      it(`SPEC §3: a ${format} chunk over maxChunkBytes still arriving is refused early`, async () => {
        const { upload } = await setup({ app: { limits: { maxChunkBytes: 200 } } });
        // No line end ever comes: the partial record alone exceeds the limit.
        const head = format === "text/event-stream" ? `${sse(TEXT, false)}data: ` : ndjson(TEXT);
        const endless = `${head}${"y".repeat(5_000)}`;
        const response = await upload({ body: null, ...inPieces(endless, 100) }, format);
        expect(response.status).toBe(413);
        expect((await body(response)).error.details.chunkIndex).toBe(5);
      });
    }

    it("SPEC §3: a 100k-character answer (a body over 1 MiB) is stored whole: uploads have no body limit", async () => {
      const { upload } = await setup();
      const deltas = Array.from({ length: 20_000 }, (_, i) => ({
        type: "text-delta",
        id: "0",
        delta: String(i % 10).repeat(5),
      }));
      const text = sse([...TEXT.slice(0, 3), ...deltas, { type: "text-end", id: "0" }, FINISH]);
      expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
      const response = await upload({ body: null, ...inPieces(text, 64 * 1024) });
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message.status).toBe("completed");
      expect(textOf(message)).toHaveLength(100_000);
      expect(textOf(message)).toBe(deltas.map((d) => d.delta).join(""));
    });

    it("SPEC §3: a 300 KB tool output is one accepted chunk under the default limits", async () => {
      const { upload } = await setup();
      const output = { rows: "r".repeat(300_000) };
      const call = { toolCallId: "c1", toolName: "search" };
      const response = await upload(
        sse([
          START,
          { type: "start-step" },
          { type: "tool-input-available", ...call, input: { q: "all" } },
          { type: "tool-output-available", toolCallId: "c1", output },
          { type: "finish-step" },
          FINISH,
        ]),
      );
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message.status).toBe("completed");
      expect(message.parts[1]).toMatchObject({ state: "output-available", output });
    });

    it("SPEC §3: a Content-Length over maxBodyBytes does not limit an upload", async () => {
      const { upload } = await setup({ app: { limits: { maxBodyBytes: 100 } } });
      const response = await upload(sse(FINISHED));
      expect(response.status).toBe(200);
      expect((await body(response)).message.status).toBe("completed");
    });

    for (const [where, options] of [
      ["createApp", { app: { limits: { maxMessageBytes: 300 } } }],
      ["createThreadline", { threadline: { limits: { maxMessageBytes: 300 } } }],
    ] as const) {
      it(`SPEC §3: the chunk taking a message past maxMessageBytes (set in ${where}) → 413 naming it; the message ends error keeping its text (R2)`, async () => {
        const { upload, app } = await setup(options);
        const deltas = Array.from({ length: 20 }, () => ({
          type: "text-delta",
          id: "0",
          delta: "abcdefgh",
        }));
        const response = await upload({ body: null, ...inPieces(sse([...TEXT, ...deltas]), 50) });
        expect(response.status).toBe(413);
        const { error } = await body(response);
        expect(error).toMatchObject({ code: "too_large", details: { limitBytes: 300 } });
        expect(error.message).toMatch(/^chunk \d+ exceeds the message size limit of 300 bytes$/);
        const stored = await body(await app.request(PATHS.message("a1")));
        expect(stored.message.status).toBe("error");
        expect(stored.message.errorText).toBe(error.message);
        const kept = textOf(stored.message);
        expect(kept).toMatch(/^Hello(abcdefgh)+$/);
        expect(kept.length).toBe(5 + 8 * (error.details.chunkIndex - TEXT.length));
      });
    }

    it("R4: the body is not read ahead while a structural chunk's commit is in flight", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const holding = holdingCommits(await openStore(database, "held"));
      const { app, threadline } = await openApp(backend, {
        threadline: { database, store: holding.store },
      });
      await threadline.threads.create({ id: "t1" });
      const pieces = [
        START,
        { type: "start-step" },
        { type: "text-start", id: "0" },
        { type: "finish" },
      ];
      let pulls = 0;
      const encoder = new TextEncoder();
      const requestBody = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            const piece = pieces[pulls];
            pulls += 1;
            if (piece) controller.enqueue(encoder.encode(sse([piece], false)));
            else controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      const hold = holding.holdNext(); // holds the commit of the structural `start` chunk
      const answer = app.request(PATHS.messageStream("t1"), {
        method: "POST",
        body: requestBody,
        duplex: "half",
      } as RequestInit);
      await hold.inFlight;
      for (let turn = 0; turn < 5; turn += 1) await new Promise((r) => setImmediate(r));
      expect(pulls).toBe(1); // only the `start` chunk was read: the upload awaits its commit
      hold.release();
      const response = await answer;
      expect(response.status).toBe(200);
      expect((await body(response)).message.status).toBe("completed");
      expect(pulls).toBe(4);
    });

    it("R16: a body that breaks off mid-stream → the message is aborted with its partial text", async () => {
      const { app, threadline } = await setup();
      const feed = feedableBody();
      const answer = app.request(PATHS.messageStream("t1"), {
        method: "POST",
        body: feed.body,
        duplex: "half",
      } as RequestInit);
      feed.send(sse(TEXT.slice(0, 3), false));
      await waitFor(async () => {
        const message = await threadline.messages.get("a1").catch(() => undefined);
        return message?.parts.some((p) => p.type === "text") ?? false;
      });
      feed.send(sse(TEXT.slice(3), false));
      // Erroring a stream discards what is still queued: wait until the deltas were taken (R8).
      await waitFor(async () => textOf(await threadline.messages.get("a1")) === "Hello");
      feed.fail(new Error("connection reset"));
      const response = await answer;
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message.status).toBe("aborted");
      expect(textOf(message)).toBe("Hello");
    });
  });
}

for (const backend of BACKENDS) {
  describe(`MessageWriter size limits, library [${backend.name}]`, () => {
    const DELTA = { type: "text-delta", id: "0", delta: "abcdefghij" } as const;

    /** A writer of message `id` that already took the chunks of TEXT after `start`. */
    async function openWriter(threadline: Threadline, id: string) {
      const writer = await threadline.writers.open("t1", { messageId: id });
      for (const chunk of TEXT.slice(1)) await writer.write(chunk as UIMessageChunk);
      return writer;
    }

    async function open(limits: { maxChunkBytes?: number; maxMessageBytes?: number }) {
      const { threadline } = await openThreadline(backend, { limits });
      await threadline.threads.create({ id: "t1" });
      return threadline;
    }

    it("R2: a chunk over maxChunkBytes → too_large naming it; the message ends error keeping its text", async () => {
      const threadline = await open({ maxChunkBytes: 500 });
      const writer = await openWriter(threadline, "a1");
      const output = { type: "tool-output-available", toolCallId: "c", output: "o".repeat(600) };
      const error = await writer.write(output as UIMessageChunk).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "too_large",
        status: 413,
        message: "chunk 4 exceeds the chunk size limit of 500 bytes",
        details: { chunkIndex: 4, limitBytes: 500 },
      });
      expect(writer.closed).toBe(true);
      await threadline.flushAll();
      const stored = await threadline.messages.get("a1");
      expect(stored).toMatchObject({ status: "error", errorText: (error as Error).message });
      expect(textOf(stored)).toBe("Hello");
    });

    it("R2: the chunk taking the message past maxMessageBytes → too_large naming it; the message ends error", async () => {
      const threadline = await open({ maxMessageBytes: 1_000 });
      const writer = await openWriter(threadline, "a1");
      let accepted = 0;
      let error: unknown;
      while (error === undefined && accepted < 1_000) {
        error = await writer.write(DELTA).catch((e: unknown) => e);
        if (error === undefined) accepted += 1;
      }
      const chunkIndex = TEXT.length - 1 + accepted;
      expect(accepted).toBeGreaterThan(5);
      expect(error).toMatchObject({
        code: "too_large",
        message: `chunk ${chunkIndex} exceeds the message size limit of 1000 bytes`,
        details: { chunkIndex, limitBytes: 1_000 },
      });
      await threadline.flushAll();
      const stored = await threadline.messages.get("a1");
      expect(stored.status).toBe("error");
      expect(textOf(stored)).toBe(`Hello${DELTA.delta.repeat(accepted)}`);

      // The same chunks again, then a terminal chunk larger than the room left (under 50 bytes):
      // terminal chunks are not counted, so a full message can still end as its producer says.
      const full = await openWriter(threadline, "a2");
      for (let i = 0; i < accepted; i += 1) await full.write(DELTA);
      await full.fail("e".repeat(100));
      await threadline.flushAll();
      const ended = await threadline.messages.get("a2");
      expect(ended).toMatchObject({ status: "error", errorText: "e".repeat(100) });
    });
  });
}
