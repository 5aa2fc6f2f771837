import { CompiledQuery, type DatabaseConnection, SqliteDriver } from "kysely";

/**
 * Kysely's SQLite driver with `BEGIN IMMEDIATE` transactions (R26): a transaction takes the write
 * lock when it starts, so two processes sharing a file queue on `busy_timeout` instead of failing
 * with SQLITE_BUSY when a read transaction upgrades to a write.
 */
export class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  /**
   * Rolls back, unless SQLite already did: after SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and some
   * SQLITE_BUSY errors it ends the transaction itself, and a second rollback would fail with "no
   * transaction is active", hiding the error that says what happened (a full disk, R30).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw("rollback"));
    } catch (error) {
      if (!(error instanceof Error && /no transaction is active/.test(error.message))) throw error;
    }
  }
}
