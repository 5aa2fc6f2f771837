import { Command, Option } from "commander";
import { apiKeysFromEnv, parseApiKeys } from "../../http/auth.js";
import { API_KEYS_ENV } from "../../protocol/http.js";
import { parseNonNegativeInt, withDatabase } from "../shared-options.js";
import { startServer } from "../start-server.js";

interface ServeOptions {
  db: string;
  host: string;
  port: number;
  windowMs: number;
  apiKey: string[];
}

/** `threadline serve`: the HTTP API of SPEC §3 until SIGINT/SIGTERM, then a flushing shutdown. */
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
        apiKeys,
      });
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
