import { Command } from "commander";
import { createThreadline } from "../../threadline.js";
import { existingDatabase, withDatabase } from "../shared-options.js";

/**
 * `threadline sweep`: finalizes `aborted` every streaming message whose writer lease expired (R18)
 * and prints how many, those finalized by its start included. Only expired leases, on SQLite too:
 * it is safe while a server runs, whose live writers renew their leases (a server's own start
 * finalizes every orphan of its SQLite file, R31). On PostgreSQL its start also takes over nodes
 * whose heartbeat is older than the node timeout (R31), counted in the same figure. A
 * `sqlite:PATH` that does not exist is an error.
 */
export function sweepCommand(): Command {
  return withDatabase(new Command("sweep"))
    .description("finalize streaming messages whose writer crashed (expired lease) as aborted")
    .action(async (options: { db: string }) => {
      const threadline = await createThreadline({
        database: existingDatabase(options.db),
        sweepIntervalMs: 2 ** 31 - 1,
        orphansAtStart: false, // a server may be writing this file: only expired leases
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
