/**
 * The WAL checkpointer thread of a SQLite store (issue 9): its own connection to the store's file,
 * copying committed WAL frames into the database (`wal_checkpoint(PASSIVE)`, which neither waits
 * for nor blocks the writer), so the writer's commits do not (see `checkpointer.ts`). The next
 * round comes when about `targetFrames` new frames are expected at the rate the WAL grew since
 * the last one, within `intervalMs` … `maxIntervalMs`: a quiet store's hot pages are copied about
 * once a second, not ten times.
 *
 * Plain JavaScript: Node starts a worker from a file nobody transpiles (see `checkpointer.ts`).
 *
 * workerData: `{ path: string, intervalMs: number, maxIntervalMs: number, targetFrames: number }`.
 * Messages: `"close"` in; `{ op: "ready" }`, `{ op: "open-failed", message }` out.
 */
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

const { path, intervalMs, maxIntervalMs, targetFrames } = workerData;
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

/** @type {import("better-sqlite3").Database} */
let db;
try {
  db = new BetterSqlite3(path, { fileMustExist: true });
} catch (error) {
  port.postMessage({ op: "open-failed", message: String(error) });
  process.exit(1);
}
port.postMessage({ op: "ready" });

let last = Date.now();

/** Checkpoints, then schedules the next round by the WAL's growth rate. */
function round() {
  let delay = intervalMs;
  try {
    // `log`: frames in the WAL, which starts over once a checkpoint copied it all — about the
    // frames written since the last round (more if a reader kept it from starting over).
    const [{ log }] = db.pragma("wal_checkpoint(PASSIVE)");
    const now = Date.now();
    const perMs = log / Math.max(1, now - last);
    last = now;
    delay = Math.min(maxIntervalMs, Math.max(intervalMs, targetFrames / Math.max(perMs, 1e-6)));
  } catch {
    // SQLITE_BUSY (another process is checkpointing) or a full disk: the next round tries again.
  }
  timer = setTimeout(round, delay);
}

let timer = setTimeout(round, intervalMs);

port.on("message", (message) => {
  if (message !== "close") return;
  clearTimeout(timer);
  try {
    db.close();
  } finally {
    process.exit(0);
  }
});
