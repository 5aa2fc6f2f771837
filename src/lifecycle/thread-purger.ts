import type { Clock } from "../clock.js";
import { ThreadlineError } from "../errors.js";
import type { EventHub } from "../observe.js";
import {
  type ExpiredThread,
  THREAD_UPDATED_AT_SLACK_MS,
  type ThreadStore,
} from "../store/thread-store.js";
import type { CoalescingWriter } from "../writer/coalescing-writer.js";
import { PeriodicTask } from "./periodic-task.js";
import { checkInteger, definedOnly, MAX_BATCH_ROWS } from "./task-options.js";

/**
 * Thread retention (R25, issue 8 item 2), `retention` in `createThreadline`: a time-to-live for
 * the threads of every workspace, and per workspace where one differs. Off by default: threads are
 * kept until deleted.
 *
 * @example
 * ```ts
 * const threadline = await createThreadline({
 *   database: "postgres://app@db/threadline",
 *   retention: {
 *     threadTtlMs: 90 * 24 * 3_600_000, // threads idle for 90 days go…
 *     workspaceThreadTtlMs: { acme: 365 * 24 * 3_600_000, audit: null }, // …acme's after a year, audit's never
 *   },
 * });
 * ```
 */
export interface ThreadRetentionOptions {
  /**
   * Delete every thread whose last update (its newest event, `updatedAt`) is older than this, in
   * ms (default: none). Deleting is the same as `threads.delete` (R20): viewers get
   * `thread.deleted`, streaming writers `message_finalized`.
   */
  threadTtlMs?: number;
  /**
   * Per-workspace time-to-live, in ms, by workspace id (default: none): a workspace listed here has
   * its threads deleted after its own TTL instead of `threadTtlMs`, or, with `null`, kept however
   * old they are.
   */
  workspaceThreadTtlMs?: Readonly<Record<string, number | null>>;
  /**
   * Time between retention runs, in ms (default 1 h). Each run also finishes any deletion a crash
   * interrupted, with or without a TTL.
   */
  intervalMs?: number;
  /** Most rows one deletion transaction removes (default 1 000, at most 10 000), for every thread deletion. */
  batchRows?: number;
}

/** {@link ThreadRetentionOptions} with defaults applied. */
export interface ResolvedThreadRetention {
  threadTtlMs: number | undefined;
  workspaceThreadTtlMs: Readonly<Record<string, number | null>>;
  intervalMs: number;
  batchRows: number;
}

/**
 * Applies the defaults of {@link ThreadRetentionOptions} and checks them.
 * @throws ThreadlineError `bad_request` naming the field (`retention.threadTtlMs`,
 *   `retention.workspaceThreadTtlMs.<workspace>` …) when it is not a positive integer (or, per
 *   workspace, `null`).
 */
export function resolveThreadRetention(
  options: ThreadRetentionOptions = {},
): ResolvedThreadRetention {
  const resolved = { intervalMs: 3_600_000, batchRows: 1_000, ...definedOnly(options) };
  if (resolved.threadTtlMs !== undefined)
    checkInteger("retention.threadTtlMs", resolved.threadTtlMs, 1);
  checkInteger("retention.intervalMs", resolved.intervalMs, 1);
  checkInteger("retention.batchRows", resolved.batchRows, 2, MAX_BATCH_ROWS);
  const perWorkspace = resolved.workspaceThreadTtlMs ?? {};
  if (typeof perWorkspace !== "object" || Array.isArray(perWorkspace)) {
    throw new ThreadlineError(
      "bad_request",
      "retention.workspaceThreadTtlMs must be an object of TTLs by workspace id",
    );
  }
  for (const [workspaceId, ttl] of Object.entries(perWorkspace)) {
    if (ttl !== null) checkInteger(`retention.workspaceThreadTtlMs.${workspaceId}`, ttl, 1);
  }
  return {
    threadTtlMs: resolved.threadTtlMs,
    workspaceThreadTtlMs: { ...perWorkspace },
    intervalMs: resolved.intervalMs,
    batchRows: resolved.batchRows,
  };
}

