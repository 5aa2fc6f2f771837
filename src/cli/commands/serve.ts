import { Command, InvalidArgumentError, Option } from "commander";
import { apiKeysFromEnv, parseApiKeys } from "../../http/auth.js";
import { DEFAULT_HEARTBEAT_MS, DEFAULT_NODE_TIMEOUT_MS } from "../../lifecycle/node-heartbeat.js";
import { API_KEYS_ENV } from "../../protocol/http.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from "../../protocol/limits.js";
import type { Threadline } from "../../threadline.js";
import { parseNonNegativeInt, withDatabase } from "../shared-options.js";
import { type ServerOptions, startServer } from "../start-server.js";

/** The parsed flags of `threadline serve`. */
export interface ServeOptions {
  db: string;
  host: string;
  port: number;
  windowMs: number;
  runDebounceMs: number;
  runWebhook?: string;
  apiKey: string[];
  /** `--max-chunk-bytes`: largest chunk of a streamed message (default 4 MiB). */
  maxChunkBytes: number;
  /** `--max-message-bytes`: largest message, streamed or posted (default 64 MiB). */
  maxMessageBytes: number;
  /** `--max-body-bytes`: largest JSON body of the other routes (default 1 MiB). */
  maxBodyBytes: number;
  /** `--node-id`: this node's id (default random per process; R31 restart recovery needs one). */
  nodeId?: string;
  /** `--heartbeat-ms`: time between two heartbeats of this node on PostgreSQL (R31; default 2 000). */
  heartbeatMs: number;
  /** `--node-timeout-ms`: heartbeat age past which a node is dead (R31; default 8 000). */
  nodeTimeoutMs: number;
}

/**
 * `threadline serve`: the HTTP API of SPEC §3 until SIGINT/SIGTERM, then a shutdown that flushes
 * buffered writes and fires every run trigger this process armed (R7, R23). Runs go to
 * `--run-webhook` (R24); failed deliveries are logged to stderr as they happen.
 */
export function serveCommand(): Command {
  return withDatabase(new Command("serve"))
    .description("serve the HTTP API")
    .option("--host <host>", "interface to bind (non-loopback needs API keys)", "127.0.0.1")
    .option("--port <port>", "port to listen on", parseNonNegativeInt("--port"), 4000)
    .option(
      "--window-ms <ms>",
      "coalescing window of streamed deltas (0 = write-through)",
      parseNonNegativeInt("--window-ms"),
      33,
    )
    .option(
      "--run-debounce-ms <ms>",
      "quiet time after a thread's last user message before its run fires",
      parseNonNegativeInt("--run-debounce-ms"),
      3_000,
    )
    .option(
      "--run-webhook <url>",
      "POST each run here as JSON (Idempotency-Key: trigger id); without it runs are only logged to the thread",
    )
    .option(
      "--max-chunk-bytes <bytes>",
      "largest UI message stream chunk (413 and the message ends error past it)",
      parsePositiveInt("--max-chunk-bytes"),
      DEFAULT_MAX_CHUNK_BYTES,
    )
    .option(
      "--max-message-bytes <bytes>",
      "largest message: a streamed one's chunks together, a posted one's body (413 past it)",
      parsePositiveInt("--max-message-bytes"),
      DEFAULT_MAX_MESSAGE_BYTES,
    )
    .option(
      "--max-body-bytes <bytes>",
      "largest JSON body of the other routes (413 past it)",
      parsePositiveInt("--max-body-bytes"),
      DEFAULT_MAX_BODY_BYTES,
    )
    .option(
      "--node-id <id>",
      "this node's id, stable across restarts: a restart then ends at once what the previous process left streaming (default random)",
    )
    .option(
      "--heartbeat-ms <ms>",
      "PostgreSQL: time between two heartbeats of this node",
      parsePositiveInt("--heartbeat-ms"),
      DEFAULT_HEARTBEAT_MS,
    )
    .option(
      "--node-timeout-ms <ms>",
      "PostgreSQL: a node silent this long is dead; another node ends its streaming messages aborted",
      parsePositiveInt("--node-timeout-ms"),
      DEFAULT_NODE_TIMEOUT_MS,
    )
    .addOption(
      new Option(
        "--api-key <workspace:key>",
        `an API key for a workspace; repeatable (or ${API_KEYS_ENV})`,
      )
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([]),
    )
    .action(async (options: ServeOptions) => {
      const serverOptions = serverOptionsOf(options);
      const apiKeys = serverOptions.apiKeys ?? new Map();
      const server = await startServer(serverOptions);
      logRunFailures(server.threadline);
      const workspaces =
        apiKeys.size === 0
          ? "the default workspace, no auth"
          : `${new Set(apiKeys.values()).size} workspace(s)`;
      console.log(`threadline serving ${options.db} on ${server.url} (${workspaces})`);
      const shutdown = (signal: string) => {
        console.log(`${signal}: flushing and shutting down…`);
        server.close().then(
          () => process.exit(0),
          (error) => {
            console.error(`shutdown failed: ${String(error)}`);
            process.exit(1);
          },
        );
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
    });
}

/**
 * The {@link startServer} options of parsed `threadline serve` flags: API keys from `--api-key` or
 * the environment, the three size limits as the `limits` group (SPEC §3 413, R2), the node id and
 * heartbeat settings (R31).
 * @throws ThreadlineError `bad_request` for a malformed API key.
 */
export function serverOptionsOf(options: ServeOptions): ServerOptions {
  const apiKeys = options.apiKey.length > 0 ? parseApiKeys(options.apiKey) : apiKeysFromEnv();
  return {
    database: options.db,
    host: options.host,
    port: options.port,
    windowMs: options.windowMs,
    runDebounceMs: options.runDebounceMs,
    fireRuns: true, // with no webhook, runs go to the thread log (`run.triggered`)
    ...(options.runWebhook === undefined ? {} : { runWebhook: options.runWebhook }),
    apiKeys,
    ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
    heartbeatMs: options.heartbeatMs,
    nodeTimeoutMs: options.nodeTimeoutMs,
    limits: {
      maxChunkBytes: options.maxChunkBytes,
      maxMessageBytes: options.maxMessageBytes,
      maxBodyBytes: options.maxBodyBytes,
    },
  };
}

/** Parses a positive integer option (a byte count), with a clear error naming the flag. */
function parsePositiveInt(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number <= 0) {
      throw new InvalidArgumentError(
        `${name} must be a positive integer, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  };
}

/** Logs each failed run delivery and each run notice to stderr (R24: never lost silently). */
function logRunFailures(threadline: Threadline): void {
  threadline.events.on("run:failed", ({ threadId, triggerId, attempt, error, retryInMs }) => {
    const next = retryInMs === null ? "giving up (kept as failed)" : `retrying in ${retryInMs} ms`;
    console.error(
      `threadline: run ${triggerId} of thread ${threadId} failed (attempt ${attempt}): ${String(error)}; ${next}`,
    );
  });
  threadline.events.on("run:notice", ({ threadId, triggerId, reason }) => {
    console.error(`threadline: run ${triggerId} of thread ${threadId} declined: ${reason}`);
  });
}
