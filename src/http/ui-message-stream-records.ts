/**
 * Splitting an uploaded AI SDK UI message stream into its records (SPEC §3
 * `POST /v1/threads/:id/messages/stream`): SSE `data:` events (eventsource-parser) or NDJSON
 * lines, each held to the chunk and message size limits while it arrives.
 */
import { createParser, type EventSourceParser } from "eventsource-parser";
import { UI_MESSAGE_STREAM_DONE } from "../protocol/http.js";
import { chunkTooLarge, type MessageLimits, messageTooLarge } from "../protocol/limits.js";

/** How an upload's chunks are framed (SPEC §3: SSE `data:` lines or NDJSON). */
export type UIMessageStreamFormat = "sse" | "ndjson";

/**
 * Splits decoded body text into complete records (the JSON text of each chunk, or `[DONE]`),
 * enforcing the chunk and message size limits (R2). A record found too large is reported by
 * {@link check} after the complete records before it, so those are still written.
 */
export abstract class RecordSplitter {
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
    return this.take(tail.length === 0 ? records : records.concat(tail));
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

  /**
   * Counts records up to the first one over a limit (the chunk index counts `[DONE]` out); the
   * returned array is the input when every record fits. Never mutated afterwards by the splitter.
   */
  private take(records: string[]): string[] {
    const { maxChunkBytes, maxMessageBytes } = this.limits;
    for (let i = 0; i < records.length; i += 1) {
      const record = records[i] as string;
      if (record === UI_MESSAGE_STREAM_DONE) continue;
      const bytes = Buffer.byteLength(record, "utf8");
      if (bytes > maxChunkBytes || this.messageBytes + bytes > maxMessageBytes) {
        this.oversized = bytes > maxChunkBytes ? "chunk" : "message";
        return records.slice(0, i);
      }
      this.messageBytes += bytes;
      this.count += 1;
    }
    return records;
  }
}

/** The splitter of `format`. */
export function recordSplitterOf(
  format: UIMessageStreamFormat,
  limits: MessageLimits,
): RecordSplitter {
  return format === "ndjson" ? new NdjsonRecords(limits) : new SseRecords(limits);
}

/** NDJSON: one chunk per `\n`-terminated line; blank lines are skipped. */
class NdjsonRecords extends RecordSplitter {
  private partial = "";

  protected split(text: string): string[] {
    let newline = text.indexOf("\n");
    if (newline < 0) {
      // A long line arrives in many reads: only a read with a line end splits anything.
      this.partial += text;
      // Characters never outnumber bytes: a partial line this long is over the limit already.
      if (this.partial.length > this.limits.maxChunkBytes) this.markOversized();
      return [];
    }
    const records: string[] = [];
    let line = this.partial + text.slice(0, newline);
    for (;;) {
      const trimmed = line.trim();
      if (trimmed !== "") records.push(trimmed);
      const from = newline + 1;
      newline = text.indexOf("\n", from);
      if (newline < 0) {
        this.partial = text.slice(from);
        break;
      }
      line = text.slice(from, newline);
    }
    if (this.partial.length > this.limits.maxChunkBytes) this.markOversized();
    return records;
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
    return this.takeCompleted();
  }

  protected splitEnd(): string[] {
    // A blank line completes an event the body ended in (kept only if it was not cut off).
    this.parser.feed("\n\n");
    return this.takeCompleted();
  }

  private takeCompleted(): string[] {
    const completed = this.completed;
    if (completed.length === 0) return [];
    this.completed = [];
    return completed;
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
