import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { ThreadlineError } from "../errors.js";
import { DEFAULT_WORKSPACE } from "../threadline.js";

/** Default embedded database of the CLI (SPEC §4). */
export const DEFAULT_DATABASE = "sqlite:./threadline.db";

/** Environment variable that overrides the default `--db`. */
export const DATABASE_ENV = "THREADLINE_DB";

/** Adds `--db` (default `$THREADLINE_DB` or {@link DEFAULT_DATABASE}). */
export function withDatabase(command: Command): Command {
  return command.addOption(
    new Option("--db <url>", "database: sqlite:PATH, sqlite::memory: or postgres://…")
      .env(DATABASE_ENV)
      .default(DEFAULT_DATABASE),
  );
}

/**
 * The environment variable of a flag (issue 8 item 4): `THREADLINE_` and the long flag's name in
 * upper snake case, `--window-ms` → `THREADLINE_WINDOW_MS`.
 */
export function envNameOf(longFlag: string): string {
  return `THREADLINE_${longFlag.replace(/^--/, "").replaceAll("-", "_").toUpperCase()}`;
}

/**
 * An option also read from its environment variable ({@link envNameOf}) when the flag is absent;
 * the command line wins, and `--help` shows `(env: THREADLINE_…)`.
 *
 * @example
 * ```ts
 * command.addOption(envOption("--port <port>", "port to listen on").default(4000));
 * ```
 */
export function envOption(flags: string, description: string): Option {
  const option = new Option(flags, description);
  if (option.long === undefined) throw new Error(`option ${flags} needs a long flag`);
  return option.env(envNameOf(option.long));
}

/**
 * A database URL fit for a log line: a `postgres://` URL's password replaced by `***`; anything
 * else unchanged.
 */
export function redactPassword(database: string): string {
  if (!/^postgres(ql)?:/.test(database)) return database;
  try {
    const url = new URL(database);
    if (url.password === "") return database;
    url.password = "***";
    return url.toString();
  } catch {
    return "postgres://…";
  }
}

/** Adds `--workspace` (default the default workspace). */
export function withWorkspace(command: Command): Command {
  return command.option("--workspace <id>", "workspace (tenant) to act in", DEFAULT_WORKSPACE);
}

/**
 * Parses a non-negative integer option.
 * @throws InvalidArgumentError (commander prints it naming the flag) for anything else.
 */
export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    const number = Number(value);
    // Decimal digits only: Number() would also take "0x10", "1e3" or "".
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
      throw new InvalidArgumentError(
        `${name} must be a non-negative integer, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  };
}

/** The largest TCP port. */
const MAX_PORT = 65_535;

/**
 * Parses a `--port` option: an integer from 0 (any free port) to 65 535.
 * @throws InvalidArgumentError (commander prints it naming the flag) for anything else — before
 *   anything is opened, instead of Node's `ERR_SOCKET_BAD_PORT` after the database was.
 */
export function parsePort(name: string) {
  const nonNegative = parseNonNegativeInt(name);
  return (value: string): number => {
    const port = nonNegative(value);
    if (port > MAX_PORT) {
      throw new InvalidArgumentError(
        `${name} must be a port from 0 (any free port) to ${MAX_PORT}, got ${JSON.stringify(value)}`,
      );
    }
    return port;
  };
}

/**
 * `database` itself, after checking that a `sqlite:PATH` names a file that exists: commands that
 * read or repair a database (`export`, `sweep`) answer an error instead of creating a fresh one
 * (issue 7). In-memory and PostgreSQL URLs pass as they are.
 * @throws ThreadlineError `not_found` naming the missing file.
 */
export function existingDatabase(database: string): string {
  if (!database.startsWith("sqlite:")) return database;
  const path = database.slice("sqlite:".length);
  if (path === "" || path === ":memory:" || existsSync(path)) return database;
  throw new ThreadlineError("not_found", `no SQLite database at ${path} (check --db)`);
}
