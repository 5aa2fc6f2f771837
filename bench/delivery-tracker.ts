/**
 * Matches what producers write with what subscribers receive: delta → subscriber latency, producer
 * lag, and the backlog of written-but-undelivered deltas.
 */
import { Histogram } from "./measure.js";

/** One message's written deltas: the text length after each and when it was written. */
interface MessageTrack {
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
  /** Deltas written / delivered, all time. */
  written = 0;
  delivered = 0;
  /** Deltas and characters written inside the window. */
  windowDeltas = 0;
  windowChars = 0;

  /** Starts tracking a message (before its first delta). */
  begin(messageId: string): void {
    this.messages.set(messageId, { ends: [], writtenAt: [], next: 0 });
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
      if (at >= this.measureFrom && at < this.measureTo) this.latency.record(now - at);
      track.next += 1;
      this.delivered += 1;
    }
  };

  /** Deltas written and not yet delivered. */
  get backlog(): number {
    return this.written - this.delivered;
  }
}
