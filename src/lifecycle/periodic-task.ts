import type { Clock, TimerHandle } from "../clock.js";

/**
 * Runs a background job every `intervalMs` on an injected clock (STYLE habit 10), never two at once,
 * until stopped — the shared schedule of the crash sweep (R18), the retention purge (R25) and the
 * node heartbeat (R31).
 * A failed run is reported to `onError` and the schedule goes on.
 */
export class PeriodicTask<T> {
  private timer: TimerHandle | undefined;
  private stopped = true;
  private running: Promise<T> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly job: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Runs the job now (or `job`, a one-off variant of it), after a run already in progress, and
   * resolves with its result.
   */
  runNow(job: () => Promise<T> = this.job): Promise<T> {
    const previous = this.running?.catch(() => {});
    const run: Promise<T> = (async () => {
      await previous;
      return job();
    })().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Resolves once no run is in progress (runs started meanwhile included); never rejects. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  /** Runs the job every interval until {@link stop}. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /**
   * Moves the next scheduled run a full interval from now: for a job that was just run on another
   * trigger, so the schedule only covers the gaps between such runs. No effect when stopped.
   */
  postpone(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.runNow()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalMs);
  }
}
