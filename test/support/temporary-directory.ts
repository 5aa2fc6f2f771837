import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** Directories made by {@link temporaryDirectory} in this test file. */
const made: string[] = [];

/**
 * A new directory under the OS's temporary directory (`prefix` + random suffix), removed with
 * everything in it after the test file's last test: a suite run leaves nothing in /tmp (it used
 * to leave ~400 directories of SQLite files per run).
 */
export async function temporaryDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
