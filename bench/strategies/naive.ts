/**
 * The naive strategy many apps ship: on every delta, rewrite the whole message's parts JSON in its
 * own transaction, await the commit, then publish the new state to the subscriber.
 */
import { insertMessage, MessageChannel, openBaselineDb } from "./baseline-db.js";
import type {
  BackendTarget,
  BenchThread,
  CommitCounts,
  Strategy,
  StreamingMessage,
} from "./strategy.js";
import { textParts } from "./strategy.js";

/**
 * Opens the naive strategy on `target`: one `UPDATE messages SET parts = <whole JSON>` transaction
 * per delta, the producer awaiting each commit, publish after commit.
 *
 * @example
 * ```ts
 * const naive = await openNaive({ name: "sqlite", path: "/tmp/naive.db" });
 * const thread = await naive.openThread((id, length) => console.log(id, length));
 * const message = await thread.startMessage();
 * await message.append("Hello");
 * ```
 */
export async function openNaive(target: BackendTarget): Promise<Strategy> {
  const db = await openBaselineDb(target);
  const counts: CommitCounts = { streaming: 0, other: 0 };

  const openThread = async (
    onDelivery: Parameters<Strategy["openThread"]>[0],
  ): Promise<BenchThread> => {
    const channel = new MessageChannel(onDelivery);
    const startMessage = async (): Promise<StreamingMessage> => {
      const id = await insertMessage(db, textParts("", "streaming"));
      counts.other += 1;
      let text = "";
      const write = async (state: "streaming" | "done") => {
        const written = text;
        await db.transaction().execute((trx) =>
          trx
            .updateTable("messages")
            .set({ parts: textParts(written, state), updated_at: Date.now() })
            .where("id", "=", id)
            .execute(),
        );
        channel.publish({ id, text: written });
      };
      return {
        id,
        append: async (delta) => {
          text += delta;
          await write("streaming");
          counts.streaming += 1;
        },
        finish: async () => {
          await write("done");
          counts.other += 1;
        },
      };
    };
    return { startMessage, close: () => channel.close() };
  };

  return {
    name: "naive",
    openThread,
    commits: () => ({ ...counts }),
    close: () => db.destroy(),
  };
}
