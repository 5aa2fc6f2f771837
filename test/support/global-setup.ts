import pg from "pg";
import { DATABASE_URL } from "./database-url.js";

/**
 * Every store test runs on SQLite and PostgreSQL; a missing PostgreSQL must fail the run loudly,
 * never skip (`.ci/run` starts the server when it is down).
 */
export default async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${DATABASE_URL} (${String(error)}). Start it (see .ci/run) or set DATABASE_URL; the tests never skip a backend.`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}
