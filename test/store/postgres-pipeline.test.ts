import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresKysely } from "../../src/store/postgres/postgres-dialect.js";
import { executeBatch, executePipelined } from "../../src/store/queries/batch.js";
import type { Database } from "../../src/store/schema.js";
import { DATABASE_URL } from "../support/database-url.js";

/**
 * The PostgreSQL driver pipelines (issue 9): statements whose results nobody reads are held and
 * sent with the next statement that is waited for, so a writer tick is two writes and two round
 * trips. What must hold whatever the pipelining (R5, R10): a failed statement fails its
 * transaction with its own error and nothing of it commits.
 */
describe("pipelined PostgreSQL statements (R5, R10, issue 9)", () => {
  const schema = `pipeline_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  let db: Kysely<Database>;
  // Untyped: the test's own table.
  const raw = (text: string) => sql.raw(text);

  beforeAll(async () => {
    // One connection: every transaction reuses the client the one before left.
    ({ db } = openPostgresKysely({ connectionString: DATABASE_URL, schema, maxConnections: 1 }));
    await sql`create schema ${sql.id(schema)}`.execute(db);
    await raw("create table items (id int primary key, label text not null)").execute(db);
  });

  afterAll(async () => {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(db);
    await db.destroy();
  });

  const insert = (trx: Kysely<Database>, id: number, label = `item ${id}`) =>
    sql`insert into items (id, label) values (${id}, ${label})`.compile(trx);
  const count = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from items`.execute(db)).rows[0]?.n;

  it("R5: a held write that fails is reported by the next read with its own error (not 'transaction is aborted'), and nothing of the transaction commits", async () => {
    await raw("truncate items").execute(db);
    await raw("insert into items values (1, 'committed before')").execute(db);
    const failure = db.transaction().execute(async (trx) => {
      await executePipelined(trx, [insert(trx, 2), insert(trx, 1), insert(trx, 3)]);
      await raw("select 1").execute(trx);
    });
    await expect(failure).rejects.toMatchObject({ code: "23505" }); // unique_violation
    expect(await count()).toBe(1);
  });

  it("R5: a held write that fails fails the COMMIT it was sent with (PostgreSQL answers that COMMIT with ROLLBACK, not an error)", async () => {
    await raw("truncate items").execute(db);
    await raw("insert into items values (1, 'committed before')").execute(db);
    const failure = db.transaction().execute(async (trx) => {
      await executePipelined(trx, [insert(trx, 2), insert(trx, 1)]);
    });
    await expect(failure).rejects.toMatchObject({ code: "23505" });
    expect(await count()).toBe(1);
    // The connection (the pool's only one) is clean for the next transaction.
    await db.transaction().execute(async (trx) => {
      await executePipelined(trx, [insert(trx, 5), insert(trx, 6)]);
    });
    expect(await count()).toBe(3);
  });

  it("a first statement that fails, sent with the held BEGIN, reports its own error", async () => {
    const failure = db.transaction().execute(async (trx) => {
      await raw("set local statement_timeout = 'not a duration'").execute(trx);
    });
    await expect(failure).rejects.toMatchObject({ code: "22023" }); // invalid_parameter_value
    await expect(raw("select 1 as one").execute(db)).resolves.toMatchObject({
      rows: [{ one: 1 }],
    });
  });

  it("results come back in order, each statement its own, with held statements before them", async () => {
    await raw("truncate items").execute(db);
    await db.transaction().execute(async (trx) => {
      await executePipelined(trx, [insert(trx, 1, "one"), insert(trx, 2, "two")]);
      const results = await executeBatch(trx, [
        sql`select label from items where id = ${2}`.compile(trx),
        sql`select label from items where id = ${1}`.compile(trx),
        insert(trx, 3),
      ]);
      expect(results.map((r) => r.rows)).toEqual([[{ label: "two" }], [{ label: "one" }], []]);
      expect(results[2]?.numAffectedRows).toBe(1n);
      const single = await sql<{ n: number }>`select count(*)::int as n from items`.execute(trx);
      expect(single.rows).toEqual([{ n: 3 }]);
    });
    expect(await count()).toBe(3);
  });

  it("held statements reach the server only with the next statement waited for", async () => {
    const key = Math.floor(Math.random() * 1_000_000_000);
    const observer = new pg.Client({ connectionString: DATABASE_URL });
    await observer.connect();
    const held = async () =>
      (
        await observer.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1",
          [key],
        )
      ).rows[0].n as number;
    try {
      await db.transaction().execute(async (trx) => {
        // A session-level advisory lock shows in pg_locks at once, committed or not.
        await executePipelined(trx, [sql`select pg_advisory_lock(${key})`.compile(trx)]);
        expect(await held()).toBe(0);
        await raw("select 1").execute(trx);
        expect(await held()).toBe(1);
        await sql`select pg_advisory_unlock(${key})`.execute(trx);
      });
    } finally {
      await observer.end();
    }
  });

  it("outside a transaction nothing is held: a pipelined write is done when the call returns, and a batch stops at its first failure", async () => {
    await raw("truncate items").execute(db);
    await executePipelined(db, [insert(db, 7)]);
    expect(await count()).toBe(1);
    await expect(executePipelined(db, [insert(db, 7)])).rejects.toMatchObject({ code: "23505" });
    // Each statement commits on its own out there: a failure stops the ones after it.
    await expect(
      executeBatch(db, [insert(db, 8), insert(db, 7), insert(db, 9)]),
    ).rejects.toMatchObject({
      code: "23505",
    });
    expect(await count()).toBe(2);
  });

  it("a transaction that throws after held statements rolls them back, and the connection serves the next one", async () => {
    await raw("truncate items").execute(db);
    for (let round = 0; round < 5; round += 1) {
      const thrown = db.transaction().execute(async (trx) => {
        await executePipelined(trx, [insert(trx, 10 + round)]);
        throw new Error(`caller failure ${round}`);
      });
      await expect(thrown).rejects.toThrow(`caller failure ${round}`);
    }
    expect(await count()).toBe(0);
    await db.transaction().execute(async (trx) => {
      await executePipelined(trx, [insert(trx, 1)]);
    });
    expect(await count()).toBe(1);
  });
});
