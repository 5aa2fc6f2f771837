/**
 * The soak run's delivery tracker: like `DeliveryTracker`, it matches each delta a producer writes
 * with the first subscriber delivery that contains it, but over a run of many minutes it keeps
 * only what is still undelivered (so its own memory does not pollute the RSS figure) and hands out
 * the latency of one sample interval at a time.
 */
import { Histogram } from "../measure.js";
import type { DeltaRecorder } from "../producer.js";

/** One message's undelivered deltas: text length after each and when it was written. */
interface PendingDeltas {
  ends: number[];
  writtenAt: number[];
  /** Index of the first delta not yet delivered. */
  next: number;
}

/** Latency and volume of one sample interval. */
export interface IntervalFigures {
  /** Delta → subscriber latency of the deltas delivered in the interval (ms). */
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  /** Deltas written and not yet delivered at the end of the interval. */
  backlog: number;
}

/** Entries settled before this many are dropped from a message's arrays. */
const COMPACT_AFTER = 256;

/**
 * Delivery tracking for the soak run (implements the producer's {@link DeltaRecorder}).
 *
 * @example
 * ```ts
 * const tracker = new IntervalTracker(8 * 1024);
 * const thread = await strategy.openThread(tracker.onDelivery);
 * // … producers write, the subscriber delivers …
 * const { latencyMs } = tracker.takeInterval(); // p50/p99 since the previous call
 * ```
 */
export class IntervalTracker implements DeltaRecorder {
  private readonly pending = new Map<string, PendingDeltas>();
  private interval = new Histogram();
  /** Characters written so far (all of them end up in some message's final text). */
  chars = 0;
  written = 0;
  delivered = 0;

  /** @param maxMessageChars a message this long is complete once delivered and is forgotten. */
  constructor(private readonly maxMessageChars: number) {}

  begin(messageId: string): void {
    this.pending.set(messageId, { ends: [], writtenAt: [], next: 0 });
  }

  wrote(messageId: string, length: number, chars: number, _dueAt: number): void {
    const track = this.pending.get(messageId);
    if (!track) throw new Error(`untracked message ${messageId}`);
    track.ends.push(length);
    track.writtenAt.push(performance.now());
    this.written += 1;
    this.chars += chars;
  }

  /** The subscriber received a state of the message with text length `textLength`. */
  readonly onDelivery = (messageId: string, textLength: number): void => {
    const track = this.pending.get(messageId);
    if (!track) return;
    const now = performance.now();
    while (track.next < track.ends.length && (track.ends[track.next] ?? 0) <= textLength) {
      this.interval.record(now - (track.writtenAt[track.next] ?? now));
      track.next += 1;
      this.delivered += 1;
    }
    if (track.next === track.ends.length && textLength >= this.maxMessageChars) {
      this.pending.delete(messageId);
    } else if (track.next >= COMPACT_AFTER) {
      track.ends.splice(0, track.next);
      track.writtenAt.splice(0, track.next);
      track.next = 0;
    }
  };

  /** The figures since the previous call (or the start), and starts a new interval. */
  takeInterval(): IntervalFigures {
    const h = this.interval;
    this.interval = new Histogram();
    return {
      latencyMs: {
        p50: round(h.quantile(0.5)),
        p99: round(h.quantile(0.99)),
        max: round(h.max),
        samples: h.count,
      },
      backlog: this.written - this.delivered,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
