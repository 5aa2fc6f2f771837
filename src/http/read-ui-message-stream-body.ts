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
 * A request body as UTF-8 text, taken as it arrives: what {@link UIMessageStreamBodyReader} reads.
 * {@link webBodyText} adapts a Web `ReadableStream` (any runtime); `nodeBodyText` reads a Node
 * `IncomingMessage` directly. One consumer at a time.
 */
export interface BodyText {
  /**
   * The text that arrived since the last call, without waiting: a string (possibly empty), `null`
   * at the end of the body, `undefined` when nothing arrived yet (then wait with {@link readable}).
   * @throws {@link BodyInterruptedError} when the body broke off, once what arrived before it was
   *   taken.
   */
  take(): string | null | undefined;
  /**
   * Resolves once {@link take} has something new to return (text, the end, the failure), or at
   * {@link wake}; never rejects. Nothing is read from the network before it is called.
   */
  readable(): Promise<void>;
  /** Resolves a pending {@link readable} now (a stop request, R28). */
  wake(): void;
  /**
   * Stops reading without cancelling: the adapter drains what is left of the body after the
   * answer (cancelling would tear the connection down before the answer is sent).
   */
  release(): void;
}

/**
 * The next text of `body`, waiting for it: a string (possibly empty), or `null` at the end.
 * @throws {@link BodyInterruptedError} when the body broke off.
 */
export async function nextBodyText(body: BodyText): Promise<string | null> {
  for (;;) {
    const text = body.take();
    if (text !== undefined) return text;
    await body.readable();
  }
}

/** {@link BodyText} of a Web `ReadableStream` of bytes, decoded as UTF-8 across reads. */
export function webBodyText(body: ReadableStream<Uint8Array>): BodyText {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  /** Arrived and not taken yet. */
  let text: string | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let released = false;
  /** A network read is in flight (one at a time). */
  let reading = false;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const resolve = waiter;
    waiter = undefined;
    resolve?.();
  };
  const arrived = (piece: string) => {
    if (piece !== "") text = (text ?? "") + piece;
  };
  return {
    take() {
      if (released) return null;
      if (text !== undefined) {
        const taken = text;
        text = undefined;
        return taken;
      }
      if (failure) throw new BodyInterruptedError(failure.error);
      return ended ? null : undefined;
    },
    readable() {
      if (text !== undefined || failure || ended || released) return Promise.resolve();
      if (!reading) {
        reading = true;
        reader.read().then(
          (read) => {
            reading = false;
            if (read.done) {
              ended = true;
              arrived(decoder.decode());
            } else {
              arrived(decoder.decode(read.value, { stream: true }));
            }
            wake();
          },
          (error: unknown) => {
            reading = false;
            failure = { error };
            wake();
          },
        );
      }
      return new Promise<void>((resolve) => {
        wake(); // a previous waiter only loops once more
        waiter = resolve;
      });
    },
    wake,
    release() {
      if (released) return;
      released = true;
      reader.releaseLock();
      wake();
    },
  };
}

/** What {@link UIMessageStreamBodyReader.readNow} returns when no complete record arrived yet. */
export const NO_RECORDS_YET: unique symbol = Symbol("no records yet");

/**
 * Reads an uploaded UI message stream as batches of records — the JSON text of each chunk — one
 * batch per network read (one read often holds many chunks), so the consumer loops over a batch
 * without an asynchronous hop per chunk, and waits once per network read ({@link readNow} and
 * {@link readable}; issue 9).
 *
 * - Nothing is read ahead: the next network read happens only when the consumer asks for the next
 *   batch, so a consumer that awaits each structural write is the backpressure (R4).
 * - Ends at `[DONE]` or at the end of the body. Only complete records count: a trailing record cut
 *   off by the end of the body (no blank line after an SSE event, no newline after an NDJSON
 *   line) is kept only if it is well-formed JSON, so an early end aborts rather than fails (R16).
 * - The body as a whole has no size limit. Each chunk is held to `maxChunkBytes` while it arrives
 *   (a record still being received is refused as soon as it outgrows the limit), and the chunks
 *   together to `maxMessageBytes` (their JSON bytes, UTF-8). The batch holding an oversized record
 *   ends before it; the next read throws (R2).
 * - One consumer at a time; {@link drain} or {@link release} ends the reading.
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
  /** `done`: `[DONE]` was read, or the reading was drained or released; `end`: the body ended. */
  private ended: "done" | "end" | undefined;

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
   * @throws as {@link readNow}.
   */
  async read(): Promise<readonly string[] | undefined> {
    for (;;) {
      const records = this.readNow();
      if (records !== NO_RECORDS_YET) return records;
      await this.readable();
    }
  }

  /**
   * The records that arrived since the last call, without waiting: a batch (never empty),
   * `undefined` once the stream ended, or {@link NO_RECORDS_YET} (then wait with
   * {@link readable}).
   * @throws ThreadlineError `too_large` (413) for the chunk over `maxChunkBytes` or the one taking
   *   the message past `maxMessageBytes`, with `details: { chunkIndex, limitBytes }`, once the
   *   records before it were returned (R2); {@link BodyInterruptedError} when the body broke off.
   */
  readNow(): readonly string[] | undefined | typeof NO_RECORDS_YET {
    for (;;) {
      if (this.ended === "done") return undefined;
      this.splitter.check();
      if (this.ended === "end" || !this.body) return undefined;
      const text = this.body.take();
      if (text === undefined) return NO_RECORDS_YET;
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
  }

  /** Resolves once {@link readNow} may return more, or at {@link wake}; never rejects. */
  readable(): Promise<void> {
    return this.body && this.ended === undefined ? this.body.readable() : Promise.resolve();
  }

  /** Resolves a pending {@link readable} now (a stop request, R28). */
  wake(): void {
    this.body?.wake();
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
        while ((await nextBodyText(body)) !== null);
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
