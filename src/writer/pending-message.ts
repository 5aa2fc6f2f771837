import { createFoldState, type FoldState } from "../message/fold.js";
import type { MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";

/** A requested terminal state (R16). */
export interface TerminalRequest {
  status: Exclude<MessageStatus, "streaming">;
  errorText?: string;
}

/** Someone waiting for a message's accepted changes up to `version` to commit (R4, R7). */
interface FlushWaiter {
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The writer's in-memory state of one streaming message: the folded message including every
 * accepted chunk (read-your-writes, R8), the chunks not yet handed to a commit, and the bookkeeping
 * of windows (R3), body rewrites (R9) and flush waiters (R7).
 *
 * Versions count accepted changes: `acceptedVersion` grows on every accepted change,
 * `committedVersion` is the newest version a commit has made durable.
 */
export class PendingMessage {
  fold: FoldState;
  /** Accepted chunks not yet in a commit, in order. */
  chunks: UIMessageChunk[] = [];
  /** A whole-message replacement (`update`) not yet in a commit; `chunks` apply on top of it. */
  replacement: UIMessage | undefined;
  /** Approximate JSON bytes of the uncommitted changes. */
  pendingBytes = 0;
  /** When the oldest uncommitted change was accepted (the window opens then, R3). */
  dirtySince: number | undefined;
  /** A change awaits an immediate commit: structural, terminal, window 0 or a flush (R4, R7). */
  urgent = false;
  /** A structural or terminal change is uncommitted: its event is published reliably (R12). */
  structural = false;
  terminal: TerminalRequest | undefined;
  /** Set once the message takes no more changes: finalized here, elsewhere, or deleted. */
  closed: "finalized" | "missing" | undefined;
  acceptedVersion = 0;
  committedVersion = 0;
  /** Chunks accepted so far: the index of the next chunk, for R2 error messages. */
  chunkCount = 0;
  /** Bytes of the non-terminal chunks accepted so far: what `limits.maxMessageBytes` caps (R2). */
  chunkBytes = 0;
  /**
   * Commits of this message alone that the database refused for its data, in a row (R30): above
   * zero it is a poison suspect, committed apart from the others; at two its message fails.
   */
  strikes = 0;
  deltaBytesSinceBody = 0;
  lastBodyBytes = 0;
  lastBodyAt: number;
  private waiters: FlushWaiter[] = [];
  /** Fires when the producer must stop generating: a stop request (R28), or the message ended elsewhere. */
  private readonly stopController = new AbortController();

  constructor(
    public stored: StoredMessage,
    readonly workspaceId: string,
    now: number,
  ) {
    this.fold = createFoldState({
      id: stored.id,
      role: stored.role,
      parts: stored.parts,
      ...(stored.metadata === undefined ? {} : { metadata: stored.metadata }),
    });
    this.lastBodyAt = now;
  }

  get id(): string {
    return this.stored.id;
  }

  get dirty(): boolean {
    return this.dirtySince !== undefined;
  }

  /** Records an accepted change. */
  accept(now: number, bytes: number, change: { urgent: boolean; structural: boolean }): void {
    this.acceptedVersion += 1;
    this.pendingBytes += bytes;
    this.dirtySince ??= now;
    if (change.urgent) this.urgent = true;
    if (change.structural) this.structural = true;
  }

  /** The message as the producer sees it, buffered changes included (R8). */
  current(): StoredMessage {
    const { parts, metadata } = this.fold.message;
    return {
      ...this.stored,
      parts,
      ...(metadata === undefined ? {} : { metadata }),
    };
  }

  /** Resolves once everything accepted up to now has committed; rejects if that commit fails. */
  whenCommitted(): Promise<void> {
    if (this.committedVersion >= this.acceptedVersion || this.closed) return Promise.resolve();
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
