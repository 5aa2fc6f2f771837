import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { EventLogStore } from "../store/event-log-store.js";
import type { StoreCapabilities } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

/** Time between two steps of moving recent events into the log (ms): one per writer tick. */
export const RECENT_EVENTS_STEP_MS = 33;

/**
 * Moves recent events into the log on the store that keeps them apart (SQLite, migration 7;
 * issue 9): one {@link EventLogStore.moveRecentEvents} step right after each window tick's commit
 * (`writer:commit`, not urgent), at most one per half window, and every {@link RECENT_EVENTS_STEP_MS}
 * on the injected clock while no tick comes; never two at once. After a tick, the step runs in the
 * gap before the next one instead of on a timer of its own, whose phase could put it just before a
 * tick: a step of ~2 000 events holds SQLite's connection (and, in the thread, the event loop) for
 * ~7 ms, which the tick behind it waited out. Over HTTP at 200 streams (`bench/http-path-micro.ts`,
 * 2026-12-03): p99 delta→viewer 50–63 ms on the timer, 48–53 ms with no steps at all, and after
 * ticks 54.5–67.4 (mean 60) against 54.1–73.9 ms (mean 64) on the timer, six alternations on a
 * noisy machine. A failed step is reported as `lifecycle:error` (`task: "recent-events"`) and the
 * schedule goes on; its events stay readable where they are and the store's next cycle moves them.
 * Does nothing on a store without recent events (PostgreSQL).
 */
export class RecentEventsUpkeep {
  private readonly task: PeriodicTask<number>;
  /** When the last step after a tick was triggered (clock ms). */
  private lastTickStepAt = Number.NEGATIVE_INFINITY;
  /** Set while started (on a store with recent events): stops the steps after ticks. */
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: EventLogStore & { readonly capabilities: StoreCapabilities },
    private readonly clock: Clock,
    private readonly hub: EventHub,
  ) {
    this.task = new PeriodicTask(
      clock,
      RECENT_EVENTS_STEP_MS,
      () => store.moveRecentEvents(),
      (error) => this.reportError(error),
    );
  }

  /**
   * Steps after every window tick and every {@link RECENT_EVENTS_STEP_MS} without one, until
   * {@link stop}, where the store has recent events.
   */
  start(): void {
    if (!this.store.capabilities.recentEvents) return;
    this.unsubscribe = this.hub.on("writer:commit", ({ urgent }) => {
      if (!urgent) this.afterTick();
    });
    this.task.start();
  }

  /** Stops the schedule and waits for a step in progress. */
  stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return this.task.stop();
  }

  /** A window tick committed: step once the event loop turns (its viewers served first). */
  private afterTick(): void {
    const now = this.clock.now();
    if (now - this.lastTickStepAt < RECENT_EVENTS_STEP_MS / 2) return;
    this.lastTickStepAt = now;
    this.task.postpone();
    setImmediate(() => {
      if (this.unsubscribe) this.task.runNow().catch((error) => this.reportError(error));
    });
  }

  private reportError(error: unknown): void {
    this.hub.emit("lifecycle:error", { task: "recent-events", error });
  }
}
