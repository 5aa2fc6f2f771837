import type { Subscription, SubscriptionItem } from "../subscription/subscription.js";
import { toThreadlineError } from "./errors.js";
import type { SseWriter } from "./sse.js";

/**
 * Feeds a subscription's items to an SSE response until `send` says the stream is done, the client
 * disconnects (`signal`), or the subscription ends — the shared loop of the events and resume
 * routes. A failure after the response started can only close it: 5xx-class errors go to
 * `onUnexpected`, others (the thread vanished…) end the stream quietly. Always closes the writer
 * and the subscription, never the producer (R17).
 */
export async function pipeSubscription(
  subscription: Subscription,
  writer: SseWriter,
  signal: AbortSignal,
  send: (item: SubscriptionItem) => Promise<"done" | "more">,
  onUnexpected: (error: unknown) => void,
): Promise<void> {
  try {
    for await (const item of subscription) {
      if ((await send(item)) === "done" || signal.aborted) break;
    }
  } catch (error) {
    if (toThreadlineError(error).status >= 500) onUnexpected(error);
  } finally {
    writer.close();
    subscription.close();
  }
}
