import type { FoldState } from "../message/fold.js";
import type { MessageRole, MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { MessageDelta, StoredMessage, Thread } from "../protocol/resources.js";
import type {
  ArmedTrigger,
  ClaimInboundInput,
  ClaimRunTriggersInput,
  InboundClaim,
  InboundClaimRecord,
  InboundMessageInput,
  PurgeCounts,
  RunCompletion,
  RunTrigger,
} from "./inbound-records.js";
import type {
  HeartbeatOutcome,
  NodeIncarnation,
  NodeRecord,
  NodeTakeoverStep,
} from "./node-records.js";

/**
 * What a backend can do, as readonly flags rather than dialect checks (STYLE habit 5).
 */
export interface StoreCapabilities {
  /** Short backend name, for logs and benchmarks. */
  readonly dialect: "sqlite" | "postgres";
  /** Commits are announced to other processes (PostgreSQL `LISTEN/NOTIFY`, R26). */
  readonly crossProcessNotify: boolean;
  /** Claims can skip rows locked by another transaction (`FOR UPDATE SKIP LOCKED`). */
  readonly skipLocked: boolean;
}

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

/** Input of {@link Store.createThread}. */
export interface CreateThreadInput {
  id: string;
  title: string | null;
  metadata: Record<string, unknown> | null;
  forkedFrom?: { threadId: string; seq: number } | null;
}

/** Input of {@link Store.createMessage}. A streaming message carries its writer lease (R18). */
export interface CreateMessageInput {
  threadId: string;
  id: string;
  role: MessageRole;
  status: MessageStatus;
  parts: UIMessage["parts"];
  metadata?: unknown;
  errorText?: string;
  lease?: { owner: string; expiresAt: number };
}

/** The materialized parts of a streaming message, rewritten at most every 16 KiB / 1 s (R9). */
export interface BodySnapshot {
  fold: FoldState;
}

/**
 * One message's share of a writer tick (R5). A `stream` write is guarded: it applies only while the
 * message is `streaming` (R15). A `finish` write is the unguarded terminal write (R15, R16).
 *
 * `threadId` is the message's thread (a write naming another thread matches nothing); `revision` is
 * the revision the write produces (R13: the previous one + 1) — the writer holding the message's
 * lease counts revisions itself, so a streaming tick writes no message row.
 */
export type MessageWrite =
  | {
      kind: "stream";
      workspaceId: string;
      threadId: string;
      messageId: string;
      revision: number;
      delta: MessageDelta;
      /** Present when the full parts are due to be rewritten (R9). */
      body?: BodySnapshot;
    }
  | {
      kind: "finish";
      workspaceId: string;
      threadId: string;
      messageId: string;
      revision: number;
      status: Exclude<MessageStatus, "streaming">;
      errorText?: string;
      /** The final message (parts already finalized per R16). */
      message: UIMessage;
      /** Chunks of the last window that no `message.delta` carried yet, the terminal one included. */
      chunks: UIMessageChunk[];
      /**
       * Makes the terminal write conditional: it applies only to a message still streaming whose
       * lease expired before this time (the crash sweep, R18). Omitted for a writer's own finish.
       */
      leaseExpiredBefore?: number;
    };

/**
 * The result of one {@link MessageWrite}: its committed event, or why it matched no row —
 * `finalized` (a stream write after a terminal state, R15) or `missing` (deleted, R8).
 */
export type WriteOutcome =
  | { workspaceId: string; messageId: string; applied: true; event: ThreadEvent }
  | { workspaceId: string; messageId: string; applied: false; reason: "finalized" | "missing" };

/** A consistent view of a thread at one log offset (R11). */
export interface ThreadSnapshot {
  thread: Thread;
  messages: StoredMessage[];
  /** Every event with `seq <= seq` is reflected; nothing newer is. */
  seq: number;
}

/** A page of threads, newest first, and the cursor of the next page. */
export interface ThreadPage {
  threads: Thread[];
  nextCursor: string | null;
}

/** An event together with the workspace of its thread. */
export interface WorkspaceEvent {
  workspaceId: string;
  event: ThreadEvent;
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

/** Which threads {@link Store.findExpiredThreads} looks for (R25 retention). */
export interface ExpiredThreadQuery {
  /** Threads whose last update (`updatedAt`, ms) is older than this. */
  updatedBefore: number;
  /** Only this workspace's threads (default every workspace's). */
  workspaceId?: string;
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
 * Threadline's one async storage interface, implemented for SQLite and PostgreSQL over the same
 * Kysely queries (R26). Every method takes the workspace explicitly and never sees another
 * workspace's rows. Every method that appends to a log returns the committed events, which the
 * caller publishes (persist, then publish: R10).
 */
export interface Store {
  readonly capabilities: StoreCapabilities;

  /** Runs pending migrations (R27). @throws ThreadlineError `schema_too_new`. */
  migrate(): Promise<string[]>;

  /** Creates a thread and its `thread.created` event (seq 1). @throws `conflict` on a taken id. */
  createThread(
    workspaceId: string,
    input: CreateThreadInput,
    now: number,
  ): Promise<{ thread: Thread; event: ThreadEvent }>;
  getThread(workspaceId: string, threadId: string): Promise<Thread | undefined>;
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
  /**
   * A thread's log bounds (R11, R32): `headSeq`, its newest seq, and `compactedSeq`, the highest
   * seq compaction removed (0: none). Every event in `(N, headSeq]` is in the log iff
   * `N >= compactedSeq`. @returns undefined for no such thread.
   */
  getLogBounds(
    workspaceId: string,
    threadId: string,
  ): Promise<{ headSeq: number; compactedSeq: number } | undefined>;
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
   * Creates a message and its `message.created` event in one transaction (R14).
   * @throws ThreadlineError `not_found` (no such thread), `conflict` (id taken).
   */
  createMessage(
    workspaceId: string,
    input: CreateMessageInput,
    now: number,
  ): Promise<{ message: StoredMessage; event: ThreadEvent }>;

  /** Commits one writer tick: every write in one transaction (R5), one event per applied write. */
  commitWrites(writes: readonly MessageWrite[], now: number): Promise<WriteOutcome[]>;

  /** Reads one committed message, folding logged deltas newer than its body (R9). */
  getMessage(workspaceId: string, messageId: string): Promise<StoredMessage | undefined>;
  /** Reads a thread and its committed messages at one offset (R11). */
  readSnapshot(workspaceId: string, threadId: string): Promise<ThreadSnapshot | undefined>;
  /** Reads up to `limit` events with `seq > afterSeq`, in seq order. */
  readEvents(
    workspaceId: string,
    threadId: string,
    afterSeq: number,
    limit: number,
  ): Promise<ThreadEvent[]>;

  /** Deletes a message and appends `message.deleted`. @returns undefined when there was none. */
  deleteMessage(
    workspaceId: string,
    messageId: string,
    now: number,
  ): Promise<{ event: ThreadEvent } | undefined>;

  /** Extends the lease of every streaming message of `owner` to `expiresAt` (R18). */
  renewLeases(owner: string, expiresAt: number, now: number): Promise<number>;
  /** A message's writer lease (R18): owner and expiry in ms; undefined for no such message. */
  getLease(
    workspaceId: string,
    messageId: string,
  ): Promise<{ owner: string | null; expiresAt: number | null } | undefined>;
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
   * Finalizes `error` a streaming message whose changes the database refuses (R30: poison proven
   * permanent), from what is already committed (R16: partial parts kept, unpaired tool calls get
   * an `output-error`), with a `message.finished` event whose chunks are `[{ type: "error",
   * errorText }]`. Guarded by `status = 'streaming'` only (the caller holds the lease); a message
   * already finished or deleted returns undefined and changes nothing.
   */
  failMessage(
    workspaceId: string,
    messageId: string,
    now: number,
    errorText: string,
  ): Promise<ThreadEvent | undefined>;
  /**
   * Answers once the database took a trivial query; rejects with the driver's error when it is
   * unreachable. Tells a database outage (every commit fails) from one write it refuses (R30).
   */
  ping(): Promise<void>;
  /**
   * Finalizes `aborted` up to `limit` streaming messages whose lease expired before `now` (R18), or
   * before `scope.leaseExpiredBefore` with the scope's text (R31), each with a `message.finished`
   * event. A lease renewed meanwhile wins: that message is left alone.
   */
  sweepExpiredLeases(now: number, limit: number, scope?: SweepScope): Promise<WorkspaceEvent[]>;

  /**
   * Claims an idempotency key for a request (R21): inserts a `processing` claim with the request's
   * token; finding a processed claim answers `processed` (a processed claim never changes hands);
   * finding a `processing` claim answers `in_flight`, unless it was taken before `staleBefore`, when
   * it is taken over with the new token (guarded by the old token, so one taker wins).
   */
  claimInbound(workspaceId: string, input: ClaimInboundInput, now: number): Promise<InboundClaim>;
  /**
   * Releases a claim after a failure before its message was stored (R21), guarded by the token and
   * `status = processing`. @returns false when the claim was taken over or is gone.
   */
  releaseInbound(workspaceId: string, key: string, token: string): Promise<boolean>;
  /**
   * Stores a complete message with its `message.created` event, marks its idempotency claim
   * processed (guarded by token and `status = processing`) and arms its thread's run trigger — all
   * in one transaction (R21, R22).
   * @throws ThreadlineError `conflict` with `details.reason = "taken_over"` when the claim changed
   *   hands (nothing is stored); `not_found` (thread), `conflict` (message id taken).
   */
  appendInbound(
    workspaceId: string,
    input: InboundMessageInput,
    now: number,
  ): Promise<{ message: StoredMessage; event: ThreadEvent; trigger?: ArmedTrigger }>;
  /** Reads one idempotency claim (for inspection and tests). */
  getInboundClaim(workspaceId: string, key: string): Promise<InboundClaimRecord | undefined>;

  /**
   * Claims up to `limit` run triggers in one guarded statement (R23): due `pending`/`retrying` ones
   * and `claimed` ones whose claim expired (their node is gone), plus with `armedBy` every pending
   * trigger that node armed. Each claim bumps the trigger's generation. Rows another transaction
   * holds are skipped where the backend can (`skipLocked`).
   */
  claimRunTriggers(input: ClaimRunTriggersInput): Promise<RunTrigger[]>;
  /** Extends every claim `owner` holds to `expiresAt` (deliveries in progress). @returns how many. */
  renewRunClaims(owner: string, expiresAt: number): Promise<number>;
  /**
   * Ends a claimed trigger's delivery attempt (R22–R24), guarded by trigger id, claim owner,
   * generation and `status = claimed` — the generation fence: a completion for a claim that expired
   * and was taken over (or any older claim) matches nothing and changes nothing (`applied: false`).
   * @returns the committed events (`run.triggered`, or the notice's `message.created`).
   */
  completeRunTrigger(
    trigger: RunTrigger,
    completion: RunCompletion,
    now: number,
  ): Promise<{ applied: boolean; events: ThreadEvent[] }>;
  /**
   * The messages of a run (R22): every user message since the thread's last assistant message, in
   * order. @returns undefined when the thread does not exist.
   */
  readRunMessages(workspaceId: string, threadId: string): Promise<StoredMessage[] | undefined>;
  /** The earliest time a trigger becomes claimable (due, or its claim expires), if any. */
  nextRunDueAt(): Promise<number | undefined>;
  /** Every run trigger of a thread, oldest first (for inspection and tests). */
  listRunTriggers(workspaceId: string, threadId: string): Promise<RunTrigger[]>;
  /**
   * Deletes processed claims and finished triggers (`fired`, `declined`, `failed`) older than
   * `before`, and claims abandoned `processing` since before it (R25).
   */
  purgeInbound(before: number): Promise<PurgeCounts>;

  /**
   * Registers a starting process as its node (R31): upserts the node's row with this incarnation
   * and `started_at = heartbeat_at = now` (ms), replacing an earlier process's row of the same node
   * id (a takeover of that row in progress finishes first).
   * @returns the replaced row, undefined when the node id was not registered.
   */
  registerNode(node: NodeIncarnation, now: number): Promise<NodeRecord | undefined>;
  /**
   * Beats a node's heartbeat (R31), guarded by node id and incarnation: `alive`, or `rejoined`
   * (the row had been taken over: it is inserted again, what was taken over stays finalized), or
   * `superseded` (a newer incarnation owns the row: nothing is written).
   */
  beatHeartbeat(node: NodeIncarnation, now: number): Promise<HeartbeatOutcome>;
  /**
   * Up to `limit` nodes, other than `exceptNodeId`, whose heartbeat is older than `staleBefore`
   * (ms), oldest first (R31). A plain read: {@link takeOverNode} re-checks each under its guard.
   */
  findStaleNodes(staleBefore: number, exceptNodeId: string, limit: number): Promise<NodeRecord[]>;
  /**
   * One transaction of a takeover (R31): if the node's row (that incarnation) still has a
   * heartbeat older than `staleBefore` and no other node holds it (`FOR UPDATE SKIP LOCKED`),
   * finalizes `aborted` up to `limit` of its streaming messages (`lease_owner` = the node) with a
   * `message.finished` event each, and deletes the row once none is left streaming. A fresh
   * heartbeat, a new incarnation, a row already gone or held by another taker: undefined, nothing
   * changed.
   */
  takeOverNode(
    node: NodeIncarnation,
    staleBefore: number,
    now: number,
    limit: number,
  ): Promise<NodeTakeoverStep | undefined>;
  /**
   * Finalizes `aborted` up to `limit` streaming messages whose lease `nodeId` holds, with the
   * restart reason (R31): only for a process that took this node id and has opened no writer yet,
   * whose previous incarnation left them. Guarded by `status = 'streaming' AND lease_owner =
   * nodeId` on locked rows.
   */
  abortNodeOrphans(nodeId: string, now: number, limit: number): Promise<WorkspaceEvent[]>;
  /**
   * Deletes a leaving node's row (R31), guarded by its incarnation and by none of its messages
   * being left `streaming` (those are then taken over once the kept row goes stale).
   * @returns true when the row was deleted.
   */
  removeNode(node: NodeIncarnation): Promise<boolean>;
  /** Every node row, by node id (for operators and tests). */
  listNodes(): Promise<NodeRecord[]>;

  /**
   * Calls `handlers` for commits and stop requests of other processes (PostgreSQL); a no-op
   * elsewhere (`capabilities.crossProcessNotify` false).
   * @returns a function that stops listening.
   */
  listen(handlers: RemoteHandlers): Promise<() => Promise<void>>;

  /**
   * Sends a stop request to every other node (R28); the one holding the message's writer lease
   * acts on it. A no-op where `capabilities.crossProcessNotify` is false.
   */
  announceStop(request: StopRequest): Promise<void>;

  /** Closes connections. */
  close(): Promise<void>;
}
