import type { UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { WorkspaceEvent } from "./event-log-store.js";

/**
 * Which streaming messages a crash sweep finalizes `aborted`, and what it says (R18, R31). Every
 * field is optional: a plain sweep takes the leases that expired before its `now`.
 */
export interface SweepScope {
  /**
   * Leases that expired before this time are swept (ms; default the sweep's `now`;
   * `Number.MAX_SAFE_INTEGER` = every streaming message, for a single-writer SQLite process at
   * start, R31).
   */
  leaseExpiredBefore?: number;
  /** The finalized messages' `errorText` (default `LEASE_EXPIRED_TEXT` of `queries/leases.ts`). */
  errorText?: string;
  /** The abort chunk's `reason` (default none). */
  reason?: string;
  /**
   * Leases this owner holds are left alone, expired or not (R18): a live process passes its own
   * node id, since it renews every lease it owns itself — an expired one only means the database
   * was out of reach for longer than a lease.
   */
  exceptOwner?: string;
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
   * before `scope.leaseExpiredBefore` with the scope's text (R31), leaving `scope.exceptOwner`'s
   * alone, each with a `message.finished` event. A lease renewed meanwhile wins: that message is
   * left alone.
   */
  sweepExpiredLeases(now: number, limit: number, scope?: SweepScope): Promise<WorkspaceEvent[]>;
}
