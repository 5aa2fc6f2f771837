/**
 * Every recording in ../shared/fixtures: how it is classified, and that each supported one replays
 * through the real AI SDK into a well-formed UI message stream.
 */
import { describe, expect, it } from "vitest";
import { createFoldState, foldChunks } from "../../src/message/index.js";
import {
  aiSdkFinalMessage,
  listRecordings,
  type ProviderRecordingEntry,
  type RecordedChunk,
  type RecordingEntry,
  replayRecording,
} from "../../src/replay/index.js";
import { chunksOf, collect, readRecording, SHARED_FIXTURES } from "./recordings.js";

// The legacy Completions model warns that it ignores `toolChoice`; the warning is not under test.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const ENTRIES: RecordingEntry[] = await listRecordings(SHARED_FIXTURES, {
  malformedEvents: "send",
});
const PROVIDER_ENTRIES = ENTRIES.filter(
  (entry): entry is ProviderRecordingEntry => entry.kind === "provider",
);

/** Replays of every supported recording, shared by the tests below. */
const REPLAYS = new Map<string, RecordedChunk[]>();
async function replayOf(entry: RecordingEntry): Promise<RecordedChunk[]> {
  let chunks = REPLAYS.get(entry.relativePath);
  if (!chunks) {
    chunks = await collect(
      replayRecording(readRecording(entry.relativePath), { malformedEvents: "send" }),
    );
    REPLAYS.set(entry.relativePath, chunks);
  }
  return chunks;
}

function relativePaths(entries: readonly RecordingEntry[]): string[] {
  return entries.map(({ relativePath }) => relativePath);
}

describe("listRecordings(../shared/fixtures)", () => {
  it("finds the 67 provider recordings (63 replayable) and 11 UI message streams", () => {
    expect(ENTRIES.filter(({ kind }) => kind === "ui-message-stream")).toHaveLength(11);
    expect(ENTRIES.filter(({ kind }) => kind !== "ui-message-stream")).toHaveLength(67);
    expect(PROVIDER_ENTRIES).toHaveLength(63);
  });

  it("supports every provider recording except the four Bedrock ones", () => {
    const unsupported = ENTRIES.filter(({ kind }) => kind === "unsupported");
    expect(relativePaths(unsupported)).toStrictEqual([
      "amazon-bedrock/amazon-bedrock-reasoning.chunks.txt",
      "amazon-bedrock/amazon-bedrock-text.chunks.txt",
      "amazon-bedrock/amazon-bedrock-tool-call.1.chunks.txt",
      "amazon-bedrock/amazon-bedrock-tool-no-args.chunks.txt",
    ]);
    for (const entry of unsupported) {
      expect(entry).toMatchObject({
        reason: expect.stringContaining("unsupported provider API bedrock-converse"),
      });
    }
  });

  it("counts the supported recordings per provider", () => {
    const counts: Record<string, number> = {};
    for (const { provider } of PROVIDER_ENTRIES) {
      counts[provider ?? "?"] = (counts[provider ?? "?"] ?? 0) + 1;
    }
    expect(counts).toStrictEqual({
      alibaba: 1,
      anthropic: 14,
      azure: 3,
      cerebras: 1,
      cohere: 4,
      deepseek: 2,
      google: 11,
      groq: 1,
      mistral: 4,
      moonshotai: 1,
      "open-responses": 1,
      "openai-compatible": 2,
      openai: 14,
      perplexity: 1,
      xai: 3,
    });
  });

  it("replays through a generic adapter only the providers whose own package is not used", () => {
    const generic = PROVIDER_ENTRIES.filter(({ match }) => match === "generic").map(
      ({ relativePath, adapter }) => `${relativePath} → ${adapter}`,
    );
    expect(generic).toStrictEqual([
      "alibaba/alibaba-tool-call.chunks.txt → openai-compatible.chat",
      "azure/azure-reasoning-encrypted-content.1.chunks.txt → openai.responses",
      "azure/azure-text.1.chunks.txt → openai.responses",
      "azure/azure-tool-call.1.chunks.txt → openai.responses",
      "cerebras/cererebras-structured-output-tools.1.chunks.txt → openai-compatible.chat",
      "moonshotai/moonshotai-stream.chunks.txt → openai-compatible.chat",
      "open-responses/lmstudio-tool-call.1.chunks.txt → openai.responses",
      "perplexity/perplexity-citations.chunks.txt → openai-compatible.chat",
      "xai/xai-text.chunks.txt → openai-compatible.chat",
      "xai/xai-tool-call.chunks.txt → openai-compatible.chat",
    ]);
  });

  it("sends the malformed events of vercel/ai's parallel-tool-call-wrapper fixture verbatim", () => {
    const malformed = PROVIDER_ENTRIES.filter(({ malformedEvents }) => malformedEvents.length > 0);
    expect(relativePaths(malformed)).toStrictEqual([
      "openai/parallel-tool-call-wrapper.1.chunks.txt",
    ]);
    expect(malformed[0]?.malformedEvents.map((event) => event.split(":")[0])).toStrictEqual([
      "line 1",
      "line 6",
    ]);
  });

  it("lists a malformed recording as unsupported by default, naming the line", async () => {
    const strict = await listRecordings(`${SHARED_FIXTURES}/openai`);
    const entry = strict.find(({ relativePath }) => relativePath.startsWith("parallel-tool"));
    expect(entry).toMatchObject({
      kind: "unsupported",
      reason: expect.stringMatching(
        /parallel-tool-call-wrapper\.1\.chunks\.txt": line 1 is not JSON/,
      ),
    });
  });
});

