import {
  type UIMessage as AiUIMessage,
  convertToModelMessages,
  type InferUIMessageChunk,
  validateUIMessages,
} from "ai";
import type { UIMessage as Ai5UIMessage } from "ai-v5";
import type { UIMessage as Ai6UIMessage } from "ai-v6";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type ClientSubscriptionItem,
  createClient,
  createThreadView,
  type ThreadlineClient,
} from "../../src/client/index.js";
import { createApp } from "../../src/http/index.js";
import type {
  AppendMessageInput,
  ChatReply,
  ChatTurn,
  MessageWriter,
  RespondSource,
  StopResult,
  StoredMessage,
  Subscription,
  SubscriptionItem,
  Threadline,
  ThreadlineWorkspace,
  UIMessage,
} from "../../src/index.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

/** The app's own message type, as an AI SDK app declares it. */
type ChatMessage = AiUIMessage<
  { model: string },
  { weather: { city: string } },
  { getWeather: { input: { city: string }; output: { temp: number } } }
>;

const metadataSchema = z.object({ model: z.string() });
const dataSchemas = { weather: z.object({ city: z.string() }) };
const sqlite = BACKENDS[0]!;

const question: ChatMessage = {
  id: "u1",
  role: "user",
  parts: [
    { type: "text", text: "Weather in Paris?" },
    { type: "data-weather", id: "w1", data: { city: "Paris" } },
  ],
  metadata: { model: "fast" },
};

