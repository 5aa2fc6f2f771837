import { describe, expect, it } from "vitest";
import {
  BodyInterruptedError,
  formatOfContentType,
  readUIMessageStreamBody,
  type UIMessageStreamFormat,
} from "../../src/http/index.js";

const LIMITS = { maxChunkBytes: 100, maxMessageBytes: 10_000 };

/** A body delivering `pieces` one read at a time, then ending — or failing with `error`. */
function bodyOf(pieces: Array<string | Uint8Array>, error?: Error): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const queue = [...pieces];
  return new ReadableStream(
    {
      pull(controller) {
        const piece = queue.shift();
        if (piece !== undefined) {
          controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
        } else if (error) controller.error(error);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

async function records(
  format: UIMessageStreamFormat,
  pieces: Array<string | Uint8Array>,
  limits = LIMITS,
): Promise<string[]> {
  const out: string[] = [];
  for await (const record of readUIMessageStreamBody(bodyOf(pieces), format, limits))
    out.push(record);
  return out;
}

/** Every way of cutting `text` in two (byte-wise, so UTF-8 sequences are split too). */
function everySplit(text: string): Uint8Array[][] {
  const bytes = new TextEncoder().encode(text);
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.slice(0, i), bytes.slice(i)]);
}

describe("readUIMessageStreamBody (SPEC §3 upload framing)", () => {
  it("picks NDJSON for application/x-ndjson (any case, with parameters), SSE otherwise", () => {
    expect(formatOfContentType("application/x-ndjson")).toBe("ndjson");
    expect(formatOfContentType("Application/X-NDJSON; charset=utf-8")).toBe("ndjson");
    expect(formatOfContentType("text/event-stream")).toBe("sse");
    expect(formatOfContentType(undefined)).toBe("sse");
  });

  it("SSE: yields each data payload, wherever the body is split, and stops at [DONE]", async () => {
    const text =
      'data: {"a":"é"}\n\n: comment\n\nevent: x\nid: 3\ndata: {"b":2}\n\ndata: [DONE]\n\ndata: {"late":1}\n\n';
    for (const pieces of everySplit(text)) {
      expect(await records("sse", pieces)).toEqual(['{"a":"é"}', '{"b":2}']);
    }
  });

  it("NDJSON: yields each non-blank line, wherever the body is split", async () => {
    const text = '{"a":"你"}\r\n\n{"b":2}\n';
    for (const pieces of everySplit(text)) {
      expect(await records("ndjson", pieces)).toEqual(['{"a":"你"}', '{"b":2}']);
    }
  });

  it("keeps a complete last record without its terminator, drops one cut off", async () => {
    expect(await records("sse", ['data: {"a":1}'])).toEqual(['{"a":1}']);
    expect(await records("sse", ['data: {"a":1}\n\ndata: {"b"'])).toEqual(['{"a":1}']);
    expect(await records("ndjson", ['{"a":1}\n{"b":2}'])).toEqual(['{"a":1}', '{"b":2}']);
    expect(await records("ndjson", ['{"a":1}\n{"b":'])).toEqual(['{"a":1}']);
  });

  for (const format of ["sse", "ndjson"] as const) {
    const frame = (json: string) => (format === "sse" ? `data: ${json}\n\n` : `${json}\n`);

    it(`${format}: a record over maxChunkBytes fails with too_large after the records before it`, async () => {
      const big = JSON.stringify({ x: "y".repeat(200) });
      const seen: string[] = [];
      const reading = (async () => {
        for await (const record of readUIMessageStreamBody(
          bodyOf([frame('{"a":1}') + frame(big) + frame('{"c":3}')]),
          format,
          LIMITS,
        )) {
          seen.push(record);
        }
      })();
      await expect(reading).rejects.toMatchObject({
        code: "too_large",
        details: { chunkIndex: 1 },
      });
      expect(seen).toEqual(['{"a":1}']);
    });

    it(`${format}: no whole-body limit: a body far over the message of chunks is read whole`, async () => {
      const pieces = Array.from({ length: 3_000 }, (_, i) => frame(JSON.stringify({ i })));
      const body = pieces.join("");
      expect(body.length).toBeGreaterThan(30_000);
      const limits = { maxChunkBytes: 100, maxMessageBytes: 1_000_000 };
      expect(await records(format, pieces, limits)).toHaveLength(3_000);
    });

    it(`${format}: the chunk taking the message past maxMessageBytes fails with too_large after those before`, async () => {
      const pieces = Array.from({ length: 30 }, (_, i) => frame(JSON.stringify({ i: i + 1000 })));
      const seen: string[] = [];
      const reading = (async () => {
        for await (const record of readUIMessageStreamBody(bodyOf(pieces), format, {
          maxChunkBytes: 100,
          maxMessageBytes: 100, // ten records of 10 bytes
        })) {
          seen.push(record);
        }
      })();
      await expect(reading).rejects.toMatchObject({
        code: "too_large",
        status: 413,
        message: "chunk 10 exceeds the message size limit of 100 bytes",
        details: { chunkIndex: 10, limitBytes: 100 },
      });
      expect(seen).toHaveLength(10);
    });

    it(`${format}: a body that errors fails with BodyInterruptedError after what arrived`, async () => {
      const seen: string[] = [];
      const reading = (async () => {
        for await (const record of readUIMessageStreamBody(
          bodyOf([frame('{"a":1}')], new Error("reset")),
          format,
          LIMITS,
        )) {
          seen.push(record);
        }
      })();
      await expect(reading).rejects.toBeInstanceOf(BodyInterruptedError);
      expect(seen).toEqual(['{"a":1}']);
    });
  }

  it("an absent body yields nothing", async () => {
    const out: string[] = [];
    for await (const record of readUIMessageStreamBody(null, "sse", LIMITS)) out.push(record);
    expect(out).toEqual([]);
  });
});
