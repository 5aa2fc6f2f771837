import { ThreadlineError } from "../errors.js";
import { parseChunk } from "../message/chunk-schema.js";
import { chunkBytes, isTerminalChunk } from "../message/chunk-size.js";
import { classifyChunk } from "../message/finalize.js";
import { type FoldState, foldChunk } from "../message/fold.js";
import { assertStorable } from "../message/json-input.js";
import type { FinishReason, UIMessage, UIMessageChunk } from "../message/types.js";
import { validateMessageParts } from "../message/validate-message-parts.js";
import { chunkTooLarge, messageTooLarge } from "../protocol/limits.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { CoalescingWriter } from "./coalescing-writer.js";
import type { PendingMessage } from "./pending-message.js";
import { isStructuralUpdate } from "./structure.js";

/**
 * The producer's handle on one streaming assistant message (R3–R9, R14–R16). Feed it the AI SDK UI
 * message stream chunk by chunk with {@link write}, or whole snapshots with {@link update}, and end
 * it with a `finish`, `error` or `abort` chunk (or {@link finish}, {@link fail}, {@link abort}).
 *
 * Deltas return at once and are written within a window; structural and terminal chunks return
 * after they commit, and their errors reach the caller (R4). A chunk that cannot apply finalizes the
 * message `error`, keeping every chunk accepted before it, and is thrown as `invalid_chunk` or
 * `chunk_rejected` naming the chunk's index (R2).
 *
 * `MESSAGE` is the app's message type ({@link StoredMessage}): {@link message} reads as it and
 * {@link update} takes its parts and metadata. A static promise only: chunks are checked against
 * the AI SDK's chunk schemas, not the app's metadata or data schemas.
 *
 * @example
 * ```ts
 * const writer = await threadline.writers.open("thread-1");
 * for await (const chunk of result.toUIMessageStream()) await writer.write(chunk);
 * ```
 */
export class MessageWriter<MESSAGE extends UIMessage = UIMessage> {
  constructor(
    private readonly engine: CoalescingWriter,
    private readonly pending: PendingMessage,
    /** Its workspace's chunk/byte rate (R33), awaited before each chunk; none when unlimited. */
    private readonly gate?: (chunk: unknown, signal: AbortSignal) => Promise<void> | undefined,
  ) {}

  /** The message id. */
  get id(): string {
    return this.pending.id;
  }

  /** The thread the message belongs to. */
  get threadId(): string {
    return this.pending.stored.threadId;
  }

  /** The message as written so far, buffered chunks included (read-your-writes, R8). */
  get message(): StoredMessage<MESSAGE> {
    const message = this.pending.closed ? this.pending.stored : this.pending.current();
    return message as StoredMessage<MESSAGE>; // the app's type: a static promise
  }

  /**
   * Aborts when the generation feeding this writer must stop (R28): a stop request for the message
   * from any node (`threadline.stop`, `POST /v1/threads/:id/stop`), or the message was finalized
   * elsewhere or deleted. Pass it to the model call (`streamText({ abortSignal })`). Its `reason`
   * is a sentence saying why.
   */
  get signal(): AbortSignal {
    return this.pending.stopSignal;
  }

  /** True once a terminal chunk was accepted or the message was finalized elsewhere or deleted. */
  get closed(): boolean {
    return this.pending.terminal !== undefined || this.pending.closed !== undefined;
  }

  /**
   * Accepts one UI message stream chunk. Past its workspace's `chunksPerSecond` or
   * `bytesPerSecond` (R33) it first waits its turn, first come first served over the workspace's
   * streams; terminal chunks never wait.
   * @throws ThreadlineError `invalid_chunk` (malformed), `chunk_rejected` (cannot apply),
   *   `too_large` (the chunk over `limits.maxChunkBytes`, or taking the message past
   *   `limits.maxMessageBytes`; `details: { chunkIndex, limitBytes }`) — the message is then
   *   finalized `error`, keeping every chunk accepted before (R2); `message_finalized` after a
   *   terminal state; `closed` once its Threadline closed (R31); `unavailable` when the database
   *   has been failing every commit for a while or an outage buffered too much, the chunk not
   *   taken (R30); `chunk_rejected` when the database refused this message's data twice and the
   *   message ended `error` (R30).
   */
  async write(chunk: UIMessageChunk): Promise<void> {
    const turn = this.gate?.(chunk, this.pending.stopSignal); // R33: wait, never refuse mid-stream
    if (turn) await turn;
    this.ensureOpen();
    this.engine.refuseWhenUnavailable(isTerminalChunk(chunk));
    const index = this.pending.chunkCount;
    let next: FoldState;
    let parsed: UIMessageChunk;
    let kind: ReturnType<typeof classifyChunk>;
    let bytes: number;
    try {
      parsed = parseChunk(chunk, index);
      kind = classifyChunk(parsed);
      bytes = this.sizeWithinLimits(parsed, kind, index);
      next = foldChunk(this.pending.fold, parsed);
    } catch (error) {
      const rejected = withChunkIndex(error, index);
      await this.finalizeOnBadInput(rejected);
      throw rejected;
    }
    this.pending.acceptChunk(parsed, next, kind === "terminal", bytes);
    await this.engine.accepted(this.pending, bytes, kind !== "delta");
  }

