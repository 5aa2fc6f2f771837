import { isThreadlineError, ThreadlineError } from "../errors.js";
import type { UIMessage } from "../message/types.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";
import type { ThreadlineWorkspace } from "../workspace.js";
import type { AppendMessageInput } from "../workspace-api.js";
import { type ChatRequestBody, type ChatTrigger, readChatRequest } from "./chat-request.js";

/** Options of `threadline.chat.receive`. */
export interface ReceiveChatOptions {
  /** Create the thread (id = the chat id) when it does not exist (default true). */
  createThread?: boolean;
  /** Title of a thread created here (default: the start of the user's first text, ≤ 60 chars). */
  title?: string;
}

/**
 * A received chat request: what the route needs to call the model, its messages typed as the app's
 * `MESSAGE` (a static promise: see {@link StoredMessage}).
 */
export interface ChatTurn<MESSAGE extends UIMessage = UIMessage> {
  threadId: string;
  trigger: ChatTrigger;
  /** The user message this request stored (or had stored before: see `replayed`). */
  userMessage?: StoredMessage<MESSAGE>;
  /** True when the user message had been stored by an earlier try of the same request (R21). */
  replayed: boolean;
  /**
   * On a regenerate or an edit: the thread (a fork, R19) that keeps the history as it was, with the
   * messages this request removed from the thread — they stay reachable there.
   */
  supersededThreadId?: string;
  /**
   * The thread's history as AI SDK `UIMessage`s (`{ id, role, parts, metadata? }`), oldest first,
   * finished messages only: pass it to `convertToModelMessages`. It comes from the store, not the
   * client, so a client cannot rewrite the conversation.
   */
  messages: MESSAGE[];
  /** The request body as parsed (the app's own extra fields included). */
  body: ChatRequestBody;
}

/**
 * Stores what an AI SDK chat request adds to its thread, and returns the history to answer from
 * (the chat route's first call; see `ChatTurn`).
 *
 * - `submit-message`: the last message of the body must be a user message; it is stored once, its
 *   id being the idempotency key (R21), so a retried POST stores nothing twice. With `messageId`
 *   (an edit of an earlier user message, `sendMessage({ messageId })`), that message and everything
 *   after it are superseded first (see below), then the edited message is stored.
 * - `regenerate-message`: the assistant message `messageId` (default the last assistant message)
 *   and everything after it are superseded — as `regenerate()` truncates the client's list; when
 *   `messageId` names a user message, only what follows it.
 * - Superseding never destroys: the whole thread is first forked (R19) into a new thread that keeps
 *   the old replies (`supersededThreadId`), then the superseded messages are deleted from the
 *   thread, and its viewers get `message.deleted` events.
 *
 * @throws ThreadlineError `bad_request` (not a chat request, or a submit whose last message is not
 *   a user message), `not_found` (thread absent and `createThread: false`; `messageId` unknown),
 *   `conflict` (the message is in flight on another request, or a superseded message is still
 *   streaming: stop it first).
 */
export async function receiveChat<MESSAGE extends UIMessage = UIMessage>(
  workspace: ThreadlineWorkspace<MESSAGE>,
  input: Request | unknown,
  options: ReceiveChatOptions = {},
): Promise<ChatTurn<MESSAGE>> {
  const body = await readChatRequest(input);
  const threadId = body.id;
  await ensureThread(workspace, threadId, {
    ...options,
    title: options.title ?? titleOf(body.messages.at(-1)),
  });
  const turn: ChatTurn<MESSAGE> = {
    threadId,
    trigger: body.trigger,
    replayed: false,
    messages: [],
    body,
  };
  if (body.trigger === "submit-message") {
    const last = body.messages.at(-1);
    if (last?.role !== "user") {
      throw new ThreadlineError(
        "bad_request",
        "a submit-message request must end with a user message",
      );
    }
    const edited = body.messageId !== undefined && (await isStored(workspace, threadId, last.id));
    if (edited) {
      turn.supersededThreadId = await supersedeFrom(workspace, threadId, last.id);
    }
    const stored = await storeUserMessage(workspace, threadId, last, !edited);
    turn.userMessage = stored.message;
    turn.replayed = stored.replayed;
  } else {
    const superseded = await supersedeForRegenerate(workspace, threadId, body.messageId);
    if (superseded !== undefined) turn.supersededThreadId = superseded;
  }
  turn.messages = await historyOf(workspace, threadId);
  return turn;
}

/** The finished messages of a thread as plain AI SDK `UIMessage`s, oldest first. */
export async function historyOf<MESSAGE extends UIMessage>(
  workspace: ThreadlineWorkspace<MESSAGE>,
  threadId: string,
): Promise<MESSAGE[]> {
  const { messages } = await workspace.messages.list(threadId);
  return messages.filter((m) => m.status !== "streaming").map(toUIMessage);
}

