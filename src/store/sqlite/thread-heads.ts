import { CompiledQuery, type DatabaseConnection, type Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Most threads whose heads {@link ThreadHeads} keeps; past it, the next transaction persists every
 * deferred head and starts over empty (one scan of `events_recent`, a few ms).
 */
export const MAX_CACHED_THREAD_HEADS = 20_000;

/** A thread's head as {@link ThreadHeads} knows it: its newest seq, and its `updated_at`. */
export interface CachedHead {
  head: number;
  /** The thread row's `updated_at` (ms), as the last reservation left it. */
  updatedAt: number;
}

/**
 * The heads of the threads this SQLite connection appended to (issue 9: one write per stream per
 * tick), so that a streaming tick reserves its seqs in memory instead of rewriting each thread's
 * row 30 times a second — the tick's `head_seq` bump was ~a fifth of its commit time and ~60 of the
 * ~550 bytes a streamed character cost at 10 streams (bench, 2026-12-03).
 *
 * The invariant that keeps seqs dense and readers exact: **a thread's head is the larger of its
 * row's `head_seq` and the newest seq of its events in `events_recent`** (migration 7). Streaming
 * ticks may leave the row behind (their events are in `events_recent`, durable with the commit);
 * every other reservation writes the row, and the mover writes the heads of the threads whose
 * events it takes out of `events_recent` (`recent-events.ts`) — so readers compute the head from
 * the row and the log (`queries/threads.ts`), in any process; on this connection they take the
 * newest seqs from the cache instead wherever it is exact ({@link readStamp}).
 *
 * The cache is only trusted while no other connection committed: each transaction begins by
 * reading `PRAGMA data_version` (it changes when another connection commits), and when it changed
 * — or on the connection's first transaction, or when the cache outgrew
 * {@link MAX_CACHED_THREAD_HEADS} — the transaction first writes every head `events_recent` is
 * ahead of into its row ({@link RECONCILE_HEADS}) and starts from an empty cache. A crash leaves
 * nothing to lose: what the cache knew is in `events_recent`, and the next process reconciles.
 *
 * Changes made during a transaction are staged and become the cache only when it commits; a
 * rollback drops them ({@link ImmediateSqliteDriver} calls the hooks while it holds the
 * connection, so no other statement sees a half-applied cache). Inactive (every method a no-op,
 * `get` always undefined) until the connection finds `events_recent` (migration 7) in place.
 */
export class ThreadHeads {
  private readonly heads = new Map<string, CachedHead>();
  /** Changes of the open transaction: a value to set, or `null` to drop. */
  private staged = new Map<string, CachedHead | null>();
  /** The open transaction cleared the cache (reconciled) before its changes. */
  private stagedClear = false;
  private stagedVersion: number | undefined;
  /** `PRAGMA data_version` when the cache was last known to be complete; none: reconcile. */
  private dataVersion: number | undefined;
  /** `events_recent` exists (looked up at each transaction's begin until it does). */
  private migrated = false;
  private inTransaction = false;
  /** Changes whenever committed heads are cleared or a thread is dropped ({@link readStamp}). */
  private generation = 0;
  /**
   * Messages a writer tick found streaming in their thread (`threadKey(workspace, message)` →
   * thread id), valid while `message_epoch` is {@link epoch}: see {@link streamingGuard}.
   */
  private readonly streaming = new Map<string, string>();
  /** `message_epoch.n` as this connection's last tick left it; undefined: unknown. */
  private epoch: number | undefined;
  /** The open tick's changes to {@link streaming} (a thread id, or `null` to forget). */
  private stagedStreaming = new Map<string, string | null>();
  /** The open tick's `message_epoch` after its commit; undefined: no tick in this transaction. */
  private stagedEpoch: number | undefined;
  /** The open tick found {@link streaming} stale: it is cleared before the staged changes. */
  private stagedStreamingClear = false;
  /** `message_epoch` exists (migration 8; looked up at each tick until it does). */
  private epochTable = false;

  /** Whether reservations may use this cache (the file is migrated, a transaction is open). */
  get active(): boolean {
    return this.migrated && this.inTransaction;
  }

  /** A thread's head as this transaction sees it, or undefined when not cached. */
  get(key: string): CachedHead | undefined {
    if (!this.active) return undefined;
    const staged = this.staged.get(key);
    if (staged !== undefined) return staged ?? undefined;
    return this.stagedClear ? undefined : this.heads.get(key);
  }

  /**
   * What a read outside this connection's transactions may take from the committed heads
   * ({@link committedHead}): they are complete — every thread whose row is behind its events in
   * `events_recent` is among them — for a statement that sees `PRAGMA data_version` equal to
   * `dataVersion` (no other connection committed since the last reconcile). `generation` changes
   * when committed heads are cleared or dropped: a read that finds it changed across its statement
   * must not combine the two. Undefined until the first reconcile on a migrated file.
   */
  readStamp(): { dataVersion: number; generation: number } | undefined {
    if (!this.migrated || this.dataVersion === undefined) return undefined;
    return { dataVersion: this.dataVersion, generation: this.generation };
  }

  /** A thread's head as the last committed transaction left it, or undefined when not cached. */
  committedHead(key: string): number | undefined {
    return this.heads.get(key)?.head;
  }

  /**
   * Inside a transaction, the cached heads of the threads whose key (`threadKey(workspace, id)`)
   * lies in [`fromKey`, `toKey`) (no bound when undefined), and maybe of others: every thread of
   * that range whose row is behind its events in `events_recent` is among them, since the cache is
   * complete inside a transaction (after a reconcile at its begin, only the transaction's own
   * reservations can have left a row behind). The recent events' mover writes these into the
   * rows instead of grouping a slice's events by thread (`recent-events.ts`). Writing a thread's
   * cached head into its row is right whatever the range: the cache is exact. One pass over the
   * cache (~0.5 ms at its largest, {@link MAX_CACHED_THREAD_HEADS} threads).
   *
   * Keys compare as JavaScript strings — UTF-16 code units — where SQLite compares UTF-8 bytes.
   * The two orders differ only between two code units from U+D800 up (a surrogate pair's against
   * a character of U+E000–U+FFFF), so they agree on every key against bounds without such code
   * units; when a bound has one, every cached head is taken. U+0000, the key's separator, sorts
   * below every character an id may hold (ids hold no NUL), so keys sort as (workspace, id) pairs
   * do. Undefined outside a transaction.
   */
  headsWithin(
    fromKey: string | undefined,
    toKey: string | undefined,
  ): { key: string; head: number }[] | undefined {
    if (!this.active) return undefined;
    const comparable = !HIGH_CODE_UNIT.test(fromKey ?? "") && !HIGH_CODE_UNIT.test(toKey ?? "");
    const within: { key: string; head: number }[] = [];
    const take = (key: string, head: number): void => {
      const inRange =
        (fromKey === undefined || key >= fromKey) && (toKey === undefined || key < toKey);
      if (!comparable || inRange) within.push({ key, head });
    };
    // A reconcile at this transaction's begin left no row behind: only its own changes can be.
    if (!this.stagedClear) {
      for (const [key, cached] of this.heads) if (!this.staged.has(key)) take(key, cached.head);
    }
    for (const [key, staged] of this.staged) if (staged !== null) take(key, staged.head);
    return within;
  }

  /** Records a thread's head in the open transaction (applied when it commits). */
  set(key: string, head: CachedHead): void {
    if (this.active) this.staged.set(key, head);
  }

  /** Forgets a thread in the open transaction (a deleted thread must not be written to). */
  drop(key: string): void {
    if (this.active) this.staged.set(key, null);
  }

  /**
   * Called by the driver right after `BEGIN IMMEDIATE` (the write lock is held): reconciles when
   * another connection committed since the cache was last complete.
   * @throws the database's error (the transaction is then rolled back).
   */
  async begin(connection: DatabaseConnection): Promise<void> {
    this.staged = new Map();
    this.stagedClear = false;
    this.stagedVersion = undefined;
    this.stagedStreaming = new Map();
    this.stagedEpoch = undefined;
    this.stagedStreamingClear = false;
    this.inTransaction = true;
    const { rows } = await connection.executeQuery<{ data_version: number }>(DATA_VERSION);
    const version = Number(rows[0]?.data_version);
    if (!this.migrated) {
      this.migrated = (await connection.executeQuery(EVENTS_RECENT_EXISTS)).rows.length > 0;
      // Before migration 7 no head can be left in `events_recent`: nothing to reconcile.
      if (!this.migrated) this.dataVersion = version;
    }
    if (!this.migrated) return;
    if (version === this.dataVersion && this.heads.size <= MAX_CACHED_THREAD_HEADS) return;
    await connection.executeQuery(RECONCILE_HEADS);
    this.stagedClear = true;
    this.stagedVersion = version;
  }

  /** Called after `COMMIT` succeeded: the transaction's changes become the cache. */
  commit(): void {
    if (!this.inTransaction) return;
    this.inTransaction = false;
    if (this.stagedClear) {
      this.heads.clear();
      this.dataVersion = this.stagedVersion;
      this.generation += 1;
    }
    for (const [key, head] of this.staged) {
      if (head !== null) this.heads.set(key, head);
      else if (this.heads.delete(key)) this.generation += 1;
    }
    this.staged = new Map();
    if (this.stagedEpoch !== undefined) {
      if (this.stagedStreamingClear || this.streaming.size > MAX_CACHED_THREAD_HEADS) {
        this.streaming.clear();
      }
      for (const [key, threadId] of this.stagedStreaming) {
        if (threadId === null) this.streaming.delete(key);
        else this.streaming.set(key, threadId);
      }
      this.epoch = this.stagedEpoch;
    }
    this.stagedStreaming = new Map();
  }

  /** Called after a rollback (or a failed `COMMIT`): the transaction's changes are dropped. */
  rollback(): void {
    this.inTransaction = false;
    this.staged = new Map();
    this.stagedClear = false;
    this.stagedStreaming = new Map();
    this.stagedEpoch = undefined;
  }

  /**
   * Opens the R15 guard of a writer tick, inside its transaction: reads `message_epoch`
   * (migration 8), and when it is what this connection's last tick left, the messages found
   * streaming by earlier ticks still are — no statement of any connection finalized, moved or
   * deleted a message since — and their stream writes need no guard read. Otherwise every write
   * is guarded and the set starts over. Call {@link StreamingGuard.settled} once the tick decided
   * its writes; nothing is kept unless the transaction commits.
   * @returns undefined when the cache is inactive or the file has no `message_epoch` (guard all).
   * @throws the database's error.
   */
  async streamingGuard(db: Kysely<Database>): Promise<StreamingGuard | undefined> {
    if (!this.active) return undefined;
    if (!this.epochTable) {
      this.epochTable = (await db.executeQuery(MESSAGE_EPOCH_EXISTS)).rows.length > 0;
      if (!this.epochTable) return undefined;
    }
    const { rows } = await db.executeQuery<{ n: number }>(MESSAGE_EPOCH);
    const epoch = Number(rows[0]?.n);
    const fresh = epoch === this.epoch && !this.stagedClear;
    if (!fresh) this.stagedStreamingClear = true;
    return {
      verified: (key, threadId) => fresh && this.streaming.get(key) === threadId,
      settled: ({ streaming, ended, statusChanges }) => {
        for (const [key, threadId] of streaming) this.stagedStreaming.set(key, threadId);
        for (const key of ended) this.stagedStreaming.set(key, null);
        this.stagedEpoch = epoch + statusChanges;
      },
    };
  }
}

/** A writer tick's view of the messages found streaming before it ({@link ThreadHeads.streamingGuard}). */
export interface StreamingGuard {
  /** Whether the message (`threadKey(workspace, message)`) is known streaming in `threadId`. */
  verified(key: string, threadId: string): boolean;
  /**
   * What the tick decided: the messages its stream writes found (or knew) streaming, by key with
   * their thread; the keys of its terminal and refused writes; how many `messages` rows its own
   * statements finalized (each raises `message_epoch` by one).
   */
  settled(outcome: {
    streaming: Iterable<readonly [string, string]>;
    ended: Iterable<string>;
    statusChanges: number;
  }): void;
}

const DATA_VERSION = CompiledQuery.raw("pragma data_version");

/** A UTF-16 code unit from which JavaScript's string order and SQLite's (UTF-8 bytes) may differ. */
const HIGH_CODE_UNIT = /[\uD800-\uFFFF]/;

const MESSAGE_EPOCH = CompiledQuery.raw("select n from message_epoch");

/** A statement returning one row when the file has the table `name`. */
function tableExists(name: string): CompiledQuery {
  return CompiledQuery.raw("select 1 from sqlite_master where type = 'table' and name = ?", [name]);
}

const MESSAGE_EPOCH_EXISTS = tableExists("message_epoch");

const EVENTS_RECENT_EXISTS = tableExists("events_recent");

/**
 * Writes into each thread row the newest seq `events_recent` holds for it, where the row is behind:
 * after it, every row's `head_seq` is its thread's head. One scan of `events_recent` (a few
 * thousand rows; ~4 ms for 8 000 at 800 streams).
 */
const RECONCILE_HEADS = CompiledQuery.raw(`
  update threads set head_seq = r.newest
  from (select workspace_id, thread_id, max(seq) as newest from events_recent
        group by workspace_id, thread_id) as r
  where threads.workspace_id = r.workspace_id and threads.id = r.thread_id
    and threads.head_seq < r.newest`);

/** The {@link ThreadHeads} of each Kysely instance on SQLite, by its dialect adapter. */
const byAdapter = new WeakMap<object, ThreadHeads>();

/**
 * Makes `heads` the cache of `db` and of every transaction of it ({@link threadHeadsOf}): a
 * transaction shares its database's adapter object, as `compileOnce` relies on too.
 */
export function attachThreadHeads(db: Kysely<Database>, heads: ThreadHeads): void {
  byAdapter.set(db.getExecutor().adapter, heads);
}

/**
 * The {@link ThreadHeads} of `db` (a Kysely instance or one of its transactions) when it is active:
 * an SQLite connection of this thread, migrated, inside a transaction. Undefined elsewhere
 * (PostgreSQL, the worker driver: every reservation writes the row there).
 */
export function threadHeadsOf(db: Kysely<Database>): ThreadHeads | undefined {
  const heads = attachedThreadHeads(db);
  return heads?.active ? heads : undefined;
}

/**
 * The {@link ThreadHeads} of `db` (a Kysely instance or one of its transactions), active or not:
 * for reads, which use them outside transactions too ({@link ThreadHeads.readStamp}). Undefined on
 * PostgreSQL and the worker driver.
 */
export function attachedThreadHeads(db: Kysely<Database>): ThreadHeads | undefined {
  return byAdapter.get(db.getExecutor().adapter);
}
