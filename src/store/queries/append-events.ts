import { type CompiledQuery, type Kysely, type QueryResult, sql } from "kysely";
import { primeThreadEventDataJson } from "../../protocol/event-json.js";
import type { ThreadEvent, ThreadEventData, ThreadEventType } from "../../protocol/events.js";
import {
  bigintColumn,
  booleanColumn,
  columnParameters,
  textColumn,
  unnestArguments,
} from "../postgres/delimited-columns.js";
import type { Database, EventRow } from "../schema.js";
import { type CachedHead, type ThreadHeads, threadHeadsOf } from "../sqlite/thread-heads.js";
import { THREAD_UPDATED_AT_SLACK_MS } from "../thread-store.js";
import { executeBatch, executePlan, type QueryPlan } from "./batch.js";
import { compileOnce, multiRowStatements } from "./compiled-once.js";

/** An event to append, before its seq is known. */
export interface PendingEvent<T extends ThreadEventType = ThreadEventType> {
  workspaceId: string;
  threadId: string;
  type: T;
  messageId: string | null;
  revision: number | null;
  data: ThreadEventData[T];
}

/** The columns of an `events` row, in the order the precompiled insert takes them. */
const EVENT_COLUMNS = [
  "workspace_id",
  "thread_id",
  "seq",
  "type",
  "message_id",
  "revision",
  "payload",
  "created_at",
] as const satisfies readonly (keyof EventRow)[];

/**
 * Appends events to their threads' logs inside the caller's transaction, assigning dense seqs
 * (SPEC §1): the seqs are reserved with {@link reserveSeqs}, whose row lock serializes appenders of
 * one thread across connections and nodes, so seqs are dense and commit in order. Events of one
 * thread get consecutive seqs in input order.
 *
 * @returns the events with their seqs, aligned with the input; `undefined` where the thread no
 *   longer exists (that event is dropped, never given a seq).
 */
export async function appendEvents(
  trx: Kysely<Database>,
  events: readonly PendingEvent[],
  now: number,
): Promise<(ThreadEvent | undefined)[]> {
  if (events.length === 0) return [];
  const reservation = await reserveSeqs(trx, events, now);
  const appended: (ThreadEvent | undefined)[] = [];
  const rows: { workspaceId: string; event: ThreadEvent }[] = [];
  for (const pending of events) {
    if (!reservation.has(pending.workspaceId, pending.threadId)) {
      appended.push(undefined);
      continue;
    }
    const event = withSeq(pending, reservation.next(pending.workspaceId, pending.threadId), now);
    appended.push(event);
    rows.push({ workspaceId: pending.workspaceId, event });
  }
  await executeBatch(trx, insertEventsQueries(trx, rows));
  return appended;
}

/**
 * Seqs reserved on threads by {@link reserveSeqs}: handed out in order with {@link next}; a
 * reservation not needed after all is given back with {@link release}, and {@link unused} lists
 * what {@link releaseSeqs} must return before the transaction commits, so seqs stay dense.
 */
export class SeqReservation {
  /**
   * Threads whose `updated_at` the reservation did not move but must (SQLite): the caller runs
   * {@link moveUpdatedAtQueries} for them in the same transaction.
   */
  readonly staleUpdatedAt: { workspaceId: string; threadId: string }[] = [];
  private readonly threads = new Map<
    string,
    { workspaceId: string; threadId: string; head: number; next: number; released: number }
  >();

  /** Records that `count` seqs ending at `head` (inclusive) are reserved on a thread. */
  add(workspaceId: string, threadId: string, head: number, count: number): void {
    this.threads.set(threadKey(workspaceId, threadId), {
      workspaceId,
      threadId,
      head,
      next: head - count + 1,
      released: 0,
    });
  }

  /** True when the thread exists (seqs were reserved on it). */
  has(workspaceId: string, threadId: string): boolean {
    return this.threads.has(threadKey(workspaceId, threadId));
  }

  /** The next reserved seq of a thread. @throws Error when nothing was reserved on it. */
  next(workspaceId: string, threadId: string): number {
    const entry = this.threads.get(threadKey(workspaceId, threadId));
    if (!entry) throw new Error(`no seq reserved on thread ${threadId}`);
    entry.next += 1;
    return entry.next - 1;
  }

  /** Gives one reserved seq of a thread back (the write it was for matched nothing). */
  release(workspaceId: string, threadId: string): void {
    const entry = this.threads.get(threadKey(workspaceId, threadId));
    if (entry) entry.released += 1;
  }

