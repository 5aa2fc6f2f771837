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
