import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Command } from "commander";
import { createThreadline } from "../../threadline.js";
import { exportThreadJsonl } from "../../transfer/thread-jsonl.js";
import { existingDatabase, withDatabase, withWorkspace } from "../shared-options.js";

/**
 * `threadline export THREAD`: writes the thread and its messages as JSON Lines (SPEC §4). A
 * `sqlite:PATH` that does not exist is an error, not a fresh empty database.
 */
export function exportCommand(): Command {
  return withWorkspace(withDatabase(new Command("export")))
    .description("export a thread and its messages as JSON Lines")
    .argument("<thread>", "thread id")
    .option("-o, --out <file>", "write to FILE instead of standard output")
    .action(async (threadId: string, options: { db: string; workspace: string; out?: string }) => {
      const threadline = await createThreadline({
        database: existingDatabase(options.db),
        orphansAtStart: false, // a server may be writing this file
      });
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
      try {
        const lines = exportThreadJsonl(threadline.workspace(options.workspace), threadId);
        await pipeline(
          async function* () {
            for await (const line of lines) yield `${line}\n`;
          },
          out,
          { end: out !== process.stdout },
        );
      } finally {
        await threadline.close();
      }
    });
}
