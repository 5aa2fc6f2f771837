/**
 * Row types of Threadline's schema, as Kysely sees them. One schema serves SQLite and PostgreSQL
 * (SPEC R26): ids and JSON are `text`, times are integer milliseconds since the epoch, offsets are
 * integers. JSON is stored as text (not `jsonb`) so bytes written are exactly what was serialized.
 *
 * The hot, small columns of a message (`messages`) live apart from its large parts JSON
 * (`message_bodies`): a streaming tick bumps `messages.revision` under the R15 guard without
 * rewriting the parts, which keeps bytes written per streamed character O(1) (R9).
 */
export interface Database {
  workspaces: WorkspaceRow;
  threads: ThreadRow;
  messages: MessageRow;
  message_bodies: MessageBodyRow;
  events: EventRow;
  inbound_claims: InboundClaimRow;
  run_triggers: RunTriggerRow;
  nodes: NodeRow;
  thread_deletions: ThreadDeletionRow;
}

/** A tenant. Every other row carries its `workspace_id`. */
export interface WorkspaceRow {
  id: string;
  created_at: number;
}

/**
 * A conversation; `head_seq` is the seq of its newest event (0 when it has none), `compacted_seq`
 * the highest seq compaction removed from its log (0: none; R32, migration 4).
 */
export interface ThreadRow {
  workspace_id: string;
  id: string;
  title: string | null;
  metadata: string | null;
  forked_from_thread_id: string | null;
  forked_from_seq: number | null;
  head_seq: number;
  compacted_seq: number;
  created_at: number;
  updated_at: number;
}

/**
 * The small, frequently updated columns of a message (status, revision, writer lease).
 * `compacted_at` (ms, migration 4) is set once compaction removed its last `message.delta` (R32).
 */
export interface MessageRow {
  workspace_id: string;
  id: string;
  thread_id: string;
  role: string;
  status: string;
  revision: number;
  created_seq: number;
  error_text: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  compacted_at: number | null;
}

/**
 * The materialized parts of a message as of `revision` (log offset `seq`). While a message streams,
 * newer revisions are `message.delta` events in the log; `fold_state` holds the fold's open-part
 * bookkeeping so a reader can apply them (R9). Once log compaction (R32) finished with a message,
 * `parts` is {@link PARTS_IN_LOG} and `metadata` null: the event at `seq` (its `message.finished`,
 * or the `message.created` of a message appended complete) holds them, so the final text is
 * stored once (issue 8 item 3).
 */
export interface MessageBodyRow {
  workspace_id: string;
  message_id: string;
  parts: string;
  metadata: string | null;
  fold_state: string | null;
  revision: number;
  seq: number;
}

/**
 * One entry of a thread's append-only event log; `seq` is dense per thread (SPEC §1). `payload` is
 * the event's data JSON — or, once log compaction deflated it (migration 5, R32), the empty string
 * with the JSON in `payload_deflated` (raw DEFLATE); read both through `eventPayloadText`.
 */
export interface EventRow {
  workspace_id: string;
  thread_id: string;
  seq: number;
  type: string;
  message_id: string | null;
  revision: number | null;
  payload: string;
  payload_deflated: Uint8Array | null;
  created_at: number;
}

/**
 * An idempotency-key claim for an inbound message (R21). `status` is `processing` while its holder
 * (the request owning `token`) stores the message, then `processed` with `message_id` for good.
 */
export interface InboundClaimRow {
  workspace_id: string;
  idempotency_key: string;
  thread_id: string;
  token: string;
  status: string;
  message_id: string | null;
  claimed_at: number;
  processed_at: number | null;
}

/**
 * A durable, debounced run trigger (R22–R24). `status`: `pending` (armed; at most one per thread,
 * re-armed by each user message), `claimed` (a node is delivering it until `claim_expires_at`),
 * `retrying` (a delivery failed; due again at `due_at`), then one final state: `fired`, `declined`
 * (the agent is offline or archived) or `failed` (attempts exhausted). `generation` grows on every
 * re-arm and claim: the fence of a completion.
 */
export interface RunTriggerRow {
  workspace_id: string;
  thread_id: string;
  trigger_id: string;
  generation: number;
  status: string;
  due_at: number;
  options: string | null;
  claim_owner: string | null;
  claim_expires_at: number | null;
  created_at: number;
  fired_at: number | null;
  /** 1 when any message of the window asked for a fresh session (sticky, R22). */
  force_fresh: number;
  attempts: number;
  last_error: string | null;
  armed_by: string | null;
  finished_at: number | null;
}

/**
 * A running Threadline node (R31, migration 3): its node id (the owner of its writer leases, R18),
 * the incarnation (random per process start) that last registered it, and when that process
 * started and last beat its heartbeat (ms, the node's clock). A row whose heartbeat is older than
 * the node timeout is a dead node's: another node takes over its streaming messages and deletes it.
 */
export interface NodeRow {
  node_id: string;
  incarnation: string;
  started_at: number;
  heartbeat_at: number;
}

/**
 * A thread being deleted in bounded batches (R20, R25; migration 4): written in the transaction
 * that deletes its `threads` row, deleted with the last of its rows. While it exists no write can
 * reach the thread and its id cannot be taken again.
 */
export interface ThreadDeletionRow {
  workspace_id: string;
  thread_id: string;
  started_at: number;
}

/**
 * The `message_bodies.parts` of a compacted message: the JSON `null`, never a message's parts (an
 * array). Its parts and metadata are read from the event at the body's `seq` (R32).
 */
export const PARTS_IN_LOG = "null";
