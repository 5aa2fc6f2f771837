import { type ServeOptions, serveCommand } from "../../src/cli/commands/serve.js";

/**
 * Parses `threadline serve` flags (and the `THREADLINE_*` variables of `process.env`) the way the
 * CLI does, without serving: resolves the options its action would get.
 * @throws the commander error of a bad flag or value (exit overridden, nothing printed).
 */
export function parseServeFlags(args: string[]): ServeOptions {
  const command = serveCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  let parsed: ServeOptions | undefined;
  command.action((options: ServeOptions) => {
    parsed = options;
  });
  command.parse(args, { from: "user" });
  if (!parsed) throw new Error("the action did not run");
  return parsed;
}
