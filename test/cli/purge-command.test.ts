import { afterEach, describe, expect, it, vi } from "vitest";
import { purgeCommand } from "../../src/cli/commands/purge.js";
import { parseDuration } from "../../src/cli/parse-duration.js";
import { systemClock } from "../../src/clock.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

/** Runs `threadline purge` in process; resolves with what it printed with console.log. */
async function purge(args: string[]): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    printed.push(String(line));
  });
  try {
    await purgeCommand().exitOverride().parseAsync(args, { from: "user" });
  } finally {
    log.mockRestore();
  }
  return printed;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** The ISO time of the test clock's start, when the old threads were last updated. */
const OLD = new Date(1_700_000_000_000).toISOString();

describe("parseDuration", () => {
  it("accepts <n>(ms|s|m|h|d) and nothing else", () => {
    const parse = parseDuration("--older-than");
    expect(parse("90d")).toBe(90 * 86_400_000);
    expect(parse("12h")).toBe(12 * 3_600_000);
    expect(parse("30m")).toBe(1_800_000);
    expect(parse("45s")).toBe(45_000);
    expect(parse("500ms")).toBe(500);
    for (const bad of ["90", "0d", "1.5h", "-1d", "1d2h", " 9d", "9D", "d", "", "1w"]) {
      expect(() => parse(bad), bad).toThrow(/--older-than must be a positive duration/);
    }
  });
});

for (const backend of BACKENDS) {
  describe(`threadline purge [${backend.name}]`, () => {
    it("R25: --dry-run prints the threads older than the age and deletes nothing; then --workspace, then all", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline } = await openThreadline(backend, { database, windowMs: 0 });
      await threadline.threads.create({ id: "a", title: "first" });
      await threadline.messages.append("a", {
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      await threadline.workspace("other").threads.create({ id: "b" });
      const { threadline: live } = await openThreadline(backend, {
        database,
        clock: systemClock,
        orphansAtStart: false,
      });
      await live.threads.create({ id: "recent" });

      const dry = await purge(["--db", database, "--older-than", "90d", "--dry-run"]);
      expect(dry.slice(0, 2)).toEqual([
        `would delete default/a "first" (last update ${OLD})`,
        `would delete other/b (last update ${OLD})`,
      ]);
      expect(dry[2]).toMatch(
        /^would delete 2 thread\(s\) last updated before \d{4}-\d\d-\d\dT.*Z \(dry run: nothing deleted\)$/,
      );
      expect(dry).toHaveLength(3);
      expect((await threadline.threads.get("a")).title).toBe("first");

      const other = await purge(["--db", database, "--older-than", "90d", "--workspace", "other"]);
      expect(other[0]).toBe(`deleted other/b (last update ${OLD})`);
      expect(other[1]).toMatch(
        /^deleted 1 thread\(s\) last updated before .*: 1 row\(s\) in 1 batch\(es\)$/,
      );
      await expect(threadline.workspace("other").threads.get("b")).rejects.toMatchObject({
        code: "not_found",
      });

      const all = await purge(["--db", database, "--older-than", "90d"]);
      expect(all[0]).toBe(`deleted default/a "first" (last update ${OLD})`);
      // 2 events (thread.created, message.created), then 1 body + 1 message.
      expect(all[1]).toMatch(/: 4 row\(s\) in 2 batch\(es\)$/);
      await expect(threadline.threads.get("a")).rejects.toMatchObject({ code: "not_found" });
      expect((await live.threads.get("recent")).id).toBe("recent");
      expect(await purge(["--db", database, "--older-than", "90d"])).toEqual([
        expect.stringMatching(/^deleted 0 thread\(s\)/),
      ]);
    });

    it("refuses a malformed age before opening the database", async () => {
      const database = await backend.freshDatabase({ shared: true });
      await expect(purge(["--db", database, "--older-than", "90"])).rejects.toMatchObject({
        code: "commander.invalidArgument",
        message: expect.stringContaining("--older-than must be a positive duration"),
      });
      await expect(purge(["--db", database])).rejects.toMatchObject({
        code: "commander.missingMandatoryOptionValue",
      });
    });
  });
}
