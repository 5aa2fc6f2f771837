/**
 * The AI SDK's own reading of a chunk stream: the reference a replay's persisted message is
 * compared against.
 */
import {
  type UIMessageChunk as AiChunk,
  type UIMessage as AiUIMessage,
  readUIMessageStream,
} from "ai";
import { ThreadlineError } from "../errors.js";
import type { UIMessage, UIMessageChunk } from "../message/types.js";
import type { RecordedChunk } from "./types.js";

/** The final message, and every `error` the AI SDK reported while reading. */
export interface AiSdkResult {
  /** The last message `readUIMessageStream` emitted (its JSON form). */
  message: UIMessage;
  /**
   * False when the AI SDK stopped before the end of the stream (a chunk it cannot apply, e.g. a
   * delta with no open part: it reports the error and ignores the rest).
   */
  completed: boolean;
  /**
   * Errors passed to `readUIMessageStream`'s `onError`: the `errorText` of `error` chunks, and
   * stream violations the AI SDK tolerates (a delta for an unknown part…), as messages.
   */
  errors: string[];
}

/** Appended to the stream: the AI SDK emits one more snapshot for it, proving it read all. */
const PROBE = { type: "data-threadline-replay-probe", id: "probe", data: null } as const;

/**
 * Feeds chunks (bare or as replayed, sync or async) to the AI SDK's `readUIMessageStream` (ai 7,
 * the same state machine `useChat` runs) and returns the last message it produced: what a client
 * of the real AI SDK would show and persist for this stream. A probe data chunk is appended so the
 * AI SDK emits a final snapshot and `completed` tells whether it got there; the probe part is
 * removed from the returned message.
 *
 * @throws ThreadlineError `bad_request` when the AI SDK produced no message (no chunk, or none that
 *   changes the message).
 * @example
 * ```ts
 * const { message } = await aiSdkFinalMessage(replayProviderRecording(file));
 * message.parts; // [{ type: "step-start" }, { type: "text", text: "Hello…", state: "done" }]
 * ```
 */
export async function aiSdkFinalMessage(
  chunks: AsyncIterable<RecordedChunk | UIMessageChunk> | Iterable<RecordedChunk | UIMessageChunk>,
): Promise<AiSdkResult> {
  const errors: string[] = [];
  const stream = toStream(chunks);
  let last: AiUIMessage | undefined;
  for await (const message of readUIMessageStream({
    stream,
    onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
  })) {
    last = message;
  }
  if (last === undefined) {
    throw new ThreadlineError("bad_request", "The AI SDK produced no message from these chunks");
  }
  const completed = last.parts.at(-1)?.type === PROBE.type;
  const parts = completed ? last.parts.slice(0, -1) : last.parts;
  const message = JSON.parse(JSON.stringify({ ...last, parts })) as UIMessage;
  return { message, completed, errors };
}

function toStream(
  chunks: AsyncIterable<RecordedChunk | UIMessageChunk> | Iterable<RecordedChunk | UIMessageChunk>,
): ReadableStream<AiChunk> {
  const iterator =
    Symbol.asyncIterator in chunks
      ? chunks[Symbol.asyncIterator]()
      : (chunks as Iterable<RecordedChunk | UIMessageChunk>)[Symbol.iterator]();
  let probed = false;
  return new ReadableStream<AiChunk>({
    async pull(controller) {
      if (probed) return controller.close();
      const next = await iterator.next();
      if (next.done) {
        probed = true;
        return controller.enqueue(PROBE);
      }
      controller.enqueue(chunkOf(next.value) as AiChunk);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function chunkOf(item: RecordedChunk | UIMessageChunk): UIMessageChunk {
  return "offsetMs" in item && "sourceIndex" in item ? item.chunk : (item as UIMessageChunk);
}
