import type { ThreadEvent } from "../protocol/events.js";

/** A commit announced by another process: thread `threadId` has events up to `seq` (R26). */
export interface RemoteCommit {
  workspaceId: string;
  threadId: string;
  seq: number;
  /** True when the thread was deleted (R20). */
  deleted?: boolean;
}

/**
 * A stop request for a streaming message, sent to the node holding its writer lease (R28). Like
 * {@link RemoteCommit} it carries only ids: the receiver reads everything else itself.
 */
export interface StopRequest {
  workspaceId: string;
  threadId: string;
  messageId: string;
}

/** What other processes announce (PostgreSQL `LISTEN/NOTIFY`, R26, R28). */
export interface RemoteHandlers {
  /** Another node committed events of a thread, or deleted it. */
  onCommit(commit: RemoteCommit): void;
  /** Another node asks the holder of a message's writer lease to stop it. */
  onStop(request: StopRequest): void;
  /**
   * The notification connection was lost (R26): commits of other nodes go unheard until
   * {@link onListenRestored}. Called once per outage, however many reconnect attempts fail.
   */
  onListenLost(error: unknown): void;
  /**
   * Listening again after an outage of `gapMs`: every subscriber must catch up from the log (R12),
   * since commits inside the gap were never announced. Stop requests sent inside it are lost (R28).
   */
  onListenRestored(outage: { gapMs: number }): void;
}

/**
 * Where a `Store` hands what this process committed (persist, then publish: R10): every event a
 * write appended, right after its transaction committed — never before, never for a transaction
 * that failed or rolled back — in commit order, and each thread whose deletion began (R20). One
 * sink for every write; the `Broker` is it. Commits of other nodes reach the same broker through
 * {@link RemoteHandlers.onCommit}.
 */
export interface CommitSink {
  /** Publishes with the delivery its type calls for (`message.delta` lossy, the rest reliable, R12). */
  publish(workspaceId: string, event: ThreadEvent): Promise<void>;
  /** Publishes reliably whatever its type: a delta carrying a structural change (R4, R12). */
  publishReliable(workspaceId: string, event: ThreadEvent): Promise<void>;
  /** The thread's deletion began: its subscribers get `thread.deleted` and close (R20). */
  closeThread(workspaceId: string, threadId: string): void;
}

/**
 * The notification area of the `Store` (R10, R26, R28): every committed event goes to the local
 * {@link CommitSink}; on PostgreSQL every write also announces
 * its commits to the other nodes in the same transaction (`LISTEN/NOTIFY` carrying only thread and
 * seq, so an announcement is only ever seen for a committed event, R10), and a stop request reaches
 * the node holding a message's writer lease. Where `capabilities.crossProcessNotify` is false
 * (SQLite, one process) both methods are no-ops.
 *
 * @example
 * ```ts
 * const stopListening = await store.listen({
 *   onCommit: (commit) => broker.notifyRemoteCommit(commit.workspaceId, commit.threadId),
 *   onStop: ({ workspaceId, messageId }) => void stopLocalWriter(writer, workspaceId, messageId),
 *   onListenLost: (error) => events.emit("lifecycle:listen-lost", { error }),
 *   onListenRestored: () => broker.markAllBehind(), // R12: every subscriber reads the log again
 * });
 * ```
 */
export interface NotificationStore {
  /**
   * Calls `handlers` for commits and stop requests of other processes (PostgreSQL); a no-op
   * elsewhere (`capabilities.crossProcessNotify` false).
   * @returns a function that stops listening.
   */
  listen(handlers: RemoteHandlers): Promise<() => Promise<void>>;
  /**
   * Sets where committed events go from now on ({@link CommitSink}; none before: nothing is
   * published). Each write method resolves once its events were handed over — queued for every
   * local subscriber — except {@link MessageStore.commitWrites}, whose outcomes carry that promise
   * so a slow subscriber never holds up the writer's next commit.
   */
  attachSink(sink: CommitSink): void;
  /**
   * Sends a stop request to every other node (R28); the one holding the message's writer lease
   * acts on it. A no-op where `capabilities.crossProcessNotify` is false.
   */
  announceStop(request: StopRequest): Promise<void>;
}
