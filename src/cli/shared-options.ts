import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
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

/** Adds `--workspace` (default the default workspace). */
export function withWorkspace(command: Command): Command {
  return command.option("--workspace <id>", "workspace (tenant) to act in", DEFAULT_WORKSPACE);
}

/** Parses a non-negative integer option, with a clear error. */
export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 0) {
      throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    return number;
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