/** Options of one purge ({@link ThreadPurger.purge}, `threadline purge`). */
export interface ThreadPurgeOptions {
  /**
   * Delete threads whose last update is older than this many ms before now, in every workspace
   * (or `workspaceId`) whatever its own TTL. Default: the configured TTLs — a workspace's own
   * (`retention.workspaceThreadTtlMs`) where it has one, else `retention.threadTtlMs`. An age
   * below `THREAD_UPDATED_AT_SLACK_MS` (1 s) acts as that long: a streaming thread's last update
   * may lag its newest delta by as much.
   */
  olderThanMs?: number;
  /** Only this workspace's threads (default every workspace's). */
  workspaceId?: string;
  /** List the threads that would be deleted; delete nothing. */
  dryRun?: boolean;
}

/** One thread a purge deleted (or, dry run, would delete). */
export interface PurgedThread {
  workspaceId: string;
  threadId: string;
  title: string | null;
  /** Its last update, ms since the epoch. */
  updatedAt: number;
}

/** What one purge did (R25). */
export interface ThreadPurgeReport {
  /**
   * Threads last updated before this time (ms) were purged — with per-workspace TTLs, those of the
   * workspaces without one (each other workspace had its own cutoff).
   */
  cutoff: number;
  dryRun: boolean;
  /** The threads deleted (dry run: that would be), oldest first. */
  threads: PurgedThread[];
  /** Threads picked but kept: written to after they were picked (the age guard), or gone. */
  kept: number;
  /** Deletion transactions run and rows they removed (events, bodies, messages). */
  batches: number;
  rows: number;
}

/** One purge by age: in one workspace, or in all but some (each with a TTL of its own). */
interface PolicyPurge {
  olderThanMs: number;
  workspaceId?: string;
  exceptWorkspaceIds?: readonly string[];
}

/** Threads read per look-up of a purge. */
const PAGE = 100;

/**
 * Deletes threads in bounded batches (R20, R25): `threads.delete`, the retention purge of threads
 * idle past their workspace's TTL (`retention.workspaceThreadTtlMs`, else `threadTtlMs`; every
 * `intervalMs`), and `threadline purge`.
 *
 * Deleting a thread is one short transaction that takes the thread away — its row, run triggers,
 * and a deletion record ({@link ThreadStore.beginThreadDeletion}) — after which viewers get
 * `thread.deleted` (R20), this process's writers of it are dropped (`message_finalized`), and no
 * write of any node reaches it again; then transactions of at most `batchRows` rows each remove its
 * events, message bodies and messages ({@link ThreadStore.deleteThreadRows}), each reported as
 * `lifecycle:thread-batch`, so a huge thread never holds a long transaction. A deletion a crash
 * interrupted is finished by the next run.
 */
export class ThreadPurger {
  private readonly task: PeriodicTask<ThreadPurgeReport | undefined>;
  private stopping = false;

  constructor(
    private readonly deps: {
      store: ThreadStore;
      writer: CoalescingWriter;
      clock: Clock;
      hub: EventHub;
    },
    private readonly options: ResolvedThreadRetention,
  ) {
    this.task = new PeriodicTask(
      deps.clock,
      options.intervalMs,
      () => this.runOnce(),
      (error) => deps.hub.emit("lifecycle:error", { task: "thread-purge", error }),
    );
  }

  /**
   * Deletes a thread (R20): see the class. With `guard.updatedBefore`, only if its last update is
   * still older than that (ms). @returns false when there was no such thread (or the guard failed).
   */
  async deleteThread(
    workspaceId: string,
    threadId: string,
    guard: { updatedBefore?: number } = {},
  ): Promise<boolean> {
    return (await this.remove(workspaceId, threadId, guard)) !== undefined;
  }

