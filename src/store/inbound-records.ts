/**
 * Storage-side shapes of the inbound subsystem (R21–R25): idempotency claims and run triggers, as
 * the {@link Store} reads and writes them.
 */
import type { CreateMessageInput } from "./store.js";

/**
 * The outcome of claiming an idempotency key (R21):
 * - `claimed` — this request holds the key under `token` (a fresh claim, or a stale one it took
 *   over: `tookOver`) and may store the message;
 * - `processed` — a message was stored under the key before: replay it;
 * - `in_flight` — another request holds the key and its claim is not stale yet.
 */
export type InboundClaim =
  | { kind: "claimed"; token: string; tookOver: boolean }
  | { kind: "processed"; threadId: string; messageId: string }
  | { kind: "in_flight"; claimedAt: number };

/** Input of {@link Store.claimInbound}. */
export interface ClaimInboundInput {
  /** The idempotency key (unique per workspace). */
  key: string;
  threadId: string;
  /** A new random token identifying this request's claim. */
  token: string;
  /** A `processing` claim taken before this time (ms) is stale and may be taken over. */
  staleBefore: number;
}

/** A stored idempotency claim, as `getInboundClaim` (`queries/read-inbound.ts`) reads it. */
export interface InboundClaimRecord {
  key: string;
  threadId: string;
  token: string;
  status: "processing" | "processed";
  messageId: string | null;
  claimedAt: number;
  processedAt: number | null;
}

/** How a stored user message arms its thread's run trigger (R22), in the message's transaction. */
export interface ArmTriggerInput {
  /** The id of the trigger if this arm creates one; ignored when it re-arms a pending one. */
  triggerId: string;
  /** When the debounce window closes (ms). */
  dueAt: number;
  /** The message's run options (`forceFresh` aside); `null` keeps the window's options. */
  options: Record<string, unknown> | null;
  /** OR-ed into the window's sticky flag. */
  forceFresh: boolean;
  /** The arming node: its graceful shutdown fires the trigger at once (R23). */
  armedBy: string;
}

/** The pending trigger an arm created or moved. */
export interface ArmedTrigger {
  triggerId: string;
  generation: number;
  dueAt: number;
}

/** Input of {@link Store.appendInbound}: a complete message, its claim and its trigger. */
export interface InboundMessageInput {
  message: CreateMessageInput;
  /** The idempotency claim this request holds, marked processed with the message (R21). */
  claim?: { key: string; token: string };
  /** Arms the thread's run trigger with the message (R22; user messages). */
  arm?: ArmTriggerInput;
}

/** States of a run trigger; see `RunTriggerRow`. */
export type RunTriggerStatus = "pending" | "claimed" | "retrying" | "fired" | "declined" | "failed";

/** A run trigger (R22–R24). Times are ms since the epoch. */
export interface RunTrigger {
  workspaceId: string;
  threadId: string;
  triggerId: string;
  /** Grows on every re-arm and claim: a completion must name the generation it claimed. */
  generation: number;
  status: RunTriggerStatus;
  dueAt: number;
  options: Record<string, unknown>;
  forceFresh: boolean;
  /** Completed delivery attempts (failed ones, or the one that finished it). */
  attempts: number;
  lastError: string | null;
  claimOwner: string | null;
  claimExpiresAt: number | null;
  armedBy: string | null;
  createdAt: number;
  firedAt: number | null;
  finishedAt: number | null;
}

/** Input of {@link Store.claimRunTriggers}. */
export interface ClaimRunTriggersInput {
  /** The claiming node. */
  owner: string;
  now: number;
  /** Until when the claim holds (ms); another node may take it over afterwards (R23). */
  claimExpiresAt: number;
  limit: number;
  /** Also claim every `pending` trigger this node armed, due or not (graceful shutdown, R23). */
  armedBy?: string;
}

/**
 * How a claimed trigger ends its delivery attempt:
 * - `fired` — delivered; appends `run.triggered`;
 * - `declined` — the agent is offline or archived; appends the system `notice` (R24);
 * - `retry` — failed; due again at `dueAt` (R24 backoff);
 * - `failed` — failed for the last time (kept, never silently lost).
 */
export type RunCompletion =
  | { kind: "fired"; messageIds: string[] }
  | { kind: "declined"; reason: string; notice: CreateMessageInput }
  | { kind: "retry"; dueAt: number; error: string }
  | { kind: "failed"; error: string };

/** What {@link Store.purgeInbound} deleted (R25). */
export interface PurgeCounts {
  claims: number;
  triggers: number;
}
