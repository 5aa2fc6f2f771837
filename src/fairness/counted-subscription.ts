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

  override [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem<MESSAGE>> {
    const items = super[Symbol.asyncIterator]();
    const release = this.release;
    return (async function* () {
      try {
        yield* { [Symbol.asyncIterator]: () => items };
      } finally {
        release();
      }
    })();
  }
}
