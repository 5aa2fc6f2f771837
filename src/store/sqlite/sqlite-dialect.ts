import { type Driver, SqliteDialect, type SqliteDialectConfig } from "kysely";
import { ImmediateSqliteDriver } from "./sqlite-driver.js";

/** Kysely's SQLite dialect, using {@link ImmediateSqliteDriver}. */
export class ThreadlineSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