  /** Threads with seqs given back: how many, and the head the thread keeps without them. */
  unused(): SeqRelease[] {
    return [...this.threads.values()]
      .filter((t) => t.released > 0)
      .map(({ workspaceId, threadId, head, released }) => ({
        workspaceId,
        threadId,
        count: released,
        head: head - released,
      }));
  }
}

/** A seq to reserve: its thread, and whether its event is a streaming tick's delta. */
export interface SeqRequest {
  workspaceId: string;
  threadId: string;
  /**
   * The event is a streaming tick's `message.delta`: its thread's `updated_at` moves only when it
   * is {@link THREAD_UPDATED_AT_SLACK_MS} old (default: it moves to `now`).
   */
  delta?: boolean;
}

/** Seqs of a thread given back ({@link SeqReservation.unused}). */
export interface SeqRelease {
  workspaceId: string;
  threadId: string;
  count: number;
  /** The thread's head once they are given back. */
  head: number;
}

/** One thread's share of a reservation. */
interface ThreadBump {
  workspaceId: string;
  threadId: string;
  count: number;
  /** Every event of it is a delta: `updated_at` may keep a value less than the slack old. */
  deltasOnly: boolean;
  /** SQLite with {@link ThreadHeads}: the head the cache knows (the row may be behind it). */
  known?: number;
}

/**
 * Reserves one seq per item on its thread: bumps each thread's `head_seq` by its number of items,
 * in one statement per 512 threads, taking the threads' row locks for the rest of the
 * transaction, and moves the thread's `updated_at` to `now` (for a thread with only deltas, once
 * it is {@link THREAD_UPDATED_AT_SLACK_MS} old). Threads that do not exist (deleted, or of another
 * workspace) get nothing.
 */
export async function reserveSeqs(
  trx: Kysely<Database>,
  items: readonly SeqRequest[],
  now: number,
): Promise<SeqReservation> {
  const reservation = await executePlan(trx, planReserveSeqs(trx, items, now));
  await moveUpdatedAt(trx, reservation.staleUpdatedAt, now);
  return reservation;
}

/**
 * {@link reserveSeqs} as statements to run (e.g. in one batch with others) and their reading; the
 * caller runs {@link moveUpdatedAtQueries} for the reservation's `staleUpdatedAt`.
 *
 * On SQLite in this thread, the connection's {@link ThreadHeads} serve the threads they know: a
 * thread whose items are all deltas (a streaming tick's) reserves from memory and writes nothing
 * (its events in `events_recent` carry its head); any other reservation writes the row, from the
 * larger of its `head_seq` and the cached head. Existence is then the cache's: a thread deletion
 * drops the thread from it (`delete-thread-rows.ts`).
 */
export function planReserveSeqs(
  trx: Kysely<Database>,
  items: readonly SeqRequest[],
  now: number,
): QueryPlan<SeqReservation> {
  const counts = new Map<string, ThreadBump>();
  for (const { workspaceId, threadId, delta } of items) {
    const key = threadKey(workspaceId, threadId);
    const entry = counts.get(key);
    if (entry) {
      entry.count += 1;
      entry.deltasOnly &&= delta === true;
    } else counts.set(key, { workspaceId, threadId, count: 1, deltasOnly: delta === true });
  }
  const heads = threadHeadsOf(trx);
  const deferred = new Map<string, { bump: ThreadBump; cached: CachedHead }>();
  const bumps: ThreadBump[] = [];
  for (const [key, bump] of counts) {
    const cached = heads?.get(key);
    if (cached && bump.deltasOnly) deferred.set(key, { bump, cached });
    else bumps.push(cached ? { ...bump, known: cached.head } : bump);
  }
  const bump = planBumpHeadSeqs(trx, bumps, now, heads !== undefined);
  return {
    queries: bump.queries,
    read(results) {
      const { heads: bumped, updatedAt, stale } = bump.read(results);
      const reservation = new SeqReservation();
      // The caller moves the stale threads' updated_at to now (moveUpdatedAtQueries).
      const movesNow = new Set(stale.map((t) => threadKey(t.workspaceId, t.threadId)));
      for (const [key, { workspaceId, threadId, count }] of counts) {
        const head = bumped.get(key);
        if (head === undefined) continue;
        reservation.add(workspaceId, threadId, head, count);
        heads?.set(key, { head, updatedAt: movesNow.has(key) ? now : (updatedAt.get(key) ?? now) });
      }
      for (const [key, { bump: b, cached }] of deferred) {
        const head = cached.head + b.count;
        reservation.add(b.workspaceId, b.threadId, head, b.count);
        const moves = cached.updatedAt <= now - THREAD_UPDATED_AT_SLACK_MS;
        if (moves) stale.push({ workspaceId: b.workspaceId, threadId: b.threadId });
        heads?.set(key, { head, updatedAt: moves ? now : cached.updatedAt });
      }
      reservation.staleUpdatedAt.push(...stale);
      return reservation;
    },
  };
}

