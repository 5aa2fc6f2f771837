/**
 * README "The client": `threadline/client` uploads a model's UI message stream and follows the
 * thread live, reconnecting without gaps or duplicates (R11–R13).
 */
import type { UIMessageChunk } from "threadline";
import { type ClientSubscriptionItem, createClient } from "threadline/client";

export async function uploadAndFollow(
  baseUrl: string,
  apiKey: string,
  result: { toUIMessageStream(): AsyncIterable<UIMessageChunk> },
) {
  const seen: ClientSubscriptionItem[] = [];
  const client = createClient({ baseUrl, apiKey }); // e.g. "http://127.0.0.1:4000"
  const thread = await client.threads.create({ title: "Support" });
  const following = (async () => {
    for await (const item of client.subscribe(thread.id)) {
      // a snapshot, then every event; reconnects from the last seq, never yields a duplicate
      seen.push(item);
      if (item.type === "message.finished") break;
    }
  })();
  await client.messages.stream(thread.id, result.toUIMessageStream()); // upload a model's output
  await following;
  return { thread, seen };
}
