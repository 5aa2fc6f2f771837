import { Command, InvalidArgumentError, Option } from "commander";
import { isThreadlineError } from "../../errors.js";
import { parseLimitsSpec, parseWorkspaceLimitsSpecs } from "../../fairness/limit-spec.js";
import type { WorkspaceLimits } from "../../fairness/workspace-limits.js";
import { apiKeysFromEnv, parseApiKeys } from "../../http/auth.js";
import { COMPACTION_DEFAULTS } from "../../lifecycle/log-compactor.js";
import { DEFAULT_HEARTBEAT_MS, DEFAULT_NODE_TIMEOUT_MS } from "../../lifecycle/node-heartbeat.js";
import { API_KEYS_ENV } from "../../protocol/http.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from "../../protocol/limits.js";
import { DEFAULT_UNAVAILABLE_AFTER_MS } from "../../writer/coalescing-writer.js";
import { YOUNG_GENERATION_FLAG, youngGenerationSized } from "../node-flags.js";
import { parseDuration, parseWorkspaceDurations } from "../parse-duration.js";
import {
  createServeLogger,
  DEFAULT_LOG_LEVEL,
  SERVE_LOG_LEVELS,
  type ServeLogLevel,
} from "../serve-logger.js";
import {
  envOption,
  parseNonNegativeInt,
  parsePort,
  redactPassword,
  withDatabase,
} from "../shared-options.js";
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
  /**
   * `--unavailable-after-ms`: how long uploads wait out a database outage before new chunks are
   * refused 503 `unavailable` (R30; default 10 000).
   */
  unavailableAfterMs: number;
  /** `--log-level`: lowest level logged (issue 8 item 4; default `info`). */
  logLevel: ServeLogLevel;
  /**
   * `--resume-horizon-ms`: how long a finished message's deltas stay in the log before compaction
   * removes them (R32; default 24 h; 0: by the next run).
   */
  resumeHorizonMs: number;
  /** `--thread-ttl`: delete threads idle longer than this, ms (R25; default: none, keep them). */
  threadTtl?: number;
  /**
   * `--workspace-thread-ttl` (repeatable): named workspaces' own TTLs, ms, `null` for `never`
   * (R25; over `--thread-ttl`).
   */
  workspaceThreadTtl?: Record<string, number | null>;
  /** `--default-workspace-limits`: every workspace's limits (R33; default none). */
  defaultWorkspaceLimits?: WorkspaceLimits;
  /** `--workspace-limits` (repeatable): named workspaces' limits over the default (R33). */
  workspaceLimits?: Record<string, WorkspaceLimits>;
}

/**
 * `threadline serve`: the HTTP API of SPEC §3 until SIGINT/SIGTERM, then a shutdown that flushes
 * buffered writes and fires every run trigger this process armed (R7, R23). Runs go to
 * `--run-webhook` (R24). Logs pino JSON lines (issue 8 item 4; see `createServeLogger`): one per
 * request, lifecycle events (sweeps, node takeovers, retries, failed and declined runs, …) and
 * errors with their code, at `--log-level`. Every flag can also be set by an environment variable
 * `THREADLINE_<FLAG>` (`--window-ms` → `THREADLINE_WINDOW_MS`; API keys: `THREADLINE_API_KEYS`),
 * listed in `--help`; a flag given on the command line wins. At start it logs a hint when Node's
 * young generation has its default size (`../node-flags.ts`: ~a sixth less CPU per delta with it).
 */
