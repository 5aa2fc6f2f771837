import { type CompiledQuery, type Kysely, type RawBuilder, sql } from "kysely";
import { setHeadSeqQueries, splitThreadKey, threadKey } from "../queries/append-events.js";
import { executeBatch } from "../queries/batch.js";
import type { Database } from "../schema.js";
import { threadHeadsOf } from "./thread-heads.js";

/** The columns of `event_log` and `events_recent` (migration 7), for SQL text. */
const EVENT_COLUMN_LIST =
  "workspace_id, thread_id, seq, type, message_id, revision, payload, created_at, payload_deflated";

/**
 * A common table `t` of the distinct `created_at` values in `events_recent`, found one after the
 * other (each the least one above the last: a seek each) instead of by a scan, as the `events`
 * view finds them (migration 7); a statement using it starts with this.
 */
const WITH_RECENT_COMMIT_TIMES = `
  with recursive t(created_at) as (
    select min(created_at) from events_recent
    union all
    select (select min(created_at) from events_recent where created_at > t.created_at)
      from t where t.created_at is not null
  )`;

/** The rows of `events_recent` by commit time, in a statement starting with the table `t`. */
const RECENT_ROWS = `
  select ${EVENT_COLUMN_LIST.split(", ")
    .map((c) => `r.${c}`)
    .join(", ")}
    from t cross join events_recent r on r.created_at = t.created_at`;

/**
 * The newest seq in `events_recent` of the thread of the enclosing query's `threads` row, as a
 * scalar subquery (null: none): a seek per commit time, as the `events` view finds a thread's
 * rows — a correlated condition on the view itself is not pushed into its halves (SQLite scanned
 * all of `event_log` per thread: 10 ms at 60 000 events, bench 2026-12-03); ~50 µs at 800 streams.
 */
export const NEWEST_RECENT_SEQ_OF_THREAD = `(${WITH_RECENT_COMMIT_TIMES}
  select max(r.seq) from t cross join events_recent r on r.created_at = t.created_at
    where r.workspace_id = threads.workspace_id and r.thread_id = threads.id)`;

/** The rows of `events_recent` by commit time: the recent half of the `events` view. */
const RECENT_BY_COMMIT_TIME = `${WITH_RECENT_COMMIT_TIMES}${RECENT_ROWS}`;

/**
 * Fewest steps of one cycle of {@link RecentEventsMover}: every thread's recent events are moved
 * into the log once per cycle, in one slice of the threads per step. At one step per writer tick
 * (33 ms) a cycle lasts a second or more, so a streaming thread's log page is written about once a
 * second instead of once per tick.
 */
export const RECENT_EVENTS_CYCLE_STEPS = 30;

/**
 * Most steps of one cycle: a cycle goes on past {@link RECENT_EVENTS_CYCLE_STEPS} until
 * {@link RECENT_EVENTS_MIN_CYCLE_COMMITS} thread commits were noted for the next, or this many
 * steps (~4 s). At light load the log's pages are written less often; `events_recent` stays small
 * either way (a few thousand events).
 */
export const RECENT_EVENTS_MAX_CYCLE_STEPS = 120;

/** Thread commits (a thread's events in one transaction) that end a cycle past its fewest steps. */
export const RECENT_EVENTS_MIN_CYCLE_COMMITS = 2_048;

/**
 * Fewest threads per slice. A step rewrites every `events_recent` page holding one of its threads'
 * events, and at light load each page holds events of every thread: slices of one thread each
 * would rewrite the same pages once per thread. Below this many threads, a cycle is one step.
 */
export const RECENT_EVENTS_MIN_SLICE_THREADS = 64;

/** How a {@link RecentEventsMover} paces its cycles (each at least 1; defaults: the constants). */
export interface RecentEventsPacing {
  /** {@link RECENT_EVENTS_CYCLE_STEPS}. */
  cycleSteps?: number;
  /** {@link RECENT_EVENTS_MAX_CYCLE_STEPS} (at least `cycleSteps`). */
  maxCycleSteps?: number;
  /** {@link RECENT_EVENTS_MIN_CYCLE_COMMITS}. */
  minCycleCommits?: number;
  /** {@link RECENT_EVENTS_MIN_SLICE_THREADS}. */
  minSliceThreads?: number;
}

