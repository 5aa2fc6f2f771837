import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";

/**
 * The commit a benchmark ran on and whether `src/` had uncommitted changes (figures of a dirty tree
 * are not the commit's); null outside a git checkout.
 */
export function gitState(): { head: string; srcDirty: boolean } | null {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--", "src"], {
      encoding: "utf8",
    });
    return { head, srcDirty: status.trim().length > 0 };
  } catch {
    return null;
  }
}

/** The machine a benchmark ran on, for its JSON: cores, CPU model, Node and its flags, load before and after. */
export function machineInfo(loadAvgAtStart: number[]): {
  cores: number;
  cpu: string | undefined;
  node: string;
  nodeFlags: string[];
  loadAvgAtStart: number[];
  loadAvgAtEnd: number[];
} {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    nodeFlags: runtimeFlags(),
    loadAvgAtStart,
    loadAvgAtEnd: loadavg(),
  };
}

/**
 * The Node flags this process runs with (its `execArgv`, then `NODE_OPTIONS`), without the module
 * loaders (`--import`, `--require` and their values): e.g. the young-generation size `npm run
 * bench` gives (`src/cli/node-flags.ts`), printed with the figures since it changes them.
 */
export function runtimeFlags(): string[] {
  const flags: string[] = [];
  const argv = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--import" || flag === "--require" || flag === "-r") i += 1;
    else if (flag !== "" && !/^--(import|require)=/.test(flag)) flags.push(flag);
  }
  return flags;
}
