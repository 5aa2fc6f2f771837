import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { EventLogStore } from "../store/event-log-store.js";
import { PeriodicTask } from "./periodic-task.js";
import { checkInteger, definedOnly, MAX_BATCH_ROWS } from "./task-options.js";

/**
 * Settings of log compaction (R32), `compaction` in `createThreadline` (`false`: no periodic
 * compaction; `threadline.log.compact()` still runs one on demand).
 *
 * @example
 * ```ts
 * const threadline = await createThreadline({
 *   database: "sqlite:./threadline.db",
 *   compaction: { resumeHorizonMs: 60 * 60_000 }, // deltas resumable for 1 h after a message ends
 * });
 * ```
 */
export interface CompactionOptions {
  /**
   * How long a finished message's `message.delta` events stay in the log, in ms (default 24 h).
   * A resume from an offset inside that horizon replays the log; past it the deltas are removed
   * and a resume from inside the removed range gets a fresh snapshot instead (R11, R32). `0`:
   * removed by the first run after the message finished.
   */
  resumeHorizonMs?: number;
  /** Time between compaction runs, in ms (default 10 min). */
  intervalMs?: number;
  /** Most events removed by one transaction (default 1 000, at most 10 000). */
  batchRows?: number;
}

/** {@link CompactionOptions} with defaults applied; `enabled` false for `compaction: false`. */
export interface ResolvedCompaction extends Required<CompactionOptions> {
  enabled: boolean;
}

/** Defaults of {@link CompactionOptions}. */
export const COMPACTION_DEFAULTS: Readonly<Required<CompactionOptions>> = {
  resumeHorizonMs: 24 * 60 * 60_000,
  intervalMs: 10 * 60_000,
  batchRows: 1_000,
};

/**
 * Applies the defaults of {@link CompactionOptions} and checks them.
 * @throws ThreadlineError `bad_request` naming the field (`compaction.resumeHorizonMs` …) when a
 *   time is not a non-negative integer, or `intervalMs` / `batchRows` not a positive one.
 */
export function resolveCompaction(
  options: CompactionOptions | false | undefined,
): ResolvedCompaction {
  const given = options === false || options === undefined ? {} : options;
  const resolved = { ...COMPACTION_DEFAULTS, ...definedOnly(given) };
  checkInteger("compaction.resumeHorizonMs", resolved.resumeHorizonMs, 0);
  checkInteger("compaction.intervalMs", resolved.intervalMs, 1);
  checkInteger("compaction.batchRows", resolved.batchRows, 1, MAX_BATCH_ROWS);
  return { ...resolved, enabled: options !== false };
}

/** What one compaction run did (R32). */
export interface CompactionReport {
  /** Transactions run (each removed at most `batchRows` events of one thread). */
  steps: number;
  /** `message.delta` events removed. */
  rows: number;
  /** Finished messages that have no delta left. */
  messages: number;
  /** Threads whose log lost events. */
  threads: number;
}

/**
 * Log compaction (R32, issue 8 item 1): every `intervalMs`, removes the `message.delta` events of
 * messages that finished more than `resumeHorizonMs` ago, in steps of at most `batchRows` events
 * per transaction ({@link EventLogStore.compactDeltas}), each reported as `lifecycle:compacted`.
 * Their `message.created` / `message.finished` events and every other event stay, so the log still
 * rebuilds every message; a message's body row already holds its final parts, so reads never
 * needed the deltas. A run goes on until nothing is left to compact, or until {@link stop}.
 */
export class LogCompactor {
  private readonly task: PeriodicTask<CompactionReport>;
  private stopping = false;

  constructor(
    private readonly store: EventLogStore,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    private readonly options: ResolvedCompaction,
  ) {
    this.task = new PeriodicTask(
      clock,
      options.intervalMs,
      () => this.compactAll(),
      (error) => hub.emit("lifecycle:error", { task: "compaction", error }),
    );
  }

  /** Compacts now (after a run in progress), everything finished before now minus the horizon. */
  compact(): Promise<CompactionReport> {
    return this.task.runNow();
  }

  /** Compacts every interval until {@link stop}, when enabled (`compaction` not `false`). */
  start(): void {
    if (this.options.enabled) this.task.start();
  }

  /** Stops the schedule; a run in progress ends after its current step. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
  }

  private async compactAll(): Promise<CompactionReport> {
    const now = this.clock.now();
    const finishedBefore = now - this.options.resumeHorizonMs;
    const report: CompactionReport = { steps: 0, rows: 0, messages: 0, threads: 0 };
    const threads = new Set<string>();
    while (!this.stopping) {
      const step = await this.store.compactDeltas(finishedBefore, now, this.options.batchRows);
      if (!step || (step.rows === 0 && step.messages === 0)) break;
      report.steps += 1;
      report.rows += step.rows;
      report.messages += step.messages;
      if (step.rows > 0) threads.add(`${step.workspaceId}\u0000${step.threadId}`);
      this.hub.emit("lifecycle:compacted", step);
    }
    report.threads = threads.size;
    return report;
  }
}
