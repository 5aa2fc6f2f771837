import { Command, Option } from "commander";
import { apiKeysFromEnv, parseApiKeys } from "../../http/auth.js";
import { API_KEYS_ENV } from "../../protocol/http.js";
import type { Threadline } from "../../threadline.js";
import { parseNonNegativeInt, withDatabase } from "../shared-options.js";
import { startServer } from "../start-server.js";

interface ServeOptions {
  db: string;
  host: string;
  port: number;
  windowMs: number;
  runDebounceMs: number;
  runWebhook?: string;
  apiKey: string[];
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
    .addOption(
      new Option(
        "--api-key <workspace:key>",
        `an API key for a workspace; repeatable (or ${API_KEYS_ENV})`,
      )
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([]),
    )
    .action(async (options: ServeOptions) => {
      const apiKeys = options.apiKey.length > 0 ? parseApiKeys(options.apiKey) : apiKeysFromEnv();
      const server = await startServer({
        database: options.db,
        host: options.host,
        port: options.port,
        windowMs: options.windowMs,
        runDebounceMs: options.runDebounceMs,
        fireRuns: true, // with no webhook, runs go to the thread log (`run.triggered`)
        ...(options.runWebhook === undefined ? {} : { runWebhook: options.runWebhook }),
        apiKeys,
      });
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
