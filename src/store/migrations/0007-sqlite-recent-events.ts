import { type Kysely, PostgresAdapter, sql } from "kysely";

/**
 * The columns of an event row, in `events` order (migrations 1 and 5). Recreate the view and the
 * triggers below when a later migration adds one. This file keeps its own copies of the SQL it
 * shares with `../sqlite/recent-events.ts`: an applied migration never changes (R27).
 */
const COLUMNS = [
  "workspace_id",
  "thread_id",
  "seq",
  "type",
  "message_id",
  "revision",
  "payload",
  "created_at",
  "payload_deflated",
] as const;

/**
 * The rows of `events_recent`: its distinct `created_at` values `t`, found one after the other
 * (each the least one above the last: a seek), joined with the rows at each (a seek given the
 * thread: the key's next columns) — a condition on the thread costs a couple of seeks per commit
 * time rather than a scan. CROSS JOIN keeps the times the outer loop.
 */
const RECENT_BY_COMMIT_TIME = `
  with recursive t(created_at) as (
    select min(created_at) from events_recent
    union all
    select (select min(created_at) from events_recent where created_at > t.created_at)
      from t where t.created_at is not null
  )
  select ${COLUMNS.map((c) => `r.${c}`).join(", ")}
    from t cross join events_recent r on r.created_at = t.created_at`;

/**
 * Migration 7: on SQLite, new events are appended where they share pages, and reach the log
 * keyed by thread a slice of threads at a time (issue 9: bytes written per streamed character, a
 * tick's commit time).
 *
 * In the `events` table of migration 1, keyed by (workspace, thread, seq), each event of a tick
 * lands in its own thread's leaf page: a tick of 2 000 streams dirtied about 2 000 pages (8 MB
 * written to the WAL, and again by the checkpoint) for 2 000 rows of ~150 bytes. Now:
 *
 * - `event_log` — the table of migration 1, renamed: events keyed by (workspace, thread, seq);
 * - `events_recent` — events not yet moved there, clustered by `created_at` first (a
 *   `WITHOUT ROWID` table keyed by (created_at, workspace, thread, seq)): a commit's events share
 *   its `created_at`, so they fill the newest pages together;
 * - the view `events` — both tables, as one log: every query reading `events` stays as it was,
 *   and SQLite pushes its conditions into each half: a thread's range in `event_log`; in
 *   `events_recent`, a seek per distinct `created_at` (found one after the other by a recursive
 *   query, each a seek too), so a reader never scans the table. Writes through the view go to the
 *   right table by `INSTEAD OF` triggers: an insert into `events_recent`; an update or delete of
 *   the row wherever it is. SQLite counts no changes made through them (a statement's `changes`
 *   is 0).
 *
 * A background step of the Threadline on the file (`lifecycle/recent-events-upkeep.ts`, through
 * `../sqlite/recent-events.ts`) moves recent events into `event_log` a slice of threads at a
 * time, so a thread's leaf page is written about once a second rather than once per tick.
 *
 * Nothing changes on PostgreSQL, whose tick writes no such pages (bytes per character flat and
 * below the window design's: bench). Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  const columns = COLUMNS.join(", ");
  const of = (row: string) => COLUMNS.map((c) => `${row}.${c}`).join(", ");
  await sql`alter table events rename to event_log`.execute(db);
  await sql`
    create table events_recent (
      workspace_id text not null, thread_id text not null, seq bigint not null,
      type text not null, message_id text, revision bigint, payload text not null,
      created_at bigint not null, payload_deflated blob,
      primary key (created_at, workspace_id, thread_id, seq)
    ) without rowid`.execute(db);
  await sql`
    create view events (${sql.raw(columns)}) as
      select ${sql.raw(columns)} from event_log
      union all
      select * from (${sql.raw(RECENT_BY_COMMIT_TIME)})`.execute(db);
  await sql`
    create trigger events_insert instead of insert on events begin
      insert into events_recent (${sql.raw(columns)}) values (${sql.raw(of("new"))});
    end`.execute(db);
  const set = COLUMNS.map((c) => `${c} = new.${c}`).join(", ");
  const logRow = "workspace_id = old.workspace_id and thread_id = old.thread_id and seq = old.seq";
  const recentRow = `created_at = old.created_at and ${logRow}`;
  await sql`
    create trigger events_update instead of update on events begin
      update event_log set ${sql.raw(set)} where ${sql.raw(logRow)};
      update events_recent set ${sql.raw(set)} where ${sql.raw(recentRow)};
    end`.execute(db);
  await sql`
    create trigger events_delete instead of delete on events begin
      delete from event_log where ${sql.raw(logRow)};
      delete from events_recent where ${sql.raw(recentRow)};
    end`.execute(db);
}
