import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import {
  bigintColumn,
  booleanColumn,
  type DelimitedColumn,
  textColumn,
} from "../../src/store/postgres/delimited-columns.js";
import { openPostgresKysely } from "../../src/store/postgres/postgres-dialect.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { DATABASE_URL } from "../support/database-url.js";
import { logOf, textOf } from "../support/helpers.js";

/** Values that break a naive delimiter or an array literal: delimiters, quotes, braces, NULL. */
const AWKWARD = [
  "plain",
  "line\nbreak",
  "\u001e",
  "\u0001",
  "two\u001e\u001eseparators\n",
  '"quoted", {braced}, back\\slash',
  "NULL",
  "é😀",
  " padded ",
];

describe("columns sent as one delimited text (issue 9, PostgreSQL)", () => {
  const { db } = openPostgresKysely({ connectionString: DATABASE_URL });
  afterAll(() => db.destroy());

  /** What PostgreSQL reads back from `column`, in order. */
  async function readBack(column: DelimitedColumn, type: string): Promise<unknown[]> {
    const { rows } = await sql<{ value: unknown }>`
      select value::text from unnest(${column.sql}::${sql.raw(type)}[]) with ordinality
        as v(value, n) order by n`.execute(db);
    return rows.map((row) => row.value);
  }

  it("reads back every text value whole — newlines, record separators, quotes — and null as NULL", async () => {
    const values = [...AWKWARD, null, "last"];
    expect(await readBack(textColumn(values), "text")).toEqual(values);
    // A character no value holds: U+0002 here, a newline (the cheap case) when none holds one.
    expect(textColumn(values).parameters[1]).toBe("\u0002");
    expect(textColumn(["\u0001\n", "\u0003"]).parameters[1]).toBe("\u0002");
    expect(textColumn(["a", "b"]).parameters).toEqual(["a\nb", "\n"]);
  });

  it("a column of one null reads back empty on its own, and as NULL beside a column of one value (unnest pads it)", async () => {
    expect(await readBack(textColumn([null]), "text")).toEqual([]);
    const padded = await sql<{ a: string | null; b: string | null }>`
      select a, b from unnest(${textColumn(["x"]).sql}, ${textColumn([null]).sql}) as v(a, b)`.execute(
      db,
    );
    expect(padded.rows).toEqual([{ a: "x", b: null }]);
  });

  it("refuses an empty string, which would read back as NULL", () => {
    expect(() => textColumn(["a", ""])).toThrow(/empty string/);
  });

  it("reads back bigints (negative, up to 2^53 - 1, null) and booleans", async () => {
    const numbers = [0, -3, 2 ** 53 - 1, null, 42];
    expect(await readBack(bigintColumn(numbers), "bigint")).toEqual(
      numbers.map((n) => (n === null ? null : String(n))),
    );
    expect(await readBack(booleanColumn([true, false, true]), "boolean")).toEqual([
      "true",
      "false",
      "true",
    ]);
  });
});

for (const backend of BACKENDS) {
  describe(`a tick with awkward ids [${backend.name}] (issue 9)`, () => {
    it("streams a message in workspaces and threads whose ids hold newlines, separators and quotes: dense seqs, whole text (R1, R5)", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 33 });
      const writers = [];
      for (const [i, id] of AWKWARD.entries()) {
        const workspace = threadline.workspace(`ws ${id}`);
        const thread = await workspace.threads.create({ id: `thread ${id} ${i}` });
        const writer = await workspace.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        writers.push({ workspaceId: `ws ${id}`, threadId: thread.id, writer });
      }
      for (let round = 0; round < 3; round++) {
        for (const { writer } of writers)
          await writer.write({ type: "text-delta", id: "t", delta: `${round}` });
        clock.advance(33);
        await threadline.idle();
      }
      for (const { workspaceId, threadId, writer } of writers) {
        const log = await logOf(threadline.store, workspaceId, threadId);
        expect(log.map((event) => event.seq)).toEqual(log.map((_, i) => i + 1));
        expect(log.filter((event) => event.type === "message.delta")).toHaveLength(4);
        const stored = await threadline.store.getMessage(workspaceId, writer.id);
        expect(textOf(stored ?? { parts: [] })).toBe("012");
      }
    });
  });
}