describe("typed messages: Threadline generic over the app's UIMessage", () => {
  it("reads are the app's type, writes take its parts and metadata", () => {
    type Typed = Threadline<ChatMessage>;
    expectTypeOf<Typed["messages"]["get"]>().returns.resolves.toEqualTypeOf<
      StoredMessage<ChatMessage>
    >();
    expectTypeOf<Typed["messages"]["list"]>().returns.resolves.toEqualTypeOf<{
      messages: StoredMessage<ChatMessage>[];
      seq: number;
    }>();
    expectTypeOf<Typed["messages"]["append"]>()
      .parameter(1)
      .toEqualTypeOf<AppendMessageInput<ChatMessage>>();
    expectTypeOf<Typed["writers"]["open"]>().returns.resolves.toEqualTypeOf<
      MessageWriter<ChatMessage>
    >();
    expectTypeOf<MessageWriter<ChatMessage>["message"]>().toEqualTypeOf<
      StoredMessage<ChatMessage>
    >();
    expectTypeOf<Typed["subscribe"]>().returns.toEqualTypeOf<Subscription<ChatMessage>>();
    expectTypeOf<Extract<SubscriptionItem<ChatMessage>, { type: "snapshot" }>["messages"]>()
      // The snapshot and every event carrying a message.
      .toEqualTypeOf<StoredMessage<ChatMessage>[]>();
    expectTypeOf<
      Extract<SubscriptionItem<ChatMessage>, { type: "message.finished" }>["data"]["message"]
    >().toEqualTypeOf<StoredMessage<ChatMessage>>();
    expectTypeOf<Typed["chat"]["receive"]>().returns.resolves.toEqualTypeOf<
      ChatTurn<ChatMessage>
    >();
    expectTypeOf<ChatTurn<ChatMessage>["messages"]>().toEqualTypeOf<ChatMessage[]>();
    expectTypeOf<ChatTurn<ChatMessage>["userMessage"]>().toEqualTypeOf<
      StoredMessage<ChatMessage> | undefined
    >();
    expectTypeOf<Typed["chat"]["history"]>().returns.resolves.toEqualTypeOf<ChatMessage[]>();
    expectTypeOf<Typed["chat"]["respond"]>().returns.resolves.toEqualTypeOf<
      ChatReply<ChatMessage>
    >();
    // What `result.toUIMessageStream<ChatMessage>()` returns is a source as it is.
    expectTypeOf<ReadableStream<InferUIMessageChunk<ChatMessage>>>().toExtend<RespondSource>();
    expectTypeOf<ChatReply<ChatMessage>["message"]>().resolves.toEqualTypeOf<
      StoredMessage<ChatMessage>
    >();
    expectTypeOf<Typed["stop"]>().returns.resolves.toEqualTypeOf<StopResult<ChatMessage>>();
    expectTypeOf<
      StopResult<ChatMessage>["message"]
    >().toEqualTypeOf<StoredMessage<ChatMessage> | null>();
    expectTypeOf<Typed["workspace"]>().returns.toEqualTypeOf<ThreadlineWorkspace<ChatMessage>>();
    expectTypeOf<StoredMessage<ChatMessage>["metadata"]>().toEqualTypeOf<
      { model: string } | undefined
    >();
  });

  it("the client is typed the same way", () => {
    type Typed = ThreadlineClient<ChatMessage>;
    expectTypeOf(createClient<ChatMessage>).returns.toEqualTypeOf<Typed>();
    expectTypeOf<Typed["messages"]["get"]>().returns.resolves.toEqualTypeOf<
      StoredMessage<ChatMessage>
    >();
    expectTypeOf<Typed["messages"]["list"]>().returns.resolves.toEqualTypeOf<{
      messages: StoredMessage<ChatMessage>[];
      seq: number;
    }>();
    expectTypeOf<Typed["messages"]["stream"]>().returns.resolves.toEqualTypeOf<
      StoredMessage<ChatMessage>
    >();
    expectTypeOf<Typed["threads"]["stop"]>().returns.resolves.toEqualTypeOf<
      StopResult<ChatMessage>
    >();
    expectTypeOf<Typed["subscribe"]>().returns.toEqualTypeOf<
      AsyncIterable<ClientSubscriptionItem<ChatMessage>>
    >();
  });

  it("defaults to the untyped UIMessage, and a typed instance is still an untyped one", () => {
    expectTypeOf<StoredMessage>().toEqualTypeOf<StoredMessage<UIMessage>>();
    expectTypeOf<Threadline["chat"]["history"]>().returns.resolves.toEqualTypeOf<UIMessage[]>();
    // So createApp({ threadline }) and every untyped helper take a typed Threadline as it is.
    expectTypeOf<Threadline<ChatMessage>>().toExtend<Threadline>();
    expectTypeOf<ThreadlineWorkspace<ChatMessage>>().toExtend<ThreadlineWorkspace>();
    expectTypeOf<ThreadlineClient<ChatMessage>>().toExtend<ThreadlineClient>();
    // Typed messages of ai 5 and 6 fit too.
    expectTypeOf<Threadline<Ai5UIMessage<{ model: string }, { weather: { city: string } }>>>()
      .toHaveProperty("chat")
      .toBeObject();
    expectTypeOf<Threadline<Ai6UIMessage<{ model: string }, { weather: { city: string } }>>>()
      .toHaveProperty("chat")
      .toBeObject();
  });

  it("stores and reads back metadata and data parts typed; validateUIMessages accepts the history", async () => {
    const { threadline } = await openThreadline<ChatMessage>(sqlite);
    const thread = await threadline.threads.create();
    const stored = await threadline.messages.append(thread.id, question);
    const writer = await threadline.writers.open(thread.id, { metadata: { model: "fast" } });
    await writer.write({ type: "start" });
    await writer.write({ type: "data-weather", id: "w2", data: { city: "Lyon" } });
    await writer.write({ type: "text-start", id: "t" });
    await writer.write({ type: "text-delta", id: "t", delta: "Sunny" });
    await writer.write({ type: "text-end", id: "t" });
    await writer.finish();

    const read = await threadline.messages.get(stored.id);
    const model: string | undefined = read.metadata?.model;
    expect(model).toBe("fast");
    const weather = read.parts.find((part) => part.type === "data-weather");
    const city: string | undefined = weather?.data.city;
    expect(city).toBe("Paris");
    const answer = writer.message;
    expect(answer.parts.find((part) => part.type === "data-weather")?.data.city).toBe("Lyon");

    const history = await threadline.chat.history(thread.id);
    expectTypeOf(history).toEqualTypeOf<ChatMessage[]>();
    expect(
      await validateUIMessages<ChatMessage>({ messages: history, metadataSchema, dataSchemas }),
    ).toEqual(history);
    const modelMessages = await convertToModelMessages(history);
    expect(modelMessages.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("chat.receive hands the route the history as the app's type", async () => {
    const { threadline } = await openThreadline<ChatMessage>(sqlite);
    const turn = await threadline.chat.receive({
      id: "chat-1",
      trigger: "submit-message",
      messages: [question],
    });
    expect(turn.userMessage?.metadata?.model).toBe("fast");
    expect(turn.messages).toEqual([question]);
    const { messages } = turn;
    expect(
      await validateUIMessages<ChatMessage>({ messages, metadataSchema, dataSchemas }),
    ).toEqual(messages);
    expect(await convertToModelMessages(messages)).toHaveLength(1);
  });

  it("the client reads the app's type over HTTP from a typed Threadline's app", async () => {
    const { threadline } = await openThreadline<ChatMessage>(sqlite);
    const app = createApp({ threadline });
    const client = createClient<ChatMessage>({
      baseUrl: "http://threadline.test",
      fetch: async (input, init) => app.request(input, init),
    });
    const thread = await client.threads.create();
    await client.messages.append(thread.id, question);
    const read = await client.messages.get(question.id);
    expect(read.metadata?.model).toBe("fast");
    const { messages } = await client.messages.list(thread.id);
    const view = createThreadView(0, messages);
    expectTypeOf(view.messages).toEqualTypeOf<StoredMessage<ChatMessage>[]>();
    expect(view.messages[0]?.parts.find((p) => p.type === "data-weather")?.data.city).toBe("Paris");
  });

  it("is a static promise: a wrong shape is a type error, and validateUIMessages the run-time check", async () => {
    const { threadline } = await openThreadline<ChatMessage>(sqlite);
    const thread = await threadline.threads.create();
    const text = { type: "text", text: "Hi" } as const;
    const town = { type: "data-weather", data: { town: "Paris" } } as const;
    const metadata = { model: 42 };
    // @ts-expect-error metadata must be ChatMessage's { model: string }
    await threadline.messages.append(thread.id, { role: "user", parts: [text], metadata });
    // @ts-expect-error a weather data part carries { city: string }
    await threadline.messages.append(thread.id, { role: "user", parts: [town] });
    // @ts-expect-error the writer's metadata too
    const writer = await threadline.writers.open(thread.id, { metadata: { name: "fast" } });
    await writer.abort();

    // Threadline checked the parts against the AI SDK's schemas only, so it stored all three.
    const history = await threadline.chat.history(thread.id);
    expect(history).toHaveLength(3);
    await expect(
      validateUIMessages<ChatMessage>({ messages: history, metadataSchema }),
    ).rejects.toThrow();
    const [, withTown] = history;
    await expect(
      validateUIMessages<ChatMessage>({ messages: [withTown], dataSchemas }),
    ).rejects.toThrow();
  });
});
