import { ThreadlineError } from "../errors.js";
import type { RunDeclineReason, RunRequest } from "../protocol/runs.js";

/**
 * A library run target (R24): called once per fired trigger with the run. Resolving delivers the
 * run; resolving `{ declined }` stands for the agent being offline or archived (a system notice is
 * appended, no retry); throwing is a failure, retried with backoff. A retry calls it again with the
 * same `triggerId`: dedupe by it. Keep it short (enqueue the run): this node renews its claim while
 * it runs, and `close()` waits for it.
 *
 * @example
 * ```ts
 * const onRun: RunHandler = async (run) => {
 *   if (!(await agents.isOnline(run.threadId))) return { declined: "agent_offline" };
 *   await jobs.enqueue({ id: run.triggerId, threadId: run.threadId, messages: run.messages });
 * };
 * ```
 */
export type RunHandler = (
  run: RunRequest,
  // biome-ignore lint/suspicious/noConfusingVoidType: `async (run) => { … }` must type-check as a handler
) => void | RunDeclined | Promise<void | RunDeclined>;

/** What a {@link RunHandler} returns to decline a run (R24). */
export interface RunDeclined {
  declined: RunDeclineReason;
}

/**
 * Settings of inbound messages and run triggers (R21–R25), part of `ThreadlineOptions`.
 *
 * @example
 * ```ts
 * const threadline = await createThreadline({
 *   database: "postgres://app@db/threadline",
 *   runDebounceMs: 3_000,
 *   runWebhook: "https://agent.internal/runs",
 *   retentionMs: 48 * 3_600_000,
 * });
 * ```
 */
export interface InboundOptions {
  /** Age in ms after which an in-flight idempotency claim may be taken over (R21; default 60 000). */
  inboundClaimStaleMs?: number;
  /** Trailing debounce of a thread's run trigger in ms (R22; default 3 000). */
  runDebounceMs?: number;
  /** Library run target (R24). */
  onRun?: RunHandler;
  /**
   * Webhook run target (R24): each run is `POST`ed as JSON with `Idempotency-Key: <triggerId>`. A
   * 2xx delivers it; 409 `{"reason":"agent_offline"|"agent_archived"}` appends a system notice;
   * anything else is retried with backoff.
   */
  runWebhook?: string;
  /**
   * Whether this instance claims and fires due run triggers (R23). Default: when `onRun` or
   * `runWebhook` is set. Without a target, `true` fires runs to the thread log only
   * (`run.triggered`), as `threadline serve` does without `--run-webhook`. An instance that does not
   * fire still arms triggers for the instances that do — so a short-lived tool (`threadline sweep`,
   * `export`, `import`) never takes a server's runs away from its target.
   */
  fireRuns?: boolean;
  /** How long one webhook request may take, in ms (default 10 000; keep it under the claim TTL). */
  runWebhookTimeoutMs?: number;
  /** Delivery attempts per trigger before it is kept as `failed` (R24; default 8). */
  runMaxAttempts?: number;
  /** First retry delay in ms (default 1 000), doubling per attempt up to `runRetryMaxMs`. */
  runRetryInitialMs?: number;
  /** Longest retry delay in ms (default 60 000). */
  runRetryMaxMs?: number;
  /** How often the database is polled for due triggers, in ms (R23; default 1 000). */
  runPollIntervalMs?: number;
  /** How long a node's claim on a trigger lasts unless renewed, in ms (R23; default 30 000). */
  runClaimTtlMs?: number;
  /** How long processed claims and finished triggers are kept, in ms (R25; default 24 h). */
  retentionMs?: number;
  /** Time between retention purges in ms (R25; default 10 min). */
  purgeIntervalMs?: number;
}

/** {@link InboundOptions} with every default applied. */
export type ResolvedInboundOptions = Required<Omit<InboundOptions, "onRun" | "runWebhook">> &
  Pick<InboundOptions, "onRun" | "runWebhook">;

/** Names of the numeric options (times in ms, and the attempt count). */
type NumericOption = Exclude<keyof InboundOptions, "onRun" | "runWebhook" | "fireRuns">;

const DEFAULTS: Readonly<Record<NumericOption, number>> = {
  inboundClaimStaleMs: 60_000,
  runDebounceMs: 3_000,
  runWebhookTimeoutMs: 10_000,
  runMaxAttempts: 8,
  runRetryInitialMs: 1_000,
  runRetryMaxMs: 60_000,
  runPollIntervalMs: 1_000,
  runClaimTtlMs: 30_000,
  retentionMs: 24 * 60 * 60 * 1_000,
  purgeIntervalMs: 10 * 60 * 1_000,
};

/**
 * Applies the defaults of {@link InboundOptions} and checks them.
 * @throws ThreadlineError `bad_request` for a negative or non-integer time, fewer than one attempt,
 *   or a webhook that is not an http(s) URL.
 */
export function resolveInboundOptions(options: InboundOptions): ResolvedInboundOptions {
  const resolved = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as NumericOption[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ThreadlineError("bad_request", `${name} must be a non-negative integer`);
    }
    resolved[name] = value;
  }
  if (resolved.runMaxAttempts < 1) {
    throw new ThreadlineError("bad_request", "runMaxAttempts must be at least 1");
  }
  if (options.runWebhook !== undefined) checkWebhookUrl(options.runWebhook);
  const hasTarget = options.onRun !== undefined || options.runWebhook !== undefined;
  return {
    ...resolved,
    fireRuns: options.fireRuns ?? hasTarget,
    onRun: options.onRun,
    runWebhook: options.runWebhook,
  };
}

function checkWebhookUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") {
    throw new ThreadlineError("bad_request", `runWebhook must be an http(s) URL, got ${url}`);
  }
}
