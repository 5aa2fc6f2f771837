import type { MessageRole, MessageStatus, UIMessage } from "../message/types.js";
import { primeThreadEventDataJson } from "../protocol/event-json.js";
import type { ThreadEvent } from "../protocol/events.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";
import { eventPayloadText } from "./event-payload.js";
import type { InboundClaimRecord, RunTrigger, RunTriggerStatus } from "./inbound-records.js";
import type { EventRow, InboundClaimRow, MessageRow, RunTriggerRow, ThreadRow } from "./schema.js";

/** Parses a JSON text column; `null` stays `null`. */
export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Serializes a value for a JSON text column; `undefined` and `null` become SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Maps a `threads` row to the API resource. */
export function toThread(row: ThreadRow): Thread {
  return {
    id: row.id,
    title: row.title,
    metadata: parseJson(row.metadata),
    forkedFrom:
      row.forked_from_thread_id === null
        ? null
        : { threadId: row.forked_from_thread_id, seq: Number(row.forked_from_seq) },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    headSeq: Number(row.head_seq),
  };
}

/** Maps a `messages` row plus its current parts and metadata to the API resource. */
export function toStoredMessage(row: MessageRow, content: Pick<UIMessage, "parts" | "metadata">) {
  const message: StoredMessage = {
    id: row.id,
    role: row.role as MessageRole,
    parts: content.parts,
    ...(content.metadata === undefined || content.metadata === null
      ? {}
      : { metadata: content.metadata }),
    threadId: row.thread_id,
    status: row.status as MessageStatus,
    revision: Number(row.revision),
    createdSeq: Number(row.created_seq),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    ...(row.error_text === null ? {} : { errorText: row.error_text }),
  };
  return message;
}

/**
 * Maps an `events` row to a {@link ThreadEvent}; its payload text (inflated when compaction deflated
 * it) becomes the event's data JSON, so a viewer catching up from the log gets a frame without the
 * data serialized again.
 */
export function toEvent(row: EventRow): ThreadEvent {
  const payload = eventPayloadText(row);
  const event = {
    type: row.type,
    threadId: row.thread_id,
    seq: Number(row.seq),
    messageId: row.message_id,
    revision: row.revision === null ? null : Number(row.revision),
    createdAt: Number(row.created_at),
    data: JSON.parse(payload),
  } as ThreadEvent;
  primeThreadEventDataJson(event, payload);
  return event;
}

/** Maps a `run_triggers` row to a {@link RunTrigger}. */
export function toRunTrigger(row: RunTriggerRow): RunTrigger {
  const nullableNumber = (value: number | null) => (value === null ? null : Number(value));
  return {
    workspaceId: row.workspace_id,
    threadId: row.thread_id,
    triggerId: row.trigger_id,
    generation: Number(row.generation),
    status: row.status as RunTriggerStatus,
    dueAt: Number(row.due_at),
    options: parseJson<Record<string, unknown>>(row.options) ?? {},
    forceFresh: Number(row.force_fresh) === 1,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    claimOwner: row.claim_owner,
    claimExpiresAt: nullableNumber(row.claim_expires_at),
    armedBy: row.armed_by,
    createdAt: Number(row.created_at),
    firedAt: nullableNumber(row.fired_at),
    finishedAt: nullableNumber(row.finished_at),
  };
}

/** Maps an `inbound_claims` row to an {@link InboundClaimRecord}. */
export function toInboundClaim(row: InboundClaimRow): InboundClaimRecord {
  return {
    key: row.idempotency_key,
    threadId: row.thread_id,
    token: row.token,
    status: row.status as InboundClaimRecord["status"],
    messageId: row.message_id,
    claimedAt: Number(row.claimed_at),
    processedAt: row.processed_at === null ? null : Number(row.processed_at),
  };
}
