/**
 * A watchdog on a worker thread: if the main thread's event loop stops beating (a hang, or a
 * microtask loop that starves every timer), it prints `message` and kills the process, so a
 * benchmark run never hangs a CI job.
 */
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const beat = new Float64Array(workerData.buffer);
setInterval(() => {
  const silentMs = Date.now() - beat[0];
  if (silentMs > workerData.limitMs) {
    process._rawDebug("watchdog: the event loop has not run for " + Math.round(silentMs / 1000) + " s; " + workerData.message);
    process.kill(process.pid, "SIGKILL");
  }
}, 1000);
`;

/**
 * Starts the watchdog: fires when the main event loop has not run for `limitMs`; `message` is
 * printed then (e.g. what to clean up by hand).
 * @returns a function that stops it.
 */
export function startWatchdog(limitMs: number, message: string): () => void {
  const buffer = new SharedArrayBuffer(8);
  const beat = new Float64Array(buffer);
  beat[0] = Date.now();
  const heartbeat = setInterval(() => {
    beat[0] = Date.now();
  }, 500);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { buffer, limitMs, message },
  });
  worker.unref();
  return () => {
    clearInterval(heartbeat);
    void worker.terminate();
  };
}
