/**
 * Matches what producers write with what subscribers receive: delta → subscriber latency, producer
 * lag, and the backlog of written-but-undelivered deltas.
 */
import { Histogram } from "./measure.js";

/** One message's written deltas: the text length after each and when it was written. */
interface MessageTrack {
  /** The stream (producer) writing the message, when the caller names one. */
  stream: object | undefined;
  ends: number[];
  writtenAt: number[];
  /** Index of the first delta not yet delivered. */
  next: number;
}

/**
 * Records each delta's text length and `write()` time, and on every subscriber delivery of a
 * message state of text length `L` settles every delta ending at or before `L`: the latency of a
 * delta is the time from its `write()` to the first delivery that contains it. Only deltas written
 * inside the measurement window `[measureFrom, measureTo)` (performance.now() ms) are recorded.
 */
export class DeliveryTracker {
  private readonly messages = new Map<string, MessageTrack>();
  /** Delta → subscriber latency of deltas written in the window (ms). */
  readonly latency = new Histogram();
  /** How late each delta of the window was written against its schedule (ms). */
  readonly producerLag = new Histogram();
  measureFrom = Number.POSITIVE_INFINITY;
  measureTo = Number.POSITIVE_INFINITY;
  /** Latencies of the window's deltas by stream, for streams named to {@link begin} (ms). */
  private readonly byStream = new Map<object, number[]>();
  /** Deltas written / delivered, all time. */
  written = 0;
  delivered = 0;
  /** Deltas and characters written inside the window. */
  windowDeltas = 0;
  windowChars = 0;

  /**
   * Starts tracking a message (before its first delta); `stream` (any object standing for its
   * producer, e.g. its thread) groups its deltas' latencies for {@link streamMedians}.
   */
  begin(messageId: string, stream?: object): void {
    this.messages.set(messageId, { stream, ends: [], writtenAt: [], next: 0 });
  }

  /**
   * The median latency of each named stream's deltas written in the window (ms), one value per
   * stream that had any: how evenly the streams fared (past saturation some may starve while the
   * rest stay fast, which the pooled quantiles hide).
   */
  streamMedians(): number[] {
    return [...this.byStream.values()].map((values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? 0;
    });
  }

  /** Records a delta of `chars` characters bringing the message's text to `length`, due at `dueAt`. */
  wrote(messageId: string, length: number, chars: number, dueAt: number): void {
    const track = this.messages.get(messageId);
    if (!track) throw new Error(`untracked message ${messageId}`);
    const now = performance.now();
    track.ends.push(length);
    track.writtenAt.push(now);
    this.written += 1;
    if (now >= this.measureFrom && now < this.measureTo) {
      this.windowDeltas += 1;
      this.windowChars += chars;
      this.producerLag.record(Math.max(0, now - dueAt));
    }
  }

  /** The subscriber received a state of the message with text length `textLength`. */
  readonly onDelivery = (messageId: string, textLength: number): void => {
    const track = this.messages.get(messageId);
    if (!track) return;
    const now = performance.now();
    while (track.next < track.ends.length && (track.ends[track.next] ?? 0) <= textLength) {
      const at = track.writtenAt[track.next] ?? now;
      if (at >= this.measureFrom && at < this.measureTo) {
        this.latency.record(now - at);
        if (track.stream !== undefined) {
          const values = this.byStream.get(track.stream) ?? [];
          if (values.length === 0) this.byStream.set(track.stream, values);
          values.push(now - at);
        }
      }
      track.next += 1;
      this.delivered += 1;
    }
  };

  /** Deltas written and not yet delivered. */
  get backlog(): number {
    return this.written - this.delivered;
  }
}
