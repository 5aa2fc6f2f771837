import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { RecentEventsMover } from "./sqlite/recent-events.js";
import type { RemoteCommit, RemoteHandlers, StopRequest, StoreCapabilities } from "./store.js";

/**
 * The few things that differ between backends (STYLE habit 5: same file set per dialect, differences
 * as capabilities). Everything else is the shared Kysely code in `queries/`.
 */
export interface StoreDriver {
  readonly capabilities: StoreCapabilities;
  readonly db: Kysely<Database>;
  /** The schema holding the tables, where the backend has schemas (PostgreSQL). */
  readonly schema?: string;
  /** Runs `fn` in a transaction that reads one consistent snapshot (R11). */
  readTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Announces commits to other processes; called inside the writing transaction (R26). */
  announce(trx: Transaction<Database>, commits: readonly RemoteCommit[]): Promise<void>;
  /** Sends a stop request to the other processes (R28), outside any transaction. */
  announceStop(request: StopRequest): Promise<void>;
  /** Delivers other processes' announcements until the returned function is called. */
  listen(handlers: RemoteHandlers): Promise<() => Promise<void>>;
  /**
   * Hands up to `maxPages` pages that deletions freed back to the file system, outside any
   * transaction (SQLite files created with `auto_vacuum = INCREMENTAL`; absent where the database
   * reclaims space itself, as PostgreSQL's autovacuum does). Called after compaction steps and
   * thread deletion batches (R25, R32).
   */
  reclaimFreePages?(maxPages: number): Promise<void>;
  /**
   * Moves recent events into the log (SQLite, migration 7); its `note` hears every commit that
   * `announce` does. Absent where events are written to the log directly (PostgreSQL).
   */
  readonly recentEvents?: RecentEventsMover;
  close(): Promise<void>;
}
