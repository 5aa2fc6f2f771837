import type { UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { WorkspaceEvent } from "./event-log-store.js";

/**
 * Which streaming messages a crash sweep finalizes `aborted`, and what it says (R18, R31): those
 * whose writer lease expired before `leaseExpiredBefore` (ms; `Number.MAX_SAFE_INTEGER` = every
 * streaming message, for a single-writer SQLite process at start), with `errorText` and the abort
 * chunk's `reason`.
 */
export interface SweepScope {
  leaseExpiredBefore: number;
  errorText: string;
  reason?: string;
}

/**
 * A message's writer lease (R18): its owner (a node id) and expiry (ms); both null when it holds
 * none (finished, or never streamed).
 */
export interface Lease {
  owner: string | null;
  expiresAt: number | null;
}

/**
 * The writer leases area of the `Store` (R18): renewing the leases of a live writer's streaming
 * messages, reading one, and finalizing `aborted` the messages whose writer is gone — one orphan
 * at a stop request (R28), or every message whose lease expired (the crash sweep, R18, R31). A
 * guarded finalize loses to a lease renewed meanwhile and leaves that message alone.
 *
 * @example
 * ```ts
 * async function keepAlive(leases: LeaseStore, nodeId: string, now: number, ttlMs: number) {
 *   return leases.renewLeases(nodeId, now + ttlMs, now); // how many messages it still holds
 * }
 * ```
 */
export interface LeaseStore {
  /**
   * Extends the lease of every streaming message of `owner` to `expiresAt` (R18).
   * @returns how many leases were extended.
   */
  renewLeases(owner: string, expiresAt: number, now: number): Promise<number>;
  /** A message's writer {@link Lease} (R18); undefined for no such message. */
  getLease(workspaceId: string, messageId: string): Promise<Lease | undefined>;
  /**
   * Finalizes `aborted` one streaming message whose writer is gone (R28 stop of an orphan), with a
   * `message.finished` event whose chunks are `[chunk]`. Guarded by `status = 'streaming'` and a
   * lease that expired before `leaseExpiredBefore`; losing that race returns undefined.
   */
  abortOrphan(
    workspaceId: string,
    messageId: string,
    now: number,
    guard: { leaseExpiredBefore: number; chunk: UIMessageChunk },
  ): Promise<ThreadEvent | undefined>;
  /**
   * Finalizes `aborted` up to `limit` streaming messages whose lease expired before `now` (R18), or
   * before `scope.leaseExpiredBefore` with the scope's text (R31), each with a `message.finished`
   * event. A lease renewed meanwhile wins: that message is left alone.
   */
  sweepExpiredLeases(now: number, limit: number, scope?: SweepScope): Promise<WorkspaceEvent[]>;
}
