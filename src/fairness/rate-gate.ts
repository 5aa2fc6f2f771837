import type { Clock, TimerHandle } from "../clock.js";
import type { EventHub } from "../observe.js";
import { rateLimited } from "./rate-limited.js";
import { TokenBucket } from "./token-bucket.js";
import type { ResolvedLimits } from "./workspace-limits.js";

/** One write waiting for its turn. */
interface Waiter {
  bytes: number;
  /** Clock time it started waiting (ms). */
  since: number;
  /** The limit that held it back, for metrics. */
  limit: "chunks" | "bytes";
  release(): void;
}

/**
 * The chunk and byte rate of one workspace (R33): a token bucket for each limit it has, and one
 * first-come-first-served queue in front of both. A write that finds tokens and nobody waiting
 * goes at once; any other waits in line, so under saturation every stream of the workspace gets
 * its turn in order and slows alike — none starves, none is refused mid-way.
 */
export class RateGate {
  private readonly chunks: TokenBucket | undefined;
  private readonly bytes: TokenBucket | undefined;
  private readonly queue: Waiter[] = [];
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    readonly workspaceId: string,
    limits: ResolvedLimits,
    private readonly clock: Clock,
    private readonly hub: EventHub,
  ) {
    const now = clock.now();
    this.chunks = Number.isFinite(limits.chunksPerSecond)
      ? new TokenBucket(limits.chunksPerSecond, now)
      : undefined;
    this.bytes = Number.isFinite(limits.bytesPerSecond)
      ? new TokenBucket(limits.bytesPerSecond, now)
      : undefined;
  }

  /** True when the byte rate is limited (the caller then sizes what it passes). */
  get countsBytes(): boolean {
    return this.bytes !== undefined;
  }

  /**
   * Takes one chunk of `bytes` bytes: at once (returns undefined) when tokens are there and nobody
   * waits, else returns a promise that resolves at its turn, or as soon as `signal` aborts (its
   * message was stopped or finalized: the write then fails on its own). Never rejects.
   */
  admit(bytes: number, signal: AbortSignal): Promise<void> | undefined {
    const now = this.clock.now();
    if (this.closed || signal.aborted) return undefined;
    if (this.queue.length === 0 && this.waitMs(bytes, now) === 0) {
      this.take(bytes, now);
      return undefined;
    }
    return new Promise((resolve) => {
      const limit = this.shortLimit(bytes, now) ?? this.queue[0]?.limit ?? "chunks";
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index < 0) return;
        this.queue.splice(index, 1);
        if (index === 0) this.rearm();
        resolve();
      };
      const waiter: Waiter = {
        bytes,
        since: now,
        limit,
        release: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      if (this.queue.length === 1) this.rearm();
    });
  }

  /**
   * Takes a complete message of `bytes` bytes as one chunk, or refuses it at once when it would
   * have to wait (R33: a non-streaming append is answered 429, never held).
   * @throws ThreadlineError `rate_limited` with the time until the queue and this message fit.
   */
  takeOrRefuse(bytes: number): void {
    const now = this.clock.now();
    if (this.closed) return;
    if (this.queue.length === 0 && this.waitMs(bytes, now) === 0) {
      this.take(bytes, now);
      return;
    }
    const backlog = { chunks: 1, bytes };
    for (const waiter of this.queue) {
      backlog.chunks += 1;
      backlog.bytes += waiter.bytes;
    }
    const chunksMs = this.chunks ? deficitMs(this.chunks, backlog.chunks, now) : 0;
    const bytesMs = this.bytes ? deficitMs(this.bytes, backlog.bytes, now) : 0;
    const limit = chunksMs >= bytesMs && this.chunks ? "chunks" : "bytes";
    const bucket = limit === "chunks" ? this.chunks : this.bytes;
    const retryAfterMs = Math.max(1, chunksMs, bytesMs);
    const max = bucket?.ratePerSecond ?? 0;
    this.hub.emit("workspace:refused", { workspaceId: this.workspaceId, limit, max, retryAfterMs });
    throw rateLimited(this.workspaceId, limit, max, retryAfterMs);
  }

  /** Lets every waiting write go and takes no more account of rates (shutdown). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.queue.splice(0)) waiter.release();
  }

  /** Releases the writes whose turn has come, then arms a timer for the next one. */
  private drain(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const waitMs = this.waitMs(head.bytes, now);
      if (waitMs > 0) {
        this.timer = this.clock.setTimeout(() => this.drain(), waitMs);
        return;
      }
      this.queue.shift();
      this.take(head.bytes, now);
      head.release();
      this.hub.emit("workspace:waited", {
        workspaceId: this.workspaceId,
        limit: head.limit,
        waitMs: now - head.since,
      });
    }
  }

  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.drain();
  }

  private waitMs(bytes: number, now: number): number {
    return Math.max(this.chunks?.waitMs(1, now) ?? 0, this.bytes?.waitMs(bytes, now) ?? 0);
  }

  /** The limit that holds `bytes` back now, if any. */
  private shortLimit(bytes: number, now: number): "chunks" | "bytes" | undefined {
    const chunksMs = this.chunks?.waitMs(1, now) ?? 0;
    const bytesMs = this.bytes?.waitMs(bytes, now) ?? 0;
    if (chunksMs === 0 && bytesMs === 0) return undefined;
    return chunksMs >= bytesMs ? "chunks" : "bytes";
  }

  private take(bytes: number, now: number): void {
    this.chunks?.take(1, now);
    this.bytes?.take(bytes, now);
  }
}

/** Ms until `bucket` has refilled enough for `amount` more tokens than it holds now. */
function deficitMs(bucket: TokenBucket, amount: number, now: number): number {
  const missing = amount - bucket.available(now);
  return missing <= 0 ? 0 : Math.ceil((missing * 1_000) / bucket.ratePerSecond);
}
