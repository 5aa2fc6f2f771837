import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgresKysely } from "../../src/store/postgres/postgres-dialect.js";
import {
  announceCommits,
  channelFor,
  listenForCommits,
} from "../../src/store/postgres/postgres-notify.js";
import type { RemoteCommit } from "../../src/store/store.js";
import { DATABASE_URL } from "../support/database-url.js";

describe("commit announcements packed into few notifications (R26, PostgreSQL)", () => {
  it("R26: a commit of 300 threads with long ids reaches another node whole, in a few notifications; the sender ignores its own", async () => {
    const schema = `notify_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const settings = { connectionString: DATABASE_URL, schema };
    const channel = channelFor(schema);
    const received: RemoteCommit[] = [];
    const own: RemoteCommit[] = [];
    const handlers = (into: RemoteCommit[]) => ({
      onCommit: (commit: RemoteCommit) => into.push(commit),
      onStop: () => {},
      onListenLost: () => {},
      onListenRestored: () => {},
    });
    const stopOther = await listenForCommits(settings, channel, "node-b", handlers(received));
    const stopSelf = await listenForCommits(settings, channel, "node-a", handlers(own));
    const { db } = openPostgresKysely({ connectionString: DATABASE_URL });
    // A plain listener counts the notifications themselves.
    const raw = new pg.Client({ connectionString: DATABASE_URL });
    await raw.connect();
    await raw.query(`listen "${channel}"`);
    const notifications: string[] = [];
    raw.on("notification", (message) => notifications.push(message.payload ?? ""));
    try {
      const commits: RemoteCommit[] = Array.from({ length: 300 }, (_, i) => ({
        workspaceId: `workspace-${i % 3}`,
        threadId: `thread-${i}-${"x".repeat(40)}-\u00e9\u{1F600}"quoted"`,
        seq: 1_000 + i,
        ...(i % 50 === 0 ? { deleted: true } : {}),
      }));
      await db.transaction().execute((trx) => announceCommits(trx, channel, "node-a", commits));
      // Until both listeners heard every commit: the plain one may get its notifications later
      // than node-b (it used to stop waiting after its first, failing "> 1" now and then).
      const heardRaw = () =>
        notifications.reduce(
          (sum, payload) => sum + (JSON.parse(payload) as { c: [] }).c.length,
          0,
        );
      const deadline = Date.now() + 5_000;
      while (
        (received.length < commits.length || heardRaw() < commits.length) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(received).toEqual(commits);
      expect(own).toEqual([]);
      expect(notifications.length).toBeGreaterThan(1);
      expect(notifications.length).toBeLessThan(10);
      for (const payload of notifications) expect(payload.length).toBeLessThanOrEqual(7_000);
    } finally {
      await Promise.all([stopOther(), stopSelf(), raw.end()]);
      await db.destroy();
    }
  });
});
