import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../schema.js";

/**
 * Steps of one cycle of {@link RecentEventsMover}: every thread's recent events are moved into the
 * log once per cycle, in one slice of the threads per step. At one step per writer tick (33 ms) a
 * cycle lasts about a second, so a streaming thread's log page is written about once a second
 * instead of once per tick.
 */
export const RECENT_EVENTS_CYCLE_STEPS = 30;

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
 * cycle's slices split the threads noted before it in key order, in {@link RECENT_EVENTS_CYCLE_STEPS}
 * steps. The slices cover every key, from none to none, so events of threads not noted (written by
 * another process sharing the file) are moved too. The first cycle, and the one after a failed
 * step, move everything at once: what an earlier process left, what a failed step did not move.
 * With nothing noted a step runs no SQL.
 */
export class RecentEventsMover {
  private noted = new Map<string, ThreadKey>();
  private slices: Slice[] = [];
  private next = 0;
  /** The next cycle moves every recent event (the first one; the one after a failed step). */
  private sweep = true;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cycleSteps = RECENT_EVENTS_CYCLE_STEPS,
  ) {}

  /** Records threads that committed events, to be moved in the next cycle. */
  note(threads: readonly { workspaceId: string; threadId: string }[]): void {
    for (const { workspaceId, threadId } of threads) {
      const key = `${workspaceId}\u0000${threadId}`;
      if (!this.noted.has(key)) this.noted.set(key, [workspaceId, threadId]);
    }
  }

  /**
   * Moves the current slice's events, in one transaction; starts a new cycle when the last one
   * ended. A failed step moved nothing (its transaction rolled back) and makes the next cycle a
   * sweep of everything.
   * @returns how many events moved.
   * @throws the database's error (e.g. `SQLITE_BUSY` past the busy timeout).
   */
  async step(): Promise<number> {
    if (this.next >= this.cycleSteps) this.next = 0;
    if (this.next === 0) this.planCycle();
    const slice = this.slices[this.next];
    this.next += 1;
    if (!slice) return 0;
    try {
      return await this.move(slice);
    } catch (error) {
      this.sweep = true;
      throw error;
    }
  }

  /** Splits the threads noted so far into the cycle's slices, in key order. */
  private planCycle(): void {
    const keys = [...this.noted.values()].sort(compareKeys);
    this.noted = new Map();
    if (this.sweep) {
      this.sweep = false;
      this.slices = [{}];
      return;
    }
    const perSlice = Math.ceil(keys.length / this.cycleSteps);
    this.slices = [];
    for (let i = 0; i < keys.length; i += perSlice) {
      this.slices.push({
        from: i === 0 ? undefined : keys[i],
        to: keys[i + perSlice],
      });
    }
  }

  /** Moves a slice's recent events into the log; @returns how many. */
  private move(slice: Slice): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await sql`
        insert into event_log (${sql.raw(COLUMNS)})
        select ${sql.raw(RECENT_COLUMNS)}
          from events_recent_buckets b cross join events_recent r on r.created_at = b.created_at
          where ${inRange("r.", slice)}
          order by r.workspace_id, r.thread_id, r.seq`.execute(trx);
      await sql`
        delete from events_recent
          where created_at in (select created_at from events_recent_buckets)
            and ${inRange("", slice)}`.execute(trx);
      // Buckets older than every recent event hold none.
      await sql`
        delete from events_recent_buckets
          where created_at < coalesce((select min(created_at) from events_recent), ${Number.MAX_SAFE_INTEGER})`.execute(
        trx,
      );
      return Number(inserted.numAffectedRows ?? 0);
    });
  }
}

const COLUMNS =
  "workspace_id, thread_id, seq, type, message_id, revision, payload, created_at, payload_deflated";
const RECENT_COLUMNS = COLUMNS.split(", ")
  .map((c) => `r.${c}`)
  .join(", ");

/** The condition "(workspace_id, thread_id) lies in `slice`" on columns prefixed by `prefix`. */
function inRange(prefix: string, { from, to }: Slice): RawBuilder<unknown> {
  const key = sql.raw(`(${prefix}workspace_id, ${prefix}thread_id)`);
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