/**
 * The statements returning seqs reserved by {@link reserveSeqs} that were not used (the newest
 * ones of each thread); they return nothing anyone reads. With {@link ThreadHeads} (SQLite), the
 * cache takes each thread's `head` and the row keeps the smaller of its `head_seq` and it — the row
 * may have been written by this reservation, or be behind the cache.
 */
export function releaseSeqsQueries(
  trx: Kysely<Database>,
  releases: readonly SeqRelease[],
  now: number,
): readonly CompiledQuery[] {
  const heads = threadHeadsOf(trx);
  if (!heads) {
    return planBumpHeadSeqs(
      trx,
      // Giving seqs back is not an event: updated_at keeps what the reservation set.
      releases.map((r) => ({ ...r, count: -r.count, deltasOnly: true })),
      now,
      false,
    ).queries;
  }
  for (const r of releases) {
    const key = threadKey(r.workspaceId, r.threadId);
    const cached = heads.get(key);
    if (cached) heads.set(key, { ...cached, head: r.head });
  }
  return setHeadSeqQueries(trx, releases, "lower");
}

/**
 * The statements setting the thread rows' `head_seq` to the given heads (SQLite, {@link
 * ThreadHeads}) where that moves it the given way — `raise` where the row is behind (the recent
 * events' mover, before a thread's events leave `events_recent`), `lower` where it is ahead (seqs
 * given back) — so a row already there is not rewritten. A handful of `VALUES` statements
 * whatever the number of rows (`compiled-once.ts`); none for no rows.
 * @throws Error on PostgreSQL, which keeps no heads in memory.
 */
export function setHeadSeqQueries(
  trx: Kysely<Database>,
  rows: readonly { workspaceId: string; threadId: string; head: number }[],
  direction: "raise" | "lower",
): CompiledQuery[] {
  const moves = direction === "raise" ? sql`<` : sql`>`;
  return multiRowStatements(trx, rows, {
    unnest: () => {
      throw new Error("thread heads are kept on SQLite only");
    },
    values: (batch) =>
      compileOnce(
        trx,
        `${direction} head_seq × ${batch.length}`,
        () =>
          sql`update threads set head_seq = v.column3
            from (values ${sql.join(
              batch.map((r) => sql`(${r.workspaceId}, ${r.threadId}, cast(${r.head} as bigint))`),
            )}) as v
            where threads.workspace_id = v.column1 and threads.id = v.column2
              and threads.head_seq ${moves} v.column3`.compile(trx),
        batch.flatMap((r) => [r.workspaceId, r.threadId, r.head]),
      ),
  });
}

/**
 * Reserves the next seq of one thread (see {@link planReserveSeqs}).
 * @returns the reserved seq, or undefined when the thread does not exist.
 */
export async function reserveSeq(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  now: number,
): Promise<number | undefined> {
  const reservation = await reserveSeqs(trx, [{ workspaceId, threadId }], now);
  return reservation.has(workspaceId, threadId)
    ? reservation.next(workspaceId, threadId)
    : undefined;
}

/** Runs {@link moveUpdatedAtQueries} (nothing, not even a round trip, for no threads). */
async function moveUpdatedAt(
  trx: Kysely<Database>,
  threads: readonly { workspaceId: string; threadId: string }[],
  now: number,
): Promise<void> {
  if (threads.length > 0) await executeBatch(trx, moveUpdatedAtQueries(trx, threads, now));
}

/** Gives a pending event its seq and commit time. */
export function withSeq(event: PendingEvent, seq: number, now: number): ThreadEvent {
  return {
    type: event.type,
    threadId: event.threadId,
    seq,
    messageId: event.messageId,
    revision: event.revision,
    createdAt: now,
    data: event.data,
  } as ThreadEvent;
}

/**
 * The multi-row statements inserting events whose seqs were reserved (to run later, or pipelined
 * with others). Serializes each event's data once, for the log row and for every viewer's SSE
 * frame (issue 9).
 */
