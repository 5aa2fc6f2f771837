import { finalizeMessage, mergeDeltaChunks } from "../message/finalize.js";
import { createFoldState, type FoldState } from "../message/fold.js";
import type { MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { MessageWrite } from "../store/store.js";
import { isBodyRewriteDue } from "./body-policy.js";

/** A requested terminal state (R16). */
export interface TerminalRequest {
  status: Exclude<MessageStatus, "streaming">;
  errorText?: string;
}

/** Why a message takes no more changes: finalized (here or elsewhere), or deleted. */
export type ClosedReason = "finalized" | "missing";

/** Someone waiting for a message's accepted changes up to `version` to commit (R4, R7). */
interface FlushWaiter {
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A message's uncommitted changes moved into one write of a commit ({@link PendingMessage.take}).
 * Hand it back with {@link PendingMessage.restore} when the commit fails, or settle it with
 * {@link PendingMessage.applied} / {@link PendingMessage.rejected}.
 */
export interface TakenWrite {
  readonly pending: PendingMessage;
  readonly write: MessageWrite;
  /** The accepted version the write covers (R7: waiters up to it are released by its commit). */
  readonly version: number;
  /** Approximate JSON bytes of the changes taken. */
  readonly bytes: number;
  /** The body's size when the write rewrites the body (R9); undefined otherwise. */
  readonly bodyBytes: number | undefined;
  /** What was taken, to put back in front of newer changes (R6). */
  readonly changes: {
    chunks: UIMessageChunk[];
    replacement: UIMessage | undefined;
    dirtySince: number | undefined;
    urgent: boolean;
    structural: boolean;
  };
}

/**
 * The writer's in-memory state of one streaming message, and the only place that changes it: the
 * folded message including every accepted chunk (read-your-writes, R8), the chunks not yet handed
 * to a commit, and the bookkeeping of windows (R3), body rewrites (R9), revisions (R13), poison
 * strikes (R30) and flush waiters (R7).
 *
 * Its life: `accept*` records a producer's change; {@link take} moves the uncommitted changes into
 * a write; the commit then either {@link applied} it, {@link rejected} it (the message was
 * finalized elsewhere or deleted), or failed, and {@link restore} puts the changes back in front of
 * newer ones (R6). Versions count accepted changes: `acceptedVersion` grows on every accepted
 * change, `committedVersion` is the newest version a commit has made durable.
 */
export class PendingMessage {
  private foldState: FoldState;
  /** Accepted chunks not yet in a commit, in order. */
  private chunks: UIMessageChunk[] = [];
  /** A whole-message replacement (`update`) not yet in a commit; `chunks` apply on top of it. */
  private replacement: UIMessage | undefined;
  private pendingBytesCount = 0;
  private dirtySinceAt: number | undefined;
  private urgentChange = false;
  /** A structural or terminal change is uncommitted: its event is published reliably (R12). */
  private structural = false;
  private terminalRequest: TerminalRequest | undefined;
  private closedReason: ClosedReason | undefined;
  private acceptedVersion = 0;
  private committedVersion = 0;
  private chunkCountValue = 0;
  private chunkBytesValue = 0;
  private strikeCount = 0;
  private deltaBytesSinceBody = 0;
  private lastBodyBytes = 0;
  private lastBodyAt: number;
  private waiters: FlushWaiter[] = [];
  /** Fires when the producer must stop generating: a stop request (R28), or the message ended elsewhere. */
  private readonly stopController = new AbortController();

  constructor(
    private storedMessage: StoredMessage,
    readonly workspaceId: string,
    now: number,
  ) {
    this.foldState = createFoldState({
      id: storedMessage.id,
      role: storedMessage.role,
      parts: storedMessage.parts,
      ...(storedMessage.metadata === undefined ? {} : { metadata: storedMessage.metadata }),
    });
    this.lastBodyAt = now;
  }

  get id(): string {
    return this.storedMessage.id;
  }

  /** The message as last committed (or as created). */
  get stored(): StoredMessage {
    return this.storedMessage;
  }

  /** The fold of every accepted change (R8). */
  get fold(): FoldState {
    return this.foldState;
  }

  /** Changes are waiting for a commit. */
  get dirty(): boolean {
    return this.dirtySinceAt !== undefined;
  }

  /** When the oldest uncommitted change was accepted (the window opens then, R3). */
  get dirtySince(): number | undefined {
    return this.dirtySinceAt;
  }

  /** A change awaits an immediate commit: structural, terminal, window 0 or a flush (R4, R7). */
  get urgent(): boolean {
    return this.urgentChange;
  }

  /** Approximate JSON bytes of the uncommitted changes. */
  get pendingBytes(): number {
    return this.pendingBytesCount;
  }

  /** The terminal state a producer asked for, once it did. */
  get terminal(): TerminalRequest | undefined {
    return this.terminalRequest;
  }

  /** Set once the message takes no more changes: finalized here, elsewhere, or deleted. */
  get closed(): ClosedReason | undefined {
    return this.closedReason;
  }

  /** Chunks accepted so far: the index of the next chunk, for R2 error messages. */
  get chunkCount(): number {
    return this.chunkCountValue;
  }

  /** Bytes of the non-terminal chunks accepted so far: what `limits.maxMessageBytes` caps (R2). */
  get chunkBytes(): number {
    return this.chunkBytesValue;
  }

  /**
   * Commits of this message alone that the database refused for its data, in a row (R30): above
   * zero it is a poison suspect, committed apart from the others.
   */
  get strikes(): number {
    return this.strikeCount;
  }

  /**
   * Takes a chunk the producer wrote: `fold` is the fold with the chunk applied, `bytes` its size
   * (terminal chunks do not count toward the message's size, R2).
   */
  acceptChunk(chunk: UIMessageChunk, fold: FoldState, terminal: boolean, bytes: number): void {
    this.chunkCountValue += 1;
    if (!terminal) this.chunkBytesValue += bytes;
    this.foldState =
      fold.message.id === this.id ? fold : { ...fold, message: { ...fold.message, id: this.id } };
    this.chunks.push(chunk);
    if (terminal) this.terminalRequest = terminalOf(chunk);
  }

  /** Takes a whole-message replacement (`update`); chunks written afterwards apply on top of it. */
  acceptReplacement(replacement: UIMessage): void {
    this.foldState = createFoldState(replacement);
    this.replacement = replacement;
    this.chunks = [];
  }

  /** Ends the message `error` after a chunk that could not apply (R2): an `error` chunk is appended. */
  acceptBadInput(errorText: string): UIMessageChunk {
    const errorChunk: UIMessageChunk = { type: "error", errorText };
    this.chunks.push(errorChunk);
    this.terminalRequest = { status: "error", errorText };
    return errorChunk;
  }

  /** Records that an accepted change of `bytes` bytes awaits a commit (urgent: R4, R7). */
  markDirty(now: number, bytes: number, change: { urgent: boolean; structural: boolean }): void {
    this.acceptedVersion += 1;
    this.pendingBytesCount += bytes;
    this.dirtySinceAt ??= now;
    if (change.urgent) this.urgentChange = true;
    if (change.structural) this.structural = true;
  }

  /** Asks for the next commit to take this message at once (a flush, or a poison suspect's retry). */
  markUrgent(): void {
    this.urgentChange = true;
  }

  /** The message as the producer sees it, buffered changes included (R8). */
  current(): StoredMessage {
    const { parts, metadata } = this.foldState.message;
    return {
      ...this.storedMessage,
      parts,
      ...(metadata === undefined ? {} : { metadata }),
    };
  }

  /**
   * Moves the uncommitted changes into one write: the terminal write (final message finalized per
   * R16) once a terminal chunk was accepted, else a guarded stream write of the merged chunks, with
   * the full body when a rewrite is due (R9). The write produces the next revision (R13).
   */
  take(now: number): TakenWrite {
    const changes = {
      chunks: this.chunks,
      replacement: this.replacement,
      dirtySince: this.dirtySinceAt,
      urgent: this.urgentChange,
      structural: this.structural,
    };
    const bytes = this.pendingBytesCount;
    const revision = this.storedMessage.revision + 1;
    const threadId = this.storedMessage.threadId;
    let write: MessageWrite;
    let bodyBytes: number | undefined;
    const terminal = this.terminalRequest;
    if (terminal) {
      write = {
        kind: "finish",
        workspaceId: this.workspaceId,
        threadId,
        messageId: this.id,
        revision,
        status: terminal.status,
        message: finalizeMessage(this.foldState.message, terminal.status, terminal.errorText),
        chunks: changes.chunks,
      };
      if (terminal.errorText !== undefined) write.errorText = terminal.errorText;
    } else {
      const due = isBodyRewriteDue({
        deltaBytesSinceBody: this.deltaBytesSinceBody + bytes,
        lastBodyBytes: this.lastBodyBytes,
        msSinceBody: now - this.lastBodyAt,
      });
      if (due) bodyBytes = JSON.stringify(this.foldState.message.parts).length;
      const chunks = mergeDeltaChunks(changes.chunks);
      // Built field by field, not with spreads: a tick takes one of these per streaming message.
      write = {
        kind: "stream",
        workspaceId: this.workspaceId,
        threadId,
        messageId: this.id,
        revision,
        delta: changes.replacement ? { message: changes.replacement, chunks } : { chunks },
      };
      if (due) write.body = { fold: this.foldState };
      if (changes.structural) write.reliable = true;
    }
    this.chunks = [];
    this.replacement = undefined;
    this.pendingBytesCount = 0;
    this.dirtySinceAt = undefined;
    this.urgentChange = false;
    this.structural = false;
    return {
      pending: this,
      write,
      version: this.acceptedVersion,
      bytes,
      bodyBytes,
      changes,
    };
  }

  /** Puts a failed write's changes back in front of the ones accepted since (R6). */
  restore(taken: TakenWrite, now: number): void {
    const { changes } = taken;
    // A replacement accepted meanwhile supersedes everything taken.
    if (!this.replacement) {
      this.replacement = changes.replacement;
      this.chunks = changes.chunks.concat(this.chunks);
    }
    this.pendingBytesCount += taken.bytes;
    this.dirtySinceAt = Math.min(changes.dirtySince ?? now, this.dirtySinceAt ?? now);
    this.urgentChange ||= changes.urgent;
    this.structural ||= changes.structural;
  }

  /**
   * Records that `taken` committed as `event`: the revision and body bookkeeping advance, a
   * terminal event closes the message, and the poison strikes reset (R30).
   */
  applied(taken: TakenWrite, event: ThreadEvent, now: number): void {
    this.strikeCount = 0;
    this.storedMessage = {
      ...this.storedMessage,
      revision: event.revision ?? this.storedMessage.revision,
      updatedAt: now,
    };
    if (taken.bodyBytes !== undefined) {
      this.deltaBytesSinceBody = 0;
      this.lastBodyBytes = taken.bodyBytes;
      this.lastBodyAt = now;
    } else {
      this.deltaBytesSinceBody += taken.bytes;
    }
    if (event.type === "message.finished") this.finalized(event.data.message);
  }

  /** Records that the message ended as `message` (here, by the crash sweep or by poison, R16, R30). */
  finalized(message: StoredMessage): void {
    this.storedMessage = message;
    this.closedReason = "finalized";
  }

  /**
   * Closes a message whose write matched no row — finalized elsewhere or deleted (R8, R15) — or
   * that was dropped: nothing more will be written. Waiters are released or rejected with `error`,
   * and the producer is told to stop (R28).
   */
  rejected(reason: ClosedReason, error?: unknown): void {
    this.closedReason = reason;
    this.requestStop(
      `message ${this.id} was ${reason === "missing" ? "deleted" : "finalized elsewhere"}`,
    );
    if (error === undefined) this.release();
    else this.failed(error);
  }

  /** Counts a refusal of this message's data by the database (R30). @returns the strikes so far. */
  strike(): number {
    this.strikeCount += 1;
    return this.strikeCount;
  }

  /** Resolves once everything accepted up to now has committed; rejects if that commit fails. */
  whenCommitted(): Promise<void> {
    if (this.committedVersion >= this.acceptedVersion || this.closedReason)
      return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ version: this.acceptedVersion, resolve, reject });
    });
  }

  /** Marks `version` durable and releases the waiters it covers. */
  committed(version: number): void {
    this.committedVersion = Math.max(this.committedVersion, version);
    this.waiters = this.waiters.filter((w) => {
      if (w.version > this.committedVersion) return true;
      w.resolve();
      return false;
    });
  }

  /** Rejects every waiter with a commit's error (R4: errors reach the caller). */
  failed(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** The producer's cancellation signal (R28): aborted by {@link requestStop}. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /**
   * Tells the producer to stop generating (R28): aborts {@link stopSignal} with `reason`. Called
   * after a stop request's `abort` chunk was accepted, and when the message was finalized elsewhere
   * or deleted, so a producer never generates into a message that takes no more chunks.
   */
  requestStop(reason: string): void {
    if (!this.stopController.signal.aborted) this.stopController.abort(reason);
  }

  /** Releases every waiter: nothing more will be written (finalized elsewhere or deleted). */
  release(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}

function terminalOf(chunk: UIMessageChunk): TerminalRequest {
  switch (chunk.type) {
    case "error":
      return { status: "error", errorText: chunk.errorText };
    case "abort":
      return { status: "aborted" };
    default:
      return { status: "completed" };
  }
}
