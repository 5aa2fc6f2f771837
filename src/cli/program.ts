import { Command } from "commander";
import { demoCommand } from "./commands/demo.js";
import { exportCommand } from "./commands/export.js";
import { importCommand } from "./commands/import.js";
import { purgeCommand } from "./commands/purge.js";
import { replayCommand } from "./commands/replay.js";
import { serveCommand } from "./commands/serve.js";
import { sweepCommand } from "./commands/sweep.js";

/**
 * The `threadline` command line (SPEC §4): every command with its own `--help`.
 *
 * @example
 * ```ts
 * await buildProgram().parseAsync(["node", "threadline", "sweep", "--db", "sqlite:./threadline.db"]);
 * ```
 */
export function buildProgram(): Command {
  return new Command("threadline")
    .description("Threadline: a durable, live store for AI-agent conversations")
    .version("0.1.0")
    .showHelpAfterError()
    .addCommand(serveCommand())
    .addCommand(replayCommand())
    .addCommand(sweepCommand())
    .addCommand(purgeCommand())
    .addCommand(exportCommand())
    .addCommand(importCommand())
    .addCommand(demoCommand());
}
