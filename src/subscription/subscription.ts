import type { Broker } from "../broker/broker.js";
import type { Clock } from "../clock.js";
import { ThreadlineError } from "../errors.js";
import type { UIMessage } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";
import type { EventLogStore } from "../store/event-log-store.js";

/** Events read from the log per catch-up query. */
const CATCH_UP_PAGE = 500;

/**
 * The thread at offset `seq` (R11): the first item of a subscription without `after`, and the
 * answer to a resume whose events were compacted (R32) — then it replaces everything before it.
 */
export interface SnapshotItem<MESSAGE extends UIMessage = UIMessage> {
  type: "snapshot";
  seq: number;
  thread: Thread;
  messages: StoredMessage<MESSAGE>[];
}

/**
 * What a subscription yields: a snapshot first (unless resuming), then every event in seq order;
 * messages typed as the app's `MESSAGE` (a static promise, see {@link StoredMessage}).
 */
export type SubscriptionItem<MESSAGE extends UIMessage = UIMessage> =
  | SnapshotItem<MESSAGE>
  | ThreadEvent<MESSAGE>;

/**
 * What a subscription does when events it must deliver were removed by log compaction (R32):
 *
 * - `snapshot` (default): it yields a fresh {@link SnapshotItem} at the thread's current seq `S`
 *   instead of the missing range, then every event after `S`. A consumer replaces its view with
 *   the snapshot, as it does with the first one: every message exactly once, no duplicate (R11).
 * - `skip`: it yields the events that remain, in seq order, once each. Only for a consumer that
 *   follows one message still streaming (`GET …/stream`, a stop waiting for its message to end):
 *   compaction never removes a streaming message's events, so it misses nothing it needs.
 */
export type CompactedRangePolicy = "snapshot" | "skip";

/** Options of a subscription. */
export interface SubscribeOptions {
  /**
   * Resume after this seq: replay the log from `after + 1`, then live (R11), no snapshot — unless
   * some event after `after` was compacted (R32), see {@link CompactedRangePolicy}.
   */
  after?: number;
  /** Ends the subscription when aborted. */
  signal?: AbortSignal;
  /** What to do about a compacted range (R32; default `snapshot`). */
  onCompacted?: CompactedRangePolicy;
}

/**
 * A live view of one thread's log as an async iterator (R11–R13): a snapshot at `seq = S` then every
 * event with `seq > S`, or with `after = N` every event from `N + 1`. Each event is yielded exactly
 * once, in seq order: live events come from the broker, and whenever the subscriber falls behind (a
 * dropped event, a seq gap, another node's commit) it re-reads the missing range from the log.
 * Ends with a `thread.deleted` event when the thread is deleted (R20), or when closed.
 *
 * Compacted ranges (R32): when an event the subscription must yield next is no longer in the log —
 * a resume from an offset below the thread's compacted seq, or a catch-up that meets a hole — it
 * yields a fresh snapshot at the current seq instead (or, with `onCompacted: "skip"`, the events
 * that remain; see {@link CompactedRangePolicy}). A resume from an offset at or above the
 * compacted seq replays the log as before.
 *
 * @example
 * ```ts
 * const subscription = threadline.subscribe("thread-1");
 * for await (const item of subscription) {
 *   if (item.type === "snapshot") render(item.messages);
 *   else apply(item);
 * }
 * ```
 */
