import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { ThreadEvent } from "../protocol/events.js";
import { SubscriberQueue } from "./subscriber-queue.js";

/** Broker settings (R12). */
export interface BrokerOptions {
  /** Events a subscriber may have queued before lossy publishes drop (default 1024). */
  queueCapacity?: number;
  /** How long a reliable publish waits for room in a full queue (default 50 ms). */
  reliableTimeoutMs?: number;
}

/**
 * In-process fan-out of committed events to live subscribers (R10–R12). The writer publishes only
 * after a commit (persist, then publish). Deltas go out lossy; lifecycle events wait a bounded time.
 * Every drop is counted and marks the subscriber behind, so its subscription re-reads the log and
 * still sees every event exactly once, in order.
 *
 * @example
 * ```ts
 * const broker = new Broker(systemClock, hub);
 * const queue = broker.register("default", "thread-1");
 * broker.publishLossy("default", event);
 * ```
 */
export class Broker {
  private readonly subscribers = new Map<string, Set<SubscriberQueue>>();
  private readonly queueCapacity: number;
  private readonly reliableTimeoutMs: number;
  /** Lossy publishes that found a full queue (R12). */
  lossyDrops = 0;
  /** Reliable publishes that still found a full queue after the bounded wait (R12). */
  reliableDrops = 0;

  constructor(
    private readonly clock: Clock,
    private readonly hub: EventHub,
    options: BrokerOptions = {},
  ) {
    this.queueCapacity = options.queueCapacity ?? 1024;
    this.reliableTimeoutMs = options.reliableTimeoutMs ?? 50;
  }

  /** Adds a subscriber queue for a thread. Call {@link unregister} when done. */
  register(workspaceId: string, threadId: string): SubscriberQueue {
    const queue = new SubscriberQueue(workspaceId, threadId, this.queueCapacity);
    const key = keyOf(workspaceId, threadId);
    const set = this.subscribers.get(key) ?? new Set();
    set.add(queue);
    this.subscribers.set(key, set);
    return queue;
  }

  /** Removes a subscriber queue. */
  unregister(queue: SubscriberQueue): void {
    const key = keyOf(queue.workspaceId, queue.threadId);
    const set = this.subscribers.get(key);
    set?.delete(queue);
    if (set?.size === 0) this.subscribers.delete(key);
  }

  /** Number of live subscribers, all threads together (a gauge for metrics). */
  get totalSubscribers(): number {
    let total = 0;
    for (const set of this.subscribers.values()) total += set.size;
    return total;
  }

  /** Number of live subscribers of a thread. */
  subscriberCount(workspaceId: string, threadId: string): number {
    return this.subscribers.get(keyOf(workspaceId, threadId))?.size ?? 0;
  }

  /** Delivers a delta event without waiting: a full queue drops it and counts (R12). */
  publishLossy(workspaceId: string, event: ThreadEvent): void {
    for (const queue of this.queuesOf(workspaceId, event.threadId)) {
      if (!queue.offer(event)) this.drop(queue, event, "lossy");
    }
  }

  /**
   * Delivers a lifecycle event, waiting up to the bounded timeout for room in each full queue; then
   * drops and counts it separately (R12). Resolves when every subscriber has it or gave up.
   */
  async publishReliable(workspaceId: string, event: ThreadEvent): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const queue of this.queuesOf(workspaceId, event.threadId)) {
      if (queue.offer(event)) continue;
      waits.push(
        queue.waitForSpace(this.reliableTimeoutMs, this.clock).then((room) => {
          if (!(room && queue.offer(event))) this.drop(queue, event, "reliable");
        }),
      );
    }
    await Promise.all(waits);
  }

  /** Publishes a committed event with the delivery its type calls for. */
  publish(workspaceId: string, event: ThreadEvent): Promise<void> {
    if (event.type === "message.delta") {
      this.publishLossy(workspaceId, event);
      return Promise.resolve();
    }
    return this.publishReliable(workspaceId, event);
  }

  /** Another node committed up to `seq`: subscribers that have not seen it catch up from the log. */
  notifyRemoteCommit(workspaceId: string, threadId: string): void {
    for (const queue of this.queuesOf(workspaceId, threadId)) queue.markBehind();
  }

  /**
   * This node may have missed commits of any thread (its notification connection was lost, R26):
   * every subscriber catches up from the log, still receiving each event once, in order (R12).
   */
  markAllBehind(): void {
    for (const set of this.subscribers.values()) for (const queue of set) queue.markBehind();
  }

  /** The thread was deleted: every subscriber drains and closes (R20). */
  closeThread(workspaceId: string, threadId: string): void {
    for (const queue of this.queuesOf(workspaceId, threadId)) queue.close("deleted");
  }

  /** Closes every subscriber (shutdown). */
  closeAll(): void {
    for (const set of this.subscribers.values()) for (const queue of set) queue.close("shutdown");
  }

  private queuesOf(workspaceId: string, threadId: string): Iterable<SubscriberQueue> {
    return this.subscribers.get(keyOf(workspaceId, threadId)) ?? [];
  }

  private drop(queue: SubscriberQueue, event: ThreadEvent, delivery: "lossy" | "reliable"): void {
    if (delivery === "lossy") this.lossyDrops += 1;
    else this.reliableDrops += 1;
    queue.markBehind();
    this.hub.emit("broker:drop", {
      delivery,
      workspaceId: queue.workspaceId,
      threadId: queue.threadId,
      seq: event.seq,
    });
  }
}

function keyOf(workspaceId: string, threadId: string): string {
  return `${workspaceId}\u0000${threadId}`;
}
