import { readFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliErrorMessage } from "../../src/cli/error-message.js";
import { buildProgram } from "../../src/cli/program.js";
import { type RunningServer, startServer } from "../../src/cli/start-server.js";
import { ThreadlineError } from "../../src/errors.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs `threadline replay ARGS… --speed 50`; resolves with what it printed (stdout lines, stderr). */
async function replay(args: string[]): Promise<{ lines: string[]; stderr: string }> {
  const lines: string[] = [];
  let stderr = "";
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((text) => {
    stderr += String(text);
    return true;
  });
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(["node", "threadline", "replay", ...args, "--speed", "50"]);
  } finally {
    console.log = log;
    spy.mockRestore();
  }
  return { lines, stderr };
}

describe("threadline replay", () => {
  it("SPEC §4: streams a UI recording and a provider recording into new threads of a running server", async () => {
    server = await startServer({ database: "sqlite::memory:", port: 0 });
    const { lines } = await replay([
      "examples/recordings/weather-tool.sse",
      "examples/recordings/openai/haiku.chunks.txt",
      "--server",
      server.url,
    ]);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/: completed$/);
    const { threads } = await server.threadline.threads.list();
    expect(threads).toHaveLength(2);
  });

  it("SPEC §4: the same recording replayed twice makes two messages (the recorded id is not reused), and piped output has no progress-bar template", async () => {
    server = await startServer({ database: "sqlite::memory:", port: 0 });
    const thread = await server.threadline.threads.create();
    const lines: string[] = [];
    let stderr = "";
    for (let i = 0; i < 2; i++) {
      const output = await replay([
        "examples/recordings/weather-tool.sse",
        "--server",
        server.url,
        "--thread",
        thread.id,
      ]);
      lines.push(...output.lines);
      stderr += output.stderr;
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/: completed$/);
    expect(stderr).not.toContain("{file}");
    const { messages } = await server.threadline.messages.list(thread.id);
    const replies = messages.filter((m) => m.role === "assistant");
    expect(replies).toHaveLength(2);
    expect(replies[0]?.id).not.toBe(replies[1]?.id);
    expect(replies[0]?.parts).toEqual(replies[1]?.parts);
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

describe("threadline's error line", () => {
  it("a server that is not running: says so with the network's reason instead of 'fetch failed'", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetch(`http://127.0.0.1:${port}/v1/threads`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(cliErrorMessage(error)).toMatch(
      /^could not reach the server \(.*ECONNREFUSED.*\): is it running, and is --server right\?$/,
    );
    expect(cliErrorMessage(new ThreadlineError("not_found", "no thread t"))).toBe(
      "not_found: no thread t",
    );
  });

  it("a file that cannot be read: what is wrong and its path, not Node's 'Error: ENOENT: …, open …'", async () => {
    const missing = await readFile("/nonexistent/recording.sse").catch((e: unknown) => e);
    expect(cliErrorMessage(missing)).toBe("no such file or directory: /nonexistent/recording.sse");
    // Node names no path when reading a directory: its own message stays.
    const directory = await readFile(tmpdir()).catch((e: unknown) => e);
    expect(cliErrorMessage(directory)).toBe(String(directory));
  });
});
