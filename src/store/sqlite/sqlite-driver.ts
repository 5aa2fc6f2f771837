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
}
