import type { ThreadlineClient } from "../client/client.js";
import type { ClientSubscriptionItem } from "../client/subscribe-events.js";
import type { UIMessage } from "../message/types.js";
import { applyThreadEvent, createThreadView, type ThreadView } from "../protocol/thread-view.js";

/** What a live follower of one thread saw. */
export interface FollowResult {
  /** Events received after the snapshot. */
  events: number;
  /** The assistant message as rebuilt from the live events alone. */
  view: ThreadView;
  /** Latencies in ms from a character being sent to it being visible to the follower. */
  latenciesMs: number[];
}

/** Characters of text and reasoning in a message: the follower's progress measure. */
export function visibleCharacters(message: Pick<UIMessage, "parts"> | undefined): number {
  let count = 0;
  for (const part of message?.parts ?? []) {
    if ((part.type === "text" || part.type === "reasoning") && typeof part.text === "string")
      count += part.text.length;
  }
  return count;
}

/**
 * Follows a thread over SSE with the Threadline client until the message `messageId` finishes,
 * rebuilding it from the events (R11, R13). `sentAt(chars)` gives when the producer had sent that
 * many characters, so each newly visible character yields a send→visible latency.
 */
export async function followThread(
  client: ThreadlineClient,
  threadId: string,
  messageId: () => string | undefined,
  sentAt: (characters: number) => number | undefined,
  signal: AbortSignal,
): Promise<FollowResult> {
  let view = createThreadView(0, []);
  let events = 0;
  let seen = 0;
  const latenciesMs: number[] = [];
  for await (const item of client.subscribe(threadId, {
    signal,
  }) as AsyncIterable<ClientSubscriptionItem>) {
    if (item.type === "snapshot") {
      view = createThreadView(item.seq, item.messages);
      continue;
    }
    events += 1;
    view = applyThreadEvent(view, item);
    const id = messageId();
    const message = view.messages.find((m) => m.id === id);
    const visible = visibleCharacters(message);
    const now = Date.now();
    for (let c = seen + 1; c <= visible; c++) {
      const sent = sentAt(c);
      if (sent !== undefined) latenciesMs.push(now - sent);
    }
    seen = Math.max(seen, visible);
    if (item.type === "message.finished" && item.data.message.id === id) break;
  }
  return { events, view, latenciesMs };
}
