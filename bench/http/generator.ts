/**
 * A load-generator process (started by `child_process.fork`, see generators.ts): drives its share
 * of a step's streams against the server under test — one producer and one viewer per stream, the
 * producers paced like the in-process bench (`bench/producer.ts`) — and reports what it measured
 * over IPC. Latency is matched in this process: each delta's send time is kept in memory by text
 * length (`DeliveryTracker`) and settled when the viewer receives a message state containing it.
 */

import { DeliveryTracker } from "../delivery-tracker.js";
import { mapLimit } from "../map-limit.js";
import { Histogram } from "../measure.js";
import { type PreparedStream, prepareStream, runStream, sleep } from "../producer.js";
import type { BenchThread } from "../strategies/strategy.js";
import { openDurableStreamsPeer } from "./durable-streams-peer.js";
import { ErrorLog, type HttpPeer } from "./peer.js";
import { openThreadlinePeer } from "./threadline-peer.js";
import type { FromGenerator, GeneratorFigures, PeerSpec, ToGenerator } from "./wire.js";

/** A histogram that also keeps its values, so the parent can merge several processes' figures. */
class KeptHistogram extends Histogram {
  readonly values: number[] = [];

  override record(ms: number): void {
    super.record(ms);
    this.values.push(ms);
  }
}

/** A delivery tracker whose latency and lag values can be sent to the parent. */
class KeptDeliveryTracker extends DeliveryTracker {
  override readonly latency = new KeptHistogram();
  override readonly producerLag = new KeptHistogram();
}

const SETUP_CONCURRENCY = 16;
/** How long setup waits for every stream's prefill to reach its viewer before reporting ready. */
const SETUP_LIVE_TIMEOUT_MS = 30_000;
const BACKLOG_SAMPLE_MS = 100;

interface Step {
  peer: HttpPeer;
  tracker: KeptDeliveryTracker;
  errors: ErrorLog;
  threads: BenchThread[];
  prepared: PreparedStream[];
  slots: Extract<ToGenerator, { type: "setup" }>["slots"];
  streams: number;
  shape: Extract<ToGenerator, { type: "setup" }>["shape"];
}

let current: Step | undefined;

function send(message: FromGenerator): void {
  process.send?.(message);
}

function openPeer(spec: PeerSpec, errors: ErrorLog): HttpPeer {
  return spec.kind === "threadline"
    ? openThreadlinePeer(spec.baseUrl, errors)
    : openDurableStreamsPeer(spec.baseUrl, errors);
}

async function setup(message: Extract<ToGenerator, { type: "setup" }>): Promise<void> {
  const errors = new ErrorLog();
  const tracker = new KeptDeliveryTracker();
  const peer = openPeer(message.peer, errors);
  const threads = await mapLimit(message.slots, SETUP_CONCURRENCY, () =>
    peer.openThread(tracker.onDelivery),
  );
  const prepared = await mapLimit(
    message.slots.map((_, i) => i),
    SETUP_CONCURRENCY,
    (i) => prepareStream(threads[i] as BenchThread, tracker, message.slots[i]?.prefillChars ?? 0),
  );
  // Ready once every prefill reached its viewer, i.e. the server reads every upload: a step whose
  // uploads were still being accepted when it started measured the server's start-up backlog (at
  // 400 streams some uploads reached their route seconds into the window).
  const liveBy = performance.now() + SETUP_LIVE_TIMEOUT_MS;
  while (tracker.backlog > 0 && performance.now() < liveBy) await sleep(10);
  if (tracker.backlog > 0) {
    console.error(
      `generator: ${tracker.backlog} prefills not at their viewers after ${SETUP_LIVE_TIMEOUT_MS / 1000} s; the step starts anyway`,
    );
  }
  current = {
    peer,
    tracker,
    errors,
    threads,
    prepared,
    slots: message.slots,
    streams: message.streams,
    shape: message.shape,
  };
}

async function run(message: Extract<ToGenerator, { type: "run" }>): Promise<GeneratorFigures> {
  const step = current;
  if (!step) throw new Error("run before setup");
  const { tracker, shape } = step;
  const t0 = message.startAtEpochMs - performance.timeOrigin;
  const from = t0 + message.warmupMs;
  const to = from + message.durationMs;
  tracker.measureFrom = from;
  tracker.measureTo = to;
  const backlog: number[] = [];
  const sampling = (async () => {
    await sleep(from - performance.now());
    const timer = setInterval(() => backlog.push(tracker.backlog), BACKLOG_SAMPLE_MS);
    await sleep(to - performance.now());
    clearInterval(timer);
  })();
  const ended = await Promise.all(
    step.prepared.map((stream, i) => {
      const index = step.slots[i]?.index ?? i;
      return runStream(
        stream,
        tracker,
        shape,
        t0 + (index * shape.deltaIntervalMs) / step.streams,
        to,
      );
    }),
  );
  await sampling;
  // Bounded: past saturation a peer may hold minutes of queued uploads (the Durable Streams client
  // batches appends without backpressure); what is not delivered by the deadline counts as
  // undelivered, and the bench restarts this process and the server after a failing step.
  const drainUntil = performance.now() + message.drainTimeoutMs;
  await within(
    Promise.all(ended.map((s) => s.message.finish().catch(step.errors.record))),
    drainUntil,
  );
  while (tracker.backlog > 0 && performance.now() < drainUntil) await sleep(10);
  const undelivered = tracker.backlog;
  await within(
    Promise.all(step.threads.map((t) => t.close().catch(() => {}))),
    performance.now() + message.drainTimeoutMs,
  );
  await within(step.peer.close(), performance.now() + message.drainTimeoutMs);
  current = undefined;
  const third = Math.max(1, Math.floor(backlog.length / 3));
  return {
    latencyMs: tracker.latency.values,
    producerLagMs: tracker.producerLag.values,
    streamMedianLatencyMs: tracker.streamMedians(),
    windowDeltas: tracker.windowDeltas,
    windowChars: tracker.windowChars,
    backlogFirstThird: mean(backlog.slice(0, third)),
    backlogLastThird: mean(backlog.slice(-third)),
    undelivered,
    errors: { count: step.errors.count, first: step.errors.first },
  };
}

process.on("message", (message: ToGenerator) => {
  const handle = async (): Promise<void> => {
    if (message.type === "setup") {
      await setup(message);
      send({ type: "ready" });
    } else if (message.type === "run") {
      send({ type: "result", figures: await run(message) });
    } else process.exit(0);
  };
  handle().catch((error: unknown) =>
    send({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
process.on("disconnect", () => process.exit(0));

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Waits for `promise` until `deadline` (performance.now() ms) at the latest. */
async function within(promise: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    }),
  ]);
  clearTimeout(timer);
}
