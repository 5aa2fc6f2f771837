import type { EventLogStore } from "./event-log-store.js";
import type { InboundStore } from "./inbound-store.js";
import type { LeaseStore } from "./lease-store.js";
import type { MessageStore } from "./message-store.js";
import type { NodeStore } from "./node-store.js";
import type { NotificationStore } from "./notification-store.js";
import type { ThreadStore } from "./thread-store.js";

// Every shape moved to its area's file is re-exported here, so `./store.js` stays the one import.
export type {
  CompactionStep,
  EventLogStore,
  LogBounds,
  ThreadSnapshot,
  WorkspaceEvent,
} from "./event-log-store.js";
export type { InboundStore } from "./inbound-store.js";
export type { Lease, LeaseStore, SweepScope } from "./lease-store.js";
export type {
  BodySnapshot,
  CreateMessageInput,
  MessageStore,
  MessageWrite,
  WriteDecision,
  WriteOutcome,
} from "./message-store.js";
export type { NodeStore } from "./node-store.js";
export type {
  CommitSink,
  NotificationStore,
  RemoteCommit,
  RemoteHandlers,
  StopRequest,
} from "./notification-store.js";
export type {
  CreateThreadInput,
  ExpiredThread,
  ExpiredThreadQuery,
  ThreadPage,
  ThreadRowsDeleted,
  ThreadStore,
} from "./thread-store.js";

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
  /**
   * New events land in a table of recent events that {@link EventLogStore.moveRecentEvents}
   * empties into the log a slice of threads per step (SQLite, migration 7; issue 9). Reads see
   * both either way.
   */
  readonly recentEvents: boolean;
}

/**
 * Threadline's one async storage interface, implemented for SQLite and PostgreSQL over the same
 * Kysely queries (R26). Every method takes the workspace explicitly and never sees another
 * workspace's rows. Every method that appends to a log hands the committed events to the sink
 * attached with `attachSink` once they committed (persist, then publish: R10), and returns them.
 *
 * It is the sum of its areas, each declared in its own file with the shapes it uses — a consumer
 * that needs one area may take the narrower type:
 * - {@link ThreadStore} — threads: create, list, fork (R19), delete in batches (R20, R25);
 * - {@link MessageStore} — messages and the writer's commits (R5–R9, R14, R15, R30);
 * - {@link EventLogStore} — snapshots, the log after an offset, its bounds, compaction (R11, R32);
 * - {@link LeaseStore} — writer leases and the crash sweep (R18, R28, R31);
 * - {@link InboundStore} — idempotency claims and run triggers (R21–R25);
 * - {@link NodeStore} — node heartbeats and takeovers (R31);
 * - {@link NotificationStore} — commits and stop requests across nodes (R26, R28);
 *
 * and below, the connection itself: capabilities, migrations (R27), a health probe, close.
 *
 * @example
 * ```ts
 * const store = await openStore("sqlite:./threadline.db", "node-1");
 * await store.migrate();
 * const input = { id: "t1", title: null, metadata: null };
 * const { thread } = await store.createThread("default", input, Date.now());
 * await store.close();
 * ```
 */
export interface Store
  extends ThreadStore,
    MessageStore,
    EventLogStore,
    LeaseStore,
    InboundStore,
    NodeStore,
    NotificationStore {
  readonly capabilities: StoreCapabilities;

  /**
   * Runs pending migrations (R27). @returns the names of those it applied (empty: current).
   * @throws ThreadlineError `schema_too_new` (a newer Threadline migrated it), `internal`.
   */
  migrate(): Promise<string[]>;

  /**
   * Answers once the database took a trivial query; rejects with the driver's error when it is
   * unreachable. Tells a database outage (every commit fails) from one write it refuses (R30).
   */
  ping(): Promise<void>;

  /** Closes connections. */
  close(): Promise<void>;
}
