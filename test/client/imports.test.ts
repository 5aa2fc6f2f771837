import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** Every module the client entry point reaches, following relative imports. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const root = resolve(entry);
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
      const specifier = match[1] ?? "";
      if (specifier.startsWith("."))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  };
  visit(root);
  return {
    files: [...files].map((f) => f.slice(resolve("src").length + 1)),
    packages: [...packages],
  };
}

describe("threadline/client", () => {
  it("imports only the bottom layer and browser-safe packages (STYLE habit 3)", () => {
    const { files, packages } = importGraph("src/client/index.ts");
    const layers = new Set(files.map((f) => f.split("/")[0]));
    expect([...layers].sort()).toEqual(["client", "errors.ts", "message", "protocol"]);
    expect(packages.filter((p) => p.startsWith("node:"))).toEqual([]);
    expect(packages.sort()).toEqual(["eventsource-parser/stream"]);
  });
});