describe("replay of every supported recording", () => {
  for (const entry of ENTRIES.filter(({ kind }) => kind !== "unsupported")) {
    it(`${entry.relativePath}: starts with start and ends with finish or error`, async () => {
      const types = chunksOf(await replayOf(entry)).map(({ type }) => type);
      expect(types[0]).toBe("start");
      expect(["finish", "error", "abort"]).toContain(types.at(-1));
    });
  }

  it("ends in error exactly for the recordings of a failed request", async () => {
    const endsInError: string[] = [];
    for (const entry of ENTRIES.filter(({ kind }) => kind !== "unsupported")) {
      if (chunksOf(await replayOf(entry)).at(-1)?.type === "error") {
        endsInError.push(entry.relativePath);
      }
    }
    expect(endsInError).toStrictEqual([
      "openai/openai-error.1.chunks.txt",
      "ui-message-stream/createuimessagestream-data-metadata-error.sse",
      "ui-message-stream/from-openai--openai-error.1.sse",
    ]);
  });

  it("reports mid-stream errors, then finishes, for the two broken provider streams", async () => {
    const withErrors: string[] = [];
    for (const entry of PROVIDER_ENTRIES) {
      const chunks = chunksOf(await replayOf(entry));
      if (chunks.some(({ type }) => type === "error") && chunks.at(-1)?.type === "finish") {
        expect(chunks.at(-1)).toStrictEqual({ type: "finish", finishReason: "error" });
        withErrors.push(entry.relativePath);
      }
    }
    expect(withErrors).toStrictEqual([
      "anthropic/spliced-message-start.chunks.txt",
      "openai/parallel-tool-call-wrapper.1.chunks.txt",
    ]);
  });

  it("gives streams the AI SDK reads to the end, and Threadline folds into the same message", async () => {
    for (const entry of ENTRIES.filter(({ kind }) => kind !== "unsupported")) {
      const chunks = chunksOf(await replayOf(entry));
      const ai = await aiSdkFinalMessage(chunks);
      expect(ai.completed, entry.relativePath).toBe(true);
      const folded = foldChunks(createFoldState({ id: "", role: "assistant", parts: [] }), chunks);
      expect(JSON.parse(JSON.stringify(folded.message)), entry.relativePath).toStrictEqual(
        ai.message,
      );
    }
  });

  it("declares the tools the model called, so tool calls end as input-available", async () => {
    const file = "openai/openai-local-shell-tool.1.chunks.txt";
    const chunks = chunksOf(await replayOf({ relativePath: file } as RecordingEntry));
    const call = chunks.find(({ type }) => type.startsWith("tool-input"));
    expect(call).toMatchObject({ type: "tool-input-available", toolName: "local_shell" });
    expect(call).not.toHaveProperty("dynamic");
  });
});
