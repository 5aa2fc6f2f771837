import { isThreadlineError, ThreadlineError } from "../errors.js";
import { parseChunkJson } from "../message/chunk-schema.js";
import type { UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { ThreadlineWorkspace } from "../workspace.js";
import type { MessageWriter } from "../writer/message-writer.js";
import {
  BodyInterruptedError,
  NO_RECORDS_YET,
  UIMessageStreamBodyReader,
} from "./read-ui-message-stream-body.js";

/**
 * Batches of uploaded chunk records (the JSON text of each chunk), as
 * {@link UIMessageStreamBodyReader} reads them: one batch per network read, `undefined` at the end.
 */
export interface UIMessageStreamRecords {
  /** @throws what reading the body throws (`too_large`, {@link BodyInterruptedError}). */
  read(): Promise<readonly string[] | undefined>;
}

/**
 * Persists an uploaded UI message stream as one assistant message while it arrives (SPEC §3
 * `POST /v1/threads/:id/messages/stream`, R3–R16), and returns the final stored message, with
 * `stopped` set when a stop request (R28) ended it before the body did.
 *
 * - The first chunk is read before the message is created: a `start` chunk's `messageId` becomes
 *   the message id. An empty stream or a malformed first chunk creates nothing (400).
 * - The chunks of one network read are written in a plain loop, each `writer.write` awaited:
 *   structural chunks return after their commit, so nothing more is read until then — the
 *   upload's backpressure (R4). Waiting for the next network read is one promise, which a stop
 *   resolves early; nothing is awaited per chunk but the write.
 * - A terminal chunk (`finish`, `error`, `abort`) ends the message; whatever follows is ignored.
 * - A body that ends, or breaks off, before a terminal chunk aborts the message, keeping its
 *   partial parts (R16); that is still a successful upload.
 * - A bad chunk (malformed JSON, unknown type, wrong field, delta with no open part) or a chunk over
 *   the size limit finalizes the message `error`, keeping what was accepted before it (R2), and is
 *   thrown (400 / 413 naming the chunk index).
 * - A stop request (R28, from any node) ends the message `aborted` and this call at once, without
 *   waiting for the producer's next chunk; the caller drains the rest
 *   ({@link UIMessageStreamBodyReader.drain}).
 * - Any other failure aborts the message (best effort) and is thrown: the producer is gone, so the
 *   message must not stay streaming.
 *
 * @param records - the chunks' JSON text: a {@link UIMessageStreamBodyReader} (read without a
 *   promise per batch), any other source of batches, or any async iterator of one record at a
 *   time.
 * @throws ThreadlineError `invalid_chunk`, `chunk_rejected` (400), `too_large` (413), `not_found`
 *   (404), `conflict` (409: the `start` chunk's message id is taken), `message_finalized` (409).
 */
export async function persistUIMessageStream(
  workspace: ThreadlineWorkspace,
  threadId: string,
  records: UIMessageStreamRecords | AsyncIterator<string>,
): Promise<{ message: StoredMessage; stopped: boolean }> {
  const source: RecordSource =
    records instanceof UIMessageStreamBodyReader
      ? records
      : new PulledRecords("read" in records ? records : batchesOf(records));
  const firstBatch = await nextBatch(source);
  const first = firstBatch?.[0];
  if (firstBatch === undefined || first === undefined) {
    throw new ThreadlineError("bad_request", "the body holds no UI message stream chunk");
  }
  const firstChunk = parseChunkJson(first, 0);
  const messageId = firstChunk.type === "start" ? firstChunk.messageId : undefined;
  const writer = await workspace.writers.open(threadId, messageId ? { messageId } : {});
  const stopped = writer.signal;
  // A stop (R28) wakes a wait for the producer's next chunk, which may never come. A local flag:
  // the signal's getter costs more, and is read once per chunk.
  let stop = stopped.aborted;
  const onStop = () => {
    stop = true;
    source.wake();
  };
  stopped.addEventListener("abort", onStop, { once: true });
  try {
    await writer.write(firstChunk);
    let index = 1;
    let batch: readonly string[] | undefined = firstBatch;
    let from = 1;
    reading: while (batch !== undefined) {
      for (let i = from; i < batch.length; i += 1) {
        if (writer.closed || stop) break reading;
        await writer.write(parseChunkValue(batch[i] as string, index));
        index += 1;
      }
      if (writer.closed || stop) break;
      let next = source.readNow();
      while (next === NO_RECORDS_YET) {
        if (writer.closed || stop) break reading;
        await source.readable();
        next = source.readNow();
      }
      batch = next;
      from = 0;
    }
    if (!writer.closed) await writer.abort();
  } catch (error) {
    if (!(stopped.aborted && isThreadlineError(error, "message_finalized"))) {
      await settleAfterFailure(writer, error);
    }
  } finally {
    stopped.removeEventListener("abort", onStop);
  }
  await writer.flush().catch(() => {});
  return { message: writer.message, stopped: stopped.aborted };
}

/**
 * Records as {@link persistUIMessageStream} reads them: taken without waiting, one wait per
 * network read ({@link UIMessageStreamBodyReader}, or {@link PulledRecords} over any other source).
 */
interface RecordSource {
  /** A batch, `undefined` at the end, or {@link NO_RECORDS_YET}. @throws as the source reads. */
  readNow(): readonly string[] | undefined | typeof NO_RECORDS_YET;
  /** Resolves once {@link readNow} may return more, or at {@link wake}; never rejects. */
  readable(): Promise<void>;
  /** Resolves a pending {@link readable} now. */
  wake(): void;
}

/** The next batch of `source`, waiting for it; `undefined` at the end. */
async function nextBatch(source: RecordSource): Promise<readonly string[] | undefined> {
  for (;;) {
    const batch = source.readNow();
    if (batch !== NO_RECORDS_YET) return batch;
    await source.readable();
  }
}

/**
 * A {@link RecordSource} over a source that is read with `read()`: one read at a time, started by
 * {@link readable} and kept until {@link readNow} takes its result (or its failure).
 */
class PulledRecords implements RecordSource {
  private result: { batch: readonly string[] | undefined } | { error: unknown } | undefined;
  private reading = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly records: UIMessageStreamRecords) {}

  readNow(): readonly string[] | undefined | typeof NO_RECORDS_YET {
    const result = this.result;
    if (result === undefined) return NO_RECORDS_YET;
    this.result = undefined;
    if ("error" in result) throw result.error;
    return result.batch;
  }

  readable(): Promise<void> {
    if (this.result !== undefined) return Promise.resolve();
    if (!this.reading) {
      this.reading = true;
      this.records.read().then(
        (batch) => this.settle({ batch }),
        (error: unknown) => this.settle({ error }),
      );
    }
    return new Promise<void>((resolve) => {
      this.wake(); // a previous waiter only loops once more
      this.waiter = resolve;
    });
  }

  wake(): void {
    const resolve = this.waiter;
    this.waiter = undefined;
    resolve?.();
  }

  private settle(result: NonNullable<PulledRecords["result"]>): void {
    this.reading = false;
    this.result = result;
    this.wake();
  }
}

/** One-record batches of an async iterator (the shape {@link persistUIMessageStream} took first). */
function batchesOf(records: AsyncIterator<string>): UIMessageStreamRecords {
  return {
    async read() {
      const next = await records.next();
      return next.done ? undefined : [next.value];
    },
  };
}

/** JSON-parses one chunk; the schema check is the writer's, so that both finalize alike (R2). */
function parseChunkValue(json: string, index: number): UIMessageChunk {
  try {
    return JSON.parse(json) as UIMessageChunk;
  } catch {
    return parseChunkJson(json, index); // throws the `invalid_chunk` error naming the index
  }
}

/**
 * Ends the message after a failure: aborted when the body broke off (then returns normally),
 * `error` for bad input, aborted otherwise; rethrows everything but the break-off.
 */
async function settleAfterFailure(writer: MessageWriter, error: unknown): Promise<void> {
  if (error instanceof BodyInterruptedError) {
    if (!writer.closed) await writer.abort();
    return;
  }
  if (!writer.closed) {
    const badInput =
      isThreadlineError(error) && (error.code === "invalid_chunk" || error.code === "too_large");
    const ending = badInput ? writer.fail(error.message) : writer.abort();
    await ending.catch(() => {}); // the original error is the one to report
  }
  throw error;
}
