import { type Kysely, Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import * as initialSchema from "../../src/store/migrations/0001-initial-schema.js";
import { openStore } from "../../src/store/open-store.js";
import { createThreadline } from "../../src/threadline.js";
import { BACKENDS } from "../support/backends.js";
import { getInboundClaim, listRunTriggers } from "../support/inspect-store.js";
import { userText } from "./support.js";

for (const backend of BACKENDS) {
  describe(`migration 0002 [${backend.name}]`, () => {
    it("R27: a database at migration 0001 with data upgrades in place to 0002 (R21–R25 columns and indexes)", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const store = await openStore(database, "old-node");
      const internals = store as unknown as { driver: { db: Kysely<unknown>; schema?: string } };
      const { db, schema } = internals.driver;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => ({ "0001-initial-schema": initialSchema }) },
        ...(schema ? { migrationTableSchema: schema } : {}),
        migrationTableName: "threadline_migrations",
        migrationLockTableName: "threadline_migrations_lock",
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      await sql`insert into threads (workspace_id, id, head_seq, created_at, updated_at)
        values ('default', 'old-thread', 0, 1, 1)`.execute(db);
      await store.close();

      const threadline = await createThreadline({ database });
      try {
        await threadline.messages.append("old-thread", userText("after the upgrade"), {
          idempotencyKey: "k",
        });
        const [trigger] = await listRunTriggers(threadline.store, "default", "old-thread");
        expect(trigger).toMatchObject({
          forceFresh: false,
          attempts: 0,
          armedBy: expect.any(String),
        });
        expect(await getInboundClaim(threadline.store, "default", "k")).toMatchObject({
          status: "processed",
        });
      } finally {
        await threadline.close();
      }
    });
  });
}
