/**
 * crush's coalescing message service (seed 000), reduced to what the benchmark exercises: each
 * message buffers its latest state; the first update of a window arms a 33 ms timer for that
 * message; the timer writes the whole message in one statement (one commit per message per window)
 * and publishes it. A terminal update flushes synchronously. As in crush, a timer that finds a
 * flush of its message in flight does nothing, and no timer is armed while a flush runs: the next
 * update arms it (crush's "trailing-delta stall", harmless for a continuous stream).
 */
import type { Kysely } from "kysely";
import {
  type BaselineDatabase,
  insertMessage,
  MessageChannel,
  openBaselineDb,
} from "./baseline-db.js";
import type {
  BackendTarget,
  BenchThread,
  CommitCounts,
  Strategy,
  StreamingMessage,
} from "./strategy.js";
import { textParts } from "./strategy.js";

/** crush's `defaultUpdateDebounce`. */
const WINDOW_MS = 33;

/** crush's `pendingState` for one message. */
interface Pending {
  id: string;
  latest: string;
  finished: boolean;
  dirty: boolean;
  flushing: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Opens the per-message-window strategy on `target`.
 *
 * @example
 * ```ts
 * const window = await openPerMessageWindow({ name: "sqlite", path: "/tmp/window.db" });
 * const thread = await window.openThread((id, length) => console.log(id, length));
 * const message = await thread.startMessage();
 * await message.append("Hello"); // buffered; written within 33 ms
 * ```
 */
export async function openPerMessageWindow(target: BackendTarget): Promise<Strategy> {
  const db = await openBaselineDb(target);
  const counts: CommitCounts = { streaming: 0, other: 0 };

  const openThread = async (
    onDelivery: Parameters<Strategy["openThread"]>[0],
  ): Promise<BenchThread> => {
    const channel = new MessageChannel(onDelivery);
    const startMessage = async (): Promise<StreamingMessage> => {
      const id = await insertMessage(db, textParts("", "streaming"));
      counts.other += 1;
      const p: Pending = {
        id,
        latest: "",
        finished: false,
        dirty: false,
        flushing: undefined,
        timer: undefined,
      };
      const flush = (sync: boolean) => flushOne(db, p, sync, counts, channel);
      return {
        id,
        append: async (delta) => {
          p.latest += delta;
          p.dirty = true;
          if (p.timer === undefined && p.flushing === undefined) {
            p.timer = setTimeout(() => void flush(false).catch(() => {}), WINDOW_MS);
          }
        },
        finish: async () => {
          p.finished = true;
          p.dirty = true;
          if (p.timer !== undefined) clearTimeout(p.timer);
          p.timer = undefined;
          await flush(true);
        },
      };
    };
    return { startMessage, close: () => channel.close() };
  };

  return {
    name: "window",
    openThread,
    commits: () => ({ ...counts }),
    close: () => db.destroy(),
  };
}

/** crush's `flushOne`: a sync caller waits out an in-flight flush; the timer path backs off. */
async function flushOne(
  db: Kysely<BaselineDatabase>,
  p: Pending,
  sync: boolean,
  counts: CommitCounts,
  channel: MessageChannel,
): Promise<void> {
  for (;;) {
    if (p.flushing) {
      if (!sync) return;
      await p.flushing.catch(() => {});
      continue;
    }
    if (!p.dirty) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    const text = p.latest;
    const terminal = p.finished;
    p.dirty = false;
    p.flushing = db
      .updateTable("messages")
      .set({ parts: textParts(text, terminal ? "done" : "streaming"), updated_at: Date.now() })
      .where("id", "=", p.id)
      .execute()
      .then(() => undefined);
    try {
      await p.flushing;
    } catch (error) {
      p.dirty = true;
      throw error;
    } finally {
      p.flushing = undefined;
    }
    if (terminal) counts.other += 1;
    else counts.streaming += 1;
    channel.publish({ id: p.id, text });
    if (!(p.dirty && sync)) return;
  }
}
