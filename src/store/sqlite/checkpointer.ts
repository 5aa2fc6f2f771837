import { Worker } from "node:worker_threads";

/** The checkpointer thread's script: plain JavaScript, which Node starts without a transpiler. */
const CHECKPOINTER_URL = new URL("./checkpointer.mjs", import.meta.url);

/** The shortest time between two checkpoints (ms): under load, every 100 ms. */
export const CHECKPOINT_INTERVAL_MS = 100;

/** The longest time between two checkpoints (ms): a quiet store's. */
export const CHECKPOINT_MAX_INTERVAL_MS = 1_000;

/**
 * About how many WAL frames (pages) a checkpoint should find: the next one comes when the WAL,
 * growing as it did since the last, holds this many, within {@link CHECKPOINT_INTERVAL_MS} …
 * {@link CHECKPOINT_MAX_INTERVAL_MS}. Each checkpoint copies every page written since the last
 * one, however often it was rewritten: at 10 streams a checkpoint every 100 ms copied the same
 * few hot pages ten times a second (issue 9, bytes per streamed character).
 */
export const CHECKPOINT_TARGET_FRAMES = 256;

/**
 * The writer connection's own `wal_autocheckpoint` while a checkpointer runs (pages of 4 KiB,
 * ~40 MiB): only a backstop, for when checkpoints cannot keep up; each of them then finds most
 * frames already copied.
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

/** SQLite's default `wal_autocheckpoint`, which the writer goes back to if the checkpointer dies. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

/** A running WAL checkpointer thread (`checkpointer.mjs`). */
export interface Checkpointer {
  /** The thread (a test hook: terminate it to see the writer checkpoint on its own again). */
  readonly worker: Worker;
  /** Stops the thread after its current checkpoint, if any, and closes its connection. */
  close(): Promise<void>;
}

/**
 * Starts the WAL checkpointer of the SQLite file at `path` (issue 9): a worker thread with its own
 * connection that runs `wal_checkpoint(PASSIVE)` — a checkpoint that never waits for the writer
 * nor blocks it — every {@link CHECKPOINT_INTERVAL_MS} to {@link CHECKPOINT_MAX_INTERVAL_MS}, as
 * the WAL grows ({@link CHECKPOINT_TARGET_FRAMES}), so the store's writer connection runs with
 * `wal_autocheckpoint` = {@link BACKSTOP_AUTOCHECKPOINT_PAGES} instead of checkpointing every
 * 1 000 pages inside its commits. At 800 streams those checkpoints were 12 of the 16 ms a tick's
 * commit took, and blocked the event loop where the writer runs in the main thread (bench,
 * 2026-12-02). The price: a hot page is copied once per checkpoint, which under load is more
 * often than every 1 000 WAL pages; intervals of 500 ms and 2 s at 400 streams stalled the disk
 * (p99 80 / 146 ms), hence the rate-driven interval.
 *
 * The thread never keeps the process alive while it runs, only while `close()` waits for it.
 * `onExit` is called if it ends on its own (a crash): the writer should then checkpoint on its own
 * again.
 *
 * @throws Error when the thread cannot open the file.
 */
export async function startCheckpointer(path: string, onExit: () => void): Promise<Checkpointer> {
  const worker = new Worker(CHECKPOINTER_URL, {
    workerData: {
      path,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      maxIntervalMs: CHECKPOINT_MAX_INTERVAL_MS,
      targetFrames: CHECKPOINT_TARGET_FRAMES,
    },
  });
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    worker.once("message", (message: { op: string; message?: string }) => {
      if (message.op === "ready") resolve();
      else reject(new Error(`the SQLite checkpointer could not open ${path}: ${message.message}`));
    });
    worker.once("error", reject);
  });
  worker.unref();
  worker.on("error", () => {}); // its exit says it all
  void exited.then(() => {
    if (!closing) onExit();
  });
  return {
    worker,
    async close() {
      closing = true;
      // Unreferenced, the thread would let a process with nothing else to do exit before it
      // answers, leaving this close (and the store's) pending for good.
      worker.ref();
      worker.postMessage("close"); // ignored by a thread that has exited
      await exited;
    },
  };
}
