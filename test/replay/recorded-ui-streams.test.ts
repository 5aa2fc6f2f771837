/**
 * Replaying a provider recording yields the UI message stream the real AI SDK produced for it:
 * `ui-message-stream/from-<provider>--<fixture>.sse` was recorded by replaying
 * `<provider>/<fixture>.chunks.txt` through the provider adapter, `streamText` and
 * `toUIMessageStream`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  aiSdkFinalMessage,
  readUiMessageStreamRecording,
  replayProviderRecording,
} from "../../src/replay/index.js";
import {
  chunksOf,
  collect,
  normalizeReplayChunks,
  readRecording,
  SHARED_FIXTURES,
} from "./recordings.js";

const GOLDENS = readdirSync(join(SHARED_FIXTURES, "ui-message-stream"))
  .map((name) => /^from-(.+?)--(.+)\.sse$/.exec(name))
  .filter((match) => match !== null)
  .map(([name, provider, fixture]) => ({
    golden: `ui-message-stream/${name}`,
    recording: `${provider}/${fixture}.chunks.txt`,
  }))
  .sort((a, b) => a.golden.localeCompare(b.golden));

describe("replay of the provider recordings behind the recorded UI streams", () => {
  it("finds the eight recorded from-<provider>--<fixture>.sse streams", () => {
    expect(GOLDENS.map(({ recording }) => recording)).toStrictEqual([
      "anthropic/anthropic-clear-thinking.1.chunks.txt",
      "anthropic/anthropic-text.chunks.txt",
      "anthropic/anthropic-tool-no-args.chunks.txt",
      "google/google-reasoning.chunks.txt",
      "google/google-tool-call.chunks.txt",
      "openai/openai-error.1.chunks.txt",
      "openai/openai-reasoning-encrypted-content.1.chunks.txt",
      "openai/openai-text.chunks.txt",
    ]);
  });

  for (const { golden, recording } of GOLDENS) {
    describe(recording, () => {
      it("yields the recorded UI chunks (generated ids and the errorText label normalized)", async () => {
        const file = readRecording(recording);
        const expected = chunksOf(readUiMessageStreamRecording(readRecording(golden).text));
        const actual = chunksOf(await collect(replayProviderRecording(file)));
        expect(normalizeReplayChunks(actual, file.text)).toStrictEqual(
          normalizeReplayChunks(expected, file.text),
        );
      });

      it("gives the same AI SDK message as the recorded UI stream", async () => {
        const file = readRecording(recording);
        const expected = readUiMessageStreamRecording(readRecording(golden).text);
        const actual = await collect(replayProviderRecording(file));
        const [ours, recorded] = await Promise.all([
          aiSdkFinalMessage(normalizeReplayChunks(chunksOf(actual), file.text)),
          aiSdkFinalMessage(normalizeReplayChunks(chunksOf(expected), file.text)),
        ]);
        expect(ours).toStrictEqual(recorded);
        expect(ours.completed).toBe(true);
      });
    });
  }

  it("uses the message id of the recorded streams: msg-<file name without step number>", async () => {
    const chunks = await collect(
      replayProviderRecording(readRecording("openai/openai-error.1.chunks.txt")),
    );
    expect(chunks[0]?.chunk).toStrictEqual({ type: "start", messageId: "msg-openai-error" });
  });

  it("needs no normalization for recordings without generated ids or errors", async () => {
    const file = readRecording("anthropic/anthropic-tool-no-args.chunks.txt");
    const golden = readRecording("ui-message-stream/from-anthropic--anthropic-tool-no-args.sse");
    const actual = chunksOf(await collect(replayProviderRecording(file)));
    expect(actual).toStrictEqual(chunksOf(readUiMessageStreamRecording(golden.text)));
  });
});
