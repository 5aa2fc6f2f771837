/**
 * Observability events (STYLE habit 11): the core emits these; `metrics/` and loggers listen. The
 * core never imports a metrics library.
 */
export interface ThreadlineEventMap {
  /** One writer transaction committed (R5): how many message writes and events, and how long. */
  "writer:commit": {
    writes: number;
    events: number;
    /** Clock time the commit started at (ms since the epoch). */
    startedAt: number;
    durationMs: number;
    urgent: boolean;
  };
  /** A writer transaction failed; its writes stay buffered and are retried after `retryInMs` (R6). */
  "writer:error": { error: unknown; writes: number; attempt: number; retryInMs: number };
  /** A message's changes were refused by the database twice, alone: it ended `error` (R30). */
  "writer:poisoned": { workspaceId: string; messageId: string; error: unknown };
  /** A write matched no streaming row: the message was finalized elsewhere or deleted (R8, R15). */
  "writer:rejected": { workspaceId: string; messageId: string; reason: "finalized" | "missing" };
  /** A subscriber queue was full: `lossy` for a delta, `reliable` after the bounded wait (R12). */
  "broker:drop": {
    delivery: "lossy" | "reliable";
    workspaceId: string;
    threadId: string;
    seq: number;
  };
  /**
   * A stop request ended a streaming message (R28): written here (`local`), by its lease holder on
   * another node (`remote`), or finalized here because no live writer held it (`orphan`).
   */
  "lifecycle:stopped": {
    workspaceId: string;
    messageId: string;
    via: "local" | "remote" | "orphan";
  };
  /** The crash sweep finalized messages whose writer lease expired (R18). */
  "lifecycle:swept": { count: number };
  /** Leases of this node's streaming messages were renewed (R18). */
  "lifecycle:renewed": { count: number };
  /**
   * This node took over a dead node (R31): `nodeId`'s heartbeat was `silentMs` old (past the node
   * timeout), so its `count` streaming messages were finalized `aborted` and its row deleted.
   */
  "lifecycle:node-lost": { nodeId: string; count: number; silentMs: number };
  /**
   * This process started under a node id an earlier process used (R31): the `count` messages that
   * one left streaming were finalized `aborted` at once. `previousHeartbeatAt` (ms) is the earlier
   * process's last heartbeat, null when its row was already gone.
   */
  "lifecycle:node-restarted": {
    nodeId: string;
    count: number;
    previousHeartbeatAt: number | null;
  };
  /**
   * This node's heartbeat found its row gone or taken (R31): `rejoined` — another node had declared
   * it dead and took over its streaming messages (they stay finalized; the node is known again);
   * `superseded` — a newer process runs under the same node id (this one's beats write nothing and
   * it takes no node over; two live processes must not share a node id). Emitted once per change.
   */
  "lifecycle:heartbeat-lost": { nodeId: string; outcome: "rejoined" | "superseded" };
  /**
   * This node's notification connection was lost (R26): other nodes' commits go unheard until it is
   * restored. Emitted once per outage.
   */
  "lifecycle:listen-lost": { error: unknown };
  /**
   * The notification connection is back after `gapMs`; every subscriber of this node catches up
   * from the log (R12), so the outage costs its viewers at most the gap.
   */
  "lifecycle:listen-restored": { gapMs: number };
  /**
   * A background task (sweep, renewal, heartbeat, listener, run scheduler, purge, compaction,
   * thread-purge, recent-events) failed; it will run again.
   */
  "lifecycle:error": { task: string; error: unknown };
  /** A processed idempotency key was sent again: the original message was answered (R21). */
  "inbound:replayed": { workspaceId: string; key: string; messageId: string };
  /**
   * A message with an idempotency key was refused with `conflict` (R21): `in_flight` (another
   * request holds the key), `taken_over` (this request held it too long and lost it), `other_thread`
   * (the key stored a message of another thread), `deleted` (its message was deleted since).
   */
  "inbound:conflict": {
    workspaceId: string;
    key: string;
    reason: "in_flight" | "taken_over" | "other_thread" | "deleted";
  };
  /** A stale claim (older than the claim stale time) was taken over by a new request (R21). */
  "inbound:taken-over": { workspaceId: string; key: string };
  /** A user message (re)armed its thread's run trigger (R22). */
  "run:armed": {
    workspaceId: string;
    threadId: string;
    triggerId: string;
    generation: number;
    dueAt: number;
  };
  /** A run was delivered and `run.triggered` appended (R22, R24). */
  "run:fired": {
    workspaceId: string;
    threadId: string;
    triggerId: string;
    attempt: number;
    messages: number;
  };
  /**
   * A run delivery failed (R24): retried after `retryInMs`, or, when `retryInMs` is null, the last
   * attempt failed and the trigger is kept as `failed`.
   */
  "run:failed": {
    workspaceId: string;
    threadId: string;
    triggerId: string;
    attempt: number;
    error: unknown;
    retryInMs: number | null;
  };
  /** The run target answered agent offline / archived: a system notice was appended (R24). */
  "run:notice": { workspaceId: string; threadId: string; triggerId: string; reason: string };
  /**
   * A delivery attempt's completion lost the generation fence: its claim had expired and another
   * claim took the trigger over (R23). Nothing was written; the newer claim completes it.
   */
  "run:fenced": { workspaceId: string; threadId: string; triggerId: string; generation: number };
  /** The retention purge deleted old claims and finished triggers (R25). */
  "inbound:purged": { claims: number; triggers: number };
  /**
   * One log compaction transaction (R32): `rows` `message.delta` events (at most the batch bound)
   * removed from one thread's log, `messages` finished messages left with none, `highestSeq` the
   * highest seq removed (0 for none).
   */
  "lifecycle:compacted": {
    workspaceId: string;
    threadId: string;
    rows: number;
    messages: number;
    highestSeq: number;
  };
  /**
   * One transaction of a thread deletion (R20, R25): the rows it removed, at most the batch bound
   * (`retention.batchRows`) together.
   */
  "lifecycle:thread-batch": {
    workspaceId: string;
    threadId: string;
    events: number;
    bodies: number;
    messages: number;
  };
  /** The retention purge deleted a thread last updated at `updatedAt` (ms; R25). */
  "lifecycle:thread-purged": { workspaceId: string; threadId: string; updatedAt: number };
  /**
   * A workspace over one of its limits was refused `rate_limited` (R33, HTTP 429): a stream or
   * subscriber past its `max` slots, or a complete message past its chunk or byte rate (`max` per
   * second), asked to retry after `retryAfterMs`.
   */
  "workspace:refused": {
    workspaceId: string;
    limit: "streams" | "chunks" | "bytes" | "subscribers";
    max: number;
    retryAfterMs: number;
  };
  /**
   * A chunk of a workspace over its chunk or byte rate waited `waitMs` for its turn before it was
   * taken (R33: backpressure, first come first served, never a refusal mid-stream).
   */
  "workspace:waited": { workspaceId: string; limit: "chunks" | "bytes"; waitMs: number };
}

/** A listener of one event. */
export type Listener<T> = (payload: T) => void;

/**
 * A minimal typed event hub. Listener errors are swallowed so observability never breaks a write.
 */
export class EventHub<M extends object = ThreadlineEventMap> {
  private listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(name, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** Calls every listener of `name` with `payload`. */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch {
        // Observability must not break the data path.
      }
    }
  }
}
