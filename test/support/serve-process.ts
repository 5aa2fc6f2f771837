/**
 * Real `threadline serve` child processes for the tests that need one (crashes, signals, several
 * nodes, connection-level behaviour): spawned from source the way a user runs the CLI, on a given
 * database, with their output collected. Every child still running after a test is killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { API_KEYS_ENV } from "../../src/protocol/http.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "src/cli/main.ts");

/** What `threadline serve` prints once it listens: `… on http://127.0.0.1:PORT (…)`. */
const LISTENING = /on (http:\/\/\S+)/;

/** How a child ended: its exit code, or the signal that killed it. */
export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `threadline serve` child. */
export interface ServeProcess {
  /** Base URL it listens on, e.g. `http://127.0.0.1:41234`. */
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything it printed to stdout / stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<ServeExit>;
  /** `kill -9`: SIGKILL, resolved once the process is gone. */
  kill(): Promise<ServeExit>;
  /** Sends `signal` (default SIGTERM) and resolves with how the process exited. */
  stop(signal?: NodeJS.Signals): Promise<ServeExit>;
}

/** Options of {@link startServe}. */
export interface StartServeOptions {
  /** `--db`: `sqlite:PATH` or `postgres://…`. */
  database: string;
  /** More `serve` flags (`--run-webhook`, `--api-key`, `--max-body-bytes`, …). */
  args?: readonly string[];
  /** Environment additions; `THREADLINE_API_KEYS` is removed unless given here. */
  env?: Readonly<Record<string, string>>;
  /** How long the process may take to listen (default 30 s: tsx compiles the CLI first). */
  startTimeoutMs?: number;
}

const children = new Set<ChildProcess>();

/**
 * Spawns `node --import tsx src/cli/main.ts serve --port 0 --db DATABASE …args` and resolves once
 * it prints the URL it listens on. Rejects, with its stderr, when it exits or stays silent past
 * `startTimeoutMs`. The child is SIGKILLed after the test if it is still running.
 *
 * @example
 * ```ts
 * const server = await startServe({ database: "sqlite:/tmp/t.db", args: ["--window-ms", "33"] });
 * await fetch(`${server.url}/healthz`);
 * expect((await server.stop("SIGTERM")).code).toBe(0);
 * ```
 */
export async function startServe(options: StartServeOptions): Promise<ServeProcess> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env[API_KEYS_ENV];
  Object.assign(env, options.env);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      CLI,
      "serve",
      "--port",
      "0",
      "--db",
      options.database,
      ...(options.args ?? []),
    ],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data) => {
    stdout += data;
  });
  child.stderr?.on("data", (data) => {
    stderr += data;
  });
  const exited = new Promise<ServeExit>((done) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      done({ code, signal });
    }),
  );
  const url = await listeningUrl(
    child,
    () => stdout,
    () => stderr,
    exited,
    options.startTimeoutMs ?? 30_000,
  );
  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    url,
    pid: child.pid ?? -1,
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    kill: () => stop("SIGKILL"),
    stop,
  };
}

/** Resolves with the URL the child prints; rejects when it exits first or the bound passes. */
function listeningUrl(
  child: ChildProcess,
  stdout: () => string,
  stderr: () => string,
  exited: Promise<ServeExit>,
  timeoutMs: number,
): Promise<string> {
  return new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`threadline serve did not listen within ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    const check = () => {
      const match = LISTENING.exec(stdout());
      if (!match?.[1]) return;
      finish();
      resolveUrl(match[1]);
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
    };
    child.stdout?.on("data", check);
    void exited.then(({ code, signal }) => {
      finish();
      reject(new Error(`threadline serve exited early (${code ?? signal}): ${stderr()}`));
    });
  });
}

afterEach(async () => {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          child.once("exit", () => done());
          child.kill("SIGKILL");
        }),
    ),
  );
});