export function insertEventsQueries(
  trx: Kysely<Database>,
  events: readonly { workspaceId: string; event: ThreadEvent }[],
): CompiledQuery[] {
  const rows: Omit<EventRow, "payload_deflated">[] = events.map(({ workspaceId, event }) => {
    const payload = JSON.stringify(event.data);
    primeThreadEventDataJson(event, payload);
    return {
      workspace_id: workspaceId,
      thread_id: event.threadId,
      seq: event.seq,
      type: event.type,
      message_id: event.messageId,
      revision: event.revision,
      payload,
      created_at: event.createdAt,
    };
  });
  return multiRowStatements(trx, rows, {
    unnest: (all) => {
      const columns = [
        textColumn(all.map((row) => row.workspace_id)),
        textColumn(all.map((row) => row.thread_id)),
        bigintColumn(all.map((row) => row.seq)),
        textColumn(all.map((row) => row.type)),
        textColumn(all.map((row) => row.message_id)),
        bigintColumn(all.map((row) => row.revision)),
        textColumn(all.map((row) => row.payload)),
        bigintColumn(all.map((row) => row.created_at)),
      ];
      return compileOnce(
        trx,
        "insert events (unnest)",
        () =>
          sql`insert into events (${sql.raw(EVENT_COLUMNS.join(", "))})
            select * from unnest(${unnestArguments(columns)})`.compile(trx),
        columnParameters(columns),
      );
    },
    // SQLite: straight into the recent events (migration 7), not through the view's trigger.
    values: (batch) =>
      compileOnce(
        trx,
        `insert events × ${batch.length}`,
        // The rows are built in EVENT_COLUMNS order: the compiled text takes its parameters so.
        () =>
          sql`insert into events_recent (${sql.raw(EVENT_COLUMNS.join(", "))}) values ${sql.join(
            batch.map((row) => sql`(${sql.join(EVENT_COLUMNS.map((c) => row[c]))})`),
          )}`.compile(trx),
        eventParameters(batch),
      ),
  });
}

/** The parameters of a multi-row events insert, row by row in {@link EVENT_COLUMNS} order. */
function eventParameters(rows: readonly Omit<EventRow, "payload_deflated">[]): unknown[] {
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of EVENT_COLUMNS) parameters.push(row[column]);
  return parameters;
}

/** The parameters of a SQLite bump's `VALUES` rows: each thread's key, count (and known head). */
function bumpParameters(bumps: readonly ThreadBump[], withKnown: boolean): unknown[] {
  const parameters: unknown[] = [];
  for (const b of bumps) {
    parameters.push(b.workspaceId, b.threadId, b.count);
    if (withKnown) parameters.push(b.known ?? 0);
  }
  return parameters;
}

/** A thread's `head_seq` after a bump (and on SQLite its `updated_at`, which the bump left). */
type HeadRow = { workspace_id: string; id: string; head_seq: number; updated_at?: number };

/** What a `head_seq` bump read back. */
interface Bumped {
  /** Each bumped thread's `head_seq` after it, by {@link threadKey}. */
  heads: Map<string, number>;
  /** Each bumped thread's `updated_at` as the bump left it (SQLite), by {@link threadKey}. */
  updatedAt: Map<string, number>;
  /**
   * Threads whose `updated_at` must still move to `now` (SQLite, where the bump leaves it to
   * {@link moveUpdatedAtQueries}); none on PostgreSQL, whose bump moves it.
   */
  stale: { workspaceId: string; threadId: string }[];
}

/**
 * The statements bumping each thread's `head_seq` by its count and returning it; `fromKnown`
 * (SQLite with {@link ThreadHeads}): from the larger of the row's value and the bump's `known`.
 */
