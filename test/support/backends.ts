import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach } from "vitest";
import { ManualClock } from "../../src/clock.js";
import type { UIMessage } from "../../src/message/types.js";
import { createThreadline, type Threadline, type ThreadlineOptions } from "../../src/threadline.js";
import { DATABASE_URL } from "./database-url.js";

/** One backend a shared test body runs against (STYLE habit 14). */
export interface Backend {
  name: "sqlite" | "postgres";
  /**
   * A fresh, empty database URL: a new PostgreSQL schema, or for SQLite an in-memory database —
   * or a temporary file when `shared` (several Threadline instances, i.e. nodes, open it).
   */
  freshDatabase(options?: { shared?: boolean }): Promise<string>;
}

const schemas: string[] = [];

/** Every backend: each store test body runs once per entry. */
export const BACKENDS: readonly Backend[] = [
  {
    name: "sqlite",
    freshDatabase: async (options) => {
      if (!options?.shared) return "sqlite::memory:";
      const dir = await mkdtemp(join(tmpdir(), "threadline-test-"));
      return `sqlite:${join(dir, "threadline.db")}`;
    },
  },
  {
    name: "postgres",
    freshDatabase: async () => {
      const schema = `tl_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      schemas.push(schema);
      const url = new URL(DATABASE_URL);
      url.searchParams.set("schema", schema);
      return url.toString();
    },
  },
];

const open: Threadline[] = [];

/**
 * Opens a Threadline on a fresh database of `backend`, closed automatically after the test. A
 * {@link ManualClock} is used unless the options name a clock. `MESSAGE` types its messages.
 */
export async function openThreadline<MESSAGE extends UIMessage = UIMessage>(
  backend: Backend,
  options: Partial<ThreadlineOptions> = {},
): Promise<{ threadline: Threadline<MESSAGE>; clock: ManualClock; database: string }> {
  const clock = new ManualClock(1_700_000_000_000);
  const database = options.database ?? (await backend.freshDatabase());
  const threadline = await createThreadline<MESSAGE>({ clock, ...options, database });
  open.push(threadline);
  return { threadline, clock, database };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close().catch(() => {})));
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas.splice(0))
      await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
});
