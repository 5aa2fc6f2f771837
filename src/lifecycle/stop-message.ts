import type { Clock, TimerHandle } from "../clock.js";
import { isThreadlineError, ThreadlineError } from "../errors.js";
import type { EventHub } from "../observe.js";
import { STOP_REASON } from "../protocol/events.js";
import type { StopResult, StoredMessage } from "../protocol/resources.js";
import type { StopRequest, Store } from "../store/store.js";
import type { Subscription } from "../subscription/subscription.js";
import type { CoalescingWriter } from "../writer/coalescing-writer.js";
import { MessageWriter } from "../writer/message-writer.js";

/** What stopping needs of a running Threadline. */
export interface StopDeps {
  store: Store;
  writer: CoalescingWriter;
  clock: Clock;
  hub: EventHub;
  /** How long to wait for another node to end a message it writes (ms). */
  stopTimeoutMs: number;
  subscribe(workspaceId: string, threadId: string, after: number): Subscription;
}

/**
 * Stops a thread's streaming message, or the message `messageId` of that thread (R28).
 *
 * - Written by this process: its `abort` chunk is accepted and committed like any terminal chunk
 *   (R4, R16: partial parts kept, unresolved tool calls get a synthetic `output-error`), then the
 *   producer's {@link MessageWriter.signal} aborts, which cancels the generation.
 * - Written by another node (PostgreSQL): a stop request travels the `LISTEN/NOTIFY` channel to the
 *   lease holder, which does the above; this call waits up to `stopTimeoutMs` for the message's
 *   `message.finished` event.
 * - Written by nobody (its lease expired, or a SQLite file, where this process is the only writer):
 *   finalized `aborted` here with a guarded write (R18's guard).
 * - Not streaming: a no-op answer (`stopped: false`), never an error.
 *
 * Every viewer sees the `message.finished` event (R10–R12). A `finish` racing the stop decides the
 * outcome by commit order: whichever terminal write is accepted first wins (R16: exactly one).
 *
 * @throws ThreadlineError `not_found` (thread, or message not in that thread); storage errors of
 *   the abort's commit (R4).
 */
export async function stopMessage(
  deps: StopDeps,
  workspaceId: string,
  threadId: string,
  options: { messageId?: string } = {},
): Promise<StopResult> {
  const target = await findTarget(deps, workspaceId, threadId, options.messageId);
  if (!target) return { stopped: false, message: null };
  const local = await stopLocalWriter(deps.writer, workspaceId, target.id);
  if (local) return local;
  if (target.status !== "streaming") return { stopped: false, message: target };
  if (
    deps.store.capabilities.crossProcessNotify &&
    !(await leaseExpired(deps, workspaceId, target))
  ) {
    return stopRemoteWriter(deps, workspaceId, target);
  }
  return abortOrphan(deps, workspaceId, target);
}

/**
 * Stops a message this process is writing: accepts its `abort` chunk, then aborts the producer's
 * signal (R28). Undefined when this process holds no open writer of the message.
 */
export async function stopLocalWriter(
  writer: CoalescingWriter,
  workspaceId: string,
  messageId: string,
): Promise<StopResult | undefined> {
  const pending = writer.get(workspaceId, messageId);
  if (!pending || pending.closed) return undefined;
  const handle = new MessageWriter(writer, pending);
  if (handle.closed) {
    // A terminal chunk won the race (R16): let it commit and report it.
    await handle.flush();
    return { stopped: false, message: handle.message };
  }
  const ending = handle.abort(STOP_REASON); // accepted synchronously: the producer's next write fails
  pending.requestStop(STOP_REASON);
  try {
    await ending;
  } catch (error) {
    if (!isThreadlineError(error, "message_finalized")) throw error;
  }
  return { stopped: pending.terminal?.status === "aborted", message: handle.message };
}

async function findTarget(
  deps: StopDeps,
  workspaceId: string,
  threadId: string,
  messageId: string | undefined,
): Promise<StoredMessage | undefined> {
  if (messageId !== undefined) {
    const message = await deps.store.getMessage(workspaceId, messageId);
    if (!message || message.threadId !== threadId) {
      throw new ThreadlineError(
        "not_found",
        `message ${messageId} not found in thread ${threadId}`,
      );
    }
    return message;
  }
  const snapshot = await deps.store.readSnapshot(workspaceId, threadId);
  if (!snapshot) throw new ThreadlineError("not_found", `thread ${threadId} not found`);
  return snapshot.messages.findLast((m) => m.status === "streaming");
}

async function leaseExpired(
  deps: StopDeps,
  workspaceId: string,
  message: StoredMessage,
): Promise<boolean> {
  const lease = await deps.store.getLease(workspaceId, message.id);
  return lease?.expiresAt == null || lease.expiresAt < deps.clock.now();
}

/** Asks the lease holder on another node to stop, and waits for the message to end (R28). */
async function stopRemoteWriter(
  deps: StopDeps,
  workspaceId: string,
  target: StoredMessage,
): Promise<StopResult> {
  const thread = await deps.store.getThread(workspaceId, target.threadId);
  if (!thread) throw new ThreadlineError("not_found", `thread ${target.threadId} not found`);
  const subscription = deps.subscribe(workspaceId, target.threadId, thread.headSeq);
  const timer = timeoutOf(deps.clock, deps.stopTimeoutMs, () => subscription.close());
  try {
    const request: StopRequest = { workspaceId, threadId: target.threadId, messageId: target.id };
    await deps.store.announceStop(request);
    const now = await deps.store.getMessage(workspaceId, target.id);
    // The lease holder may have aborted it already: the same answer as when its event arrives.
    if (now?.status !== "streaming") {
      return { stopped: now?.status === "aborted", message: now ?? null };
    }
    for await (const item of subscription) {
      if (item.type === "message.finished" && item.messageId === target.id) break;
      if (item.type === "message.deleted" && item.messageId === target.id) break;
    }
  } finally {
    timer.cancel();
    subscription.close();
  }
  const final = await deps.store.getMessage(workspaceId, target.id);
  if (final?.status === "streaming") {
    if (await leaseExpired(deps, workspaceId, final)) return abortOrphan(deps, workspaceId, final);
    return { stopped: false, message: final };
  }
  return { stopped: final?.status === "aborted", message: final ?? null };
}

/** Finalizes `aborted` a message no live writer holds (guarded, R18; SQLite: R31). */
async function abortOrphan(
  deps: StopDeps,
  workspaceId: string,
  target: StoredMessage,
): Promise<StopResult> {
  const now = deps.clock.now();
  const event = await deps.store.abortOrphan(workspaceId, target.id, now, {
    leaseExpiredBefore: deps.store.capabilities.crossProcessNotify ? now : Number.MAX_SAFE_INTEGER,
    chunk: { type: "abort", reason: STOP_REASON },
  });
  const final = await deps.store.getMessage(workspaceId, target.id);
  return { stopped: event !== undefined, message: final ?? null };
}

function timeoutOf(clock: Clock, delayMs: number, onTimeout: () => void): { cancel(): void } {
  const handle: TimerHandle = clock.setTimeout(onTimeout, delayMs);
  return { cancel: () => clock.clearTimeout(handle) };
}
