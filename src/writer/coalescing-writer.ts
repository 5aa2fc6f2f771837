import type { Clock } from "../clock.js";
import { ThreadlineError } from "../errors.js";
import { LeaseRenewer } from "../lifecycle/lease-renewer.js";
import type { EventHub } from "../observe.js";
import { type MessageLimits, resolveMessageLimits } from "../protocol/limits.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { Store, WriteOutcome } from "../store/store.js";
import { isTransientStoreError } from "../store/transient-errors.js";
import { CommitLoop, type CommitMode } from "./commit-loop.js";
import { MessageWriter } from "./message-writer.js";
import { PendingMessage, type TakenWrite } from "./pending-message.js";

/** Default length of a writer lease in ms (R18), renewed every third of it. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** Default time producers wait out an outage before they are refused `unavailable`, in ms (R30). */
export const DEFAULT_UNAVAILABLE_AFTER_MS = 10_000;

/** Settings of the coalescing writer. */
export interface WriterOptions {
  /** Coalescing window in ms (R3; default 33). `0` writes every change through before returning. */
  windowMs?: number;
  /** Writer lease length in ms (R18; default 30 000), renewed every third of it. */
  leaseTtlMs?: number;
  /** First retry delay after a failed commit (default 50 ms), doubling up to `retryMaxMs` (R6). */
  retryInitialMs?: number;
  /** Longest retry delay (default 5 000 ms). */
  retryMaxMs?: number;
  /**
   * Size limits in bytes every writer enforces (R2, SPEC §3 413 `too_large`): `maxChunkBytes` per
   * chunk (default 4 MiB), `maxMessageBytes` per streaming message, counted over its accepted
   * chunks (default 64 MiB). See `protocol/limits.ts`.
   */
  limits?: Partial<MessageLimits>;
  /**
   * How long producers wait on a commit while the database is unavailable (every commit fails)
   * before their calls are refused with ThreadlineError `unavailable` (HTTP 503), in ms (default
   * 10 000). What was accepted stays buffered and is written once the database is back (R6, R30).
   */
  unavailableAfterMs?: number;
  /**
   * Uncommitted bytes, over all messages, past which new changes are refused with `unavailable`
   * while the database is unavailable (default 64 MiB): the bound on what an outage buffers.
   */
  maxBufferedBytes?: number;
}

/** What a {@link CoalescingWriter} holds at one instant (see {@link CoalescingWriter.load}). */
export interface WriterLoad {
  /** Streaming messages this process writes (tracked from creation until finalized). */
  streamingMessages: number;
  /** Approximate JSON bytes of changes not yet handed to a commit, over all messages. */
  bufferedBytes: number;
  /** Age in ms of the oldest streaming message this process writes; 0 when none. */
  oldestAgeMs: number;
}

/** A change the database refused this many times in a commit of its own is poison (R30). */
const POISON_STRIKES = 2;

/** A write that could not be committed, with its error. */
interface FailedWrite {
  taken: TakenWrite;
  error: unknown;
}

/**
 * The process-wide coalescing writer (R3–R9). Producers' changes are folded into per-message
 * {@link PendingMessage}s at once (read-your-writes); the {@link CommitLoop} decides when to commit
 * (a tick per window for every dirty message, R3, R5; at once for structural and terminal changes,
 * R4; strictly one commit after another, retried with backoff, R6) and this class what a commit
 * writes and what its outcome means:
 *
 * - every dirty message (or every urgent one) in one transaction, poison suspects alone, a failed
 *   transaction split until the refused writes stand alone (R30);
 * - events are published only after their commit (R10): plain deltas lossy; structural and terminal
 *   changes reliably (R12);
 * - an outage keeps everything buffered (bounded, then `unavailable`); refused data ends its
 *   message `error` (R30).
 */