export class Subscription<MESSAGE extends UIMessage = UIMessage>
  implements AsyncIterable<SubscriptionItem<MESSAGE>>
{
  private readonly abort = new AbortController();
  private started = false;

  constructor(
    private readonly store: EventLogStore,
    private readonly broker: Broker,
    private readonly clock: Clock,
    readonly workspaceId: string,
    readonly threadId: string,
    private readonly options: SubscribeOptions = {},
  ) {
    options.signal?.addEventListener("abort", () => this.abort.abort(), { once: true });
  }

  /** Stops the subscription; a pending `next()` resolves `done`. */
  close(): void {
    this.abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem<MESSAGE>> {
    if (this.started) throw new ThreadlineError("conflict", "a subscription can be iterated once");
    this.started = true;
    // The store holds untyped messages; the app's type is a static promise (see StoredMessage).
    return this.run() as AsyncGenerator<SubscriptionItem<MESSAGE>>;
  }

  private async *run(): AsyncGenerator<SubscriptionItem> {
    // Register before reading, so nothing committed after the read can be missed (R11).
    const queue = this.broker.register(this.workspaceId, this.threadId);
    const signal = this.abort.signal;
    // A local flag: `signal.aborted` is a getter that validates its receiver, read once per event.
    let aborted = signal.aborted;
    const interrupt = () => {
      aborted = true;
      queue.interrupt();
    };
    signal.addEventListener("abort", interrupt, { once: true });
    try {
      const replaceCompacted = (this.options.onCompacted ?? "snapshot") === "snapshot";
      let next: number;
      let catchUp: boolean;
      const after = this.options.after;
      const compacted = after !== undefined && (await this.isCompactedAfter(after));
      if (after === undefined || (replaceCompacted && compacted)) {
        const snapshot = await this.store.readSnapshot(this.workspaceId, this.threadId);
        if (!snapshot) throw notFound(this.threadId);
        yield { type: "snapshot", ...snapshot };
        next = snapshot.seq + 1;
        catchUp = false;
      } else {
        next = after + 1;
        catchUp = true;
      }
      while (!aborted) {
        if (catchUp || queue.behind) {
          queue.behind = false;
          const events = await this.store.readEvents(
            this.workspaceId,
            this.threadId,
            next - 1,
            CATCH_UP_PAGE,
          );
          catchUp = events.length === CATCH_UP_PAGE;
          for (const event of events) {
            if (event.seq < next) continue;
            if (event.seq > next && replaceCompacted) {
              // A hole: events from `next` on were compacted since this subscriber got here (R32).
              const snapshot = await this.store.readSnapshot(this.workspaceId, this.threadId);
              if (!snapshot) {
                yield deletedEvent(this.threadId, next, this.clock.now());
                return;
              }
              yield { type: "snapshot", ...snapshot };
              next = snapshot.seq + 1;
              catchUp = false;
              break;
            }
            yield event; // with `skip`, past a hole too: its events were other messages' deltas
            next = event.seq + 1;
          }
          continue;
        }
        const event = queue.shift();
        if (event === undefined) {
          if (queue.closed) {
            if (queue.closed === "deleted")
              yield deletedEvent(this.threadId, next, this.clock.now());
            return;
          }
          await queue.ready(); // `aborted` was checked since the last await: no wait past an abort
          continue;
        }
        if (event.seq < next) continue; // already delivered (R13)
        if (event.seq > next) {
          catchUp = true; // a gap: the missing events are in the log (R12)
          continue;
        }
        yield event;
        next += 1;
      }
    } finally {
      signal.removeEventListener("abort", interrupt);
      this.broker.unregister(queue);
    }
  }

  /**
   * Checks a resume offset (R11) and tells whether compaction removed an event after it (R32).
   * @throws ThreadlineError `bad_offset` (not a non-negative integer, or beyond the head),
   *   `not_found`.
   */
  private async isCompactedAfter(after: number): Promise<boolean> {
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new ThreadlineError(
        "bad_offset",
        `after must be a non-negative integer, got ${String(after)}`,
      );
    }
    const bounds = await this.store.getLogBounds(this.workspaceId, this.threadId);
    if (!bounds) throw notFound(this.threadId);
    if (after > bounds.headSeq) {
      throw new ThreadlineError(
        "bad_offset",
        `after=${after} is beyond the end of thread ${this.threadId}'s log (head seq ${bounds.headSeq})`,
        { details: { headSeq: bounds.headSeq } },
      );
    }
    return after < bounds.compactedSeq;
  }
}

function notFound(threadId: string): ThreadlineError {
  return new ThreadlineError("not_found", `thread ${threadId} not found`);
}

function deletedEvent(threadId: string, seq: number, now: number): ThreadEvent {
  return {
    type: "thread.deleted",
    threadId,
    seq,
    messageId: null,
    revision: null,
    createdAt: now,
    data: {},
  };
}
