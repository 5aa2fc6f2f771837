import { isThreadlineError } from "../../src/errors.js";
import type { ThreadEvent } from "../../src/protocol/events.js";
import type { Store } from "../../src/store/store.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";

/** Takes the next `count` items of an async iterator, failing after `timeoutMs` (a guard, not a wait). */
export async function take(
  iterator: AsyncIterator<SubscriptionItem>,
  count: number,
  timeoutMs = 5_000,
): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${items.length}/${count} items`)),
      timeoutMs,
    );
  });
  try {
    while (items.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      items.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

/** Every event of a thread's log, from the store. */
export function logOf(store: Store, workspaceId: string, threadId: string): Promise<ThreadEvent[]> {
  return store.readEvents(workspaceId, threadId, 0, 10_000);
}

/** A promise with its resolve function exposed: a gate a test opens. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Text of every text part of a message, joined. */
export function textOf(message: { parts: readonly { type: string; text?: string }[] }): string {
  return message.parts
    .filter((p) => p.type === "text")
    .map((p) => p.text ?? "")
    .join("");
}

/**
 * Awaits `promise` while moving a fake clock forward in `stepMs` steps, yielding to real I/O between
 * steps: for work that waits on fake-clock timers (bounded publish waits, retries).
 */
export async function drive<T>(
  clock: { advance(ms: number): void },
  promise: Promise<T>,
  stepMs = 10,
  realTimeoutMs = 5_000,
): Promise<T> {
  let settled = false;
  const result = promise.finally(() => {
    settled = true;
  });
  const deadline = Date.now() + realTimeoutMs;
  while (!settled && Date.now() < deadline) {
    // A real millisecond between steps lets database I/O progress.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!settled) clock.advance(stepMs);
  }
  if (!settled) throw new Error(`drive: still pending after ${realTimeoutMs} ms`);
  return result;
}

/**
 * Runs `run` and returns the ThreadlineError it throws as `{ code, message, ...details }`; fails
 * when it does not throw, rethrows any other error.
 */
export function rejectionOf(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (error) {
    if (isThreadlineError(error))
      return { code: error.code, message: error.message, ...error.details };
    throw error;
  }
  throw new Error("expected a ThreadlineError");
}
