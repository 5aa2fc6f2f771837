import type { UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";

/** What one log event contributes to a replayed UI message stream. */
export interface ReplayStep {
  /** Chunks to send, in order. */
  chunks: UIMessageChunk[];
  /**
   * Set when the stream ends here: `finished` (the message reached its terminal state: send
   * `[DONE]`), `gone` (the message or thread was deleted), or `unsupported` (the producer replaced
   * the whole message with `update()`, which has no chunk form).
   */
  end?: "finished" | "gone" | "unsupported";
}

/**
 * Turns a thread's log into the UI message stream of one of its messages, from its first chunk
 * (SPEC §3 `GET /v1/threads/:id/stream`; protocol doc §1, §4), so an AI SDK client that resumes
 * rebuilds exactly the stored message.
 *
 * - Feed it the log from the message's `message.created` event on, in seq order; events of other
 *   messages and events at or below the last seq seen are ignored (R13: no duplicate).
 * - The first chunk sent is always a `start` carrying the message id (and the metadata the
 *   message was created with), synthesized when the recorded stream has none; every `start`
 *   chunk carries the stored message id, so the client never switches messages.
 * - `message.delta` chunks are sent as logged (adjacent deltas merged: same fold, R3).
 * - `message.finished` sends its chunks; when they hold no terminal chunk (a crash sweep, R18) one
 *   matching the final status is added, so the client always sees how the message ended.
 *
 * @example
 * ```ts
 * const replay = new UIMessageStreamReplay(message.id);
 * for await (const event of threadline.subscribe(threadId, { after: message.createdSeq - 1 })) {
 *   if (event.type === "snapshot") continue;
 *   const step = replay.next(event);
 *   for (const chunk of step.chunks) send(chunk);
 *   if (step.end) break;
 * }
 * ```
 */
export class UIMessageStreamReplay {
  private lastSeq = 0;
  private started = false;
  private initialMetadata: unknown;

  constructor(readonly messageId: string) {}

  /** The chunks `event` adds to the stream, and whether the stream ends with it. */
  next(event: ThreadEvent): ReplayStep {
    if (event.type === "thread.deleted") return { chunks: [], end: "gone" };
    if (event.seq <= this.lastSeq) return { chunks: [] };
    this.lastSeq = event.seq;
    if (event.messageId !== this.messageId) return { chunks: [] };
    switch (event.type) {
      case "message.created":
        this.initialMetadata = event.data.message.metadata;
        return { chunks: [] };
      case "message.delta":
        if (event.data.message) return { chunks: [], end: "unsupported" };
        return { chunks: this.prepare(event.data.chunks) };
      case "message.finished": {
        const { message, chunks } = event.data;
        const terminal = chunks.some(isTerminal) ? [] : [terminalChunkOf(message)];
        return { chunks: this.prepare([...chunks, ...terminal]), end: "finished" };
      }
      case "message.deleted":
        return { chunks: [], end: "gone" };
      default:
        return { chunks: [] };
    }
  }

  private prepare(chunks: readonly UIMessageChunk[]): UIMessageChunk[] {
    const out = chunks.map((chunk) =>
      chunk.type === "start" ? { ...chunk, messageId: this.messageId } : chunk,
    );
    if (this.started || out.length === 0) return out;
    this.started = true;
    const [first] = out;
    const metadata =
      this.initialMetadata === undefined ? {} : { messageMetadata: this.initialMetadata };
    if (first?.type !== "start")
      return [{ type: "start", messageId: this.messageId, ...metadata }, ...out];
    if (first.messageMetadata === undefined) out[0] = { ...first, ...metadata };
    return out;
  }
}

function isTerminal(chunk: UIMessageChunk): boolean {
  return chunk.type === "finish" || chunk.type === "error" || chunk.type === "abort";
}

function terminalChunkOf(message: { status: string; errorText?: string }): UIMessageChunk {
  switch (message.status) {
    case "error":
      return { type: "error", errorText: message.errorText ?? "the message failed" };
    case "aborted":
      return { type: "abort" };
    default:
      return { type: "finish" };
  }
}
