import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { EventLogStore } from "../store/event-log-store.js";
import type { StoreCapabilities } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

/** Time between two steps of moving recent events into the log (ms): one per writer tick. */
export const RECENT_EVENTS_STEP_MS = 33;

/**
 * Moves recent events into the log on the store that keeps them apart (SQLite, migration 7;
 * issue 9): one {@link EventLogStore.moveRecentEvents} step every {@link RECENT_EVENTS_STEP_MS} on
 * the injected clock, never two at once. A failed step is reported as `lifecycle:error` (`task:
 * "recent-events"`) and the schedule goes on; its events stay readable where they are and the
 * store's next cycle moves them. Does nothing on a store without recent events (PostgreSQL).
 */
export class RecentEventsUpkeep {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly store: EventLogStore & { readonly capabilities: StoreCapabilities },
    clock: Clock,
    hub: EventHub,
  ) {
    this.task = new PeriodicTask(
      clock,
      RECENT_EVENTS_STEP_MS,
      () => store.moveRecentEvents(),
      (error) => hub.emit("lifecycle:error", { task: "recent-events", error }),
    );
  }

  /** Steps every {@link RECENT_EVENTS_STEP_MS} until {@link stop}, where the store has recent events. */
  start(): void {
    if (this.store.capabilities.recentEvents) this.task.start();
  }

  /** Stops the schedule and waits for a step in progress. */
  stop(): Promise<void> {
    return this.task.stop();
  }
}
