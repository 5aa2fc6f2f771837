import { afterEach, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { type RunningServer, startServer } from "../../src/cli/start-server.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("threadline replay", () => {
  it("SPEC §4: streams a UI recording and a provider recording into new threads of a running server", async () => {
    server = await startServer({ database: "sqlite::memory:", port: 0 });
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      await buildProgram()
        .exitOverride()
        .parseAsync([
          "node",
          "threadline",
          "replay",
          "examples/recordings/weather-tool.sse",
          "examples/recordings/openai/haiku.chunks.txt",
          "--server",
          server.url,
          "--speed",
          "50",
        ]);
    } finally {
      console.log = log;
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/: completed$/);
    const { threads } = await server.threadline.threads.list();
    expect(threads).toHaveLength(2);
  });

  it("SPEC §4: every command has --help", async () => {
    for (const command of ["serve", "replay", "sweep", "export", "import", "demo"]) {
      let help = "";
      const program = buildProgram().exitOverride();
      program.configureOutput({ writeOut: (text) => (help += text) });
      for (const sub of program.commands) {
        sub.exitOverride().configureOutput({ writeOut: (text) => (help += text) });
      }
      await expect(
        program.parseAsync(["node", "threadline", command, "--help"]),
      ).rejects.toMatchObject({
        code: "commander.helpDisplayed",
      });
      expect(help).toContain(`Usage: threadline ${command}`);
    }
  });
});
