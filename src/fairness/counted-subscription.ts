import type { Broker } from "../broker/broker.js";
import type { Clock } from "../clock.js";
import type { UIMessage } from "../message/types.js";
import type { Store } from "../store/store.js";
import {
  type SubscribeOptions,
  Subscription,
  type SubscriptionItem,
} from "../subscription/subscription.js";

/**
 * A {@link Subscription} holding one of its workspace's subscriber slots (R33): `release` is called
 * once it ends — closed, its signal aborted, or its iteration finished (thread deleted, error,
 * consumer stopped). `release` must be idempotent.
 */
export class CountedSubscription<
  MESSAGE extends UIMessage = UIMessage,
> extends Subscription<MESSAGE> {
  constructor(
    store: Store,
    broker: Broker,
    clock: Clock,
    workspaceId: string,
    threadId: string,
    options: SubscribeOptions,
    private readonly release: () => void,
  ) {
    super(store, broker, clock, workspaceId, threadId, options);
    if (options.signal?.aborted) release();
    else options.signal?.addEventListener("abort", release, { once: true });
  }

  override close(): void {
    super.close();
    this.release();
  }

  /**
   * The subscription's items, releasing the slot when they end, fail or are returned: a plain
   * iterator around the subscription's own rather than a second async generator, which cost
   * every delivered event another round of promise jobs (issue 9).
   */
  override [Symbol.asyncIterator](): AsyncIterableIterator<SubscriptionItem<MESSAGE>> {
    const items = super[Symbol.asyncIterator]();
    const release = this.release;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        try {
          const result = await items.next();
          if (result.done) release();
          return result;
        } catch (error) {
          release();
          throw error;
        }
      },
      async return(value?: unknown) {
        try {
          return (await items.return?.(value)) ?? { done: true, value: undefined };
        } finally {
          release();
        }
      },
      async throw(error?: unknown) {
        try {
          if (items.throw) return await items.throw(error);
          throw error;
        } finally {
          release();
        }
      },
    };
  }
}
