/**
 * What the two baseline strategies share: a one-table database over the same Kysely dialects and
 * settings as Threadline (SQLite: WAL, `synchronous=NORMAL`, one connection; PostgreSQL: a pool of
 * 10 in the benchmark's schema), and an in-process channel that plays the subscriber's side.
 */
import { randomUUID } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { BackendTarget, DeliveryListener } from "./strategy.js";

/** The baselines' only table: a message and its whole parts JSON. */
export interface BaselineDatabase {
  messages: { id: string; parts: string; updated_at: number };
}

/** Pool size, as Threadline's PostgreSQL default. */
const PG_POOL_SIZE = 10;

/**
 * Opens the baseline database on `target` and creates `messages(id, parts, updated_at)` if missing.
 */
export async function openBaselineDb(target: BackendTarget): Promise<Kysely<BaselineDatabase>> {
  let db: Kysely<BaselineDatabase>;
  if (target.name === "sqlite") {
    const sqlite = new BetterSqlite3(target.path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const admin = new pg.Client({ connectionString: target.connectionString });
    await admin.connect();
    await admin.query(`create schema if not exists "${target.schema}"`);
    await admin.end();
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: PG_POOL_SIZE,
      options: `-c search_path=${target.schema}`,
    });
    db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  }
  await db.schema
    .createTable("messages")
    .ifNotExists()
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("parts", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  return db;
}

/** Inserts an empty streaming assistant message and returns its id (one commit). */
export async function insertMessage(db: Kysely<BaselineDatabase>, parts: string): Promise<string> {
  const id = randomUUID();
  await db.insertInto("messages").values({ id, parts, updated_at: Date.now() }).execute();
  return id;
}

/** A message state as the baselines publish it after a commit. */
export interface PublishedMessage {
  id: string;
  text: string;
}

/**
 * An unbounded in-process channel with one async consumer: the baselines' "publish after commit"
 * and the subscriber loop that reads it, like Threadline's `subscribe` is read.
 */
export class MessageChannel {
  private items: PublishedMessage[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(onDelivery: DeliveryListener) {
    this.loop = this.consume(onDelivery);
  }

  /** Publishes a committed message state. */
  publish(message: PublishedMessage): void {
    this.items.push(message);
    this.wake?.();
  }

  /** Stops the consumer once it has drained the queue. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.loop;
  }

  private async consume(onDelivery: DeliveryListener): Promise<void> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        onDelivery(item.id, item.text.length);
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
