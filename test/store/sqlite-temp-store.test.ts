import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { closeOpenedDrivers, openOnNewFile, SQLITE_DRIVERS } from "../support/sqlite-drivers.js";

afterEach(closeOpenedDrivers);

/** Bytes this process has passed to write(2) and friends so far (every thread, Linux). */
function bytesWritten(): number {
  const match = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  if (!match) throw new Error("no wchar in /proc/self/io");
  return Number(match[1]);
}

describe.each(SQLITE_DRIVERS)("SQLite statement journals [$name] (issue 9)", ({ open }) => {
  it("a multi-row statement re-writing a transaction's pages writes nothing to disk before the commit", async () => {
    const { driver } = await openOnNewFile(open);
    await sql`create table items (id integer primary key, body text not null)`.execute(driver.db);
    // ~1 MiB of rows: far past the 64 KiB a statement journal keeps in memory by default.
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000)
      insert into items select i, printf('%.1000c', 'a') from n`.execute(driver.db);
    let duringStatement = Number.NaN;
    await driver.db.transaction().execute(async (trx) => {
      await sql`update items set body = printf('%.1000c', 'b')`.execute(trx);
      const before = bytesWritten();
      // Each of its rows can fail the NOT NULL check: SQLite journals the pages it re-dirties so
      // that the statement alone can roll back.
      await sql`update items set body = printf('%.1000c', 'c')`.execute(trx);
      duringStatement = bytesWritten() - before;
    });
    expect(duringStatement).toBeLessThan(64 * 1024);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from items where body like 'c%'`.execute(driver.db);
    expect(rows[0]?.n).toBe(1000);
  });
});
