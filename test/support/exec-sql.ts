import Database from "better-sqlite3";
import pg from "pg";
import { DATABASE_URL } from "./database-url.js";

/**
 * Runs SQL on a test database behind Threadline's back (a trigger that refuses or fails writes,
 * R10/R30 tests): for `sqlite:PATH` on its own connection to the file, for a PostgreSQL URL on a
 * connection whose `search_path` is the URL's schema, so `text` names tables unqualified.
 * `sql` picks the statement for the backend.
 */
export async function execSql(
  database: string,
  sql: { sqlite: string; postgres: string },
): Promise<void> {
  if (database.startsWith("sqlite:")) {
    const file = new Database(database.slice("sqlite:".length).replace(/\?.*$/, "")); // no ?worker=1
    try {
      file.exec(sql.sqlite);
    } finally {
      file.close();
    }
    return;
  }
  const schema = new URL(database).searchParams.get("schema") ?? "public";
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    await client.query(sql.postgres);
  } finally {
    await client.end();
  }
}

/**
 * Makes the test database refuse rows of `table` on `on` (an insert or an update) — every row, or
 * with `containing` only those whose `column` holds that text — with `message` as an error of the
 * data (SQLite `RAISE(ABORT)`, PostgreSQL SQLSTATE 22023), as a check the application cannot know
 * about would: refused inside the commit, never a transient error (R10, R30 tests).
 * @returns a function that lifts the refusal (so a retry commits).
 */
export async function refuseRows(
  database: string,
  rule: {
    table: string;
    on: "insert" | "update";
    column?: string;
    containing?: string;
    message: string;
  },
): Promise<() => Promise<void>> {
  const name = `refuse_${rule.table}`;
  const when =
    rule.containing === undefined ? undefined : { column: rule.column, text: rule.containing };
  // On SQLite `events` is a view over the two tables that hold its rows (migration 7).
  const sqliteTables = rule.table === "events" ? ["events_recent", "event_log"] : [rule.table];
  await execSql(database, {
    sqlite: sqliteTables
      .map(
        (table) => `CREATE TRIGGER ${name}_${table} BEFORE ${rule.on.toUpperCase()} ON ${table}
      ${when ? `WHEN instr(NEW.${when.column}, '${when.text}') > 0` : ""}
      BEGIN SELECT RAISE(ABORT, '${rule.message}'); END;`,
      )
      .join("\n"),
    postgres: `
      create function ${name}() returns trigger language plpgsql as $$
      begin
        ${when ? `if position('${when.text}' in new.${when.column}) > 0 then` : "if true then"}
          raise exception '${rule.message}' using errcode = '22023';
        end if;
        return new;
      end $$;
      create trigger ${name} before ${rule.on} on ${rule.table}
        for each row execute function ${name}();`,
  });
  return () =>
    execSql(database, {
      sqlite: sqliteTables.map((table) => `DROP TRIGGER ${name}_${table};`).join("\n"),
      postgres: `drop trigger ${name} on ${rule.table}`,
    });
}
