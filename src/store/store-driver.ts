import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { RemoteCommit, StoreCapabilities } from "./store.js";

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
  /** Delivers other processes' announcements until the returned function is called. */
  listen(onCommit: (commit: RemoteCommit) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
