import { join } from "node:path";
import {
  openSqliteDriver,
  type SqliteStoreDriver,
} from "../../src/store/sqlite/sqlite-store-driver.js";
import {
  openSqliteWorkerDriver,
  type SqliteWorkerStoreDriver,
} from "../../src/store/sqlite-worker/sqlite-worker-store-driver.js";
import { temporaryDirectory } from "./temporary-directory.js";

/** Either SQLite driver: the connection in this thread or in a worker thread. */
export type SqliteDriver = SqliteStoreDriver | SqliteWorkerStoreDriver;

/** Both SQLite drivers, for `describe.each` over what each must do alike (pragmas, checkpoints). */
export const SQLITE_DRIVERS: { name: string; open: (path: string) => Promise<SqliteDriver> }[] = [
  { name: "in-thread", open: openSqliteDriver },
  { name: "worker", open: openSqliteWorkerDriver },
];

const opened: SqliteDriver[] = [];

/**
 * The two SQLite drivers as `sqlite:` URL suffixes, for tests that open a whole Threadline:
 * `[name, suffix]` rows for `it.each` (`sqlite:${path}${suffix}`).
 */
export const SQLITE_URL_SUFFIXES = [
  ["in-thread", ""],
  ["worker", "?worker=1"],
] as const;

/** Closes a driver {@link closeOpenedDrivers} has not closed yet, after the test. */
export function closeAfterTest(driver: SqliteDriver): void {
  opened.push(driver);
}

/** Closes every driver opened by {@link openOnNewFile} or given to {@link closeAfterTest}. */
export async function closeOpenedDrivers(): Promise<void> {
  await Promise.all(opened.splice(0).map((d) => d.close().catch(() => {})));
}

/** Opens a driver on a new file in a new temporary directory; closed by {@link closeOpenedDrivers}. */
export async function openOnNewFile(
  open: (path: string) => Promise<SqliteDriver>,
): Promise<{ path: string; driver: SqliteDriver }> {
  const path = join(await temporaryDirectory("threadline-sqlite-"), "threadline.db");
  const driver = await open(path);
  closeAfterTest(driver);
  return { path, driver };
}
