import { type DestinationStream, type Logger, pino, type StreamEntry } from "pino";

/** `--log-level` values: pino's levels, quietest last; `silent` logs nothing. */
export const SERVE_LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "silent"] as const;

/** One of {@link SERVE_LOG_LEVELS}. */
export type ServeLogLevel = (typeof SERVE_LOG_LEVELS)[number];

/** Default of `--log-level` / `THREADLINE_LOG_LEVEL`. */
export const DEFAULT_LOG_LEVEL: ServeLogLevel = "info";

/** Options of {@link createServeLogger}. */
export interface ServeLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: ServeLogLevel;
  /**
   * Human-readable lines through `pino-pretty` (an optional dependency; JSON when it is not
   * installed). Default: when stdout is a terminal.
   */
  pretty?: boolean;
}

/**
 * The logger of `threadline serve` (issue 8 item 4): pino, one JSON object per line — lines below
 * `error` on stdout, `error` and above on stderr (so stderr stays empty while nothing fails). Writes
 * are synchronous, so nothing is lost when the process exits right after a line. On a terminal the
 * lines are pretty-printed instead, one per line with its fields (same split; a request line reads
 * `request GET /v1/threads/:threadId 200 1.7 ms`).
 *
 * @example
 * ```ts
 * const logger = await createServeLogger({ level: "debug" });
 * logger.info({ url }, "threadline serving");
 * ```
 */
export async function createServeLogger(options: ServeLoggerOptions = {}): Promise<Logger> {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const [out, err] = (pretty ? await prettyStreams() : undefined) ?? [
    pino.destination({ dest: 1, sync: true }),
    pino.destination({ dest: 2, sync: true }),
  ];
  const streams: StreamEntry[] = [
    { level: "trace", stream: out },
    { level: "error", stream: err },
  ];
  return pino(
    { name: "threadline", level: options.level ?? DEFAULT_LOG_LEVEL },
    pino.multistream(streams, { dedupe: true }),
  );
}

/** Pretty streams to stdout and stderr, or undefined when `pino-pretty` is not installed. */
async function prettyStreams(): Promise<[DestinationStream, DestinationStream] | undefined> {
  try {
    const { default: pretty } = await import("pino-pretty");
    const options = {
      sync: true,
      colorize: true,
      singleLine: true,
      ignore: "hostname",
      messageFormat: "{msg}{if method} {method} {route} {status} {ms} ms{end}",
    };
    return [pretty({ ...options, destination: 1 }), pretty({ ...options, destination: 2 })];
  } catch {
    return undefined;
  }
}
