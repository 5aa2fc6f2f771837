/**
 * The subset of a structured logger Threadline writes to (issue 8 item 4): five levels, each taking
 * the line's fields and its message. A `pino` logger is one as it is, so is a `console`-backed
 * object; Threadline imports no logging library (STYLE: declare the subset of the driver it needs).
 */

/** Writes one log line: `fields` (JSON-serializable; an error goes under `err`) and `message`. */
export type LogFn = (fields: object, message: string) => void;

/** The levels Threadline logs at, quietest last (pino's names). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A structured logger as Threadline uses it: per-request lines (`createApp({ logger })`), lifecycle
 * events (`logThreadlineEvents`) and unexpected errors. Pass a `pino` logger, or a child of one
 * (`logger.child({ component: "threadline" })`).
 *
 * @example
 * ```ts
 * import { pino } from "pino";
 * const app = createApp({ threadline, logger: pino() });
 * ```
 */
export type ThreadlineLogger = Record<LogLevel, LogFn>;

/** A {@link ThreadlineLogger} that writes nothing: the library default (silent). */
export const silentLogger: ThreadlineLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
