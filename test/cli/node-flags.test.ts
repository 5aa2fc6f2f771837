/**
 * The young-generation hint of `threadline serve` (issue 9, `src/cli/node-flags.ts`): which Node
 * flags count as sizing it, and a real `serve` logging the hint only when it was not sized.
 */
import { describe, expect, it } from "vitest";
import { YOUNG_GENERATION_FLAG, youngGenerationSized } from "../../src/cli/node-flags.js";
import { BACKENDS } from "../support/backends.js";
import { startServe } from "../support/serve-process.js";

const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;

describe("youngGenerationSized", () => {
  it("finds --max-semi-space-size in the Node flags or in NODE_OPTIONS, with any value and either spelling", () => {
    expect(youngGenerationSized([YOUNG_GENERATION_FLAG], "")).toBe(true);
    expect(youngGenerationSized(["--import", "tsx", "--max-semi-space-size=32"], "")).toBe(true);
    expect(youngGenerationSized(["--max_semi_space_size", "128"], "")).toBe(true);
    expect(youngGenerationSized([], `--enable-source-maps  ${YOUNG_GENERATION_FLAG}`)).toBe(true);
  });

  it("is false without it, and not fooled by look-alike flags", () => {
    expect(youngGenerationSized([], "")).toBe(false);
    expect(youngGenerationSized(["--import", "tsx"], "--max-old-space-size=4096")).toBe(false);
    expect(youngGenerationSized(["--max-semi-space-sizes=64"], "--semi-space-size=64")).toBe(false);
  });
});

describe("threadline serve's young-generation hint [sqlite]", () => {
  const hint = (stdout: string) =>
    stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.event === "runtime:young-generation");

  it("logs one info line naming the flag when Node runs with the default young generation, none when NODE_OPTIONS sizes it", async () => {
    const plain = await startServe({
      database: await sqlite.freshDatabase({ shared: true }),
      env: { THREADLINE_LOG_LEVEL: "info", NODE_OPTIONS: "" },
    });
    expect((await plain.stop("SIGTERM")).code).toBe(0);
    expect(hint(plain.stdout)).toEqual([
      expect.objectContaining({ level: 30, flag: YOUNG_GENERATION_FLAG }),
    ]);

    const sized = await startServe({
      database: await sqlite.freshDatabase({ shared: true }),
      env: { THREADLINE_LOG_LEVEL: "info", NODE_OPTIONS: YOUNG_GENERATION_FLAG },
    });
    expect((await sized.stop("SIGTERM")).code).toBe(0);
    expect(sized.stdout).toContain(sized.url);
    expect(hint(sized.stdout)).toEqual([]);
  });
});
