import type { ThreadEvent } from "../protocol/events.js";
import type { Thread } from "../protocol/resources.js";

/**
 * How far a thread's `updatedAt` may lag its newest event, in ms. Every event moves it to the
 * event's time, except a streaming tick's `message.delta`, which moves it only once it is at least
 * this old: `updated_at` is indexed (retention, R25), and on PostgreSQL a row update that changes
 * an indexed column cannot be a heap-only (HOT) update, so a tick that moved it every 33 ms
 * rewrote every streaming thread's index entries 30 times a second (issue 9). Retention treats a
 * TTL below this as this long, so a thread written to after a purge picked it is still kept.
 */
export const THREAD_UPDATED_AT_SLACK_MS = 1_000;

/** Input of {@link ThreadStore.createThread}. */
export interface CreateThreadInput {
  id: string;
  title: string | null;
  metadata: Record<string, unknown> | null;
  forkedFrom?: { threadId: string; seq: number } | null;
}

/** A page of threads, newest first, and the cursor of the next page. */
export interface ThreadPage {
  threads: Thread[];
  nextCursor: string | null;
}

/** Which threads {@link ThreadStore.findExpiredThreads} looks for (R25 retention). */
export interface ExpiredThreadQuery {
  /** Threads whose last update (`updatedAt`, ms) is older than this. */
  updatedBefore: number;
  /** Only this workspace's threads (default every workspace's). */
  workspaceId?: string;
  /** Not these workspaces' threads (each has a TTL of its own). */
  exceptWorkspaceIds?: readonly string[];
  limit: number;
  /** Keyset: continue after this thread (ordered by updated time, workspace, id). */
  after?: { updatedAt: number; workspaceId: string; threadId: string };
}

/** A thread past its retention, with its workspace. */
export interface ExpiredThread {
  workspaceId: string;
  thread: Thread;
}

/** What one batch of a thread deletion removed (R20, R25), and whether the thread is now gone. */
export interface ThreadRowsDeleted {
  events: number;
  bodies: number;
  messages: number;
  /** True when nothing of the thread was left: its deletion record went too. */
  done: boolean;
}

/**
 * The threads area of the `Store`: creating, reading and listing threads, forking one at a
 * log offset (R19), and deleting one in resumable batches (R20), retention's look-up included
 * (R25). Every method takes the workspace explicitly (or names it in its result) and never sees
 * another workspace's rows; a method that appends to a log returns the committed events for the
 * caller to publish (R10).
 *
 * @example
 * ```ts
 * async function titleOf(threads: ThreadStore, workspaceId: string, id: string) {
 *   return (await threads.getThread(workspaceId, id))?.title ?? null;
 * }
 * ```
 */
export interface ThreadStore {
  /** Creates a thread and its `thread.created` event (seq 1). @throws `conflict` on a taken id. */
  createThread(
    workspaceId: string,
    input: CreateThreadInput,
    now: number,
  ): Promise<{ thread: Thread; event: ThreadEvent }>;
  /** One thread of the workspace; undefined when there is none (or its deletion began). */
  getThread(workspaceId: string, threadId: string): Promise<Thread | undefined>;
  /** A page of the workspace's threads, newest first; `cursor`: a previous page's `nextCursor`. */
  listThreads(
    workspaceId: string,
    options: { limit: number; cursor?: string },
  ): Promise<ThreadPage>;
  /**
   * Forks a thread at a log offset or message (R19): a new thread, `thread.forked` then a
   * `message.created` per copied message. @throws `not_found`, `bad_offset`, `conflict`,
   * `compacted` (a message was streaming at the fork point and its deltas were compacted, R32).
   */
  forkThread(
    workspaceId: string,
    sourceId: string,
    point: { atSeq?: number; atMessageId?: string },
    input: Omit<CreateThreadInput, "forkedFrom">,
    newMessageId: () => string,
    now: number,
  ): Promise<{ thread: Thread; events: ThreadEvent[] }>;
  /**
   * Starts deleting a thread (R20): one transaction deletes its row and run triggers and records
   * the deletion, and announces it to other processes (`deleted`, R26). From its commit no write
   * reaches the thread (a streaming write's writer gets `message_finalized`, a new message
   * `not_found`) and its id stays taken until {@link deleteThreadRows} finished. With
   * `guard.updatedBefore` (retention, R25) the thread must still be older than it: a thread
   * written to meanwhile is kept. @returns false when there was none (or the guard did not hold).
   */
  beginThreadDeletion(
    workspaceId: string,
    threadId: string,
    now: number,
    guard?: { updatedBefore?: number },
  ): Promise<boolean>;
  /**
   * Deletes one batch, in its own transaction, of a thread whose deletion began: up to `maxRows`
   * events, then (none left) the bodies and rows of up to `maxRows / 2` messages, then (none left)
   * the deletion record (`done`). Call until `done`; safe to resume after a crash.
   */
  deleteThreadRows(
    workspaceId: string,
    threadId: string,
    maxRows: number,
  ): Promise<ThreadRowsDeleted>;
  /** Up to `limit` thread deletions begun and not finished (a crash in between), oldest first. */
  listThreadDeletions(
    limit: number,
  ): Promise<{ workspaceId: string; threadId: string; startedAt: number }[]>;
  /** Threads whose last update is older than a cutoff, oldest first (R25; a plain read). */
  findExpiredThreads(query: ExpiredThreadQuery): Promise<ExpiredThread[]>;
}
