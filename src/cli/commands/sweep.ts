import { Command } from "commander";
import { createThreadline } from "../../threadline.js";
import { withDatabase } from "../shared-options.js";

/**
 * `threadline sweep`: finalizes `aborted` every streaming message whose writer lease expired (R18)
 * and prints how many. Safe while servers run: a live writer's leases are never expired.
 */
export function sweepCommand(): Command {
  return withDatabase(new Command("sweep"))
    .description("finalize streaming messages whose writer crashed (expired lease) as aborted")
    .action(async (options: { db: string }) => {
      const threadline = await createThreadline({
        database: options.db,
        sweepIntervalMs: 2 ** 31 - 1,
      });
      try {
        // createThreadline already swept once at start; sweep again for anything that expired since.
        const count = await threadline.sweep();
        console.log(`swept ${count} message(s)`);
      } finally {
        await threadline.close();
      }
    });
}
