/**
 * The small interface every benchmarked persistence strategy implements, so one workload drives
 * naive per-delta writes, crush's per-message window and Threadline alike.
 */

/** Where a strategy stores its data. */
export type BackendTarget =
  | {
      name: "sqlite";
      path: string;
      /** Threadline only: run its SQLite connection in a worker thread (`sqlite:PATH?worker=1`). */
      worker?: boolean;
    }
  | { name: "postgres"; connectionString: string; schema: string };

/** Called by a thread's subscriber whenever it receives a state of a message: its text length. */
export type DeliveryListener = (messageId: string, textLength: number) => void;

/** Commits made so far, split by what caused them. */
export interface CommitCounts {
  /** Commits of streaming (delta) writes. */
  streaming: number;
  /** Every other commit the counter sees (structural, terminal). */
  other: number;
}

/** One commit of a process-wide commit loop. */
export interface CommitRecord {
  /** performance.now() ms when the commit's transaction started. */
  startMs: number;
  /**
   * The writer's clock (epoch ms) when it began the commit (a window tick's start, before it takes
   * its batch): what the writer spaces ticks by. Gaps are measured on it when given.
   */
  writerStartedAt?: number;
  durationMs: number;
  /** Message writes in the commit. */
  writes: number;
}

/** One streaming assistant message. */
export interface StreamingMessage {
  readonly id: string;
  /** Appends a text delta; resolves when the strategy lets the producer go on. */
  append(delta: string): Promise<void>;
  /** Ends the text and finishes the message. */
  finish(): Promise<void>;
}

/** One thread with one live subscriber. */
export interface BenchThread {
  /** Starts a new streaming assistant message with one open text part. */
  startMessage(): Promise<StreamingMessage>;
  /** Stops the subscriber. */
  close(): Promise<void>;
}

/** An opened strategy on one backend. */
export interface Strategy {
  readonly name: StrategyName;
  /**
   * Creates a thread and starts one subscriber consuming it concurrently; the subscriber reports
   * every message state it receives to `onDelivery`. Resolves once the subscriber is live.
   */
  openThread(onDelivery: DeliveryListener): Promise<BenchThread>;
  /** Commits so far (monotonic). */
  commits(): CommitCounts;
  /**
   * Every streaming commit so far, for strategies with one process-wide commit loop (Threadline):
   * lets the benchmark check the spacing and duration of its ticks.
   */
  streamingCommitLog?(): readonly CommitRecord[];
  /** Flushes, closes connections and drops what the strategy created. */
  close(): Promise<void>;
}

/** The three strategies compared, and the floor (no storage: what the harness alone costs). */
export type StrategyName = "naive" | "window" | "threadline" | "floor";

/** Opens a strategy on a backend. */
export type StrategyFactory = (target: BackendTarget) => Promise<Strategy>;

/** The parts JSON of a one-text-part assistant message, as the AI SDK stores it. */
export function textParts(text: string, state: "streaming" | "done"): string {
  return JSON.stringify([{ type: "text", text, state }]);
}
