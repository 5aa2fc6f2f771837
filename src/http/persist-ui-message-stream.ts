import { nextUnlessAborted } from "../ai-sdk/next-unless-aborted.js";
import { isThreadlineError, ThreadlineError } from "../errors.js";
import { parseChunkJson } from "../message/chunk-schema.js";
import type { UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { ThreadlineWorkspace } from "../workspace.js";
import type { MessageWriter } from "../writer/message-writer.js";
import { BodyInterruptedError } from "./read-ui-message-stream-body.js";

/**
 * Persists an uploaded UI message stream as one assistant message while it arrives (SPEC §3
 * `POST /v1/threads/:id/messages/stream`, R3–R16), and returns the final stored message, with
 * `stopped` set when a stop request (R28) ended it before the body did.
 *
 * - The first chunk is read before the message is created: a `start` chunk's `messageId` becomes
 *   the message id. An empty stream or a malformed first chunk creates nothing (400).
 * - Each chunk is awaited through `writer.write`: structural chunks return after their commit, so
 *   the next chunk is read only then — the upload's backpressure (R4).
 * - A terminal chunk (`finish`, `error`, `abort`) ends the message; whatever follows is ignored.
 * - A body that ends, or breaks off, before a terminal chunk aborts the message, keeping its
 *   partial parts (R16); that is still a successful upload.
 * - A bad chunk (malformed JSON, unknown type, wrong field, delta with no open part) or a chunk over
 *   the size limit finalizes the message `error`, keeping what was accepted before it (R2), and is
 *   thrown (400 / 413 naming the chunk index).
 * - A stop request (R28, from any node) ends the message `aborted` and this call at once, without
 *   waiting for the producer's next chunk; the caller drains the rest ({@link drainRecords}).
 * - Any other failure aborts the message (best effort) and is thrown: the producer is gone, so the
 *   message must not stay streaming.
 *
 * @param records - the JSON text of each chunk, from {@link readUIMessageStreamBody}.
 * @throws ThreadlineError `invalid_chunk`, `chunk_rejected` (400), `too_large` (413), `not_found`
 *   (404), `conflict` (409: the `start` chunk's message id is taken), `message_finalized` (409).
 */
export async function persistUIMessageStream(
  workspace: ThreadlineWorkspace,
  threadId: string,
  records: AsyncIterator<string>,
): Promise<{ message: StoredMessage; stopped: boolean }> {
  const first = await records.next();
  if (first.done) {
    throw new ThreadlineError("bad_request", "the body holds no UI message stream chunk");
  }
  const firstChunk = parseChunkJson(first.value, 0);
  const messageId = firstChunk.type === "start" ? firstChunk.messageId : undefined;
  const writer = await workspace.writers.open(threadId, messageId ? { messageId } : {});
  const stopped = writer.signal;
  try {
    await writer.write(firstChunk);
    for (let index = 1; !writer.closed && !stopped.aborted; index += 1) {
      const next = await nextUnlessAborted(records, stopped);
      if (next.done) break;
      await writer.write(parseChunkValue(next.value, index));
    }
    if (!writer.closed) await writer.abort();
  } catch (error) {
    if (!(stopped.aborted && isThreadlineError(error, "message_finalized"))) {
      await settleAfterFailure(writer, error);
    }
  }
  await writer.flush().catch(() => {});
  return { message: writer.message, stopped: stopped.aborted };
}

/**
 * Reads what is left of an upload and drops it, in the background: the producer of a stopped
 * message finishes sending normally while its answer is already out (R28).
 */
export function drainRecords(records: AsyncIterator<string>): void {
  void (async () => {
    try {
      while (!(await records.next()).done);
    } catch {
      // The producer cut its body off: nothing is left to drain.
    }
  })();
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