  /**
   * Purges now (after a run in progress), one thread at a time, each guarded by its age (a thread
   * written to meanwhile is kept): with `olderThanMs`, every thread (of `workspaceId`) not updated
   * for that long; without, what the configured TTLs delete — each workspace's own, else
   * `threadTtlMs` (see {@link ThreadPurgeOptions.olderThanMs}).
   * @throws ThreadlineError `bad_request` when no age is given and no TTL applies, or the age is
   *   not a positive integer.
   */
  purge(options: ThreadPurgeOptions = {}): Promise<ThreadPurgeReport> {
    const { olderThanMs, ...rest } = options;
    if (olderThanMs !== undefined) {
      try {
        checkInteger("olderThanMs", olderThanMs, 1);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.task.runNow(() =>
        this.purgeOlderThan({ ...rest, olderThanMs }),
      ) as Promise<ThreadPurgeReport>;
    }
    const policy = this.policyOf(options.workspaceId);
    if (policy.length === 0) {
      const which =
        options.workspaceId === undefined
          ? "no retention TTL is set"
          : `no TTL applies to workspace ${options.workspaceId}`;
      return Promise.reject(
        new ThreadlineError("bad_request", `olderThanMs is required: ${which}`),
      );
    }
    return this.task.runNow(() =>
      this.purgeByPolicy(policy, options.dryRun ?? false),
    ) as Promise<ThreadPurgeReport>;
  }

  /** Runs every interval until {@link stop}. */
  start(): void {
    this.task.start();
  }

  /** Stops the schedule; a purge in progress ends after its current transaction. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
  }

  /**
   * What the configured TTLs purge, as one purge per TTL: in `workspaceId` only, its own TTL (or
   * `threadTtlMs`); else each workspace with a TTL of its own, then every other past
   * `threadTtlMs`. Empty when no TTL applies.
   */
  private policyOf(workspaceId: string | undefined): PolicyPurge[] {
    const { threadTtlMs, workspaceThreadTtlMs } = this.options;
    if (workspaceId !== undefined) {
      const ttl = Object.hasOwn(workspaceThreadTtlMs, workspaceId)
        ? workspaceThreadTtlMs[workspaceId]
        : threadTtlMs;
      return ttl === null || ttl === undefined ? [] : [{ olderThanMs: ttl, workspaceId }];
    }
    const policy: PolicyPurge[] = [];
    for (const [id, ttl] of Object.entries(workspaceThreadTtlMs)) {
      if (ttl !== null) policy.push({ olderThanMs: ttl, workspaceId: id });
    }
    if (threadTtlMs !== undefined) {
      policy.push({
        olderThanMs: threadTtlMs,
        exceptWorkspaceIds: Object.keys(workspaceThreadTtlMs),
      });
    }
    return policy;
  }

  /** Runs each purge of `policy` in turn; one report for all (cutoff: the last one's). */
  private async purgeByPolicy(
    policy: readonly PolicyPurge[],
    dryRun: boolean,
  ): Promise<ThreadPurgeReport> {
    const reports: ThreadPurgeReport[] = [];
    for (const purge of policy) reports.push(await this.purgeOlderThan({ ...purge, dryRun }));
    return {
      cutoff: reports.at(-1)?.cutoff ?? this.deps.clock.now(),
      dryRun,
      threads: reports.flatMap((r) => r.threads).sort((x, y) => x.updatedAt - y.updatedAt),
      kept: reports.reduce((sum, r) => sum + r.kept, 0),
      batches: reports.reduce((sum, r) => sum + r.batches, 0),
      rows: reports.reduce((sum, r) => sum + r.rows, 0),
    };
  }

  /**
   * A periodic run: finishes interrupted deletions, then purges what the configured TTLs delete
   * ({@link policyOf}). Each deletion reaches the log as `lifecycle:thread-purged` and
   * `lifecycle:thread-batch` events.
   */
  private async runOnce(): Promise<ThreadPurgeReport | undefined> {
    for (const pending of await this.deps.store.listThreadDeletions(PAGE)) {
      if (this.stopping) return undefined;
      await this.deleteRows(pending.workspaceId, pending.threadId);
    }
    const policy = this.policyOf(undefined);
    return policy.length === 0 ? undefined : this.purgeByPolicy(policy, false);
  }

  private async purgeOlderThan(
    options: ThreadPurgeOptions & PolicyPurge,
  ): Promise<ThreadPurgeReport> {
    // A streaming thread's updated_at may lag its newest delta by the slack: an age below it would
    // let a purge pick a thread a stream is still writing to.
    const cutoff =
      this.deps.clock.now() - Math.max(options.olderThanMs, THREAD_UPDATED_AT_SLACK_MS);
    const report: ThreadPurgeReport = {
      cutoff,
      dryRun: options.dryRun ?? false,
      threads: [],
      kept: 0,
      batches: 0,
      rows: 0,
    };
    let after: ExpiredThread | undefined;
    while (!this.stopping) {
      const page = await this.deps.store.findExpiredThreads({
        updatedBefore: cutoff,
        limit: PAGE,
        ...(options.workspaceId === undefined ? {} : { workspaceId: options.workspaceId }),
        ...(options.exceptWorkspaceIds === undefined
          ? {}
          : { exceptWorkspaceIds: options.exceptWorkspaceIds }),
        ...(after === undefined
          ? {}
          : {
              after: {
                updatedAt: after.thread.updatedAt,
                workspaceId: after.workspaceId,
                threadId: after.thread.id,
              },
            }),
      });
      for (const expired of page) {
        if (this.stopping) break;
        const purged = {
          workspaceId: expired.workspaceId,
          threadId: expired.thread.id,
          title: expired.thread.title,
          updatedAt: expired.thread.updatedAt,
        };
        if (report.dryRun) {
          report.threads.push(purged);
          continue;
        }
        const deleted = await this.deleteGuarded(purged, cutoff, report);
        if (deleted) report.threads.push(purged);
        else report.kept += 1;
      }
      after = page.at(-1);
      if (page.length < PAGE) break;
    }
    return report;
  }

  private async deleteGuarded(
    thread: PurgedThread,
    cutoff: number,
    report: ThreadPurgeReport,
  ): Promise<boolean> {
    const removed = await this.remove(thread.workspaceId, thread.threadId, {
      updatedBefore: cutoff,
    });
    if (!removed) return false;
    report.batches += removed.batches;
    report.rows += removed.rows;
    this.deps.hub.emit("lifecycle:thread-purged", {
      workspaceId: thread.workspaceId,
      threadId: thread.threadId,
      updatedAt: thread.updatedAt,
    });
    return true;
  }

  /** Takes a thread away (guarded), then removes its rows. @returns undefined when not found. */
  private async remove(
    workspaceId: string,
    threadId: string,
    guard: { updatedBefore?: number },
  ): Promise<{ batches: number; rows: number } | undefined> {
    const { store, writer, clock } = this.deps;
    if (!(await store.beginThreadDeletion(workspaceId, threadId, clock.now(), guard))) {
      return undefined;
    }
    writer.dropThread(workspaceId, threadId); // its viewers were closed as the deletion committed
    return this.deleteRows(workspaceId, threadId);
  }

  /** Removes the rows of a thread whose deletion began, batch after batch, until none is left. */
  private async deleteRows(
    workspaceId: string,
    threadId: string,
  ): Promise<{ batches: number; rows: number }> {
    let batches = 0;
    let rows = 0;
    // Stopping leaves the rest to the next start's first run (the deletion record stays).
    while (!this.stopping) {
      const batch = await this.deps.store.deleteThreadRows(
        workspaceId,
        threadId,
        this.options.batchRows,
      );
      if (batch.done) return { batches, rows };
      batches += 1;
      rows += batch.events + batch.bodies + batch.messages;
      this.deps.hub.emit("lifecycle:thread-batch", {
        workspaceId,
        threadId,
        events: batch.events,
        bodies: batch.bodies,
        messages: batch.messages,
      });
    }
    return { batches, rows };
  }
}
