/**
 * Incremental parsing of an uploaded AI SDK UI message stream (SPEC §3
 * `POST /v1/threads/:id/messages/stream`): SSE `data:` events (eventsource-parser) or NDJSON lines.
 */
import { createParser, type EventSourceParser } from "eventsource-parser";
import { ThreadlineError } from "../errors.js";
import { CONTENT_TYPES, UI_MESSAGE_STREAM_DONE } from "../protocol/http.js";
import { chunkTooLarge, type MessageLimits, messageTooLarge } from "../protocol/limits.js";

/** How an upload's chunks are framed (SPEC §3: SSE `data:` lines or NDJSON). */
export type UIMessageStreamFormat = "sse" | "ndjson";

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
 * Yields the JSON text of each chunk of an uploaded UI message stream as it arrives, without
 * reading ahead: the next network read happens only when the consumer asks for the chunk after
 * the ones already received, so a consumer that awaits each write is the backpressure (R4).
 *
 * Ends at `[DONE]` or at the end of the body. Only complete records count: a trailing record cut
 * off by the end of the body (no blank line after an SSE event, no newline after an NDJSON line) is
 * kept only if it is well-formed JSON, so an early end aborts rather than fails (R16).
 *
 * The body as a whole has no size limit: a long answer streams for as long as it needs. Each chunk
 * is held to `maxChunkBytes` while it arrives (a record still being received is refused as soon as
 * it outgrows the limit), and the chunks together to `maxMessageBytes` (their JSON bytes, UTF-8).
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
  if (!body) return;
  const records = format === "ndjson" ? new NdjsonRecords(limits) : new SseRecords(limits);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const read = await readOrInterrupt(reader);
      const last = read.done;
      const text = read.done ? decoder.decode() : decoder.decode(read.value, { stream: true });
      for (const record of last ? records.end(text) : records.push(text)) {
        if (record === UI_MESSAGE_STREAM_DONE) return;
        yield record;
      }
      records.check();
      if (last) return;
    }
  } finally {
    // Not cancel(): that would tear down the connection before the answer is sent; the adapter
    // drains what is left of the body.
    reader.releaseLock();
  }
}

async function readOrInterrupt(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (error) {
    throw new BodyInterruptedError(error);
  }
}

/**
 * Splits text into complete records, enforcing the chunk and message size limits. A record found
 * too large is reported after the complete records before it, so those are still written (R2).
 */
abstract class RecordSplitter {
  private count = 0;
  private messageBytes = 0;
  private oversized: "chunk" | "message" | undefined;

  constructor(protected readonly limits: MessageLimits) {}

  /** The records completed by `text`, up to one over the size limit (see {@link check}). */
  push(text: string): string[] {
    return this.take(this.split(text));
  }

  /** The records completed by `text` and the end of the body. */
  end(text: string): string[] {
    const records = this.split(text);
    const tail = this.oversized ? [] : this.splitEnd().filter(isCompleteRecord);
    return this.take(records.concat(tail));
  }

  /**
   * Throws when a record was over a limit; call it after handling each batch.
   * @throws ThreadlineError `too_large` naming the chunk index.
   */
  check(): void {
    if (this.oversized === "chunk") throw chunkTooLarge(this.count, this.limits.maxChunkBytes);
    if (this.oversized === "message") {
      throw messageTooLarge(this.count, this.limits.maxMessageBytes);
    }
  }

  /** Complete records of `text`; calls {@link markOversized} when a record outgrows the limit. */
  protected abstract split(text: string): string[];
  /** The record the end of the body completes, if any (possibly cut off). */
  protected abstract splitEnd(): string[];

  /** The record being received is over the chunk size limit. */
  protected markOversized(): void {
    this.oversized = "chunk";
  }

  /** Counts records up to the first one over a limit (the chunk index counts `[DONE]` out). */
  private take(records: string[]): string[] {
    const taken: string[] = [];
    for (const record of records) {
      if (record !== UI_MESSAGE_STREAM_DONE) {
        const bytes = Buffer.byteLength(record, "utf8");
        if (bytes > this.limits.maxChunkBytes) {
          this.oversized = "chunk";
          break;
        }
        if (this.messageBytes + bytes > this.limits.maxMessageBytes) {
          this.oversized = "message";
          break;
        }
        this.messageBytes += bytes;
        this.count += 1;
      }
      taken.push(record);
    }
    return taken;
  }
}

/** NDJSON: one chunk per `\n`-terminated line; blank lines are skipped. */
class NdjsonRecords extends RecordSplitter {
  private partial = "";

  protected split(text: string): string[] {
    // A long line arrives in many reads: only a read with a line end splits anything.
    const lines = text.includes("\n") ? (this.partial + text).split("\n") : [this.partial + text];
    this.partial = lines.pop() ?? "";
    // Characters never outnumber bytes: a partial line this long is over the limit already.
    if (this.partial.length > this.limits.maxChunkBytes) this.markOversized();
    return lines.map((line) => line.trim()).filter((line) => line !== "");
  }

  protected splitEnd(): string[] {
    const tail = this.partial.trim();
    this.partial = "";
    return tail === "" ? [] : [tail];
  }
}

/** Room for the `data: ` prefixes and line breaks of one buffered SSE event. */
const SSE_FRAMING_SLACK = 1_024;

/** SSE: one chunk per event's `data` (eventsource-parser); comments, `event:` and `id:` ignored. */
class SseRecords extends RecordSplitter {
  private readonly parser: EventSourceParser;
  private completed: string[] = [];

  constructor(limits: MessageLimits) {
    super(limits);
    this.parser = createParser({
      onEvent: (event) => this.completed.push(event.data),
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") this.markOversized();
      },
      maxBufferSize: limits.maxChunkBytes + SSE_FRAMING_SLACK,
    });
  }

  protected split(text: string): string[] {
    this.parser.feed(text);
    return this.completed.splice(0);
  }

  protected splitEnd(): string[] {
    // A blank line completes an event the body ended in (kept only if it was not cut off).
    this.parser.feed("\n\n");
    return this.completed.splice(0);
  }
}

/** `[DONE]` or well-formed JSON: a record the end of the body did not cut short. */
function isCompleteRecord(record: string): boolean {
  if (record === UI_MESSAGE_STREAM_DONE) return true;
  try {
    JSON.parse(record);
    return true;
  } catch {
    return false;
  }
}
