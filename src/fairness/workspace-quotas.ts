import type { Clock } from "../clock.js";
import { chunkBytes, isTerminalChunk } from "../message/chunk-size.js";
import type { EventHub } from "../observe.js";
import type { PendingMessage } from "../writer/pending-message.js";
import { RateGate } from "./rate-gate.js";
import { rateLimited, SLOT_RETRY_AFTER_MS } from "./rate-limited.js";
import type { ResolvedLimits, ResolvedWorkspaceLimits } from "./workspace-limits.js";

/**
 * What a `MessageWriter` awaits before taking a chunk (R33): undefined when the chunk may go now,
 * else a promise resolving at its turn (or when `signal` aborts). Never rejects.
 */
export type ChunkGate = (chunk: unknown, signal: AbortSignal) => Promise<void> | undefined;

/**
 * A streaming message's hold on one of its workspace's stream slots (R33), from before its row is
 * created until its writer ends. Once bound, it is live exactly while the writer's own state says
 * the message takes chunks (no terminal chunk accepted, not finalized elsewhere, not deleted): the
 * count is read from the writer's state, never kept apart from it, so it cannot drift.
 */
export interface StreamSlot {
  /** Ties the slot to the message's pending state in the writer. */
  bind(pending: Pick<PendingMessage, "terminal" | "closed">): void;
  /** Frees the slot of an open that failed before its message existed. */
  cancel(): void;
}

/** One workspace's counters and rates. */
interface WorkspaceQuota {
  limits: ResolvedLimits;
  gate: RateGate | undefined;
  streams: Set<Slot>;
  subscribers: Set<object>;
}

class Slot implements StreamSlot {
  private pending: Pick<PendingMessage, "terminal" | "closed"> | undefined;
  private cancelled = false;

  bind(pending: Pick<PendingMessage, "terminal" | "closed">): void {
    this.pending = pending;
  }

  cancel(): void {
    this.cancelled = true;
  }

  get live(): boolean {
    if (this.cancelled) return false;
    return this.pending === undefined || (!this.pending.terminal && !this.pending.closed);
  }
}

/**
 * Per-workspace limits at work (R33, issue 8 item 6): stream slots, chunk and byte rates, subscriber
 * slots, each per process. A workspace without limits costs nothing: no state, no gate, no count.
 * Refusals emit `workspace:refused`, waits `workspace:waited` (`/metrics`, logs).
 *
 * @example
 * ```ts
 * const quotas = new WorkspaceQuotas(resolveWorkspaceLimits({ default: { chunksPerSecond: 100 } }), clock, hub);
 * const gate = quotas.chunkGate("acme"); // MessageWriter awaits it before each chunk
 * ```
 */
export class WorkspaceQuotas {
  private readonly quotas = new Map<string, WorkspaceQuota>();
  private closed = false;

  constructor(
    private readonly limits: ResolvedWorkspaceLimits,
    private readonly clock: Clock,
    private readonly hub: EventHub,
  ) {}

  /** The limits of `workspaceId` (every field `Infinity` when unlimited). */
  limitsOf(workspaceId: string): ResolvedLimits {
    return this.limits.of(workspaceId);
  }

  /**
   * The gate a workspace's writers await before each chunk: undefined when it has neither a chunk
   * nor a byte rate, so the write path does nothing more then. Terminal chunks never wait.
   */
  chunkGate(workspaceId: string): ChunkGate | undefined {
    const gate = this.quotaOf(workspaceId)?.gate;
    if (!gate) return undefined;
    return (chunk, signal) =>
      isTerminalChunk(chunk)
        ? undefined
        : gate.admit(gate.countsBytes ? chunkBytes(chunk) : 0, signal);
  }

  /**
   * Takes a stream slot for a new streaming message, or refuses it (R33). Undefined when the
   * workspace has no stream limit.
   * @throws ThreadlineError `rate_limited` (429, `details.limit` `streams`).
   */
  reserveStream(workspaceId: string): StreamSlot | undefined {
    const quota = this.quotaOf(workspaceId);
    const max = quota?.limits.maxStreamingMessages ?? Number.POSITIVE_INFINITY;
    if (!quota || !Number.isFinite(max)) return undefined;
    for (const slot of quota.streams) if (!slot.live) quota.streams.delete(slot);
    if (quota.streams.size >= max) throw this.refuse(workspaceId, "streams", max);
    const slot = new Slot();
    quota.streams.add(slot);
    return slot;
  }

  /**
   * Charges a complete message (`messages.append`) as one chunk of `bytes()` bytes, or refuses it
   * at once when the workspace's rate would make it wait (R33).
   * @throws ThreadlineError `rate_limited` (429, `details.limit` `chunks` or `bytes`).
   */
  chargeMessage(workspaceId: string, bytes: () => number): void {
    const gate = this.quotaOf(workspaceId)?.gate;
    gate?.takeOrRefuse(gate.countsBytes ? bytes() : 0);
  }

  /**
   * Takes a subscriber slot (R33). @returns its idempotent release, or undefined when the
   * workspace has no subscriber limit.
   * @throws ThreadlineError `rate_limited` (429, `details.limit` `subscribers`).
   */
  admitSubscriber(workspaceId: string): (() => void) | undefined {
    const quota = this.quotaOf(workspaceId);
    const max = quota?.limits.maxSubscribers ?? Number.POSITIVE_INFINITY;
    if (!quota || !Number.isFinite(max)) return undefined;
    if (quota.subscribers.size >= max) throw this.refuse(workspaceId, "subscribers", max);
    const slot = {};
    quota.subscribers.add(slot);
    return () => quota.subscribers.delete(slot);
  }

  /** Lets every waiting write go (shutdown: they then fail `closed`) and stops all timers. */
  close(): void {
    this.closed = true;
    for (const quota of this.quotas.values()) quota.gate?.close();
  }

  private quotaOf(workspaceId: string): WorkspaceQuota | undefined {
    if (this.limits.none || this.closed) return undefined;
    let quota = this.quotas.get(workspaceId);
    if (!quota) {
      const limits = this.limits.of(workspaceId);
      const rated =
        Number.isFinite(limits.chunksPerSecond) || Number.isFinite(limits.bytesPerSecond);
      quota = {
        limits,
        gate: rated ? new RateGate(workspaceId, limits, this.clock, this.hub) : undefined,
        streams: new Set(),
        subscribers: new Set(),
      };
      this.quotas.set(workspaceId, quota);
    }
    return quota;
  }

  private refuse(workspaceId: string, limit: "streams" | "subscribers", max: number) {
    const retryAfterMs = SLOT_RETRY_AFTER_MS;
    this.hub.emit("workspace:refused", { workspaceId, limit, max, retryAfterMs });
    return rateLimited(workspaceId, limit, max, retryAfterMs);
  }
}
