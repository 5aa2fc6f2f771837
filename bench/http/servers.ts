/**
 * The servers under test, each a child process of the bench: `threadline serve` on a fresh SQLite
 * file or PostgreSQL schema, the Durable Streams reference server in memory or on files, and the
 * floor (`node-floor`: plain `node:http` speaking Threadline's wire, storing nothing).
 * Each is started on a free loopback port and stopped (its data removed) afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { YOUNG_GENERATION_FLAG } from "../../src/cli/node-flags.js";
import { sleep } from "../producer.js";

/**
 * The backends of the HTTP bench (`threadline-sqlite-worker`: `--db sqlite:PATH?worker=1`;
 * `node-floor`: bench/http/floor-server.ts, what Node's HTTP and JSON alone cost per delta).
 */
export const HTTP_BACKENDS = [
  "node-floor",
  "threadline-sqlite",
  "threadline-sqlite-worker",
  "threadline-postgres",
  "ds-memory",
  "ds-file",
] as const;

/** One of {@link HTTP_BACKENDS}. */
export type HttpBackend = (typeof HTTP_BACKENDS)[number];

/** A server under test, running. */
export interface RunningServer {
  readonly backend: HttpBackend;
  /** The peer protocol the generators speak to it. */
  readonly kind: "threadline" | "durable-streams";
  /** Its process: the one whose CPU is measured. */
  readonly pid: number;
  readonly baseUrl: string;
  /** What runs, for the report. */
  readonly description: string;
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DS_SCRIPT = fileURLToPath(new URL("./ds-server.ts", import.meta.url));
const FLOOR_SCRIPT = fileURLToPath(new URL("./floor-server.ts", import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts the server of `backend`. PostgreSQL gets a fresh schema `bench_http_<random>` at
 * `databaseUrl`, dropped by `stop()`; SQLite and file-backed Durable Streams a temporary directory.
 * @throws Error when the server does not answer within 30 s.
 */
export async function startServer(
  backend: HttpBackend,
  databaseUrl: string,
): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "threadline-http-bench-"));
  const cleanups: (() => Promise<void>)[] = [
    async () => rmSync(dir, { recursive: true, force: true }),
  ];
  let child: ChildProcess;
  let description: string;
  let stopping = false;
  if (backend.startsWith("threadline-")) {
    const worker = backend === "threadline-sqlite-worker" ? "?worker=1" : "";
    let db = `sqlite:${join(dir, "threadline.db")}${worker}`;
    description = `threadline serve --db sqlite:<tmp>/threadline.db${worker}`;
    if (backend === "threadline-postgres") {
      const schema = `bench_http_${randomBytes(4).toString("hex")}`;
      const url = new URL(databaseUrl);
      url.searchParams.set("schema", schema);
      db = url.toString();
      description = `threadline serve --db ${db}`;
      cleanups.push(() => dropSchema(databaseUrl, schema));
    }
    child = spawn(
      process.execPath,
      [
        ...SERVER_NODE_FLAGS,
        ...serverNodeArgs(),
        "--import",
        "tsx",
        "src/cli/main.ts",
        "serve",
        "--db",
        db,
        "--port",
        String(port),
        "--log-level",
        "warn",
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
  } else if (backend === "node-floor") {
    description = "plain node:http speaking Threadline's wire, storing nothing (floor-server.ts)";
    child = spawn(
      process.execPath,
      [...SERVER_NODE_FLAGS, "--import", "tsx", FLOOR_SCRIPT, String(port)],
      {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
  } else {
    const args = backend === "ds-file" ? [String(port), join(dir, "streams")] : [String(port)];
    description = `@durable-streams/server DurableStreamTestServer${backend === "ds-file" ? " (file-backed: LMDB + log files)" : " (in memory)"}`;
    child = spawn(process.execPath, [...SERVER_NODE_FLAGS, "--import", "tsx", DS_SCRIPT, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    // Stopped with appends in flight, the file-backed store logs one "Database is closed" stack per
    // request: its errors are passed on only until the bench stops it.
    child.stderr?.on("data", (data: Buffer) => {
      if (!stopping) process.stderr.write(data);
    });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${backend}`);
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  };
  try {
    await waitUntilAnswering(baseUrl, child);
  } catch (error) {
    await stop();
    throw error;
  }
  const kind = backend.startsWith("ds-") ? "durable-streams" : "threadline";
  description += `; node ${SERVER_NODE_FLAGS.join(" ")}`;
  return { backend, kind, pid, baseUrl, description, stop };
}

async function waitUntilAnswering(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`server exited (${child.exitCode}) before answering`);
    try {
      // Any HTTP answer (Threadline's /healthz 200, the reference server's 404) means it listens.
      await fetch(`${baseUrl}/healthz`);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`server at ${baseUrl} did not answer within ${READY_TIMEOUT_MS} ms`);
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Node flags of every server process: the young-generation size `threadline serve` is best run
 * with (`src/cli/node-flags.ts`), given to the floor and the Durable Streams server too (one
 * runtime for all).
 */
const SERVER_NODE_FLAGS = [YOUNG_GENERATION_FLAG];

/**
 * More Node flags for the Threadline server process, from `BENCH_SERVER_NODE_ARGS` (space
 * separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the server under load
 * (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
}
