/**
 * The load-generator processes of the HTTP bench: `child_process.fork`s of generator.ts (run
 * through tsx), each driving its share of a step's streams and answering over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromGenerator, ToGenerator } from "./wire.js";

const SCRIPT = fileURLToPath(new URL("./generator.ts", import.meta.url));

/** One forked generator process. */
export interface Generator {
  readonly pid: number;
  /** Sends a message and resolves with the generator's answer. */
  request(message: ToGenerator): Promise<FromGenerator>;
  /** Asks the process to exit and waits for it. */
  close(): Promise<void>;
}

/**
 * Forks `count` generator processes.
 * @throws Error when a process fails to start.
 */
export function startGenerators(count: number): Generator[] {
  return Array.from({ length: count }, () => startGenerator());
}

function startGenerator(): Generator {
  const child: ChildProcess = fork(SCRIPT, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  if (child.pid === undefined) throw new Error("could not fork a load generator");
  const pid = child.pid;
  return {
    pid,
    request: (message) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`load generator ${pid} exited (${code})`));
        child.once("exit", onExit);
        child.once("message", (answer: FromGenerator) => {
          child.off("exit", onExit);
          resolve(answer);
        });
        child.send(message);
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "exit" } satisfies ToGenerator);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
