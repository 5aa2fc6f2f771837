import type { DatabaseConnection, Driver } from "kysely";
import type { SqliteWorkerConnection } from "./sqlite-worker-connection.js";

/**
 * Kysely's driver for the worker-backed SQLite connection. Like Kysely's in-thread SQLite driver it
 * hands out its one connection to one user at a time — a whole transaction holds it, so the
 * statements of two transactions never interleave — but in arrival order (FIFO), so `destroy()`
 * runs after every statement queued before it.
 */
export class SqliteWorkerDriver implements Driver {
  private readonly queue: (() => void)[] = [];
  private busy = false;

  constructor(private readonly connection: SqliteWorkerConnection) {}

  /** The connection is opened before Kysely sees the driver (so a bad path fails at open). */
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.busy = true;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }

  beginTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as SqliteWorkerConnection).begin();
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as SqliteWorkerConnection).commit();
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as SqliteWorkerConnection).rollback();
  }

  /** Waits for the statements queued before it, then closes the database and its worker. */
  async destroy(): Promise<void> {
    const connection = await this.acquireConnection();
    try {
      await (connection as SqliteWorkerConnection).close();
    } finally {
      await this.releaseConnection();
    }
  }
}
