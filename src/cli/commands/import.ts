import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { Command } from "commander";
import { createThreadline } from "../../threadline.js";
import { importThreadJsonl } from "../../transfer/thread-jsonl.js";
import { withDatabase, withWorkspace } from "../shared-options.js";

/** `threadline import [FILE]`: recreates an exported thread (SPEC §4). */
export function importCommand(): Command {
  return withWorkspace(withDatabase(new Command("import")))
    .description("import a thread exported with `threadline export` (JSON Lines)")
    .argument("[file]", "the export file (default: standard input)")
    .option("--thread-id <id>", "store the thread under this id instead of the exported one")
    .action(
      async (
        file: string | undefined,
        options: { db: string; workspace: string; threadId?: string },
      ) => {
        const threadline = await createThreadline({
          database: options.db,
          orphansAtStart: false, // a server may be writing this file
        });
        try {
          const input = file ? createReadStream(file) : process.stdin;
          const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
          const { thread, messages } = await importThreadJsonl(
            threadline.workspace(options.workspace),
            lines,
            {
              ...(options.threadId ? { threadId: options.threadId } : {}),
              now: Date.now(),
            },
          );
          console.log(`imported thread ${thread.id} with ${messages} message(s)`);
        } finally {
          await threadline.close();
        }
      },
    );
}
