/**
 * The options of the background tasks are checked before anything opens (STYLE habit 18): a bad
 * compaction (R32) or retention (R25) option is refused `bad_request` naming the field, and a batch
 * size past 10 000 rows is refused too (its ids go into one `IN (…)` list, which must stay under
 * SQLite's 32 766 bound parameters).
 */
import { describe, expect, it } from "vitest";
import { createThreadline, type ThreadlineOptions } from "../../src/threadline.js";

const BAD_SIZES = [0, -1, 1.5, Number.NaN, 10_001];

async function refused(options: Partial<ThreadlineOptions>, field: string) {
  await expect(createThreadline({ database: "sqlite::memory:", ...options })).rejects.toMatchObject(
    { code: "bad_request", message: expect.stringContaining(field) },
  );
}

describe("background task options", () => {
  it("R32: compaction.batchRows is an integer from 1 to 10 000; intervalMs positive; resumeHorizonMs not negative", async () => {
    for (const batchRows of BAD_SIZES) {
      await refused({ compaction: { batchRows } }, "compaction.batchRows");
    }
    await refused({ compaction: { intervalMs: 0 } }, "compaction.intervalMs");
    await refused({ compaction: { resumeHorizonMs: -1 } }, "compaction.resumeHorizonMs");
    const threadline = await createThreadline({
      database: "sqlite::memory:",
      compaction: { batchRows: 10_000, resumeHorizonMs: 0 },
    });
    await threadline.close();
  });

  it("R25: retention.batchRows is an integer from 2 to 10 000; intervalMs and threadTtlMs positive", async () => {
    for (const batchRows of [1, ...BAD_SIZES]) {
      await refused({ retention: { batchRows } }, "retention.batchRows");
    }
    await refused({ retention: { intervalMs: 0 } }, "retention.intervalMs");
    await refused({ retention: { threadTtlMs: 0 } }, "retention.threadTtlMs");
    const threadline = await createThreadline({
      database: "sqlite::memory:",
      retention: { batchRows: 10_000, threadTtlMs: 1 },
    });
    await threadline.close();
  });
});