/** A thread: its workspace and id, in the order the log's key sorts them. */
type ThreadKey = readonly [workspaceId: string, threadId: string];

/** One step's range of threads: `from` (inclusive) to `to` (exclusive); no bound when absent. */
interface Slice {
  from?: ThreadKey;
  to?: ThreadKey;
}

/**
 * Moves events from SQLite's `events_recent` into `event_log` (migration 7, issue 9), one slice
 * of threads per {@link step}: each step moves every recent event of the threads in its range, in
 * key order and one transaction, so each of those threads' log pages is written once for all the
 * events of its last cycle. Readers see no difference: the `events` view shows both tables, and an
 * event is in exactly one of them at every commit.
 *
 * Which threads to move comes from {@link note} (the threads this store committed events to); a
 * cycle's slices split the threads noted before it in key order, over its first steps (see
 * {@link RecentEventsPacing} for how long a cycle lasts). The slices cover every key, from none to
 * none, so events of threads not noted (written by another process sharing the file) are moved
 * too. The first cycle, and the one after a failed step, move everything at once: what an earlier
 * process left, what a failed cycle did not move. A step with nothing to move runs no SQL.
 */
export class RecentEventsMover {
  private noted = new Map<string, ThreadKey>();
  /** Thread commits noted since the cycle began. */
  private commits = 0;
  private slices: Slice[] = [];
  /** Steps taken in the cycle (∞ before the first: it begins at the first step). */
  private next = Number.POSITIVE_INFINITY;
  /** The next cycle moves every recent event (the first one; the one after a failed step). */
  private sweep = true;
  private readonly pacing: Required<RecentEventsPacing>;

  constructor(
    private readonly db: Kysely<Database>,
    pacing: RecentEventsPacing = {},
  ) {
    const cycleSteps = Math.max(1, pacing.cycleSteps ?? RECENT_EVENTS_CYCLE_STEPS);
    this.pacing = {
      cycleSteps,
      maxCycleSteps: Math.max(cycleSteps, pacing.maxCycleSteps ?? RECENT_EVENTS_MAX_CYCLE_STEPS),
      minCycleCommits: Math.max(1, pacing.minCycleCommits ?? RECENT_EVENTS_MIN_CYCLE_COMMITS),
      minSliceThreads: Math.max(1, pacing.minSliceThreads ?? RECENT_EVENTS_MIN_SLICE_THREADS),
    };
  }

  /** Records threads that committed events (one transaction's), to be moved in the next cycle. */
  note(threads: readonly { workspaceId: string; threadId: string }[]): void {
    this.commits += threads.length;
    for (const { workspaceId, threadId } of threads) {
      const key = threadKey(workspaceId, threadId);
      if (!this.noted.has(key)) this.noted.set(key, [workspaceId, threadId]);
    }
  }

  /**
   * Moves the current slice's events, in one transaction; begins a new cycle when the last one
   * ended. A failed step moved nothing (its transaction rolled back); the rest of its cycle moves
   * nothing either (a database that refuses one slice likely refuses the next: one error per
   * cycle, not one per step), and the next cycle is a sweep of everything.
   * @returns how many events moved.
   * @throws the database's error (e.g. `SQLITE_BUSY` past the busy timeout).
   */
  async step(): Promise<number> {
    if (this.cycleEnded()) this.planCycle();
    const slice = this.slices[this.next];
    this.next += 1;
    if (!slice) return 0;
    try {
      return await this.move(slice);
    } catch (error) {
      this.sweep = true;
      this.slices = [];
      throw error;
    }
  }

  private cycleEnded(): boolean {
    const { cycleSteps, maxCycleSteps, minCycleCommits } = this.pacing;
    if (this.next < cycleSteps) return false;
    return this.sweep || this.commits >= minCycleCommits || this.next >= maxCycleSteps;
  }

