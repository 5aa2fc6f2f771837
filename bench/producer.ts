/**
 * The simulated model stream: a timer-paced producer writing one small text delta per interval
 * into a thread, rolling over to a new message when the current one reaches its size limit.
 */
import type { DeliveryTracker } from "./delivery-tracker.js";
import type { BenchThread, StreamingMessage } from "./strategies/strategy.js";

/** The pace and shape of every stream. */
export interface StreamShape {
  /** Time between two deltas of one stream (ms); 20 ms = 50 deltas/s. */
  deltaIntervalMs: number;
  /** Characters per delta. */
  deltaChars: number;
  /** A message is finished and a new one started once its text reaches this length. */
  maxMessageChars: number;
}

/** What a producer reports to: each message it begins and each delta it writes. */
export type DeltaRecorder = Pick<DeliveryTracker, "begin" | "wrote">;

/** A stream with its open message, ready to run. */
export interface PreparedStream {
  thread: BenchThread;
  message: StreamingMessage;
  length: number;
}

/**
 * Opens a stream's first message and writes its prefill (one delta of `prefillChars` characters, so
 * that concurrent streams start at different message sizes).
 */
export async function prepareStream(
  thread: BenchThread,
  tracker: DeltaRecorder,
  prefillChars: number,
): Promise<PreparedStream> {
  const message = await thread.startMessage();
  tracker.begin(message.id, thread);
  if (prefillChars > 0) {
    tracker.wrote(message.id, prefillChars, prefillChars, performance.now());
    await message.append(text(prefillChars));
  }
  return { thread, message, length: prefillChars };
}

/**
 * Runs a prepared stream until `stopAt` (performance.now() ms): one delta every
 * `shape.deltaIntervalMs` on an absolute schedule starting at `firstDueAt`, each paced by a real
 * `setTimeout`. A producer that falls behind writes its late deltas at once (its lag is recorded).
 * Deltas are awaited, so a strategy that makes `append` wait for a commit slows its producer.
 * Resolves with the stream, its last message still open.
 */
export async function runStream(
  stream: PreparedStream,
  tracker: DeltaRecorder,
  shape: StreamShape,
  firstDueAt: number,
  stopAt: number,
): Promise<PreparedStream> {
  let due = firstDueAt;
  for (;;) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (performance.now() >= stopAt) return stream;
    const delta = text(shape.deltaChars);
    stream.length += delta.length;
    tracker.wrote(stream.message.id, stream.length, delta.length, due);
    await stream.message.append(delta);
    due += shape.deltaIntervalMs;
    if (stream.length >= shape.maxMessageChars) {
      await stream.message.finish();
      stream.message = await stream.thread.startMessage();
      tracker.begin(stream.message.id, stream.thread);
      stream.length = 0;
    }
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const WORDS = (
  "the of and to in is that for it as with was on be by this are or from at an which not have " +
  "model token stream delta message thread writer commit window buffer latency subscriber event " +
  "database index query schema table column value function return async await promise error " +
  "because however therefore result example system user assistant answer question context tool"
).split(" ");

/** A fixed, seeded corpus of word salad: compresses about like prose, unlike a repeated phrase. */
const CORPUS = (() => {
  let seed = 42;
  const words: string[] = [];
  let length = 0;
  while (length < 64 * 1024) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const word = WORDS[seed % WORDS.length] as string;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(" ");
})();

let cursor = 0;

/** The next `n` characters of the corpus (wrapping around). */
function text(n: number): string {
  let out = "";
  while (out.length < n) {
    const take = Math.min(n - out.length, CORPUS.length - cursor);
    out += CORPUS.slice(cursor, cursor + take);
    cursor = (cursor + take) % CORPUS.length;
  }
  return out;
}
