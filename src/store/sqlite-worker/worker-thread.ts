import { Worker } from "node:worker_threads";
import {
  fromWireError,
  type WorkerNotice,
  type WorkerReply,
  type WorkerRequest,
} from "./worker-protocol.js";

/** What a worker opens and how (passed to `worker.mjs` as `workerData`). */
export interface WorkerThreadOptions {
  /** A file path or `:memory:`. */
  path: string;
  /** How long the connection waits for another process's write lock (ms). */
  busyTimeoutMs: number;
  /** Prepared statements kept by the worker (least recently used evicted first). */
  maxStatements: number;
  /** The table recording each driver's last commit, or null for none (`:memory:`). */
  markerTable: string | null;
  /**
   * `wal_autocheckpoint` of the connection (pages; SQLite's 1 000 when absent): high where a
   * checkpointer thread keeps the WAL short (`../sqlite/checkpointer.ts`).
   */
  autoCheckpointPages?: number | undefined;
}

/** The worker script, plain JavaScript next to this module in `src/` and in `dist/`. */
const WORKER_URL = new URL("./worker.mjs", import.meta.url);

type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/**
 * One started SQLite worker (`worker.mjs`) and the requests waiting for its replies, matched by id.
 * When the worker exits — closed, `process.exit`, an uncaught exception, `terminate()` — every
 * waiting and later request rejects with the error `describeExit` makes of it; the thread is never
 * restarted (the connection starts a new one).
 *
 * The worker holds the process open only while a request waits for it, like a socket with a query
 * in flight: an idle store never keeps Node from exiting.
 */
export class WorkerThread {
  /** The worker itself (tests terminate it to simulate a crash). */
  readonly worker: Worker;
  /** Settles once the worker has opened the database, or failed to (then with SQLite's error). */
  readonly ready: Promise<void>;
  /** Set once the worker has exited: what every request gets from then on. */
  exited: Error | undefined;

  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crash: unknown;
  private openError: Error | undefined;

  constructor(
    options: WorkerThreadOptions,
    describeExit: (exitCode: number, crash: unknown) => Error,
  ) {
    this.worker = new Worker(WORKER_URL, { workerData: options });
    let opened: () => void = () => {};
    let failed: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.ready.catch(() => {}); // a restarted thread's readiness is nobody's to await
    this.worker.on("message", (message: WorkerReply | WorkerNotice) => {
      if ("op" in message) {
        if (message.op === "ready") {
          opened();
          if (this.pending.size === 0) this.worker.unref();
        } else {
          this.openError = fromWireError(message.error);
        }
        return;
      }
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      if ("error" in message) waiting.reject(fromWireError(message.error));
      else waiting.resolve(message);
    });
    this.worker.on("error", (error) => {
      this.crash ??= error;
    });
    this.worker.on("exit", (exitCode) => {
      const error = this.openError ?? describeExit(exitCode, this.crash);
      this.exited = error;
      failed(error);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
  }

  /**
   * Sends `request` (its `id` is assigned here) and resolves with the worker's reply.
   * @throws the error SQLite raised, rebuilt with its `code`; or the exit error.
   */
  request(request: WorkerRequest): Promise<WorkerReply> {
    if (this.exited) return Promise.reject(this.exited);
    request.id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  /** Ends the worker at once (after a close, or when nothing else can end it). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
