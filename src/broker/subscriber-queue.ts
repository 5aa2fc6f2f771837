import type { Clock, TimerHandle } from "../clock.js";
import type { ThreadEvent } from "../protocol/events.js";

/**
 * One subscriber's bounded queue of live events (R12). Publishers `offer` without blocking; a full
 * queue refuses and the subscriber is marked `behind`, which makes its subscription catch up from the
 * log. `waitForSpace` lets a reliable publish wait a bounded time for the reader.
 */
export class SubscriberQueue {
  private items: ThreadEvent[] = [];
  private wakeReader: (() => void) | undefined;
  private spaceWaiters: (() => void)[] = [];
  /** Set when an event was dropped or another node committed: catch up from the log (R12). */
  behind = false;
  /** Why the queue closed: the thread was deleted (R20) or Threadline shut down. */
  closed: "deleted" | "shutdown" | undefined;

  constructor(
    readonly workspaceId: string,
    readonly threadId: string,
    readonly capacity: number,
  ) {}

  /** Enqueues `event` if there is room. @returns false when the queue is full (nothing changes). */
  offer(event: ThreadEvent): boolean {
    if (this.closed) return true;
    if (this.items.length >= this.capacity) return false;
    this.items.push(event);
    this.wake();
    return true;
  }

  /** Takes the oldest event, if any, and lets one waiting publisher in. */
  shift(): ThreadEvent | undefined {
    const item = this.items.shift();
    if (item) this.spaceWaiters.shift()?.();
    return item;
  }

  /** Marks the subscriber as having missed events. */
  markBehind(): void {
    this.behind = true;
    this.wake();
  }

  /** Closes the queue: the reader drains what is queued, then stops. */
  close(reason: "deleted" | "shutdown"): void {
    this.closed ??= reason;
    this.wake();
    for (const waiter of this.spaceWaiters.splice(0)) waiter();
  }

  /**
   * Resolves when there is something for the reader: an event, `behind`, `closed`, or an
   * {@link interrupt}. The reader checks its own abort flag before waiting and wires its signal to
   * {@link interrupt} once, rather than listening anew on every wait (an abort listener added and
   * removed per delivered event was ~3 % of the process at 1 100 streams, issue 9).
   */
  ready(): Promise<void> {
    if (this.items.length > 0 || this.behind || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeReader = resolve;
    });
  }

  /** Wakes a reader waiting in {@link ready} (its subscription was aborted). */
  interrupt(): void {
    this.wake();
  }

  /**
   * Waits until the queue has room or `timeoutMs` passes (on `clock`).
   * @returns true when there is room.
   */
  waitForSpace(timeoutMs: number, clock: Clock): Promise<boolean> {
    if (this.items.length < this.capacity || this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const onSpace = () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        resolve(true);
      };
      this.spaceWaiters.push(onSpace);
      timer = clock.setTimeout(() => {
        this.spaceWaiters = this.spaceWaiters.filter((w) => w !== onSpace);
        resolve(false);
      }, timeoutMs);
    });
  }

  private wake(): void {
    const resolve = this.wakeReader;
    this.wakeReader = undefined;
    resolve?.();
  }
}
