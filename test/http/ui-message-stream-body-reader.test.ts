import type { IncomingMessage } from "node:http";
import http from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import { nodeBodyText } from "../../src/http/node-request-body.js";
import { persistUIMessageStream } from "../../src/http/persist-ui-message-stream.js";
import {
  BodyInterruptedError,
  type BodyText,
  NO_RECORDS_YET,
  nextBodyText,
  UIMessageStreamBodyReader,
  type UIMessageStreamFormat,
  webBodyText,
} from "../../src/http/read-ui-message-stream-body.js";
import { EventHub } from "../../src/observe.js";
import { PATHS } from "../../src/protocol/http.js";
import type { StoredMessage } from "../../src/protocol/resources.js";
import { BACKENDS } from "../support/backends.js";
import { gate, textOf } from "../support/helpers.js";
import { listen, openApp, waitFor } from "./support.js";

const LIMITS = { maxChunkBytes: 100, maxMessageBytes: 10_000 };
const frameOf = (format: UIMessageStreamFormat) => (json: string) =>
  format === "sse" ? `data: ${json}\n\n` : `${json}\n`;

/** A Web body delivering `pieces` one network read each, counting the reads. */
function countedBody(pieces: readonly string[]) {
  const encoder = new TextEncoder();
  const counter = { pulls: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const piece = pieces[counter.pulls];
        counter.pulls += 1;
        if (piece === undefined) controller.close();
        else controller.enqueue(encoder.encode(piece));
      },
    },
    { highWaterMark: 0 },
  );
  return { body, counter };
}

async function allBatches(reader: UIMessageStreamBodyReader): Promise<(readonly string[])[]> {
  const batches: (readonly string[])[] = [];
  for (let batch = await reader.read(); batch; batch = await reader.read()) batches.push(batch);
  return batches;
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe("UIMessageStreamBodyReader (issue 9: one batch of records per network read)", () => {
  for (const format of ["sse", "ndjson"] as const) {
    const frame = frameOf(format);

    it(`${format}: several chunks in one network read come as one batch`, async () => {
      const { body, counter } = countedBody([
        frame('{"a":1}') + frame('{"b":2}') + frame('{"c":3}'),
        frame('{"d":4}'),
      ]);
      const reader = UIMessageStreamBodyReader.of(body, format, LIMITS);
      expect(await reader.read()).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
      expect(counter.pulls).toBe(1);
      expect(await allBatches(reader)).toEqual([['{"d":4}']]);
    });

    it(`${format}: a chunk split across reads comes in the batch of the read that completes it`, async () => {
      const whole = frame('{"a":"split"}') + frame('{"b":2}');
      const { body, counter } = countedBody([
        whole.slice(0, 5),
        whole.slice(5, 12),
        whole.slice(12),
      ]);
      const reader = UIMessageStreamBodyReader.of(body, format, LIMITS);
      expect(await reader.read()).toEqual(['{"a":"split"}', '{"b":2}']); // never an empty batch
      expect(counter.pulls).toBe(3);
      expect(await reader.read()).toBeUndefined();
    });

    it(`${format}: a record over maxChunkBytes split across reads fails as it outgrows the limit, after the batch before`, async () => {
      // Past the SSE parser's framing slack too (1 KiB over maxChunkBytes).
      const big = frame(JSON.stringify({ x: "y".repeat(3_000) }));
      const pieces = [frame('{"a":1}') + big.slice(0, 60), big.slice(60, 1_600), big.slice(1_600)];
      const { body, counter } = countedBody(pieces);
      const reader = UIMessageStreamBodyReader.of(body, format, LIMITS);
      expect(await reader.read()).toEqual(['{"a":1}']);
      await expect(reader.read()).rejects.toMatchObject({
        code: "too_large",
        details: { chunkIndex: 1, limitBytes: 100 },
      });
      expect(counter.pulls).toBeLessThan(3); // refused before the record ended
    });

    it(`${format}: nothing is read ahead: the next network read waits for the next read()`, async () => {
      const { body, counter } = countedBody([frame('{"a":1}'), frame('{"b":2}'), frame('{"c":3}')]);
      const reader = UIMessageStreamBodyReader.of(body, format, LIMITS);
      expect(await reader.read()).toEqual(['{"a":1}']);
      await turns(5); // the consumer is busy with a structural write
      expect(counter.pulls).toBe(1);
      expect(await reader.read()).toEqual(['{"b":2}']);
      await turns(5);
      expect(counter.pulls).toBe(2);
    });
  }

  it("stops at [DONE]: later records and reads are ignored", async () => {
    const { body, counter } = countedBody([
      'data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b":2}\n\n',
      "x",
    ]);
    const reader = UIMessageStreamBodyReader.of(body, "sse", LIMITS);
    expect(await allBatches(reader)).toEqual([['{"a":1}']]);
    expect(counter.pulls).toBe(1);
  });
});

/** A Node readable standing in for an `IncomingMessage`, counting `read()` calls. */
function nodeBody() {
  const stream = new PassThrough();
  const counter = { reads: 0 };
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    if (size === undefined) counter.reads += 1; // Node's own calls are read(0)
    return read(size);
  };
  return { stream, counter, text: nodeBodyText(stream as unknown as IncomingMessage) };
}

