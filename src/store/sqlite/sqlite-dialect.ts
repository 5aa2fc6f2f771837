import { type Driver, SqliteDialect, type SqliteDialectConfig } from "kysely";
import { ImmediateSqliteDriver } from "./sqlite-driver.js";
import type { ThreadHeads } from "./thread-heads.js";

/** Kysely's SQLite dialect, using {@link ImmediateSqliteDriver} (with `heads`, if given). */
export class ThreadlineSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly heads?: ThreadHeads,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings, this.heads);
  }
}
