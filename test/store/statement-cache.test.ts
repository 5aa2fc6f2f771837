import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { withStatementCache } from "../../src/store/sqlite/statement-cache.js";

describe("SQLite statement cache", () => {
  it("reuses a prepared statement per SQL text and evicts the least recently used past 256", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const db = withStatementCache(sqlite);
    const first = db.prepare("select 1 as x");
    expect(db.prepare("select 1 as x")).toBe(first);
    expect(first.all([])).toEqual([{ x: 1 }]);
    for (let i = 0; i < 255; i++) db.prepare(`select ${i + 2} as x`);
    expect(db.prepare("select 1 as x")).toBe(first); // still cached, and now most recent
    db.prepare("select 1000 as x"); // evicts the least recently used: "select 2 as x"
    const second = db.prepare("select 2 as x");
    expect(db.prepare("select 2 as x")).toBe(second);
    expect(db.prepare("select 1 as x")).toBe(first);
    db.close();
    expect(sqlite.open).toBe(false);
  });
});