async function collect(text: BodyText): Promise<string> {
  let all = "";
  for (let piece = await nextBodyText(text); piece !== null; piece = await nextBodyText(text))
    all += piece;
  return all;
}

describe("UIMessageStreamBodyReader.readNow / readable / wake (one wait per network read)", () => {
  const bodies = {
    node: () => {
      const { stream, text } = nodeBody();
      return { text, write: (piece: string) => stream.write(piece), end: () => stream.end() };
    },
    web: () => {
      const stream = new TransformStream<Uint8Array, Uint8Array>();
      const writer = stream.writable.getWriter();
      const encoder = new TextEncoder();
      return {
        text: webBodyText(stream.readable),
        write: (piece: string) => void writer.write(encoder.encode(piece)),
        end: () => void writer.close(),
      };
    },
  };
  for (const [name, open] of Object.entries(bodies)) {
    it(`${name}: no records until a read completes one, readable() waits for it, wake() ends a wait`, async () => {
      const body = open();
      const reader = new UIMessageStreamBodyReader(body.text, "ndjson", LIMITS);
      expect(reader.readNow()).toBe(NO_RECORDS_YET);
      const woken = reader.readable();
      reader.wake(); // a stop: the wait ends with nothing new
      await woken;
      expect(reader.readNow()).toBe(NO_RECORDS_YET);
      const waiting = reader.readable();
      body.write('{"a":1}\n{"b"');
      await waiting;
      expect(reader.readNow()).toEqual(['{"a":1}']);
      expect(reader.readNow()).toBe(NO_RECORDS_YET); // the second record is not complete
      const rest = reader.read();
      body.write(":2}\n");
      expect(await rest).toEqual(['{"b":2}']);
      body.end();
      expect(await reader.read()).toBeUndefined();
      expect(reader.readNow()).toBeUndefined();
    });
  }
});

