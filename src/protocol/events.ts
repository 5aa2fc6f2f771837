import type { UIMessage, UIMessageChunk } from "../message/types.js";
import type { MessageDelta, StoredMessage, Thread } from "./resources.js";

/**
 * Event type names of the per-thread log (SPEC §1 "Event log"). `thread.deleted` is never stored:
 * it is the last event a live subscriber receives before its subscription closes (R20).
 */
export const EVENT_TYPES = [
  "thread.created",
  "thread.forked",
  "message.created",
  "message.delta",
  "message.finished",
  "message.deleted",
  "run.triggered",
  "thread.deleted",
] as const;

/** One of {@link EVENT_TYPES}. */
export type ThreadEventType = (typeof EVENT_TYPES)[number];

/** The `data` of each event type; `MESSAGE` is the app's message type (see {@link StoredMessage}). */
export interface ThreadEventData<MESSAGE extends UIMessage = UIMessage> {
  "thread.created": { thread: Thread };
  "thread.forked": { thread: Thread; forkedFrom: { threadId: string; seq: number } };
  "message.created": { message: StoredMessage<MESSAGE> };
  "message.delta": MessageDelta<MESSAGE>;
  /** The final message, and the chunks of its last window (the terminal chunk included, if any). */
  "message.finished": { message: StoredMessage<MESSAGE>; chunks: UIMessageChunk[] };
  "message.deleted": Record<string, never>;
  /** A debounced run fired (R22): its trigger, the user messages it carried, and its flag. */
  "run.triggered": { triggerId: string; messageIds: string[]; forceFresh: boolean };
  "thread.deleted": Record<string, never>;
}

/**
 * One committed event of a thread's log. `seq` is dense per thread (1, 2, 3, …) and assigned at
 * commit; `revision` is the message revision the event produces (R13), for message events.
 */
export type ThreadEvent<MESSAGE extends UIMessage = UIMessage> = {
  [T in ThreadEventType]: {
    type: T;
    threadId: string;
    seq: number;
    messageId: string | null;
    revision: number | null;
    createdAt: number;
    data: ThreadEventData<MESSAGE>[T];
  };
}[ThreadEventType];

/** Event types a subscriber must not lose: published with a bounded wait, not lossy (R12). */
export function isReliableEventType(type: ThreadEventType): boolean {
  return type !== "message.delta";
}

/**
 * The `reason` of the `abort` chunk that ends a stopped message (R28): what AI SDK clients and
 * viewers see in the final `message.finished` event's chunks.
 */
export const STOP_REASON = "stopped by request";

/**
 * The `reason` of the `abort` chunk, and the error text, of a message a restarted process found
 * still `streaming` and finalized at start (R31): any such message of a single-writer SQLite file,
 * and on PostgreSQL those of a node restarted under the same node id.
 */
export const RESTART_REASON = "the server restarted before the message finished";

/**
 * The `reason` of the `abort` chunk, and the error text, of a message whose node stopped
 * heartbeating before it finished: another node found the heartbeat older than the node timeout
 * and finalized it (R31, PostgreSQL).
 */
export const NODE_LOST_REASON =
  "the node writing this message stopped heartbeating before it finished; another node ended it";

/**
 * The `reason` of the `abort` chunk that ends a message whose writer was still open when its
 * Threadline closed gracefully (R31: `close()`, `threadline serve` on SIGTERM/SIGINT).
 */
export const SHUTDOWN_REASON = "the server shut down before the message finished";
