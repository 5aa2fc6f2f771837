import { execFileSync } from "node:child_process";

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