function planBumpHeadSeqs(
  trx: Kysely<Database>,
  bumps: readonly ThreadBump[],
  now: number,
  fromKnown: boolean,
): QueryPlan<Bumped> {
  const stale = now - THREAD_UPDATED_AT_SLACK_MS;
  const queries = multiRowStatements(trx, bumps, {
    unnest: (all) => {
      const columns = [
        textColumn(all.map((b) => b.workspaceId)),
        textColumn(all.map((b) => b.threadId)),
        bigintColumn(all.map((b) => b.count)),
        booleanColumn(all.map((b) => !b.deltasOnly)),
      ];
      return compileOnce(
        trx,
        "bump head_seq (unnest)",
        () =>
          sql<HeadRow>`
            update threads set head_seq = head_seq + v.n,
              updated_at = case when v.moves or threads.updated_at <= ${stale}::bigint
                then ${now}::bigint else threads.updated_at end
            from unnest(${unnestArguments(columns)}) as v(workspace_id, id, n, moves)
            where threads.workspace_id = v.workspace_id and threads.id = v.id
            returning threads.workspace_id, threads.id, threads.head_seq`.compile(trx),
        [stale, now, ...columnParameters(columns)],
      );
    },
    // SQLite: UPDATE … FROM (VALUES …), one join instead of a CASE per thread, so a tick's cost
    // grows linearly with its threads (a CASE list made it quadratic: 112 ms at 1 600 threads,
    // 5.6 ms this way — bench, 2026-11). `updated_at` is left alone and read back: SQLite rewrites
    // the index entries of every column an UPDATE sets, changed or not, so setting it here
    // rewrote pages of `threads_by_updated` every tick (1–2 of the ~8 pages a 10-stream tick
    // wrote; issue 9); {@link moveUpdatedAtQueries} sets it where it moves (~1 thread in 30 per
    // streaming tick).
    values: (batch) =>
      fromKnown
        ? compileOnce(
            trx,
            `bump head_seq from known × ${batch.length}`,
            () =>
              sql<HeadRow>`
                update threads set head_seq = max(head_seq, v.column4) + v.column3
                from (values ${sql.join(
                  batch.map(
                    (b) =>
                      sql`(${b.workspaceId}, ${b.threadId}, cast(${b.count} as bigint), cast(${b.known ?? 0} as bigint))`,
                  ),
                )}) as v
                where threads.workspace_id = v.column1 and threads.id = v.column2
                returning workspace_id, id, head_seq, updated_at`.compile(trx),
            bumpParameters(batch, true),
          )
        : compileOnce(
            trx,
            `bump head_seq × ${batch.length}`,
            () =>
              sql<HeadRow>`
                update threads set head_seq = head_seq + v.column3
                from (values ${sql.join(
                  batch.map(
                    (b) => sql`(${b.workspaceId}, ${b.threadId}, cast(${b.count} as bigint))`,
                  ),
                )}) as v
                where threads.workspace_id = v.column1 and threads.id = v.column2
                returning workspace_id, id, head_seq, updated_at`.compile(trx),
            bumpParameters(batch, false),
          ),
  });
  const byKey = new Map(bumps.map((b) => [threadKey(b.workspaceId, b.threadId), b]));
  return {
    queries,
    read(results) {
      const bumped: Bumped = { heads: new Map(), updatedAt: new Map(), stale: [] };
      for (const { rows } of results as QueryResult<HeadRow>[]) {
        for (const r of rows) {
          const key = threadKey(r.workspace_id, r.id);
          bumped.heads.set(key, Number(r.head_seq));
          if (r.updated_at === undefined) continue; // PostgreSQL: moved by the bump
          bumped.updatedAt.set(key, Number(r.updated_at));
          if (!byKey.get(key)?.deltasOnly || Number(r.updated_at) <= stale) {
            bumped.stale.push({ workspaceId: r.workspace_id, threadId: r.id });
          }
        }
      }
      return bumped;
    },
  };
}

/**
 * The statements moving `updated_at` to `now` on `threads` (SQLite: what a `head_seq` bump
 * found stale, {@link SeqReservation.staleUpdatedAt}); none for none.
 */
export function moveUpdatedAtQueries(
  trx: Kysely<Database>,
  threads: readonly { workspaceId: string; threadId: string }[],
  now: number,
): CompiledQuery[] {
  return multiRowStatements(trx, threads, {
    unnest: (all) => {
      const columns = [
        textColumn(all.map((t) => t.workspaceId)),
        textColumn(all.map((t) => t.threadId)),
      ];
      return compileOnce(
        trx,
        "move updated_at (unnest)",
        () =>
          sql`update threads set updated_at = ${now}::bigint
            from unnest(${unnestArguments(columns)}) as v(workspace_id, id)
            where threads.workspace_id = v.workspace_id and threads.id = v.id`.compile(trx),
        [now, ...columnParameters(columns)],
      );
    },
    values: (batch) => {
      const parameters: unknown[] = [now];
      for (const t of batch) parameters.push(t.workspaceId, t.threadId);
      return compileOnce(
        trx,
        `move updated_at × ${batch.length}`,
        () =>
          sql`update threads set updated_at = ${now}
            from (values ${sql.join(batch.map((t) => sql`(${t.workspaceId}, ${t.threadId})`))}) as v
            where threads.workspace_id = v.column1 and threads.id = v.column2`.compile(trx),
        parameters,
      );
    },
  });
}

/** A map key for a (workspace, id) pair. */
export function threadKey(workspaceId: string, id: string): string {
  return `${workspaceId}\u0000${id}`;
}

/** The (workspace, id) pair of a {@link threadKey} (ids hold no NUL). */
export function splitThreadKey(key: string): { workspaceId: string; threadId: string } {
  const separator = key.indexOf("\u0000");
  return { workspaceId: key.slice(0, separator), threadId: key.slice(separator + 1) };
}
