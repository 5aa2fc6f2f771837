import type { StoredMessage } from "./resources.js";

/**
 * Options of one run, given with the user messages that arm it (R22): any JSON object. The
 * `forceFresh` flag is sticky for the debounce window; every other field comes from the latest
 * message of the window that gave options.
 */
export interface RunOptions {
  /** Ask the agent for a fresh session; once set by any message of the window it stays set. */
  forceFresh?: boolean;
  [option: string]: unknown;
}

/**
 * What a run target receives when a thread's debounce window closes (R22, R24): the library
 * callback's argument and the JSON body of the webhook `POST`.
 *
 * `messages` are every user message of the thread since its last assistant message, read when the
 * run fires. `triggerId` is stable across delivery retries (the webhook's `Idempotency-Key`), so a
 * receiver dedupes redelivered runs by it.
 *
 * @example
 * ```ts
 * // A webhook receiver (Hono): start each run once; say so when the agent cannot take it.
 * app.post("/runs", async (c) => {
 *   const run = (await c.req.json()) as RunRequest;
 *   if (agentArchived) return c.json({ reason: "agent_archived" }, 409);
 *   if (await seen(c.req.header("idempotency-key"))) return c.body(null, 204);
 *   await startAgentRun(run.threadId, run.messages, { fresh: run.forceFresh, ...run.options });
 *   return c.body(null, 202);
 * });
 * ```
 */
export interface RunRequest {
  workspaceId: string;
  threadId: string;
  triggerId: string;
  messages: StoredMessage[];
  forceFresh: boolean;
  /** The window's latest options, `forceFresh` aside (`{}` when no message gave any). */
  options: Record<string, unknown>;
  /** Delivery attempt, 1 for the first (R24 retries). */
  attempt: number;
}

/**
 * `reason`s of a webhook's HTTP 409 answer that make Threadline append a system notice to the thread
 * instead of retrying (R24, seed 004: multica's agent offline / agent archived verdicts).
 */
export const RUN_DECLINE_REASONS = ["agent_offline", "agent_archived"] as const;

/** One of {@link RUN_DECLINE_REASONS}. */
export type RunDeclineReason = (typeof RUN_DECLINE_REASONS)[number];

/** The HTTP status of a webhook answer that declines a run with a JSON `{ "reason" }` (R24). */
export const RUN_DECLINE_STATUS = 409;

/** True when `value` is one of {@link RUN_DECLINE_REASONS}. */
export function isRunDeclineReason(value: unknown): value is RunDeclineReason {
  return (RUN_DECLINE_REASONS as readonly unknown[]).includes(value);
}
