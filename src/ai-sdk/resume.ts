import { isThreadlineError } from "../errors.js";
import type { UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { CompactedRangePolicy, Subscription } from "../subscription/subscription.js";
import { UIMessageStreamReplay } from "./ui-message-stream-replay.js";

/** What resuming needs of a workspace. */
export interface ResumeDeps {
  /** The thread's messages (read-your-writes, R8). @throws ThreadlineError `not_found`. */
  listMessages(threadId: string): Promise<{ messages: StoredMessage[] }>;
  subscribe(
    threadId: string,
    options: { after: number; signal?: AbortSignal; onCompacted?: CompactedRangePolicy },
  ): Subscription;
}

/**
 * The UI message stream of a thread's streaming message, for an AI SDK client that reconnects
 * (`useChat({ resume: true })`, `DefaultChatTransport.reconnectToStream`; SPEC §3
 * `GET /v1/threads/:id/stream`): every chunk from its `start` (which carries the stored message
 * id), then live chunks as they commit, ending after its terminal chunk. `null` when no message of
 * the thread is streaming, or when the thread does not exist (yet): `useChat({ resume: true })`
 * asks on every chat it opens, a brand-new one included, and must hear "nothing to resume".
 *
 * The chunks come from the log through a subscription from the message's `message.created` event
 * (R11, R12): a slow reader falls back to the log, and never sees a chunk twice (R13). Cancelling
 * the stream ends this reader only; the producer goes on (R17). Log compaction (R32) never
 * removes a streaming message's events: holes it left in the range (other, finished messages'
 * deltas) are skipped, never answered with a snapshot.
 */
export async function resumeUIMessageStream(
  deps: ResumeDeps,
  threadId: string,
): Promise<ReadableStream<UIMessageChunk> | null> {
  const messages = await deps.listMessages(threadId).then(
    (listed) => listed.messages,
    (error: unknown) => {
      if (isThreadlineError(error, "not_found")) return [];
      throw error;
    },
  );
  const streaming = messages.findLast((m) => m.status === "streaming");
  if (!streaming) return null;
  return replayMessageStream(deps, threadId, streaming);
}

/** The UI message stream of `message` from its first chunk, replayed from the log then live. */
export function replayMessageStream(
  deps: Pick<ResumeDeps, "subscribe">,
  threadId: string,
  message: StoredMessage,
): ReadableStream<UIMessageChunk> {
  const stop = new AbortController();
  const subscription = deps.subscribe(threadId, {
    after: message.createdSeq - 1,
    signal: stop.signal,
    onCompacted: "skip",
  });
  const events = subscription[Symbol.asyncIterator]();
  const replay = new UIMessageStreamReplay(message.id);
  return new ReadableStream<UIMessageChunk>(
    {
      async pull(controller) {
        for (;;) {
          const next = await events.next();
          if (next.done) return controller.close();
          if (next.value.type === "snapshot") continue;
          const step = replay.next(next.value);
          for (const chunk of step.chunks) controller.enqueue(chunk);
          if (step.end) {
            subscription.close();
            return controller.close();
          }
          if (step.chunks.length > 0) return;
        }
      },
      cancel() {
        stop.abort();
      },
    },
    { highWaterMark: 0 },
  );
}
