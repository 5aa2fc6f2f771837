import type { ThreadEvent } from "../protocol/events.js";
import type { StoredMessage } from "../protocol/resources.js";
import type {
  ArmedTrigger,
  ClaimInboundInput,
  ClaimRunTriggersInput,
  InboundClaim,
  InboundMessageInput,
  PurgeCounts,
  RunCompletion,
  RunTrigger,
} from "./inbound-records.js";

/**
 * The inbound area of the `Store` (R21–R25): idempotency claims, so a message posted with a key
 * is stored at most once (R21); the durable run trigger each stored user message arms (R22),
 * claimed by one node at a time and completed under a generation fence (R23, R24); and the purge
 * of old claims and finished triggers (R25). Its shapes are in `inbound-records.ts`.
 *
 * @example
 * ```ts
 * async function claimOnce(inbound: InboundStore, input: ClaimInboundInput, now: number) {
 *   const claim = await inbound.claimInbound("default", input, now);
 *   return claim.kind === "claimed" ? claim.token : undefined; // else replay or 409 (R21)
 * }
 * ```
 */
export interface InboundStore {
  /**
   * Claims an idempotency key for a request (R21): inserts a `processing` claim with the request's
   * token; finding a processed claim answers `processed` (a processed claim never changes hands);
   * finding a `processing` claim answers `in_flight`, unless it was taken before `staleBefore`, when
   * it is taken over with the new token (guarded by the old token, so one taker wins).
   */
  claimInbound(workspaceId: string, input: ClaimInboundInput, now: number): Promise<InboundClaim>;
  /**
   * Releases a claim after a failure before its message was stored (R21), guarded by the token and
   * `status = processing`. @returns false when the claim was taken over or is gone.
   */
  releaseInbound(workspaceId: string, key: string, token: string): Promise<boolean>;
  /**
   * Stores a complete message with its `message.created` event, marks its idempotency claim
   * processed (guarded by token and `status = processing`) and arms its thread's run trigger — all
   * in one transaction (R21, R22).
   * @throws ThreadlineError `conflict` with `details.reason = "taken_over"` when the claim changed
   *   hands (nothing is stored); `not_found` (thread), `conflict` (message id taken).
   */
  appendInbound(
    workspaceId: string,
    input: InboundMessageInput,
    now: number,
  ): Promise<{ message: StoredMessage; event: ThreadEvent; trigger?: ArmedTrigger }>;

  /**
   * Claims up to `limit` run triggers in one guarded statement (R23): due `pending`/`retrying` ones
   * and `claimed` ones whose claim expired (their node is gone), plus with `armedBy` every pending
   * trigger that node armed. Each claim bumps the trigger's generation. Rows another transaction
   * holds are skipped where the backend can (`skipLocked`).
   */
  claimRunTriggers(input: ClaimRunTriggersInput): Promise<RunTrigger[]>;
  /** Extends every claim `owner` holds to `expiresAt` (deliveries in progress). @returns how many. */
  renewRunClaims(owner: string, expiresAt: number): Promise<number>;
  /**
   * Ends a claimed trigger's delivery attempt (R22–R24), guarded by trigger id, claim owner,
   * generation and `status = claimed` — the generation fence: a completion for a claim that expired
   * and was taken over (or any older claim) matches nothing and changes nothing (`applied: false`).
   * @returns the committed events (`run.triggered`, or the notice's `message.created`).
   */
  completeRunTrigger(
    trigger: RunTrigger,
    completion: RunCompletion,
    now: number,
  ): Promise<{ applied: boolean; events: ThreadEvent[] }>;
  /**
   * The messages of a run (R22): every user message since the thread's last assistant message, in
   * order. @returns undefined when the thread does not exist.
   */
  readRunMessages(workspaceId: string, threadId: string): Promise<StoredMessage[] | undefined>;
  /** The earliest time (ms) a trigger becomes claimable (due, or its claim expires), if any. */
  nextRunDueAt(): Promise<number | undefined>;
  /**
   * Deletes processed claims and finished triggers (`fired`, `declined`, `failed`) older than
   * `before`, and claims abandoned `processing` since before it (R25).
   */
  purgeInbound(before: number): Promise<PurgeCounts>;
}
