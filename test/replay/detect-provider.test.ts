/**
 * Choosing how to replay a recording: wire API from content, provider from path, adapter from both;
 * and the fetch that serves the recording.
 */
import { describe, expect, it } from "vitest";
import {
  chooseAdapter,
  createReplayFetch,
  defaultMessageId,
  detectProviderApi,
  PROVIDER_ADAPTERS,
  type ProviderApi,
  recordingKindOf,
} from "../../src/replay/index.js";

describe("detectProviderApi", () => {
  const cases: Array<[string, Record<string, unknown>, ProviderApi]> = [
    ["chat chunk", { object: "chat.completion.chunk", choices: [] }, "openai-chat"],
    ["chat without object", { choices: [{ index: 0, delta: { content: "x" } }] }, "openai-chat"],
    [
      "legacy completion",
      { object: "text_completion", choices: [{ text: "x" }] },
      "openai-completion",
    ],
    ["responses", { type: "response.created", response: {} }, "openai-responses"],
    ["anthropic", { type: "content_block_delta", index: 0 }, "anthropic-messages"],
    ["gemini", { candidates: [{ content: { parts: [] } }] }, "google-generate-content"],
    ["gemini interactions", { event_type: "step.delta", index: 0 }, "google-interactions"],
    ["cohere", { type: "content-delta", index: 0 }, "cohere-chat"],
    ["bedrock", { contentBlockDelta: { contentBlockIndex: 0 } }, "bedrock-converse"],
  ];
  for (const [name, event, api] of cases) {
    it(`recognizes ${name} events as ${api}`, () => {
      expect(detectProviderApi([event], "x.chunks.txt").api).toBe(api);
    });
  }

  it("skips events whose shape fits several APIs (a bare error)", () => {
    const events = [{ type: "error", error: {} }, { type: "message_stop" }];
    expect(detectProviderApi(events, "x.chunks.txt").api).toBe("anthropic-messages");
  });

  it("takes the provider from the nearest provider-named directory, then the file name", () => {
    const event = [{ object: "chat.completion.chunk", choices: [] }];
    expect(
      detectProviderApi(event, "/f/openai-compatible/xai-tool-call.chunks.txt").providerHint,
    ).toBe("openai-compatible");
    expect(detectProviderApi(event, "/f/google/interactions/basic.chunks.txt").providerHint).toBe(
      "google",
    );
    expect(detectProviderApi(event, "/tmp/deepseek-reasoning.chunks.txt").providerHint).toBe(
      "deepseek",
    );
    expect(detectProviderApi(event, "/tmp/recording.chunks.txt").providerHint).toBeUndefined();
  });

  it("recognizes Mistral by its content arrays when the path says nothing", () => {
    const event = { object: "chat.completion.chunk", choices: [{ delta: { content: [] } }] };
    expect(detectProviderApi([event], "/tmp/r.chunks.txt").providerHint).toBe("mistral");
  });

  it("reads the model id the recording names", () => {
    expect(
      detectProviderApi([{ type: "response.created", response: { model: "gpt-5" } }], "x").modelId,
    ).toBe("gpt-5");
    expect(detectProviderApi([{ candidates: [], modelVersion: "gemini-3" }], "x").modelId).toBe(
      "gemini-3",
    );
  });
});

describe("chooseAdapter", () => {
  it("uses the recording provider's own adapter for the API", () => {
    expect(chooseAdapter("openai-chat", "deepseek")).toMatchObject({
      adapter: { id: "deepseek.chat", packageName: "@ai-sdk/deepseek" },
      match: "provider",
    });
    expect(chooseAdapter("openai-responses", "xai")?.adapter.id).toBe("xai.responses");
    expect(chooseAdapter("openai-chat", "openai")?.adapter.id).toBe("openai.chat");
  });

  it("falls back to the API's generic adapter, named after the recording provider", () => {
    expect(chooseAdapter("openai-chat", "alibaba")).toMatchObject({
      adapter: { id: "openai-compatible.chat" },
      match: "generic",
      providerName: "alibaba",
    });
    expect(chooseAdapter("openai-responses", "azure")?.adapter.id).toBe("openai.responses");
    expect(chooseAdapter("anthropic-messages", undefined)?.adapter.id).toBe("anthropic.messages");
  });

  it("has no adapter for Bedrock", () => {
    expect(chooseAdapter("bedrock-converse", "amazon-bedrock")).toBeUndefined();
  });

  it("has one adapter per provider and API", () => {
    const keys = PROVIDER_ADAPTERS.map(({ provider, api }) => `${provider}/${api}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("createReplayFetch", () => {
  it("serves the events one by one as SSE, then [DONE], counting deliveries", async () => {
    const replay = createReplayFetch(['{"a":1}', '{"b":2}'], { appendDone: true });
    const response = await replay.fetch("https://api.example/v1/chat", { method: "POST" });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(replay.deliveredEvents()).toBe(0);
    expect(await response.text()).toBe('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n');
    expect(replay.deliveredEvents()).toBe(2);
    expect(replay.requests).toStrictEqual(["https://api.example/v1/chat"]);
  });

  it("omits [DONE] when the provider's tests do", async () => {
    const replay = createReplayFetch(['{"a":1}'], { appendDone: false });
    expect(await (await replay.fetch("https://x")).text()).toBe('data: {"a":1}\n\n');
  });

  it("answers a second request with an error: a recording holds one response", async () => {
    const replay = createReplayFetch(['{"a":1}'], { appendDone: false });
    await replay.fetch("https://x");
    const again = await replay.fetch(new URL("https://x/retry"));
    expect(again.status).toBe(500);
    expect(replay.requests).toHaveLength(2);
  });
});

describe("recordingKindOf and defaultMessageId", () => {
  it("tells UI message streams from provider recordings by content", () => {
    expect(recordingKindOf({ path: "a.txt", text: ': open\n\ndata: {"type":"start"}\n\n' })).toBe(
      "ui-message-stream",
    );
    expect(recordingKindOf({ path: "a.sse", text: 'data: {"type":"message_start"}\n\n' })).toBe(
      "provider",
    );
    expect(recordingKindOf({ path: "a.sse", text: '{"type":"start"}\n' })).toBe("provider");
  });

  it("names the message after the file, without extension and step number", () => {
    expect(defaultMessageId("/f/openai/openai-error.1.chunks.txt")).toBe("msg-openai-error");
    expect(defaultMessageId("C:\\f\\anthropic-fallback-tool-call.sse")).toBe(
      "msg-anthropic-fallback-tool-call",
    );
  });
});
