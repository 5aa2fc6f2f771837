/**
 * Incremental reading of an uploaded AI SDK UI message stream (SPEC §3
 * `POST /v1/threads/:id/messages/stream`): the records of each network read as one batch.
 */
import { ThreadlineError } from "../errors.js";
import { CONTENT_TYPES, UI_MESSAGE_STREAM_DONE } from "../protocol/http.js";
import type { MessageLimits } from "../protocol/limits.js";
import {
  type RecordSplitter,
  recordSplitterOf,
  type UIMessageStreamFormat,
} from "./ui-message-stream-records.js";

export type { UIMessageStreamFormat } from "./ui-message-stream-records.js";

/** NDJSON when `Content-Type` is `application/x-ndjson`, else SSE, what the AI SDK sends (SPEC §3). */
export function formatOfContentType(contentType: string | undefined): UIMessageStreamFormat {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  return mediaType === CONTENT_TYPES.ndjson ? "ndjson" : "sse";
}

/**
 * The request body broke off (the producer's connection dropped) before it ended. The upload then
 * aborts its message (R16); as an answer it is a 400.
 */
export class BodyInterruptedError extends ThreadlineError {
  constructor(cause: unknown) {
    super("bad_request", "the request body was interrupted before it ended", { cause });
  }
}

/**
 * A request body as UTF-8 text, one network read at a time: what {@link UIMessageStreamBodyReader}
 * reads. {@link webBodyText} adapts a Web `ReadableStream` (any runtime); `nodeBodyText` reads a
 * Node `IncomingMessage` directly.
 */
export interface BodyText {
  /**
   * The text of the next read (possibly empty), or `null` at the end of the body; reads nothing
   * until called.
   * @throws {@link BodyInterruptedError} when the body broke off.
   */
  next(): Promise<string | null>;
  /**
   * Stops reading without cancelling: the adapter drains what is left of the body after the
   * answer (cancelling would tear the connection down before the answer is sent).
   */
  release(): void;
}

/** {@link BodyText} of a Web `ReadableStream` of bytes, decoded as UTF-8 across reads. */
export function webBodyText(body: ReadableStream<Uint8Array>): BodyText {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let released = false;
  return {
    async next() {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw new BodyInterruptedError(error);
      }
      if (read.done) {
        const rest = decoder.decode();
        return rest === "" ? null : rest;
      }
      return decoder.decode(read.value, { stream: true });
    },
    release() {
      if (released) return;
      released = true;
      reader.releaseLock();
    },
  };
}

/**
 * Reads an uploaded UI message stream as batches of records — the JSON text of each chunk — one
 * batch per network read (one read often holds many chunks), so the consumer loops over a batch
 * without an asynchronous hop per chunk (issue 9).
 *
 * - Nothing is read ahead: the next network read happens only when the consumer asks for the next
 *   batch, so a consumer that awaits each structural write is the backpressure (R4).
 * - Ends at `[DONE]` or at the end of the body. Only complete records count: a trailing record cut
 *   off by the end of the body (no blank line after an SSE event, no newline after an NDJSON
 *   line) is kept only if it is well-formed JSON, so an early end aborts rather than fails (R16).
 * - The body as a whole has no size limit. Each chunk is held to `maxChunkBytes` while it arrives
 *   (a record still being received is refused as soon as it outgrows the limit), and the chunks
 *   together to `maxMessageBytes` (their JSON bytes, UTF-8). The batch holding an oversized record
 *   ends before it; the next {@link read} throws (R2).
 * - {@link read} calls are served one after the other, so {@link drain} may follow a read that a
 *   stop (R28) left pending.
 *
 * @example
 * ```ts
 * const body = UIMessageStreamBodyReader.of(request.body, "ndjson", limits);
 * for (let batch = await body.read(); batch; batch = await body.read()) {
 *   for (const json of batch) await writer.write(JSON.parse(json));
 * }
 * ```
 */