describe("nodeBodyText (issue 9: the Node request read without Web-stream layers)", () => {
  it("returns everything buffered per read, UTF-8 decoded across reads, then null at the end", async () => {
    const { stream, text } = nodeBody();
    const bytes = Buffer.from('{"a":"你好"}\n', "utf8");
    stream.write(bytes.subarray(0, 7)); // inside 你
    stream.write(bytes.subarray(7));
    stream.end();
    expect(await collect(text)).toBe('{"a":"你好"}\n');
  });

  it("throws BodyInterruptedError after what was buffered when the body errors", async () => {
    const { stream, text } = nodeBody();
    stream.write('{"a":1}\n');
    expect(await nextBodyText(text)).toBe('{"a":1}\n');
    const next = nextBodyText(text);
    stream.destroy(new Error("reset"));
    await expect(next).rejects.toBeInstanceOf(BodyInterruptedError);
  });

  it("reads nothing while nobody asks: the rest stays buffered in Node (TCP backpressure)", async () => {
    const { stream, counter, text } = nodeBody();
    stream.write('{"a":1}\n');
    expect(await nextBodyText(text)).toBe('{"a":1}\n');
    const reads = counter.reads;
    stream.write('{"b":2}\n');
    await turns(5);
    expect(counter.reads).toBe(reads);
    expect(stream.readableLength).toBeGreaterThan(0);
    expect(await nextBodyText(text)).toBe('{"b":2}\n');
  });

  it("release() removes its listeners, so the adapter can drain the rest", async () => {
    const { stream, text } = nodeBody();
    text.release();
    expect(stream.listenerCount("readable")).toBe(0);
    expect(stream.listenerCount("error")).toBe(0);
    expect(await nextBodyText(text)).toBeNull();
  });
});

/** A Threadline on `backend` with a thread `t1`, counting its writer's commits. */
async function openCountingCommits(backend: (typeof BACKENDS)[number]) {
  const events = new EventHub();
  const counter = { commits: 0 };
  events.on("writer:commit", () => {
    counter.commits += 1;
  });
  const { threadline } = await openApp(backend, { threadline: { events } });
  await threadline.threads.create({ id: "t1" });
  return { threadline, counter };
}

