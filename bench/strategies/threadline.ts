/**
 * The real library: `createThreadline`, one writer per streaming message fed AI SDK UI message
 * stream chunks, and one `subscribe` per thread consumed concurrently.
 */
import type { UIMessage } from "../../src/message/types.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { createThreadline, type Threadline, type ThreadlineOptions } from "../../src/threadline.js";
import type {
  BackendTarget,
  BenchThread,
  CommitCounts,
  CommitRecord,
  DeliveryListener,
  Strategy,
  StreamingMessage,
} from "./strategy.js";

/** The id of the one text part every benchmark message streams. */
const PART_ID = "t";

/** Counters the Threadline strategy exposes beyond commits. */
export interface ThreadlineCounters {
  lossyDrops: number;
  reliableDrops: number;
  writerErrors: number;
}

/**
 * Opens Threadline on `target`, with `options` passed on to `createThreadline` (the soak run sets
 * `compaction` and `events`). Commits are counted with `events.on("writer:commit")`: urgent
 * (structural, terminal) commits as `other`, window ticks as `streaming`.
 *
 * @example
 * ```ts
 * const threadline = await openThreadlineStrategy({ name: "sqlite", path: "/tmp/tl.db" });
 * const thread = await threadline.openThread((id, length) => console.log(id, length));
 * const message = await thread.startMessage();
 * await message.append("Hello");
 * ```
 */
export async function openThreadlineStrategy(
  target: BackendTarget,
  options: Omit<ThreadlineOptions, "database"> = {},
): Promise<Strategy & { counters(): ThreadlineCounters }> {
  const database =
    target.name === "sqlite"
      ? `sqlite:${target.path}${target.worker ? "?worker=1" : ""}`
      : withSchema(target.connectionString, target.schema);
  const threadline = await createThreadline({ ...options, database });
  const counts: CommitCounts = { streaming: 0, other: 0 };
  let writerErrors = 0;
  const log: CommitRecord[] = [];
  threadline.events.on("writer:commit", ({ urgent, durationMs, writes, startedAt }) => {
    if (urgent) counts.other += 1;
    else {
      counts.streaming += 1;
      log.push({
        startMs: performance.now() - durationMs,
        writerStartedAt: startedAt,
        durationMs,
        writes,
      });
    }
  });
  threadline.events.on("writer:error", () => {
    writerErrors += 1;
  });

  return {
    name: "threadline",
    openThread: (onDelivery) => openThread(threadline, onDelivery),
    commits: () => ({ ...counts }),
    streamingCommitLog: () => log,
    counters: () => ({ ...threadline.stats, writerErrors }),
    close: () => threadline.close(),
  };
}

async function openThread(
  threadline: Threadline,
  onDelivery: DeliveryListener,
): Promise<BenchThread> {
  const thread = await threadline.threads.create({ title: "bench" });
  const subscription = threadline.subscribe(thread.id);
  const iterator = subscription[Symbol.asyncIterator]();
  const lengths = new Map<string, number>();
  const first = await iterator.next();
  if (!first.done) deliver(first.value, lengths, onDelivery);
  const loop = (async () => {
    for (let item = await iterator.next(); !item.done; item = await iterator.next()) {
      deliver(item.value, lengths, onDelivery);
    }
  })();

  const startMessage = async (): Promise<StreamingMessage> => {
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: PART_ID });
    return {
      id: writer.id,
      append: (delta) => writer.write({ type: "text-delta", id: PART_ID, delta }),
      finish: async () => {
        await writer.write({ type: "text-end", id: PART_ID });
        await writer.finish();
      },
    };
  };
  return {
    startMessage,
    close: async () => {
      subscription.close();
      await loop;
    },
  };
}

/** Tracks the text length of each message from the events the subscriber receives. */
function deliver(
  item: SubscriptionItem,
  lengths: Map<string, number>,
  onDelivery: DeliveryListener,
): void {
  switch (item.type) {
    case "snapshot":
      for (const message of item.messages)
        report(message.id, textLength(message), lengths, onDelivery);
      break;
    case "message.delta": {
      const id = item.messageId ?? "";
      let length = item.data.message ? textLength(item.data.message) : (lengths.get(id) ?? 0);
      for (const chunk of item.data.chunks)
        if (chunk.type === "text-delta") length += chunk.delta.length;
      report(id, length, lengths, onDelivery);
      break;
    }
    case "message.finished":
      report(item.data.message.id, textLength(item.data.message), lengths, onDelivery);
      lengths.delete(item.data.message.id);
      break;
    default:
  }
}

function report(
  id: string,
  length: number,
  lengths: Map<string, number>,
  onDelivery: DeliveryListener,
): void {
  lengths.set(id, length);
  onDelivery(id, length);
}

function textLength(message: Pick<UIMessage, "parts">): number {
  let length = 0;
  for (const part of message.parts) if (part.type === "text") length += part.text.length;
  return length;
}

function withSchema(connectionString: string, schema: string): string {
  const url = new URL(connectionString);
  url.searchParams.set("schema", schema);
  return url.toString();
}
