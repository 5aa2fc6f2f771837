import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type { SqliteWorkerConnection } from "./sqlite-worker-connection.js";
import { SqliteWorkerDriver } from "./sqlite-worker-driver.js";

/** Kysely's SQLite dialect (same SQL, adapter and introspector) over {@link SqliteWorkerDriver}. */
export class SqliteWorkerDialect implements Dialect {
  /** The one driver (the store closes it directly, so later queries fail with `closed`). */
  readonly driver: SqliteWorkerDriver;

  constructor(connection: SqliteWorkerConnection) {
    this.driver = new SqliteWorkerDriver(connection);
  }

  createDriver(): Driver {
    return this.driver;
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface takes Kysely<any>
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
