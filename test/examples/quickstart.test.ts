import { describe, expect, it } from "vitest";
import { runQuickstart } from "../../examples/quickstart.js";

describe("README quickstart", () => {
  it("streams the recording, is followed live to message.finished, and stores a completed message", async () => {
    const lines: string[] = [];
    const { stored, seen } = await runQuickstart({
      database: "sqlite::memory:",
      log: (l) => lines.push(l),
    });
    expect(stored.status).toBe("completed");
    expect(seen[0]?.type).toBe("snapshot");
    expect(seen.at(-1)?.type).toBe("message.finished");
    expect(lines.join("\n")).toContain("status=completed");
  });
});
