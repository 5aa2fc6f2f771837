import type { RunDeclineReason, RunRequest } from "../protocol/runs.js";
import type { RunHandler } from "./inbound-options.js";
import { postRunWebhook } from "./run-webhook.js";

/** How one delivery attempt of a run went (R24). */
export type RunDeliveryOutcome =
  | { kind: "delivered" }
  | { kind: "declined"; reason: RunDeclineReason }
  | { kind: "error"; error: unknown };

/** Delivers a run to the configured targets. */
export type RunTarget = (run: RunRequest) => Promise<RunDeliveryOutcome>;

/**
 * The run target of a Threadline (R24): the library callback, then the webhook, each when
 * configured. A decline or error of the callback stops there. With neither configured (and
 * `fireRuns: true`) a run is delivered to the thread's log only: `run.triggered`, which subscribers
 * see.
 *
 * Deliveries are at least once: a retry, or a takeover after a node died mid-delivery, delivers
 * the same `triggerId` again.
 */
export function runTargets(options: {
  onRun?: RunHandler | undefined;
  runWebhook?: string | undefined;
  runWebhookTimeoutMs: number;
}): RunTarget {
  const { onRun, runWebhook, runWebhookTimeoutMs } = options;
  return async function deliverRun(run) {
    if (onRun) {
      try {
        const result = await onRun(run);
        if (result && "declined" in result) return { kind: "declined", reason: result.declined };
      } catch (error) {
        return { kind: "error", error };
      }
    }
    if (runWebhook) return postRunWebhook(runWebhook, run, runWebhookTimeoutMs);
    return { kind: "delivered" };
  };
}