export class UIMessageStreamBodyReader {
  private readonly splitter: RecordSplitter;
  /** `done`: `[DONE]` was read; `end`: the body ended. */
  private ended: "done" | "end" | undefined;
  private reading: Promise<readonly string[] | undefined> | undefined;

  constructor(
    private readonly body: BodyText | null,
    format: UIMessageStreamFormat,
    limits: MessageLimits,
  ) {
    this.splitter = recordSplitterOf(format, limits);
    if (!body) this.ended = "end";
  }

  /** A reader of a Web body (`request.body`; `null` reads as an empty stream). */
  static of(
    body: ReadableStream<Uint8Array> | null,
    format: UIMessageStreamFormat,
    limits: MessageLimits,
  ): UIMessageStreamBodyReader {
    return new UIMessageStreamBodyReader(body ? webBodyText(body) : null, format, limits);
  }

  /**
   * The records of the next network read that completed any (never an empty batch), or
   * `undefined` once the stream ended (`[DONE]` or the end of the body).
   * @throws ThreadlineError `too_large` (413) for the chunk over `maxChunkBytes` or the one taking
   *   the message past `maxMessageBytes`, with `details: { chunkIndex, limitBytes }`, once the
   *   records before it were returned (R2); {@link BodyInterruptedError} when the body broke off.
   */
  read(): Promise<readonly string[] | undefined> {
    const previous = this.reading;
    const next = previous ? previous.then(this.readNext, this.readNext) : this.readNext();
    this.reading = next;
    return next;
  }

  /**
   * Reads what is left of the body in the background and drops it: the producer of a stopped
   * message finishes sending normally while its answer is already out (R28). Releases the body
   * at its end.
   */
  drain(): void {
    const body = this.body;
    this.ended = "done";
    if (!body) return;
    void (async () => {
      try {
        await this.reading?.catch(() => {});
        while ((await body.next()) !== null);
      } catch {
        // The producer cut its body off: nothing is left to drain.
      } finally {
        body.release();
      }
    })();
  }

  /** Stops reading; the adapter drains the rest of the body after the answer. */
  release(): void {
    this.ended ??= "done";
    this.body?.release();
  }

  private readonly readNext = async (): Promise<readonly string[] | undefined> => {
    for (;;) {
      if (this.ended === "done") return undefined;
      this.splitter.check();
      if (this.ended === "end" || !this.body) return undefined;
      const text = await this.body.next();
      if (this.ended !== undefined) return undefined; // drained or released meanwhile
      let records: readonly string[];
      if (text === null) {
        this.ended = "end";
        records = this.splitter.end("");
      } else {
        records = this.splitter.push(text);
      }
      const done = records.indexOf(UI_MESSAGE_STREAM_DONE);
      if (done >= 0) {
        this.ended = "done";
        records = records.slice(0, done);
      }
      if (records.length > 0) return records;
    }
  };
}

/**
 * Yields the JSON text of each chunk of an uploaded UI message stream as it arrives — one record
 * at a time over {@link UIMessageStreamBodyReader}, same limits and endings: a consumer that
 * awaits each write is the backpressure (R4).
 *
 * @throws ThreadlineError `too_large` (413) for the chunk over `maxChunkBytes` or the one taking the
 *   message past `maxMessageBytes`, with `details: { chunkIndex, limitBytes }`, after yielding the
 *   chunks before it (R2); {@link BodyInterruptedError} when reading the body fails.
 * @example
 * ```ts
 * for await (const json of readUIMessageStreamBody(request.body, "sse", limits)) {
 *   await writer.write(JSON.parse(json));
 * }
 * ```
 */
export async function* readUIMessageStreamBody(
  body: ReadableStream<Uint8Array> | null,
  format: UIMessageStreamFormat,
  limits: MessageLimits,
): AsyncGenerator<string> {
  const reader = UIMessageStreamBodyReader.of(body, format, limits);
  try {
    for (let batch = await reader.read(); batch; batch = await reader.read()) yield* batch;
  } finally {
    reader.release();
  }
}
