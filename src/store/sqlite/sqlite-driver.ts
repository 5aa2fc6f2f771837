import {
  CompiledQuery,
  type DatabaseConnection,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type { ThreadHeads } from "./thread-heads.js";

/**
 * Kysely's SQLite driver with `BEGIN IMMEDIATE` transactions (R26): a transaction takes the write
 * lock when it starts, so two processes sharing a file queue on `busy_timeout` instead of failing
 * with SQLITE_BUSY when a read transaction upgrades to a write. With `heads`, each transaction
 * begins, commits and rolls back the connection's {@link ThreadHeads} too, while the connection is
 * still held (so no other statement runs between the `COMMIT` and the cache it makes true).
 */
export class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly heads?: ThreadHeads,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    if (!this.heads) return;
    try {
      await this.heads.begin(connection);
    } catch (error) {
      // Kysely rolls back only a transaction whose begin succeeded: end this one here.
      await this.rollbackTransaction(connection);
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
    this.heads?.commit();
  }

  /**
   * Rolls back, unless SQLite already did: after SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and some
   * SQLITE_BUSY errors it ends the transaction itself, and a second rollback would fail with "no
   * transaction is active", hiding the error that says what happened (a full disk, R30).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.heads?.rollback();
    try {
      await connection.executeQuery(CompiledQuery.raw("rollback"));
    } catch (error) {
      if (!(error instanceof Error && /no transaction is active/.test(error.message))) throw error;
    }
  }
}
