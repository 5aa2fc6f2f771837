import { type RawBuilder, sql } from "kysely";

/**
 * A column of a PostgreSQL multi-row statement (`unnest(…)`) sent as one delimited text parameter
 * and split on the server by `string_to_array`, instead of an array parameter (issue 9). `pg`
 * writes an array parameter as an array literal, quoting and escaping every element with two
 * regular-expression passes, and PostgreSQL parses the quotes back: ~8 % of the writer's thread
 * at 800 streams (profiled 2026-12-03), ~0.4 ms per 1 100 JSON payloads against ~10 µs for a join.
 *
 * Put {@link sql} in the statement's text (compiled once per shape, `compiled-once.ts`) and pass
 * {@link parameters} in the same order every time.
 */
export interface DelimitedColumn {
  /** The expression reading the column back as an array, e.g. `string_to_array($1, $2)`. */
  readonly sql: RawBuilder<unknown>;
  /** Its parameters: the joined text, then (for text) the delimiter. */
  readonly parameters: readonly unknown[];
}

/**
 * A `text` column of non-empty values or `null`s ({@link DelimitedColumn}): ids (`workspace-input.ts`
 * refuses an empty one), event types, JSON. A `null` is sent as the empty string and read back as
 * SQL `NULL`. The delimiter is one character that no value holds — a newline (JSON text never
 * holds one), else the first such of U+0001… — so every split is where a value ends.
 *
 * @throws Error when a value is the empty string (it would read back as `NULL`; a programming
 *   error), or, in theory only, when the values hold every character there is.
 */
export function textColumn(values: readonly (string | null)[]): DelimitedColumn {
  let newline = false;
  for (const value of values) {
    if (value === "") throw new Error("an empty string in a delimited text column");
    newline ||= value?.includes("\n") === true;
  }
  const delimiter = newline ? unusedCharacter(values) : "\n";
  const parameters = [values.map((value) => value ?? "").join(delimiter), delimiter];
  return { sql: sql`string_to_array(${parameters[0]}, ${parameters[1]}, '')`, parameters };
}

/** The first character from U+0001 up that none of `values` holds (surrogates skipped). */
function unusedCharacter(values: readonly (string | null)[]): string {
  const used = new Set<number>();
  for (const value of values) {
    for (const character of value ?? "") used.add(character.codePointAt(0) as number);
  }
  for (let code = 1; code <= 0x10ffff; code++) {
    if (code === 0xd800) code = 0xe000;
    if (!used.has(code)) return String.fromCodePoint(code);
  }
  throw new Error("no character left to delimit a column with");
}

/**
 * A `bigint` column ({@link DelimitedColumn}), comma-separated; `null` values read back as SQL
 * `NULL`.
 */
export function bigintColumn(values: readonly (number | null)[]): DelimitedColumn {
  // Array.prototype.join writes null as the empty string.
  const parameters = [values.join(",")];
  return { sql: sql`string_to_array(${parameters[0]}, ',', '')::bigint[]`, parameters };
}

/** A `boolean` column ({@link DelimitedColumn}), comma-separated `t` / `f`. */
export function booleanColumn(values: readonly boolean[]): DelimitedColumn {
  const parameters = [values.map((v) => (v ? "t" : "f")).join(",")];
  return { sql: sql`string_to_array(${parameters[0]}, ',')::boolean[]`, parameters };
}

/** `columns` as the arguments of one `unnest(…)`, in order. */
export function unnestArguments(columns: readonly DelimitedColumn[]): RawBuilder<unknown> {
  return sql.join(columns.map((column) => column.sql));
}

/** The parameters of `columns` in order, for `compileOnce`. */
export function columnParameters(columns: readonly DelimitedColumn[]): unknown[] {
  return columns.flatMap((column) => column.parameters);
}
