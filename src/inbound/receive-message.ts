import type { Clock, IdGenerator } from "../clock.js";
import { isThreadlineError, ThreadlineError } from "../errors.js";
import type { UIMessage } from "../message/types.js";
import type { EventHub } from "../observe.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { RunOptions } from "../protocol/runs.js";
import type { ArmedTrigger, ArmTriggerInput } from "../store/inbound-records.js";
import type { CreateMessageInput, Store } from "../store/store.js";
import { checkIdempotencyKey, splitRunOptions } from "./inbound-input.js";

/** What {@link receiveMessage} needs from the running Threadline. */
export interface InboundDeps {
  store: Store;
  clock: Clock;
  generateId: IdGenerator;
  events: EventHub;
  /** This process's node id (arms triggers as `armed_by`, R23). */
  nodeId: string;
  /** Age after which an in-flight claim may be taken over, ms (R21). */
  claimStaleMs: number;
  /** Trailing debounce of run triggers, ms (R22). */
  runDebounceMs: number;
  /** Told of every armed trigger, after commit: the scheduler's timer hint (R23). */
  onArmed(workspaceId: string, threadId: string, trigger: ArmedTrigger): void;
}

/** Options of appending one complete message (R21, R22). */
export interface AppendOptions {
  /**
   * Stores the message at most once per (workspace, key) (R21): a repeat answers the original
   * message; a repeat while the first is in flight is refused with `conflict`.
   */
  idempotencyKey?: string;
  /** Options of the run this user message (re)arms (R22); ignored for other roles. */
  run?: RunOptions;
}

/**
 * The result of appending a message: the stored message (as the app's `MESSAGE`, see
 * {@link StoredMessage}) and whether it was a replay (R21).
 */
export interface AppendResult<MESSAGE extends UIMessage = UIMessage> {
  message: StoredMessage<MESSAGE>;
  /** True when the idempotency key had already stored this message (HTTP answers 200, not 201). */
  replayed: boolean;
}

/**
 * Stores one complete inbound message (seed 004: multica's dispatcher, steps claim → append →
 * mark, plus the durable run trigger it lacked):
 *
 * 1. with an idempotency key, claim it (R21): a processed key replays its original message; a key
 *    in flight is refused; a stale claim is taken over;
 * 2. in one transaction: the message and its `message.created` event, the claim marked processed
 *    (guarded by this request's token — a claim taken over meanwhile rolls the message back), and
 *    for a user message its thread's run trigger (re)armed `runDebounceMs` from now (R22);
 * 3. a failure before the message is stored releases the claim, so the key can be retried.
 *
 * The store publishes its events once they committed (R10).
 *
 * @throws ThreadlineError `bad_request` (key, run options), `not_found` (thread), `conflict` (key in
 *   flight, taken over, used for another thread, its message deleted; message id taken).
 */
export async function receiveMessage(
  deps: InboundDeps,
  workspaceId: string,
  message: CreateMessageInput,
  options: AppendOptions = {},
): Promise<AppendResult> {
  const run = splitRunOptions(options.run);
  const key = options.idempotencyKey;
  if (key !== undefined) checkIdempotencyKey(key);
  const now = deps.clock.now();
  const arm: ArmTriggerInput | undefined =
    message.role === "user"
      ? {
          triggerId: deps.generateId(),
          dueAt: now + deps.runDebounceMs,
          options: run.options,
          forceFresh: run.forceFresh,
          armedBy: deps.nodeId,
        }
      : undefined;

  if (key === undefined) return store(deps, workspaceId, { message, ...(arm ? { arm } : {}) });

  const token = crypto.randomUUID();
  const claim = await deps.store.claimInbound(
    workspaceId,
    { key, threadId: message.threadId, token, staleBefore: now - deps.claimStaleMs },
    now,
  );
  if (claim.kind === "processed") return replay(deps, workspaceId, key, message.threadId, claim);
  if (claim.kind === "in_flight") {
    deps.events.emit("inbound:conflict", { workspaceId, key, reason: "in_flight" });
    throw new ThreadlineError(
      "conflict",
      `a request with idempotency key ${JSON.stringify(key)} is in flight; retry after it finished`,
      { details: { reason: "in_flight" } },
    );
  }
  if (claim.tookOver) deps.events.emit("inbound:taken-over", { workspaceId, key });
  try {
    return await store(deps, workspaceId, {
      message,
      claim: { key, token },
      ...(arm ? { arm } : {}),
    });
  } catch (error) {
    if (isThreadlineError(error, "conflict") && error.details?.reason === "taken_over") {
      deps.events.emit("inbound:conflict", { workspaceId, key, reason: "taken_over" });
    } else {
      // Nothing was stored: free the key for a retry (guarded; a no-op if it changed hands).
      await deps.store.releaseInbound(workspaceId, key, token).catch(() => {});
    }
    throw error;
  }
}

async function store(
  deps: InboundDeps,
  workspaceId: string,
  input: Parameters<Store["appendInbound"]>[1],
): Promise<AppendResult> {
  const { message, trigger } = await deps.store.appendInbound(workspaceId, input, deps.clock.now());
  if (trigger) {
    deps.events.emit("run:armed", { workspaceId, threadId: message.threadId, ...trigger });
    deps.onArmed(workspaceId, message.threadId, trigger);
  }
  return { message, replayed: false };
}

async function replay(
  deps: InboundDeps,
  workspaceId: string,
  key: string,
  threadId: string,
  claim: { threadId: string; messageId: string },
): Promise<AppendResult> {
  const conflict = (reason: "other_thread" | "deleted", text: string) => {
    deps.events.emit("inbound:conflict", { workspaceId, key, reason });
    return new ThreadlineError("conflict", text, { details: { reason } });
  };
  if (claim.threadId !== threadId) {
    throw conflict(
      "other_thread",
      `idempotency key ${JSON.stringify(key)} was already used for a message of another thread`,
    );
  }
  const original = await deps.store.getMessage(workspaceId, claim.messageId);
  if (!original) {
    throw conflict(
      "deleted",
      `idempotency key ${JSON.stringify(key)} already stored message ${claim.messageId}, which was deleted since`,
    );
  }
  deps.events.emit("inbound:replayed", { workspaceId, key, messageId: original.id });
  return { message: original, replayed: true };
}
