/**
 * Recordings that cannot be replayed fail with a `ThreadlineError` that names the file and says why.
 */
import { describe, expect, it } from "vitest";
import { ThreadlineError } from "../../src/errors.js";
import {
  readUiMessageStreamRecording,
  replayProviderRecording,
  replayRecording,
} from "../../src/replay/index.js";
import { collect } from "./recordings.js";

const ANTHROPIC_START =
  '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":1,"output_tokens":1}}}';
const OPENAI_CHUNK =
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}';

async function replayError(path: string, text: string): Promise<ThreadlineError> {
  const error = await collect(replayProviderRecording({ path, text })).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ThreadlineError);
  return error as ThreadlineError;
}

describe("bad provider recordings", () => {
  it("rejects an empty file", async () => {
    const error = await replayError("rec/empty.chunks.txt", "");
    expect(error.code).toBe("bad_request");
    expect(error.message).toBe(
      'Cannot replay recording "rec/empty.chunks.txt": the file is empty (no provider event)',
    );
  });

  it("rejects a file of blank lines as empty", async () => {
    const error = await replayError("rec/blank.chunks.txt", "\n  \n\r\n");
    expect(error.message).toContain("the file is empty");
  });

  it("rejects a non-JSON line, naming the file and the line", async () => {
    const error = await replayError("rec/broken.chunks.txt", `${ANTHROPIC_START}\nnot json\n`);
    expect(error.code).toBe("bad_request");
    expect(error.message).toMatch(
      /^Cannot replay recording "rec\/broken\.chunks\.txt": line 2 is not JSON \(.+\): "not json"$/,
    );
    expect(error.details).toMatchObject({ path: "rec/broken.chunks.txt", line: 2 });
  });

  it("rejects a JSON line that is not an object", async () => {
    const error = await replayError("rec/array.chunks.txt", `${ANTHROPIC_START}\n[1,2]\n`);
    expect(error.message).toContain('line 2 is not a JSON object: "[1,2]"');
  });

  it("rejects an unknown provider format", async () => {
    const error = await replayError("rec/unknown.chunks.txt", '{"foo":1}\n{"bar":2}\n');
    expect(error.code).toBe("bad_request");
    expect(error.message).toMatch(
      /^Cannot replay recording "rec\/unknown\.chunks\.txt": unknown provider format: .*\(first event: \{"foo":1\}\)$/,
    );
  });

  it("rejects a file that mixes two provider APIs", async () => {
    const error = await replayError(
      "rec/mixed.chunks.txt",
      `${OPENAI_CHUNK}\n${ANTHROPIC_START}\n`,
    );
    expect(error.message).toContain(
      "event 1 is anthropic-messages but earlier events are openai-chat",
    );
  });

  it("rejects an API no installed provider parses (Bedrock), saying why", async () => {
    const text =
      '{"messageStart":{"role":"assistant"}}\n{"messageStop":{"stopReason":"end_turn"}}\n';
    const error = await replayError("amazon-bedrock/x.chunks.txt", text);
    expect(error.message).toMatch(
      /^Cannot replay recording "amazon-bedrock\/x\.chunks\.txt": unsupported provider API bedrock-converse \(recorded from amazon-bedrock\): /,
    );
    expect(error.details).toMatchObject({ api: "bedrock-converse" });
  });

  it("sends malformed lines verbatim when asked, and the AI SDK reports them as errors", async () => {
    const text = `${OPENAI_CHUNK}\n{"truncated":\n`;
    const chunks = await collect(
      replayProviderRecording({ path: "openai/x.chunks.txt", text }, { malformedEvents: "send" }),
    );
    const types = chunks.map(({ chunk }) => chunk.type);
    expect(types).toContain("error");
    expect(types[0]).toBe("start");
  });

  it("rejects invalid pacing options", async () => {
    const file = { path: "anthropic/a.chunks.txt", text: `${ANTHROPIC_START}\n` };
    await expect(collect(replayProviderRecording(file, { speed: 0 }))).rejects.toThrow(
      "speed must be a finite number > 0, got 0",
    );
    await expect(collect(replayProviderRecording(file, { eventIntervalMs: -1 }))).rejects.toThrow(
      "eventIntervalMs must be ≥ 0, got -1",
    );
  });
});

describe("bad UI message stream recordings", () => {
  it("rejects a stream without chunks", () => {
    expect(() => readUiMessageStreamRecording("data: [DONE]\n\n", { path: "ui/x.sse" })).toThrow(
      'Cannot replay recording "ui/x.sse": no UI message stream chunk',
    );
    expect(() => readUiMessageStreamRecording("")).toThrow(ThreadlineError);
  });

  it("rejects a payload that is not JSON, naming the file and chunk", () => {
    const text = 'data: {"type":"start"}\n\ndata: {oops\n\n';
    let error: unknown;
    try {
      readUiMessageStreamRecording(text, { path: "ui/x.sse" });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ThreadlineError);
    expect((error as ThreadlineError).code).toBe("invalid_chunk");
    expect((error as ThreadlineError).message).toMatch(
      /^ui\/x\.sse: Invalid chunk at index 1: malformed JSON: /,
    );
    expect((error as ThreadlineError).details).toMatchObject({ path: "ui/x.sse", chunkIndex: 1 });
  });

  it("rejects a chunk the AI SDK schema rejects", () => {
    const text = 'data: {"type":"start"}\n\ndata: {"type":"text-delta","id":"t"}\n\n';
    expect(() => readUiMessageStreamRecording(text, { path: "ui/x.sse" })).toThrow(
      'ui/x.sse: Invalid chunk at index 1 (type "text-delta"): missing field "delta"',
    );
  });

  it("treats an SSE file whose first payload is no UI chunk as a provider recording", async () => {
    const text = `data: ${OPENAI_CHUNK}\n\ndata: [DONE]\n\n`;
    const chunks = await collect(replayRecording({ path: "openai/x.sse", text }));
    expect(chunks.map(({ chunk }) => chunk.type)).toContain("text-delta");
  });
});
