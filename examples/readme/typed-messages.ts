/**
 * README "Typed messages": Threadline generic over the app's own AI SDK `UIMessage` type.
 */
import type { UIMessage } from "ai";
import { createThreadline } from "threadline";

type ChatMessage = UIMessage<{ model: string }, { weather: { city: string; temp: number } }>;

export async function typedMessages(database: string) {
  const threadline = await createThreadline<ChatMessage>({ database });
  const thread = await threadline.threads.create({ title: "Weather" });
  await threadline.messages.append(thread.id, {
    role: "user",
    parts: [{ type: "text", text: "Paris?" }],
    metadata: { model: "fast" },
  });
  const { messages } = await threadline.messages.list(thread.id);
  const model: string | undefined = messages[0]?.metadata?.model; // typed: no cast
  return { threadline, model };
}
