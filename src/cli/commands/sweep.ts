import { Command } from "commander";
import { createThreadline } from "../../threadline.js";
import { existingDatabase, withDatabase } from "../shared-options.js";

/**
 * `threadline sweep`: finalizes `aborted` every streaming message whose writer lease expired (R18)
 * — on a SQLite file every streaming message, which opening it already does (R31) — and prints
 * how many, those finalized at start included. On PostgreSQL it is safe while servers run: a live
 * writer's leases are never expired. A `sqlite:PATH` that does not exist is an error.
 */
export function sweepCommand(): Command {
  return withDatabase(new Command("sweep"))
    .description("finalize streaming messages whose writer crashed (expired lease) as aborted")
    .action(async (options: { db: string }) => {
      const threadline = await createThreadline({
        database: existingDatabase(options.db),
        sweepIntervalMs: 2 ** 31 - 1,
      });
      try {
        // createThreadline already swept once at start; sweep again for anything that expired since.
        const count = threadline.sweptAtStart + (await threadline.sweep());
        console.log(`swept ${count} message(s)`);
      } finally {
        await threadline.close();
      }
    });
}
