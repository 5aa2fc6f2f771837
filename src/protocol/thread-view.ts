import { finalizeMessage } from "../message/finalize.js";
import { createFoldState, type FoldState, foldChunks } from "../message/fold.js";
import type { UIMessage } from "../message/types.js";
import type { ThreadEvent } from "./events.js";
import type { StoredMessage } from "./resources.js";

/**
 * A thread's messages as a client rebuilds them from a snapshot and the events after it (R11, R13).
 * Immutable: {@link applyThreadEvent} returns a new view. `MESSAGE` is the app's message type (a
 * static promise, see {@link StoredMessage}).
 */
export interface ThreadView<MESSAGE extends UIMessage = UIMessage> {
  /** Seq of the last event applied (the snapshot's seq before any). */
  seq: number;
  /** Messages in thread order. */
  messages: StoredMessage<MESSAGE>[];
  /** Fold state of each streaming message, for applying its deltas. */
  folds: Record<string, FoldState>;
  /** True after `thread.deleted`. */
  deleted: boolean;
}

/**
 * A view from a snapshot (`seq` and its messages), typed as the snapshot's messages. (The first
 * signature keeps `createThreadView(0, [])` untyped, where inference would give `never`.)
 */
export function createThreadView(seq: number, messages: readonly []): ThreadView;
export function createThreadView<MESSAGE extends UIMessage = UIMessage>(
  seq: number,
  messages: readonly StoredMessage<MESSAGE>[],
): ThreadView<MESSAGE>;
export function createThreadView(seq: number, messages: readonly StoredMessage[]): ThreadView {
  return { seq, messages: [...messages], folds: {}, deleted: false };
}

/**
 * Applies one log event to a view. Events at or below the view's seq, and deltas at or below the
 * message's revision, are ignored (R13), so replaying an overlap is harmless.
 *
 * @throws ThreadlineError `chunk_rejected` if a delta's chunks cannot apply (a corrupt log).
 * @example
 * ```ts
 * let view = createThreadView(snapshot.seq, snapshot.messages);
 * for await (const event of events) view = applyThreadEvent(view, event);
 * ```
 */
export function applyThreadEvent<MESSAGE extends UIMessage = UIMessage>(
  view: ThreadView<MESSAGE>,
  event: ThreadEvent<MESSAGE>,
): ThreadView<MESSAGE> {
  if (event.seq <= view.seq && event.type !== "thread.deleted") return view;
  const next: ThreadView<MESSAGE> = { ...view, seq: Math.max(view.seq, event.seq) };
  switch (event.type) {
    case "message.created": {
      const exists = view.messages.some((m) => m.id === event.data.message.id);
      return exists ? next : { ...next, messages: [...view.messages, event.data.message] };
    }
    case "message.delta": {
      const index = view.messages.findIndex((m) => m.id === event.messageId);
      const current = view.messages[index];
      if (!current || (event.revision ?? 0) <= current.revision) return next;
      let fold = view.folds[current.id] ?? createFoldState(current);
      if (event.data.message) {
        fold = createFoldState({ ...event.data.message, id: current.id, role: current.role });
      }
      fold = foldChunks(fold, event.data.chunks);
      const { parts, metadata } = fold.message;
      // The fold's parts and metadata are untyped; the app's MESSAGE is a static promise.
      const message = {
        ...current,
        parts,
        ...(metadata === undefined ? {} : { metadata }),
        revision: event.revision ?? current.revision,
        updatedAt: event.createdAt,
      } as StoredMessage<MESSAGE>;
      return {
        ...next,
        messages: replaceAt(view.messages, index, message),
        folds: { ...view.folds, [current.id]: fold },
      };
    }
    case "message.finished": {
      const index = view.messages.findIndex((m) => m.id === event.data.message.id);
      const { [event.data.message.id]: _, ...folds } = view.folds;
      if (index < 0) return { ...next, folds };
      return { ...next, messages: replaceAt(view.messages, index, event.data.message), folds };
    }
    case "message.deleted": {
      const { [event.messageId ?? ""]: _, ...folds } = view.folds;
      return { ...next, messages: view.messages.filter((m) => m.id !== event.messageId), folds };
    }
    case "thread.deleted":
      return { ...next, deleted: true };
    default:
      return next;
  }
}

/**
 * Rebuilds the messages of a log prefix from scratch (for forks, R19): every message created in it,
 * at its state as of the prefix's last event. A message still streaming there is finalized
 * `aborted`, as nothing will ever write to it in the copy (R16).
 */
export function messagesOfLog(events: readonly ThreadEvent[]): StoredMessage[] {
  let view = createThreadView(0, []);
  for (const event of events) view = applyThreadEvent(view, event);
  return view.messages.map((m) =>
    m.status === "streaming" ? { ...m, ...finalizeMessage(m, "aborted"), status: "aborted" } : m,
  );
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  const copy = [...items];
  copy[index] = item;
  return copy;
}
