import { isThreadlineError, ThreadlineError } from "../errors.js";
import { parseChunkJson } from "../message/chunk-schema.js";
import type { UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { ThreadlineWorkspace } from "../workspace.js";
import type { MessageWriter } from "../writer/message-writer.js";
import {
  BodyInterruptedError,
  type UIMessageStreamBodyReader,
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
 *   upload's backpressure (R4). A stop is raced once per network read, not per chunk.
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
 * @param records - the chunks' JSON text: a {@link UIMessageStreamBodyReader}, or any async
 *   iterator of one record at a time.
 * @throws ThreadlineError `invalid_chunk`, `chunk_rejected` (400), `too_large` (413), `not_found`
 *   (404), `conflict` (409: the `start` chunk's message id is taken), `message_finalized` (409).
 */
export async function persistUIMessageStream(
  workspace: ThreadlineWorkspace,
  threadId: string,
  records: UIMessageStreamRecords | AsyncIterator<string>,
): Promise<{ message: StoredMessage; stopped: boolean }> {
  const batches = "read" in records ? records : batchesOf(records);
  const firstBatch = await batches.read();
  const first = firstBatch?.[0];
  if (firstBatch === undefined || first === undefined) {
    throw new ThreadlineError("bad_request", "the body holds no UI message stream chunk");
  }
  const firstChunk = parseChunkJson(first, 0);
  const messageId = firstChunk.type === "start" ? firstChunk.messageId : undefined;
  const writer = await workspace.writers.open(threadId, messageId ? { messageId } : {});
  const stopped = writer.signal;
  const untilStopped = new UntilStopped(stopped);
  try {
    await writer.write(firstChunk);
    let index = 1;
    let batch: readonly string[] | undefined = firstBatch;
    let from = 1;
    while (batch !== undefined) {
      for (let i = from; i < batch.length; i += 1) {
        if (writer.closed || untilStopped.stopped) break;
        await writer.write(parseChunkValue(batch[i] as string, index));
        index += 1;
      }
      if (writer.closed || untilStopped.stopped) break;
      batch = await untilStopped.race(batches.read());
      from = 0;
    }
    if (!writer.closed) await writer.abort();
  } catch (error) {
    if (!(stopped.aborted && isThreadlineError(error, "message_finalized"))) {
      await settleAfterFailure(writer, error);
    }
  } finally {
    untilStopped.close();
  }
  await writer.flush().catch(() => {});
  return { message: writer.message, stopped: stopped.aborted };
}

/**
 * Races each read with a stop (R28): a stopped producer must not wait for its next chunk, which may
 * never come. One abort listener for the whole upload (not one per read), and nothing retained per
 * read (a `Promise.race` with one long-lived stop promise would keep a reaction per read).
 */
class UntilStopped {
  /** Whether the signal aborted (a field: the signal's getter costs more, read once per chunk). */
  stopped: boolean;
  private settle: ((value: undefined) => void) | undefined;
  private readonly onAbort = () => {
    this.stopped = true;
    this.settle?.(undefined);
  };

  constructor(private readonly signal: AbortSignal) {
    this.stopped = signal.aborted;
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** `read`'s result, or `undefined` as soon as the signal aborts. */
  race<T>(read: Promise<T>): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.settle = resolve;
      read.then(resolve, reject);
    });
  }

  /** Removes the listener. */
  close(): void {
    this.signal.removeEventListener("abort", this.onAbort);
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
