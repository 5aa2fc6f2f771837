/**
 * The WAL checkpointer thread of a SQLite store (issue 9): its own connection to the store's file,
 * copying committed WAL frames into the database every `intervalMs` (`wal_checkpoint(PASSIVE)`,
 * which neither waits for nor blocks the writer), so the writer's commits do not (see
 * `checkpointer.ts`).
 *
 * Plain JavaScript: Node starts a worker from a file nobody transpiles (see `checkpointer.ts`).
 *
 * workerData: `{ path: string, intervalMs: number }`. Messages: `"close"` in; `{ op: "ready" }`,
 * `{ op: "open-failed", message }` out.
 */
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

const { path, intervalMs } = workerData;
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

const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // SQLITE_BUSY (another process is checkpointing) or a full disk: the next round tries again.
  }
}, intervalMs);

port.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    process.exit(0);
  }
});