/** A stored message without Threadline's lifecycle fields: what `validateUIMessages` accepts. */
export function toUIMessage<MESSAGE extends UIMessage = UIMessage>(
  message: StoredMessage<MESSAGE>,
): MESSAGE {
  const plain: UIMessage = {
    id: message.id,
    role: message.role,
    parts: message.parts,
    ...(message.metadata === undefined || message.metadata === null
      ? {}
      : { metadata: message.metadata }),
  };
  return plain as MESSAGE; // the same fields as the stored MESSAGE, minus the lifecycle ones
}

/** A new thread's title: the start of the message's first text part. */
function titleOf(message: UIMessage | undefined): string | undefined {
  const part = message?.parts.find((p) => p.type === "text");
  const text = part && "text" in part && typeof part.text === "string" ? part.text.trim() : "";
  if (text === "") return undefined;
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

async function ensureThread(
  workspace: ThreadlineWorkspace,
  threadId: string,
  options: ReceiveChatOptions,
): Promise<Thread> {
  try {
    return await workspace.threads.get(threadId);
  } catch (error) {
    if (!isThreadlineError(error, "not_found") || options.createThread === false) throw error;
  }
  try {
    return await workspace.threads.create({
      id: threadId,
      ...(options.title === undefined ? {} : { title: options.title }),
    });
  } catch (error) {
    // Two first requests of one chat raced: the other created it.
    if (isThreadlineError(error, "conflict")) return workspace.threads.get(threadId);
    throw error;
  }
}

async function isStored(
  workspace: ThreadlineWorkspace,
  threadId: string,
  messageId: string,
): Promise<boolean> {
  try {
    const message = await workspace.messages.get(messageId);
    return message.threadId === threadId;
  } catch (error) {
    if (isThreadlineError(error, "not_found")) return false;
    throw error;
  }
}

async function storeUserMessage<MESSAGE extends UIMessage>(
  workspace: ThreadlineWorkspace<MESSAGE>,
  threadId: string,
  message: UIMessage,
  idempotent: boolean,
): Promise<{ message: StoredMessage<MESSAGE>; replayed: boolean }> {
  // The client's message, its parts checked against the AI SDK's schemas on append (R2); typing
  // it as the app's MESSAGE is the static promise of ChatTurn.
  const input = {
    id: message.id,
    role: "user" as const,
    parts: message.parts,
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  } as AppendMessageInput<MESSAGE>;
  if (!idempotent)
    return { message: await workspace.messages.append(threadId, input), replayed: false };
  try {
    return await workspace.messages.submit(threadId, input, { idempotencyKey: message.id });
  } catch (error) {
    // Stored before under this id without a key (e.g. appended directly): the same message.
    if (isThreadlineError(error, "conflict") && (await isStored(workspace, threadId, message.id))) {
      return { message: await workspace.messages.get(message.id), replayed: true };
    }
    throw error;
  }
}

async function supersedeForRegenerate(
  workspace: ThreadlineWorkspace,
  threadId: string,
  messageId: string | undefined,
): Promise<string | undefined> {
  const { messages } = await workspace.messages.list(threadId);
  const index =
    messageId === undefined
      ? messages.findLastIndex((m) => m.role === "assistant")
      : messages.findIndex((m) => m.id === messageId);
  if (index < 0) {
    if (messageId === undefined) return undefined; // nothing answered yet: just answer
    throw new ThreadlineError("not_found", `message ${messageId} not found in thread ${threadId}`);
  }
  const target = messages[index]!;
  const from = target.role === "assistant" ? index : index + 1;
  const next = messages[from];
  return next === undefined ? undefined : supersedeFrom(workspace, threadId, next.id);
}

/**
 * Forks the thread as it is (keeping every message), then deletes `messageId` and every message
 * after it from the thread. @returns the fork's id.
 */
async function supersedeFrom(
  workspace: ThreadlineWorkspace,
  threadId: string,
  messageId: string,
): Promise<string> {
  const { messages } = await workspace.messages.list(threadId);
  const index = messages.findIndex((m) => m.id === messageId);
  const removed = index < 0 ? [] : messages.slice(index);
  const streaming = removed.find((m) => m.status === "streaming");
  if (streaming) {
    throw new ThreadlineError(
      "conflict",
      `message ${streaming.id} is still streaming; stop it before regenerating or editing`,
    );
  }
  const thread = await workspace.threads.get(threadId);
  const fork = await workspace.threads.fork(threadId, {
    title: `${thread.title ?? threadId} (superseded)`,
    metadata: { supersededFrom: { threadId, messageId } },
  });
  for (const message of removed.reverse()) {
    try {
      await workspace.messages.delete(message.id);
    } catch (error) {
      if (!isThreadlineError(error, "not_found")) throw error; // a concurrent request did it
    }
  }
  return fork.id;
}
