import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exportCommand } from "../../src/cli/commands/export.js";
import { sweepCommand } from "../../src/cli/commands/sweep.js";
import { systemClock } from "../../src/clock.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { temporaryDirectory } from "../support/temporary-directory.js";

/** Runs a CLI command in process; resolves with what it printed with console.log. */
async function run(command: ReturnType<typeof sweepCommand>, args: string[]): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    printed.push(String(line));
  });
  try {
    await command.exitOverride().parseAsync(args, { from: "user" });
  } finally {
    log.mockRestore();
  }
  return printed;
}

afterEach(() => {
  vi.restoreAllMocks();
});

for (const backend of BACKENDS) {
  describe(`threadline sweep [${backend.name}]`, () => {
    it("issue 7: prints every message it finalized, those its own start finalized included", async () => {
      const database = await backend.freshDatabase({ shared: true });
      // A node whose clock stands in the past: its lease is long expired for the real-time CLI.
      const { threadline: crashed } = await openThreadline(backend, { database });
      await crashed.threads.create({ id: "t1" });
      const writer = await crashed.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "text-start", id: "t" });
      await writer.flush();
      if (backend.name === "sqlite") await crashed.store.close(); // the process died

      expect(await run(sweepCommand(), ["--db", database])).toEqual(["swept 1 message(s)"]);
      const { threadline } = await openThreadline(backend, { database });
      expect((await threadline.messages.get("a1")).status).toBe("aborted");
      expect(await run(sweepCommand(), ["--db", database])).toEqual(["swept 0 message(s)"]);
    });

    it("R18: leaves a running server's live stream alone (its lease is not expired)", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline: server } = await openThreadline(backend, {
        database,
        clock: systemClock,
      });
      await server.threads.create({ id: "t1" });
      const writer = await server.writers.open("t1", { messageId: "live" });
      await writer.write({ type: "text-start", id: "t" });
      await writer.flush();
      expect(await run(sweepCommand(), ["--db", database])).toEqual(["swept 0 message(s)"]);
      expect((await server.messages.get("live")).status).toBe("streaming");
      await writer.finish();
    });
  });
}

describe("threadline export / sweep on a missing SQLite file", () => {
  for (const [name, command, args] of [
    ["sweep", sweepCommand, []],
    ["export", exportCommand, ["t1"]],
  ] as const) {
    it(`issue 7: ${name} answers not_found and creates no database`, async () => {
      const path = join(await temporaryDirectory("threadline-cli-"), "missing.db");
      await expect(run(command(), ["--db", `sqlite:${path}`, ...args])).rejects.toMatchObject({
        code: "not_found",
        message: expect.stringContaining(path),
      });
      expect(existsSync(path)).toBe(false);
    });
  }
});
