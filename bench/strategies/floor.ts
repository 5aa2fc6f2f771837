/**
 * The floor of the in-process bench: the workload's producers and subscribers with nothing in
 * between but one process-wide 33 ms tick that hands each changed message's text to its
 * subscriber. No database (the backend is ignored), no validation, no log: what the harness itself
 * costs per delta and how many streams it can drive on this machine at all, the bound under every
 * strategy's figures. Not in the default `--strategies`; run it with `--strategies floor,…`.
 */
import { randomUUID } from "node:crypto";
import { MessageChannel } from "./baseline-db.js";
import type { BenchThread, CommitCounts, Strategy, StreamingMessage } from "./strategy.js";

/** The window the other strategies coalesce over (ms). */
const WINDOW_MS = 33;

/** A streaming message: its text so far and its subscriber's channel. */
interface FloorMessage {
  readonly id: string;
  text: string;
  readonly channel: MessageChannel;
}

/**
 * Opens the floor strategy (no storage; `target` is ignored). Its "commits" are ticks that
 * published something (streaming) and message starts and finishes (other).
 *
 * @example
 * ```ts
 * const floor = await openFloor();
 * const thread = await floor.openThread((id, length) => console.log(id, length));
 * const message = await thread.startMessage();
 * await message.append("Hello"); // published within 33 ms
 * ```
 */
export async function openFloor(): Promise<Strategy> {
  const counts: CommitCounts = { streaming: 0, other: 0 };
  const dirty = new Set<FloorMessage>();
  const channels = new Set<MessageChannel>();
  const tick = setInterval(() => {
    if (dirty.size === 0) return;
    counts.streaming += 1;
    for (const message of dirty) message.channel.publish({ id: message.id, text: message.text });
    dirty.clear();
  }, WINDOW_MS);

  const openThread = async (
    onDelivery: Parameters<Strategy["openThread"]>[0],
  ): Promise<BenchThread> => {
    const channel = new MessageChannel(onDelivery);
    channels.add(channel);
    return {
      startMessage: async (): Promise<StreamingMessage> => {
        const message: FloorMessage = { id: randomUUID(), text: "", channel };
        counts.other += 1;
        channel.publish({ id: message.id, text: "" });
        return {
          id: message.id,
          append: async (delta) => {
            message.text += delta;
            dirty.add(message);
          },
          finish: async () => {
            dirty.delete(message);
            counts.other += 1;
            channel.publish({ id: message.id, text: message.text });
          },
        };
      },
      close: async () => {
        channels.delete(channel);
        await channel.close();
      },
    };
  };

  return {
    name: "floor",
    openThread,
    commits: () => ({ ...counts }),
    close: async () => {
      clearInterval(tick);
      await Promise.all([...channels].map((channel) => channel.close()));
    },
  };
}
