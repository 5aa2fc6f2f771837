import { Command } from "commander";
import type { PurgedThread, ThreadPurgeReport } from "../../lifecycle/thread-purger.js";
import { createThreadline } from "../../threadline.js";
import { parseDuration } from "../parse-duration.js";
import { existingDatabase, withDatabase } from "../shared-options.js";

/** The parsed flags of `threadline purge`. */
export interface PurgeOptions {
  db: string;
  /** `--older-than`: the age of a thread's last update past which it goes, ms. */
  olderThan: number;
  /** `--workspace`: only this workspace's threads (default every workspace's). */
  workspace?: string;
  /** `--dry-run`: list, delete nothing. */
  dryRun?: boolean;
}

/**
 * `threadline purge --older-than 90d [--db URL] [--workspace ID] [--dry-run]` (R25, issue 8 item
 * 2): deletes every thread whose last update (its newest event) is older than the given age, one
 * line per thread, then a summary. Each thread goes as `DELETE /v1/threads/:id` does (R20): one
 * short transaction takes it away, then its rows go in transactions of at most 1 000 rows; a
 * thread written to after it was listed is kept. Safe while a server runs: on PostgreSQL its
 * viewers get `thread.deleted` at once; on SQLite (no notifications between processes) a live
 * viewer of a purged thread learns it when it reconnects (404), a writer on its next write
 * (`message_finalized`). A `sqlite:PATH` that does not exist is an error.
 */
export function purgeCommand(): Command {
  return withDatabase(new Command("purge"))
    .description("delete threads whose last update is older than a given age")
    .requiredOption(
      "--older-than <age>",
      "age of the last update, e.g. 90d, 12h, 30m",
      parseDuration("--older-than"),
    )
    .option("--workspace <id>", "only this workspace's threads (default: every workspace)")
    .option("--dry-run", "list the threads that would be deleted; delete nothing")
    .action(async (options: PurgeOptions) => {
      const threadline = await createThreadline({
        database: existingDatabase(options.db),
        orphansAtStart: false, // a server may be writing this file
        compaction: false,
      });
      try {
        const report = await threadline.retention.purge({
          olderThanMs: options.olderThan,
          ...(options.workspace === undefined ? {} : { workspaceId: options.workspace }),
          dryRun: options.dryRun ?? false,
        });
        for (const line of purgeLines(report)) console.log(line);
      } finally {
        await threadline.close();
      }
    });
}

/** The lines `threadline purge` prints for a report: one per thread, then a summary. */
export function purgeLines(report: ThreadPurgeReport): string[] {
  const verb = report.dryRun ? "would delete" : "deleted";
  const cutoff = new Date(report.cutoff).toISOString();
  const summary = report.dryRun
    ? `would delete ${report.threads.length} thread(s) last updated before ${cutoff} (dry run: nothing deleted)`
    : `deleted ${report.threads.length} thread(s) last updated before ${cutoff}: ${report.rows} row(s) in ${report.batches} batch(es)` +
      (report.kept > 0 ? `; ${report.kept} kept (written to meanwhile)` : "");
  return [...report.threads.map((thread) => `${verb} ${describe(thread)}`), summary];
}

function describe(thread: PurgedThread): string {
  const title = thread.title === null ? "" : ` ${JSON.stringify(thread.title)}`;
  return `${thread.workspaceId}/${thread.threadId}${title} (last update ${new Date(thread.updatedAt).toISOString()})`;
}
