import type { ThreadEvent } from "../protocol/events.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";

/** A consistent view of a thread at one log offset (R11). */
export interface ThreadSnapshot {
  thread: Thread;
  messages: StoredMessage[];
  /** Every event with `seq <= seq` is reflected; nothing newer is. */
  seq: number;
}

/** An event together with the workspace of its thread. */
export interface WorkspaceEvent {
  workspaceId: string;
  event: ThreadEvent;
}

/**
 * A thread's log bounds (R11, R32): `headSeq`, its newest seq, and `compactedSeq`, the highest seq
 * compaction removed (0: none). Every event in `(N, headSeq]` is in the log iff
 * `N >= compactedSeq`.
 */
export interface LogBounds {
  headSeq: number;
  compactedSeq: number;
}

/**
 * One step of log compaction (R32): the `message.delta` events removed from one thread's log in
 * one transaction (`rows`, at most the step's bound), how many finished messages have none left,
 * and the highest seq removed (0 when none).
 */
export interface CompactionStep {
  workspaceId: string;
  threadId: string;
  rows: number;
  messages: number;
  highestSeq: number;
}

/**
 * The event log area of the `Store`: what subscribers read — a thread and its messages at one
 * offset (R11), then the events after an offset in seq order (R11, R12 catch-up) — the log's
 * bounds, and compaction, which removes the deltas of finished messages past the resume horizon
 * (R32).
 *
 * @example
 * ```ts
 * async function replayFrom(log: EventLogStore, threadId: string, after: number) {
 *   const bounds = await log.getLogBounds("default", threadId);
 *   if (!bounds || after < bounds.compactedSeq) return undefined; // R32: answer from a snapshot
 *   return log.readEvents("default", threadId, after, 1_000);
 * }
 * ```
 */
export interface EventLogStore {
  /** Reads a thread and its committed messages at one offset (R11). */
  readSnapshot(workspaceId: string, threadId: string): Promise<ThreadSnapshot | undefined>;
  /** Reads up to `limit` events with `seq > afterSeq`, in seq order. */
  readEvents(
    workspaceId: string,
    threadId: string,
    afterSeq: number,
    limit: number,
  ): Promise<ThreadEvent[]>;
  /** The thread's {@link LogBounds} (R11, R32). @returns undefined for no such thread. */
  getLogBounds(workspaceId: string, threadId: string): Promise<LogBounds | undefined>;
  /**
   * One step of log compaction (R32) in one transaction: removes up to `maxRows` `message.delta`
   * events of messages of one thread that finished before `finishedBefore` (ms), marks the
   * messages left with none, and raises the thread's compacted seq. @returns undefined when no
   * finished message is waiting.
   */
  compactDeltas(
    finishedBefore: number,
    now: number,
    maxRows: number,
  ): Promise<CompactionStep | undefined>;
  /**
   * One step of moving recent events into the log's keyed table, in one transaction
   * (`capabilities.recentEvents`: SQLite, migration 7): the recent events of one slice of the
   * threads that committed events, so a thread's log page is written about once per cycle of
   * steps instead of once per tick. Reads are the same before and after. Resolves 0 where the
   * backend has no recent events (PostgreSQL).
   * @returns how many events moved.
   * @throws the database's error; the step moved nothing, and the next cycle moves everything.
   */
  moveRecentEvents(): Promise<number>;
}