for (const backend of BACKENDS) {
  describe(`the upload over a real socket reads the Node request [${backend.name}]`, () => {
    const ndjson = (...chunks: unknown[]) => chunks.map((c) => `${JSON.stringify(c)}\n`).join("");

    async function setup() {
      const opened = await openApp(backend, { threadline: { clock: systemClock, windowMs: 5 } });
      await opened.threadline.threads.create({ id: "t1" });
      const baseUrl = await listen(opened.app);
      return { ...opened, baseUrl };
    }

    /** A chunked NDJSON upload over a socket, written piece by piece. */
    function openUpload(baseUrl: string) {
      const url = new URL(PATHS.messageStream("t1"), baseUrl);
      const request = http.request(url, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", "transfer-encoding": "chunked" },
      });
      const answer = new Promise<{ status: number; body: { message: StoredMessage } }>(
        (resolve, reject) => {
          request.on("response", (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (piece: string) => {
              text += piece;
            });
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
            );
          });
          request.on("error", reject);
        },
      );
      return { request, answer };
    }

    it("R3–R16: chunks written over time, several per packet, make the same message", async () => {
      const { baseUrl } = await setup();
      const { request, answer } = openUpload(baseUrl);
      request.write(ndjson({ type: "start", messageId: "a1" }, { type: "text-start", id: "0" }));
      for (const delta of ["Hel", "lo", " wor", "ld"]) {
        request.write(ndjson({ type: "text-delta", id: "0", delta }));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      request.end(ndjson({ type: "text-end", id: "0" }, { type: "finish" }));
      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(body.message).toMatchObject({ id: "a1", status: "completed" });
      expect(textOf(body.message)).toBe("Hello world");
    });

    it("R2: a bad chunk → 400 naming its index; the message ends error keeping its text", async () => {
      const { baseUrl, threadline } = await setup();
      const { request, answer } = openUpload(baseUrl);
      request.end(
        ndjson({ type: "start", messageId: "a1" }, { type: "text-start", id: "0" }) +
          ndjson({ type: "text-delta", id: "0", delta: "Hi" }) +
          '{"type":"nonsense"}\n',
      );
      const { status, body } = await answer;
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: { code: "invalid_chunk", details: { chunkIndex: 3 } } });
      const message = await threadline.messages.get("a1");
      expect(message.status).toBe("error");
      expect(textOf(message)).toBe("Hi");
    });

    it("R28: a stop answers the upload at once; the producer's rest is drained", async () => {
      const { baseUrl, threadline } = await setup();
      const { request, answer } = openUpload(baseUrl);
      request.write(
        ndjson(
          { type: "start", messageId: "a1" },
          { type: "text-start", id: "0" },
          { type: "text-delta", id: "0", delta: "Hel" },
        ),
      );
      await waitFor(
        async () =>
          textOf(await threadline.messages.get("a1").catch(() => ({ parts: [] }))) === "Hel",
      );
      const stopped = gate();
      void threadline.stop("t1").then(stopped.open);
      const { status, body } = await answer; // the body has not ended
      expect(status).toBe(200);
      expect(body.message).toMatchObject({ id: "a1", status: "aborted" });
      await stopped.promise;
      request.end(ndjson({ type: "text-delta", id: "0", delta: "lo" }, { type: "finish" }));
      expect((await threadline.messages.get("a1")).status).toBe("aborted");
    });
  });

  describe(`persistUIMessageStream over a Node body [${backend.name}]`, () => {
    it("R4: read without a promise per batch, the body is taken from again only after the structural chunk's commit", async () => {
      const { threadline, counter } = await openCountingCommits(backend);
      const { stream, text } = nodeBody();
      /** Commits seen at each take() after the one that returned `text-start`. */
      const commitsAtTake: number[] = [];
      let tookTextStart = false;
      const counted: BodyText = {
        ...text,
        take() {
          if (tookTextStart) commitsAtTake.push(counter.commits);
          const taken = text.take();
          if (typeof taken === "string" && taken.includes("text-start")) tookTextStart = true;
          return taken;
        },
      };
      const reader = new UIMessageStreamBodyReader(counted, "ndjson", LIMITS);
      stream.write('{"type":"start","messageId":"a1"}\n');
      const persisting = persistUIMessageStream(threadline.workspace("default"), "t1", reader);
      await waitFor(async () => counter.commits >= 1); // `start` committed
      stream.write('{"type":"text-start","id":"0"}\n{"type":"text-delta","id":"0","delta":"x"}\n');
      await waitFor(async () => commitsAtTake.length >= 1);
      stream.end('{"type":"text-end","id":"0"}\n{"type":"finish"}\n');
      const { message } = await persisting;
      expect(message.status).toBe("completed");
      expect(textOf(message)).toBe("x");
      expect(commitsAtTake[0]).toBeGreaterThanOrEqual(2); // `start` and `text-start` (R4)
    });

    it("R4: the next read waits for the commit of the structural chunk before it", async () => {
      const { threadline, counter } = await openCountingCommits(backend);
      const { stream, text } = nodeBody();
      const reader = new UIMessageStreamBodyReader(text, "ndjson", LIMITS);
      const commitsAtRead: number[] = [];
      const records = {
        read() {
          commitsAtRead.push(counter.commits);
          return reader.read();
        },
      };
      stream.write('{"type":"start","messageId":"a1"}\n');
      const persisting = persistUIMessageStream(threadline.workspace("default"), "t1", records);
      await waitFor(async () => commitsAtRead.length === 2);
      stream.write('{"type":"text-start","id":"0"}\n{"type":"text-delta","id":"0","delta":"x"}\n');
      await waitFor(async () => commitsAtRead.length === 3);
      stream.end('{"type":"text-end","id":"0"}\n{"type":"finish"}\n');
      const { message } = await persisting;
      expect(message.status).toBe("completed");
      expect(textOf(message)).toBe("x");
      // Read 2 came after `start` was committed, read 3 after `text-start` (R4).
      expect(commitsAtRead[0]).toBe(0);
      expect(commitsAtRead[1]).toBeGreaterThanOrEqual(1);
      expect(commitsAtRead[2]).toBeGreaterThanOrEqual(2);
    });
  });
}