  /** Splits the threads noted so far into the cycle's slices, in key order. */
  private planCycle(): void {
    const keys = [...this.noted.values()].sort(compareKeys);
    this.noted = new Map();
    this.commits = 0;
    this.next = 0;
    if (this.sweep) {
      this.sweep = false;
      this.slices = [{}];
      return;
    }
    const { cycleSteps, minSliceThreads } = this.pacing;
    const perSlice = Math.max(minSliceThreads, Math.ceil(keys.length / cycleSteps));
    this.slices = [];
    for (let i = 0; i < keys.length; i += perSlice) {
      this.slices.push({
        from: i === 0 ? undefined : keys[i],
        to: keys[i + perSlice],
      });
    }
  }

  /**
   * Moves a slice's recent events into the log — first writing their threads' heads into the
   * thread rows where those are behind (`thread-heads.ts`: outside `events_recent`, a head must be
   * in its row) — its statements in one batch (one round trip on the worker driver, whose
   * connection the writer's tick waits for meanwhile); @returns how many.
   */
  private move(slice: Slice): Promise<number> {
    const columns = sql.raw(EVENT_COLUMN_LIST);
    return this.db.transaction().execute(async (trx) => {
      const heads = headQueries(trx, slice);
      const results = await executeBatch(trx, [
        ...heads,
        sql`
          insert into event_log (${columns})
          select ${columns} from (${sql.raw(RECENT_BY_COMMIT_TIME)}) where ${inRange(slice)}
            order by workspace_id, thread_id, seq`.compile(trx),
        // The same rows, found the same way: a seek per commit time, not a scan.
        sql`${sql.raw(WITH_RECENT_COMMIT_TIMES)}
          delete from events_recent
            where created_at in (select created_at from t) and ${inRange(slice)}`.compile(trx),
      ]);
      return Number(results[heads.length]?.numAffectedRows ?? 0);
    });
  }
}

/**
 * The statements writing the heads of a slice's threads into their rows where those are behind,
 * before their recent events leave (a streaming tick may have left a head only there:
 * `thread-heads.ts`). From the connection's cached heads when it has them
 * (`ThreadHeads.headsWithin`: a row per cached thread of the range), else by grouping the slice's
 * recent events by thread (~1.7 ms a step at 2 000 streams, against ~0.2 from the cache; bench
 * 2026-12-03): on the worker driver, which keeps no cache, and for a slice of every key (the
 * first cycle, the one after a failed step, and at light load a cycle of one slice, where the
 * grouping is cheap).
 */
function headQueries(trx: Kysely<Database>, slice: Slice): CompiledQuery[] {
  const sweep = slice.from === undefined && slice.to === undefined;
  const cached = sweep
    ? undefined
    : threadHeadsOf(trx)?.headsWithin(
        slice.from && threadKey(...slice.from),
        slice.to && threadKey(...slice.to),
      );
  if (!cached) {
    return [
      sql`${sql.raw(WITH_RECENT_COMMIT_TIMES)}
        update threads set head_seq = r.newest
        from (select workspace_id, thread_id, max(seq) as newest
              from (${sql.raw(RECENT_ROWS)}) where ${inRange(slice)}
              group by workspace_id, thread_id) as r
        where threads.workspace_id = r.workspace_id and threads.id = r.thread_id
          and threads.head_seq < r.newest`.compile(trx),
    ];
  }
  const rows = cached.map(({ key, head }) => ({ ...splitThreadKey(key), head }));
  return setHeadSeqQueries(trx, rows, "raise");
}

/** The condition "(workspace_id, thread_id) lies in `slice`". */
function inRange({ from, to }: Slice): RawBuilder<unknown> {
  const key = sql.raw("(workspace_id, thread_id)");
  const bounds: RawBuilder<unknown>[] = [];
  if (from) bounds.push(sql`${key} >= (${from[0]}, ${from[1]})`);
  if (to) bounds.push(sql`${key} < (${to[0]}, ${to[1]})`);
  return bounds.length === 0 ? sql`1 = 1` : sql.join(bounds, sql` and `);
}

/**
 * Orders thread keys. JavaScript compares UTF-16 code units and SQLite UTF-8 bytes, which differ
 * for some characters; the slices still cover every key (each bound starts the next slice), only
 * their sizes would differ.
 */
function compareKeys(a: ThreadKey, b: ThreadKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}
