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

/** The machine a benchmark ran on, for its JSON: cores, CPU model, Node, load before and after. */
export function machineInfo(loadAvgAtStart: number[]): {
  cores: number;
  cpu: string | undefined;
  node: string;
  loadAvgAtStart: number[];
  loadAvgAtEnd: number[];
} {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    loadAvgAtStart,
    loadAvgAtEnd: loadavg(),
  };
}
