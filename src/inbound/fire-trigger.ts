import type { Clock, IdGenerator } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { RunRequest } from "../protocol/runs.js";
import type { RunCompletion, RunTrigger } from "../store/inbound-records.js";
import type { Store } from "../store/store.js";
import { retryDelayMs } from "./retry-delay.js";
import { runNoticeMessage } from "./run-notices.js";
import type { RunDeliveryOutcome, RunTarget } from "./run-targets.js";

/** What firing a claimed trigger needs. */
export interface FireContext {
  store: Store;
  clock: Clock;
  events: EventHub;
  generateId: IdGenerator;
  deliver: RunTarget;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

/**
 * Makes one delivery attempt of a trigger this node claimed (R22–R24; seed 004's `flushChatRun`):
 * reads the run's messages now (every user message since the last assistant message), delivers
 * `{ workspaceId, threadId, triggerId, messages, forceFresh, options, attempt }`, and completes the
 * trigger under the generation fence — `fired` with a `run.triggered` event, `declined` with a
 * system notice, or after a failure `retrying` with backoff, `failed` after the last attempt. Every
 * failure is emitted as `run:failed`. A completion that loses the fence (the claim expired and was
 * taken over) writes nothing and emits `run:fenced`.
 *
 * @throws storage errors of the completion; the claim then expires and the trigger is fired again.
 */
export async function fireTrigger(ctx: FireContext, trigger: RunTrigger): Promise<void> {
  const messages = await ctx.store.readRunMessages(trigger.workspaceId, trigger.threadId);
  if (!messages) return; // The thread was deleted, and its triggers with it.
  const attempt = trigger.attempts + 1;
  const run: RunRequest = {
    workspaceId: trigger.workspaceId,
    threadId: trigger.threadId,
    triggerId: trigger.triggerId,
    messages,
    forceFresh: trigger.forceFresh,
    options: trigger.options,
    attempt,
  };
  const outcome = await ctx.deliver(run);
  const completion = completionOf(ctx, trigger, outcome, attempt, run);
  const ids = { workspaceId: trigger.workspaceId, threadId: trigger.threadId };
  if (outcome.kind === "error") {
    ctx.events.emit("run:failed", {
      ...ids,
      triggerId: trigger.triggerId,
      attempt,
      error: outcome.error,
      retryInMs: completion.kind === "retry" ? completion.dueAt - ctx.clock.now() : null,
    });
  }
  const { applied } = await ctx.store.completeRunTrigger(trigger, completion, ctx.clock.now());
  if (!applied) {
    ctx.events.emit("run:fenced", {
      ...ids,
      triggerId: trigger.triggerId,
      generation: trigger.generation,
    });
    return;
  }
  if (completion.kind === "fired") {
    ctx.events.emit("run:fired", {
      ...ids,
      triggerId: trigger.triggerId,
      attempt,
      messages: messages.length,
    });
  } else if (completion.kind === "declined") {
    ctx.events.emit("run:notice", {
      ...ids,
      triggerId: trigger.triggerId,
      reason: completion.reason,
    });
  }
}

function completionOf(
  ctx: FireContext,
  trigger: RunTrigger,
  outcome: RunDeliveryOutcome,
  attempt: number,
  run: RunRequest,
): RunCompletion {
  switch (outcome.kind) {
    case "delivered":
      return { kind: "fired", messageIds: run.messages.map((m) => m.id) };
    case "declined":
      return {
        kind: "declined",
        reason: outcome.reason,
        notice: runNoticeMessage(
          trigger.threadId,
          ctx.generateId(),
          outcome.reason,
          trigger.triggerId,
        ),
      };
    case "error": {
      const error = errorText(outcome.error);
      if (attempt >= ctx.maxAttempts) return { kind: "failed", error };
      const delay = retryDelayMs(attempt, ctx.retryInitialMs, ctx.retryMaxMs);
      return { kind: "retry", dueAt: ctx.clock.now() + delay, error };
    }
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 1_000);
}