export function serveCommand(): Command {
  return withDatabase(new Command("serve"))
    .description("serve the HTTP API")
    .addHelpText(
      "after",
      `\nRun it with NODE_OPTIONS=${YOUNG_GENERATION_FLAG} (a larger young generation for Node's` +
        " garbage collector): about a sixth less CPU per streamed delta, ~40 MB more memory.",
    )
    .addOption(
      envOption("--host <host>", "interface to bind (non-loopback needs API keys)").default(
        "127.0.0.1",
      ),
    )
    .addOption(
      envOption("--port <port>", "port to listen on").argParser(parsePort("--port")).default(4000),
    )
    .addOption(
      envOption("--window-ms <ms>", "coalescing window of streamed deltas (0 = write-through)")
        .argParser(parseNonNegativeInt("--window-ms"))
        .default(33),
    )
    .addOption(
      envOption(
        "--run-debounce-ms <ms>",
        "quiet time after a thread's last user message before its run fires",
      )
        .argParser(parseNonNegativeInt("--run-debounce-ms"))
        .default(3_000),
    )
    .addOption(
      envOption(
        "--run-webhook <url>",
        "POST each run here as JSON (Idempotency-Key: trigger id); without it runs are only logged to the thread",
      ),
    )
    .addOption(
      envOption(
        "--max-chunk-bytes <bytes>",
        "largest UI message stream chunk (413 and the message ends error past it)",
      )
        .argParser(parsePositiveInt("--max-chunk-bytes"))
        .default(DEFAULT_MAX_CHUNK_BYTES),
    )
    .addOption(
      envOption(
        "--max-message-bytes <bytes>",
        "largest message: a streamed one's chunks together, a posted one's body (413 past it)",
      )
        .argParser(parsePositiveInt("--max-message-bytes"))
        .default(DEFAULT_MAX_MESSAGE_BYTES),
    )
    .addOption(
      envOption("--max-body-bytes <bytes>", "largest JSON body of the other routes (413 past it)")
        .argParser(parsePositiveInt("--max-body-bytes"))
        .default(DEFAULT_MAX_BODY_BYTES),
    )
    .addOption(
      envOption(
        "--node-id <id>",
        "this node's id, stable across restarts: a restart then ends at once what the previous process left streaming (default random)",
      ),
    )
    .addOption(
      envOption("--heartbeat-ms <ms>", "PostgreSQL: time between two heartbeats of this node")
        .argParser(parsePositiveInt("--heartbeat-ms"))
        .default(DEFAULT_HEARTBEAT_MS),
    )
    .addOption(
      envOption(
        "--node-timeout-ms <ms>",
        "PostgreSQL: a node silent this long is dead; another node ends its streaming messages aborted",
      )
        .argParser(parsePositiveInt("--node-timeout-ms"))
        .default(DEFAULT_NODE_TIMEOUT_MS),
    )
    .addOption(
      envOption(
        "--unavailable-after-ms <ms>",
        "how long uploads wait out a database outage (what they sent is kept) before new chunks are refused 503; raise it above your database's failover time",
      )
        .argParser(parsePositiveInt("--unavailable-after-ms"))
        .default(DEFAULT_UNAVAILABLE_AFTER_MS),
    )
    .addOption(
      envOption(
        "--resume-horizon-ms <ms>",
        "keep a finished message's deltas this long for resumes, then compact them away (0 = at the next run)",
      )
        .argParser(parseNonNegativeInt("--resume-horizon-ms"))
        .default(COMPACTION_DEFAULTS.resumeHorizonMs),
    )
    .addOption(
      envOption(
        "--thread-ttl <age>",
        "delete threads whose last update is older than this, e.g. 90d (default: keep every thread)",
      ).argParser(parseDuration("--thread-ttl")),
    )
    .addOption(
      envOption(
        "--workspace-thread-ttl <workspace:age>",
        "one workspace's thread TTL over --thread-ttl, e.g. acme:365d, or audit:never to keep its threads; repeatable, or several separated by ;",
      ).argParser(parseWorkspaceDurations("--workspace-thread-ttl")),
    )
    .addOption(
      envOption(
        "--default-workspace-limits <limits>",
        "limits of every workspace (per API key's workspace, per node), e.g. streams=20,chunks=2000,bytes=1mb,subscribers=100: past streams or subscribers 429 + Retry-After; past chunks or bytes per second a stream's writes wait their turn",
      ).argParser(cliParser((value) => parseLimitsSpec(value, "--default-workspace-limits"))),
    )
    .addOption(
      envOption(
        "--workspace-limits <workspace:limits>",
        "one workspace's limits over the default, e.g. acme:streams=50,chunks=unlimited; repeatable, or several separated by ;",
      ).argParser(
        cliParser((value: string, previous: Record<string, WorkspaceLimits> = {}) => {
          const parsed = parseWorkspaceLimitsSpecs([value], "--workspace-limits");
          const repeated = Object.keys(parsed).find((id) => Object.hasOwn(previous, id));
          if (repeated !== undefined) {
            throw new InvalidArgumentError(`--workspace-limits repeats workspace ${repeated}`);
          }
          return { ...previous, ...parsed };
        }),
      ),
    )
    .addOption(
      envOption(
        "--log-level <level>",
        "lowest level logged as JSON lines (pretty on a terminal); error and above go to stderr",
      )
        .choices(SERVE_LOG_LEVELS)
        .default(DEFAULT_LOG_LEVEL),
    )
    .addOption(
      new Option(
        "--api-key <workspace:key>",
        `an API key for a workspace; repeatable (env: ${API_KEYS_ENV}, comma-separated)`,
      )
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([]),
    )
    .action(async (options: ServeOptions) => {
      const serverOptions = serverOptionsOf(options);
      const apiKeys = serverOptions.apiKeys ?? new Map();
      const logger = await createServeLogger({ level: options.logLevel });
      const started = startServer({ ...serverOptions, logger });
      // Handlers first: a signal once the listening line is out (or during the start) still
      // flushes and shuts down instead of killing the process the default way.
      const shutdown = (signal: string) => {
        logger.info({ signal }, `${signal}: flushing and shutting down…`);
        started
          .then((server) => server.close())
          .then(
            () => process.exit(0),
            (error) => {
              logger.error({ err: error }, "shutdown failed");
              process.exit(1);
            },
          );
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      const server = await started;
      const workspaces =
        apiKeys.size === 0
          ? "the default workspace, no auth"
          : `${new Set(apiKeys.values()).size} workspace(s)`;
      const database = redactPassword(options.db);
      logger.info(
        { url: server.url, database, ...(options.nodeId ? { nodeId: options.nodeId } : {}) },
        `threadline serving ${database} on ${server.url} (${workspaces})`,
      );
      if (!youngGenerationSized()) {
        logger.info(
          { event: "runtime:young-generation", flag: YOUNG_GENERATION_FLAG },
          `Node's young generation has its default size: NODE_OPTIONS=${YOUNG_GENERATION_FLAG} ` +
            "cuts the server's CPU per streamed delta by about a sixth (README, Command line)",
        );
      }
    });
}

/**
 * The {@link startServer} options of parsed `threadline serve` flags: API keys from `--api-key` or
 * the environment, the three size limits as the `limits` group (SPEC §3 413, R2), the node id and
 * heartbeat settings (R31), the resume horizon of log compaction (R32), the thread TTL (R25) and
 * the per-workspace limits (R33; an API key's limits are its workspace's).
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
    unavailableAfterMs: options.unavailableAfterMs,
    compaction: { resumeHorizonMs: options.resumeHorizonMs },
    ...retentionOf(options),
    ...workspaceLimitsOf(options),
    limits: {
      maxChunkBytes: options.maxChunkBytes,
      maxMessageBytes: options.maxMessageBytes,
      maxBodyBytes: options.maxBodyBytes,
    },
  };
}

/** The `retention` option of `--thread-ttl` and `--workspace-thread-ttl`, none without them (R25). */
function retentionOf(options: ServeOptions): Pick<ServerOptions, "retention"> {
  const { threadTtl, workspaceThreadTtl } = options;
  if (threadTtl === undefined && workspaceThreadTtl === undefined) return {};
  return {
    retention: {
      ...(threadTtl === undefined ? {} : { threadTtlMs: threadTtl }),
      ...(workspaceThreadTtl === undefined ? {} : { workspaceThreadTtlMs: workspaceThreadTtl }),
    },
  };
}

/** The `workspaceLimits` option of the two limit flags, none when neither is given (R33). */
function workspaceLimitsOf(options: ServeOptions): Pick<ServerOptions, "workspaceLimits"> {
  const { defaultWorkspaceLimits, workspaceLimits } = options;
  if (defaultWorkspaceLimits === undefined && workspaceLimits === undefined) return {};
  return {
    workspaceLimits: {
      ...(defaultWorkspaceLimits === undefined ? {} : { default: defaultWorkspaceLimits }),
      ...(workspaceLimits === undefined ? {} : { byWorkspace: workspaceLimits }),
    },
  };
}

/** A commander parser whose `bad_request` errors commander prints as a bad option value. */
function cliParser<T, P>(parse: (value: string, previous: P) => T) {
  return (value: string, previous: P): T => {
    try {
      return parse(value, previous);
    } catch (error) {
      if (isThreadlineError(error, "bad_request")) throw new InvalidArgumentError(error.message);
      throw error;
    }
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