export class CoalescingWriter {
  private readonly pending = new Map<string, PendingMessage>();
  private readonly loop: CommitLoop;
  private readonly leases: LeaseRenewer;
  /** Since when every commit fails for a reason of the database's, not of the data (an outage). */
  private outageSince: number | undefined;
  /** When the last attempt of the outage failed: the outage is known to have lasted until then. */
  private outageSeenAt: number | undefined;
  private closing = false;
  /** {@link close} began: an outage no longer holds producers back (nothing will retry for long). */
  private shuttingDown = false;
  readonly windowMs: number;
  readonly leaseTtlMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly unavailableAfterMs: number;
  private readonly maxBufferedBytes: number;
  /** The chunk and message size limits of every message this writer takes (R2). */
  readonly limits: MessageLimits;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    readonly nodeId: string,
    options: WriterOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 33;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.retryInitialMs = options.retryInitialMs ?? 50;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.limits = resolveMessageLimits(options.limits);
    this.unavailableAfterMs = options.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.loop = new CommitLoop(
      {
        commit: (mode) => this.commit(mode),
        oldestDirtySince: () => this.oldestDirtySince(),
      },
      clock,
      this.windowMs,
      { initialMs: this.retryInitialMs, maxMs: this.retryMaxMs },
    );
    this.leases = new LeaseRenewer(
      store,
      clock,
      hub,
      nodeId,
      this.leaseTtlMs,
      (task) => this.loop.enqueue(task),
      () => this.pending.size > 0,
    );
  }

  /** Starts buffering changes for a freshly created streaming message (R14). */
  track(message: StoredMessage, workspaceId: string): PendingMessage {
    const pending = new PendingMessage(message, workspaceId, this.clock.now());
    this.pending.set(keyOf(workspaceId, message.id), pending);
    this.leases.schedule();
    return pending;
  }

  /** The buffered state of a message this process is writing, if any. */
  get(workspaceId: string, messageId: string): PendingMessage | undefined {
    return this.pending.get(keyOf(workspaceId, messageId));
  }

  /** Buffered messages of a thread (for read-your-writes listings, R8). */
  pendingOfThread(workspaceId: string, threadId: string): PendingMessage[] {
    return [...this.pending.values()].filter(
      (p) => p.workspaceId === workspaceId && p.stored.threadId === threadId,
    );
  }

  /** Number of messages with buffered or in-flight state (a gauge for metrics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Gauges of what this writer holds now (issue 8 item 5, read on a `/metrics` scrape): the
   * streaming messages it writes, the approximate JSON bytes of their changes not yet handed to a
   * commit, and the age in ms (by the writer's clock) of the oldest one since its creation, 0 when none streams.
   */
  load(): WriterLoad {
    const now = this.clock.now();
    let bufferedBytes = 0;
    let oldestAgeMs = 0;
    for (const p of this.pending.values()) {
      bufferedBytes += p.pendingBytes;
      oldestAgeMs = Math.max(oldestAgeMs, now - p.stored.createdAt);
    }
    return { streamingMessages: this.pending.size, bufferedBytes, oldestAgeMs };
  }

  /**
   * Refuses a new non-terminal change while the database has been unavailable for longer than
   * `unavailableAfterMs`, or while an outage has buffered more than `maxBufferedBytes` (R30:
   * bounded buffers, backpressure). Terminal changes are always taken: they are small, and ending
   * a message must stay possible.
   * @throws ThreadlineError `unavailable` (HTTP 503).
   */
  refuseWhenUnavailable(terminal: boolean): void {
    if (this.outageSince === undefined || terminal) return;
    // Judged by the last failed attempt, not the clock: the database may be back since (a retry
    // is due at the bound, see handleFailures).
    const outageMs = (this.outageSeenAt ?? this.outageSince) - this.outageSince;
    if (outageMs >= this.unavailableAfterMs) {
      throw unavailable(`for ${Math.round(outageMs / 1000)} s`);
    }
    let buffered = 0;
    for (const p of this.pending.values()) buffered += p.pendingBytes;
    if (buffered > this.maxBufferedBytes) {
      throw unavailable(`and ${buffered} bytes wait to be written`);
    }
  }

  /** True while every commit fails for a reason of the database's (an outage, R6). */
  get unavailable(): boolean {
    return this.outageSince !== undefined;
  }

  /**
   * Records that `pending` accepted a change of `bytes` bytes. Structural and terminal changes, and
   * any change at window 0, resolve after their commit (R4); others at once (R3) — unless the
   * message's oldest uncommitted change is already two windows old: then the call first lets the
   * event loop turn once, so a producer that never yields (a loop of `await write(delta)` over
   * chunks already in memory) cannot keep the tick's timer from firing. It never waits for a
   * commit: a slow commit does not stall producers (R6).
   */
  accepted(pending: PendingMessage, bytes: number, structural: boolean): Promise<void> {
    const now = this.clock.now();
    const immediate = structural || this.windowMs === 0;
    const since = pending.dirtySince;
    const overdue = since !== undefined && now - since >= 2 * this.windowMs;
    pending.markDirty(now, bytes, { urgent: immediate, structural });
    if (!immediate) {
      this.loop.scheduleTick();
      return overdue ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
    }
    this.loop.requestUrgent();
    return pending.whenCommitted();
  }

  /**
   * Resolves once every change of the message accepted so far, buffered or in flight, has committed
   * (R7). Rejects with the commit error if that commit fails.
   */
  flush(workspaceId: string, messageId: string): Promise<void> {
    const pending = this.get(workspaceId, messageId);
    if (!pending) return Promise.resolve();
    if (pending.dirty) {
      pending.markUrgent();
      this.loop.requestUrgent();
    }
    return pending.whenCommitted();
  }

  /**
   * Flushes every message (R7), continuing past failures; rejects with the first error after every
   * message has been tried. Shutdown calls it.
   */
  async flushAll(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.pending.values()].map((p) => this.flush(p.workspaceId, p.id)),
    );
    const failure = results.find((r) => r.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  /** Forgets a message's buffered state without writing it (it was deleted, R8); a producer waiting on a commit of it gets `message_finalized`. */
  drop(workspaceId: string, messageId: string): void {
    const key = keyOf(workspaceId, messageId);
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    // A producer still waiting on a change of it learns that nothing was written (R4).
    pending.rejected(
      "missing",
      new ThreadlineError("message_finalized", `message ${messageId} was deleted`),
    );
  }

  /** Forgets every buffered message of a deleted thread (R20). */
  dropThread(workspaceId: string, threadId: string): void {
    for (const pending of this.pendingOfThread(workspaceId, threadId))
      this.drop(workspaceId, pending.id);
  }

  /** Resolves when no commit is queued or running (for tests and shutdown). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** True once {@link close} began: producers' writes throw `closed`. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Graceful shutdown (R31): flushes everything (R7), then ends every message still open here
   * `aborted` with an abort chunk carrying `reason` — partial parts kept (R16), its lease released
   * by the terminal write — and aborts its producer's signal (R28); then stops timers. Writes after
   * this began throw ThreadlineError `closed`.
   */
  async close(reason: string): Promise<void> {
    this.shuttingDown = true;
    this.loop.stopTicks();
    this.leases.stop();
    try {
      await this.flushAll();
    } finally {
      const ending = this.abortOpen(reason); // accepted synchronously, before the gate closes
      this.closing = true;
      await Promise.allSettled(ending);
      await this.idle();
      this.loop.stopRetries();
    }
  }

  /** Accepts an `abort` chunk for every open message and aborts its producer's signal. */
  private abortOpen(reason: string): Promise<void>[] {
    const ending: Promise<void>[] = [];
    for (const pending of this.pending.values()) {
      const handle = new MessageWriter(this, pending);
      if (handle.closed) continue;
      ending.push(handle.abort(reason));
      pending.requestStop(reason);
    }
    return ending;
  }

  /** When the oldest uncommitted change of any open message was accepted (R3). */
  private oldestDirtySince(): number | undefined {
    let oldest: number | undefined;
    for (const p of this.pending.values()) {
      const since = p.dirtySince;
      if (since !== undefined && (oldest === undefined || since < oldest)) oldest = since;
    }
    return oldest;
  }

  /**
   * Writes the dirty messages (every one, or the urgent ones): in one transaction (R5), except
   * messages whose last write the database refused (poison suspects), which go alone. A failed
   * transaction is split in halves until the writes that fail stand alone, so every other write
   * still commits in this round (R30); see {@link handleFailures} for what happens to those.
   */
  private async commit(mode: CommitMode): Promise<void> {
    const batch = [...this.pending.values()].filter(
      (p) => p.dirty && !p.closed && (mode === "all" || p.urgent),
    );
    if (batch.length === 0) return;
    const now = this.clock.now();
    const round = { committed: 0, failed: [] as FailedWrite[] };
    const healthy = batch.filter((p) => p.strikes === 0);
    if (healthy.length > 0) {
      await this.commitIsolating(
        healthy.map((p) => p.take(now)),
        now,
        mode,
        round,
      );
    }
    for (const suspect of batch.filter((p) => p.strikes > 0)) {
      await this.commitIsolating([suspect.take(now)], now, mode, round);
    }
    if (round.failed.length > 0) {
      await this.handleFailures(round.failed, round.committed > 0, now);
      return;
    }
    this.afterRound();
  }

  /** After a commit round: commits what turned urgent meanwhile, and arms the next tick. */
  private afterRound(): void {
    if ([...this.pending.values()].some((p) => p.urgent && p.dirty)) this.loop.requestUrgent();
    this.loop.scheduleTick();
  }

  /**
   * Commits `taken` in one transaction; when that fails with an error of the data (not of the
   * database's state), commits each half the same way, so one refused write never holds back the
   * others (R30). Collects the writes that failed on their own, or every write of a transaction
   * that failed for a transient reason (an outage: splitting would not help), into `round.failed`.
   */
  private async commitIsolating(
    taken: TakenWrite[],
    now: number,
    mode: CommitMode,
    round: { committed: number; failed: FailedWrite[] },
  ): Promise<void> {
    const started = performance.now();
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.store.commitWrites(
        taken.map((t) => t.write),
        now,
      );
    } catch (error) {
      if (taken.length === 1 || isTransientStoreError(error)) {
        for (const t of taken) round.failed.push({ taken: t, error });
        return;
      }
      const half = Math.ceil(taken.length / 2);
      await this.commitIsolating(taken.slice(0, half), now, mode, round);
      await this.commitIsolating(taken.slice(half), now, mode, round);
      return;
    }
    this.loop.succeeded();
    if (this.outageSince !== undefined) this.leases.renewNow(); // back from an outage
    this.outageSince = undefined;
    this.outageSeenAt = undefined;
    round.committed += taken.length;
    let events = 0;
    outcomes.forEach((outcome, i) => {
      const t = taken[i];
      if (!t) return;
      if (outcome.applied) events += 1;
      this.settle(t, outcome, now);
    });
    this.hub.emit("writer:commit", {
      writes: taken.length,
      events,
      startedAt: now,
      durationMs: performance.now() - started,
      urgent: mode === "urgent",
    });
  }

  /**
   * Puts failed writes back in front of newer changes (R6) and decides what their failure means:
   *
   * - an outage — a transient error (connection lost, server restarting, disk full, lock busy), or
   *   nothing committed this round and the database does not answer a ping: every change stays
   *   buffered and is retried with backoff; producers waiting on a commit keep waiting
   *   (backpressure) until the outage has lasted `unavailableAfterMs` — or at once while closing,
   *   so a shutdown never hangs on a dead database — then get `unavailable`;
   * - otherwise the database refused these writes' data: each such message becomes a poison
   *   suspect, retried alone; refused again, it is poison and its message ends `error` from what
   *   was already committed (R30, {@link failPoisoned}).
   */
  private async handleFailures(
    failed: FailedWrite[],
    committedSome: boolean,
    now: number,
  ): Promise<void> {
    for (const { taken } of failed) taken.pending.restore(taken, now);
    const first = failed[0]?.error;
    const outage =
      failed.some((f) => isTransientStoreError(f.error)) ||
      (!committedSome && !(await this.databaseAnswers()));
    if (outage) {
      this.outageSince ??= now;
      this.outageSeenAt = now;
      const untilBoundMs = this.outageSince + this.unavailableAfterMs - now;
      if (this.shuttingDown || untilBoundMs <= 0) {
        const error = unavailable(`for ${Math.round((now - this.outageSince) / 1000)} s`, first);
        for (const p of this.pending.values()) p.failed(error);
      }
      // One attempt falls on the bound itself, so producers are refused only if the database
      // is still down then — never because the backoff's next attempt lies beyond it.
      this.scheduleRetry(first, failed.length, untilBoundMs > 0 ? untilBoundMs : undefined);
      return;
    }
    this.outageSince = undefined;
    this.outageSeenAt = undefined;
    for (const { taken, error } of failed) {
      const p = taken.pending;
      if (p.strike() >= POISON_STRIKES) {
        if (!(await this.failPoisoned(p, error, now))) this.scheduleRetry(error, 1);
        continue;
      }
      this.hub.emit("writer:error", { error, writes: 1, attempt: p.strikes, retryInMs: 0 });
      p.markUrgent(); // its one retry, alone, at once
    }
    this.afterRound();
  }

  /** True when the database answers a trivial query (so a failed write was refused for its data). */
  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.store.ping();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Ends a message whose changes the database refused twice, alone (R30): finalizes it `error`
   * from what was already committed (its refused changes are dropped), publishes that, rejects its
   * waiting producer with `chunk_rejected` and aborts its signal (R28). When even that write
   * fails, the message stays a suspect and a retry with backoff tries again.
   * @returns false when the finalizing write failed.
   */
  private async failPoisoned(p: PendingMessage, error: unknown, now: number): Promise<boolean> {
    const reason = `the database refused this message's data: ${describeError(error)}`;
    let event: Awaited<ReturnType<Store["failMessage"]>>;
    try {
      event = await this.store.failMessage(p.workspaceId, p.id, now, reason);
    } catch (failError) {
      this.hub.emit("writer:error", {
        error: failError,
        writes: 1,
        attempt: p.strikes,
        retryInMs: 0,
      });
      return false;
    }
    this.pending.delete(keyOf(p.workspaceId, p.id));
    // Undefined when the message ended meanwhile (a sweep, a stop): it is final either way.
    p.finalized(event?.type === "message.finished" ? event.data.message : p.stored);
    const rejected = new ThreadlineError(
      "chunk_rejected",
      `message ${p.id} could not be stored and ended with status error: ${reason}`,
    );
    p.failed(rejected);
    p.requestStop(rejected.message);
    this.hub.emit("writer:poisoned", { workspaceId: p.workspaceId, messageId: p.id, error });
    return true;
  }

  /** Applies a commit's outcome to a message's state and publishes its event (R10). */
  private settle(t: TakenWrite, outcome: WriteOutcome, now: number): void {
    const p = t.pending;
    if (!outcome.applied) {
      this.pending.delete(keyOf(p.workspaceId, p.id));
      p.rejected(
        outcome.reason,
        new ThreadlineError(
          "message_finalized",
          outcome.reason === "missing"
            ? `message ${p.id} was deleted`
            : `message ${p.id} was finalized elsewhere (crash sweep or another writer); the write was dropped`,
        ),
      );
      this.hub.emit("writer:rejected", {
        workspaceId: p.workspaceId,
        messageId: p.id,
        reason: outcome.reason,
      });
      return;
    }
    p.applied(t, outcome.event, now);
    if (p.closed) this.pending.delete(keyOf(p.workspaceId, p.id));
    // The store handed the event to the broker as the commit returned; structural changes (a tool
    // call appears, reasoning ends, …) took its bounded-wait path like terminal ones (R12, crush).
    void outcome.published.then(() => p.committed(t.version));
  }

  private scheduleRetry(error: unknown, writes: number, notAfterMs?: number): void {
    const { attempt, retryInMs } = this.loop.scheduleRetry(notAfterMs);
    this.hub.emit("writer:error", { error, writes, attempt, retryInMs });
  }
}

/** ThreadlineError `unavailable`: the database has been failing every commit (R30). */
function unavailable(detail: string, cause?: unknown): ThreadlineError {
  const why = cause === undefined ? "" : ` (${describeError(cause)})`;
  return new ThreadlineError(
    "unavailable",
    `the database is unavailable ${detail}${why}; what was accepted is kept and written when it is back, retry later`,
  );
}

/** An error's message, for error texts. */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keyOf(workspaceId: string, messageId: string): string {
  return `${workspaceId}\u0000${messageId}`;
}
