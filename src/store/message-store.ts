import type { FoldState } from "../message/fold.js";
import type { MessageRole, MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { MessageDelta, StoredMessage } from "../protocol/resources.js";

/**
 * Input of {@link MessageStore.createMessage}. A streaming message carries its writer lease (R18).
 */
export interface CreateMessageInput {
  threadId: string;
  id: string;
  role: MessageRole;
  status: MessageStatus;
  parts: UIMessage["parts"];
  metadata?: unknown;
  errorText?: string;
  lease?: { owner: string; expiresAt: number };
}

/** The materialized parts of a streaming message, rewritten at most every 16 KiB / 1 s (R9). */
export interface BodySnapshot {
  fold: FoldState;
}

/**
 * One message's share of a writer tick (R5). A `stream` write is guarded: it applies only while the
 * message is `streaming` (R15). A `finish` write is the unguarded terminal write (R15, R16).
 *
 * `threadId` is the message's thread (a write naming another thread matches nothing); `revision` is
 * the revision the write produces (R13: the previous one + 1) — the writer holding the message's
 * lease counts revisions itself, so a streaming tick writes no message row.
 */
export type MessageWrite =
  | {
      kind: "stream";
      workspaceId: string;
      threadId: string;
      messageId: string;
      revision: number;
      delta: MessageDelta;
      /** Present when the full parts are due to be rewritten (R9). */
      body?: BodySnapshot;
      /** Its event is delivered reliably: the delta carries a structural change (R4, R12). */
      reliable?: boolean;
    }
  | {
      kind: "finish";
      workspaceId: string;
      threadId: string;
      messageId: string;
      revision: number;
      status: Exclude<MessageStatus, "streaming">;
      errorText?: string;
      /** The final message (parts already finalized per R16). */
      message: UIMessage;
      /** Chunks of the last window that no `message.delta` carried yet, the terminal one included. */
      chunks: UIMessageChunk[];
      /**
       * Makes the terminal write conditional: it applies only to a message still streaming whose
       * lease expired before this time (the crash sweep, R18). Omitted for a writer's own finish.
       */
      leaseExpiredBefore?: number;
    };

/**
 * The result of one {@link MessageWrite}: its committed event, or why it matched no row —
 * `finalized` (a stream write after a terminal state, R15) or `missing` (deleted, R8).
 */
export type WriteOutcome =
  | {
      workspaceId: string;
      messageId: string;
      applied: true;
      event: ThreadEvent;
      /**
       * Resolves once the event was handed to the store's sink, queued for every local subscriber
       * (a reliable one may wait, bounded, for room in a slow subscriber's queue; R10, R12).
       */
      published: Promise<void>;
    }
  | { workspaceId: string; messageId: string; applied: false; reason: "finalized" | "missing" };

/** What the commit decided for one {@link MessageWrite}, before its event was published. */
export type WriteDecision =
  | { workspaceId: string; messageId: string; applied: true; event: ThreadEvent }
  | Extract<WriteOutcome, { applied: false }>;

/**
 * The messages area of the `Store`: creating a message (R14), the writer's commits — one
 * transaction per tick for every dirty message (R5), stream writes guarded by `status =
 * 'streaming'` (R15), deltas to the log and bodies rewritten at most every 16 KiB / 1 s (R9) — and
 * reading, deleting (R8) and failing one (R30). Every write hands its committed events to the
 * store's sink (persist, then publish: R10) and returns them.
 *
 * @example
 * ```ts
 * async function statusOf(messages: MessageStore, workspaceId: string, id: string) {
 *   return (await messages.getMessage(workspaceId, id))?.status;
 * }
 * ```
 */
export interface MessageStore {
  /**
   * Creates a message and its `message.created` event in one transaction (R14). `beforePublish`
   * runs once it committed, before the event goes to the sink: the writer tracks a streaming
   * message there, so a viewer reacting to `message.created` (a stop, R28) finds its writer.
   * @throws ThreadlineError `not_found` (no such thread), `conflict` (id taken).
   */
  createMessage(
    workspaceId: string,
    input: CreateMessageInput,
    now: number,
    beforePublish?: (message: StoredMessage) => void,
  ): Promise<{ message: StoredMessage; event: ThreadEvent }>;

  /**
   * Commits one writer tick: every write in one transaction (R5), one event per applied write, an
   * outcome per write in the order given (R6, R15).
   */
  commitWrites(writes: readonly MessageWrite[], now: number): Promise<WriteOutcome[]>;

  /** Reads one committed message, folding logged deltas newer than its body (R9). */
  getMessage(workspaceId: string, messageId: string): Promise<StoredMessage | undefined>;

  /**
   * Deletes a message and appends `message.deleted` (R8). @returns undefined when there was none.
   */
  deleteMessage(
    workspaceId: string,
    messageId: string,
    now: number,
  ): Promise<{ event: ThreadEvent } | undefined>;

  /**
   * Finalizes `error` a streaming message whose changes the database refuses (R30: poison proven
   * permanent), from what is already committed (R16: partial parts kept, unpaired tool calls get
   * an `output-error`), with a `message.finished` event whose chunks are `[{ type: "error",
   * errorText }]`. Guarded by `status = 'streaming'` only (the caller holds the lease); a message
   * already finished or deleted returns undefined and changes nothing. Resolves without waiting
   * for the event's publication (the writer's commit loop calls it, R30).
   */
  failMessage(
    workspaceId: string,
    messageId: string,
    now: number,
    errorText: string,
  ): Promise<ThreadEvent | undefined>;
}