  /**
   * The chunk's size in bytes, checked against the writer's limits (R2). Terminal chunks do not
   * count toward the message, so a message can always end.
   * @throws ThreadlineError `too_large` naming the chunk.
   */
  private sizeWithinLimits(
    chunk: UIMessageChunk,
    kind: ReturnType<typeof classifyChunk>,
    index: number,
  ): number {
    const { maxChunkBytes, maxMessageBytes } = this.engine.limits;
    const bytes = chunkBytes(chunk);
    if (bytes > maxChunkBytes) throw chunkTooLarge(index, maxChunkBytes);
    if (kind !== "terminal" && this.pending.chunkBytes + bytes > maxMessageBytes) {
      throw messageTooLarge(index, maxMessageBytes);
    }
    return bytes;
  }

  /**
   * Replaces the whole message (crush-style full snapshot). Growing text is coalesced; a changed
   * structure (a part added, a state changed) is written before this returns (R4). Chunks written
   * afterwards start from no open part.
   * @throws ThreadlineError `bad_request` when `message.parts` is not an array, for a part the
   *   AI SDK would not accept (`parts[2]: unknown part type "banana"`, R2), or for what the
   *   database would refuse (R30: `parts[0]: contains a NUL character`, `metadata exceeds the
   *   nesting depth limit of 64`) — the message is then left as it was; `message_finalized`.
   */
  async update(message: Pick<MESSAGE, "parts" | "metadata">): Promise<void> {
    this.ensureOpen();
    if (!Array.isArray(message.parts)) {
      throw new ThreadlineError("bad_request", "update(message): message.parts must be an array");
    }
    validateMessageParts(message.parts);
    assertStorable("metadata", message.metadata);
    const previous = this.pending.fold.message;
    const replacement: UIMessage = {
      id: this.id,
      role: previous.role,
      parts: message.parts,
      ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
    };
    this.pending.acceptReplacement(replacement);
    const bytes = JSON.stringify(replacement).length;
    await this.engine.accepted(this.pending, bytes, isStructuralUpdate(previous, replacement));
  }

  /**
   * Finishes the message `completed` (writes a `finish` chunk).
   * @throws ThreadlineError `bad_request` when `messageMetadata` holds a NUL character or nests
   *   past 64 levels (R30), the message left streaming so a valid `finish` can follow; else as
   *   {@link write}.
   */
  async finish(
    options: { finishReason?: FinishReason; messageMetadata?: MESSAGE["metadata"] } = {},
  ): Promise<void> {
    assertStorable("messageMetadata", options.messageMetadata);
    return this.write({ type: "finish", ...options } as UIMessageChunk);
  }

  /**
   * Finalizes the message `error` with `errorText`, keeping its partial parts (R16).
   * @throws ThreadlineError `bad_request` when `errorText` holds a NUL character (R30), the
   *   message left streaming; else as {@link write}.
   */
  async fail(errorText: string): Promise<void> {
    assertStorable("errorText", errorText);
    return this.write({ type: "error", errorText });
  }

  /**
   * Finalizes the message `aborted`, keeping its partial parts (R16).
   * @throws ThreadlineError `bad_request` when `reason` holds a NUL character (R30), the message
   *   left streaming; else as {@link write}.
   */
  async abort(reason?: string): Promise<void> {
    assertStorable("reason", reason);
    return this.write({
      type: "abort",
      ...(reason === undefined ? {} : { reason }),
    } as UIMessageChunk);
  }

  /** Resolves once everything written so far has committed (R7). */
  flush(): Promise<void> {
    return this.engine.flush(this.pending.workspaceId, this.id);
  }

  private ensureOpen(): void {
    if (this.engine.closed) {
      throw new ThreadlineError(
        "closed",
        `Threadline is closed: message ${this.id} takes no more chunks`,
      );
    }
    if (this.closed) {
      throw new ThreadlineError(
        "message_finalized",
        `message ${this.id} is ${this.describeClosed()}`,
      );
    }
  }

  private describeClosed(): string {
    if (this.pending.closed === "missing") return "deleted";
    if (this.pending.closed === "finalized" && !this.pending.terminal) return "finalized elsewhere";
    return `already finished (${this.pending.terminal?.status ?? this.pending.stored.status})`;
  }

  /** R2: the message ends `error`, keeping every chunk accepted before the bad one. */
  private async finalizeOnBadInput(error: ThreadlineError): Promise<void> {
    const errorChunk = this.pending.acceptBadInput(error.message);
    await this.engine.accepted(this.pending, chunkBytes(errorChunk), true).catch(() => {});
  }
}

function withChunkIndex(error: unknown, index: number): ThreadlineError {
  if (error instanceof ThreadlineError) {
    if (error.details?.chunkIndex === index) return error;
    return new ThreadlineError(error.code, `chunk ${index}: ${error.message}`, {
      cause: error.cause,
      details: { ...error.details, chunkIndex: index },
    });
  }
  return new ThreadlineError("chunk_rejected", `chunk ${index}: ${String(error)}`, {
    cause: error,
    details: { chunkIndex: index },
  });
}

/** Chunk types that end a message: always taken, even during a database outage (R30). */
