import { describe, expect, it } from "vitest";
import { loadDemoRecordings } from "../../src/demo/demo-recordings.js";
import { formatDemoTable } from "../../src/demo/demo-report.js";
import { runDemo } from "../../src/demo/run-demo.js";

describe("npm run demo (the main job)", () => {
  it("replays the shipped samples and real fixtures live over HTTP; every stored message equals the AI SDK's", async () => {
    const { files } = await loadDemoRecordings([
      "examples/recordings/openai/haiku.chunks.txt",
      "examples/recordings/weather-tool.sse",
      "../shared/fixtures/anthropic/anthropic-text.chunks.txt",
      "../shared/fixtures/ui-message-stream/createuimessagestream-data-metadata-error.sse",
      "../shared/fixtures/ui-message-stream/streamtext-aborted-midstream.sse",
    ]);
    const { results, server } = await runDemo({ database: "sqlite::memory:", files, speed: 20 });
    try {
      expect(results.map((r) => [r.status, r.matches])).toEqual([
        ["completed", true],
        ["completed", true],
        ["completed", true],
        ["error", true],
        ["aborted", true],
      ]);
      for (const r of results) expect(r.events).toBeGreaterThan(0);
      expect(formatDemoTable(results)).toContain("matches AI SDK");
    } finally {
      await server.close();
    }
  });
});
