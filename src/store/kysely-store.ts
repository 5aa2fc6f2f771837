import { sql, type Transaction } from "kysely";
import { ThreadlineError } from "../errors.js";
import type { UIMessageChunk } from "../message/types.js";
import { RESTART_REASON, type ThreadEvent } from "../protocol/events.js";
import type { StoredMessage } from "../protocol/resources.js";
import type {
  ClaimInboundInput,
  ClaimRunTriggersInput,
  InboundMessageInput,
  RunCompletion,
  RunTrigger,
} from "./inbound-records.js";
import { migrateToLatest } from "./migrate.js";
import type { NodeIncarnation } from "./node-records.js";
import { abortNodeOrphans } from "./queries/abort-node-orphans.js";
import { armRunTrigger } from "./queries/arm-run-trigger.js";
import { beatHeartbeat } from "./queries/beat-heartbeat.js";
import { claimInbound } from "./queries/claim-inbound.js";
import { claimRunTriggers } from "./queries/claim-run-triggers.js";
import { commitWrites } from "./queries/commit-writes.js";
import { compactDeltas } from "./queries/compact-deltas.js";
import { completeRunTrigger } from "./queries/complete-run-trigger.js";
import { createMessage } from "./queries/create-message.js";
import { deleteMessage } from "./queries/delete-message.js";
import {
  beginThreadDeletion,
  deleteThreadRows,
  listThreadDeletions,
} from "./queries/delete-thread-rows.js";
import { findExpiredThreads } from "./queries/find-expired-threads.js";
import { type ForkPoint, forkThread } from "./queries/fork-thread.js";
import {
  abortOrphanedMessage,
  findExpiredLeases,
  readLease,
  renewLeases,
  sweepExpiredLease,
} from "./queries/leases.js";
import { markInboundProcessed } from "./queries/mark-inbound.js";
import { purgeInbound } from "./queries/purge-inbound.js";
import { readEventRange } from "./queries/read-events.js";
import { nextRunDueAt } from "./queries/read-inbound.js";
import { readMessage, readThreadMessages } from "./queries/read-messages.js";
import { findStaleNodes, listNodes } from "./queries/read-nodes.js";
import { readRunMessages } from "./queries/read-run-messages.js";
import { registerNode } from "./queries/register-node.js";
import { releaseInbound } from "./queries/release-inbound.js";
import { removeNode } from "./queries/remove-node.js";
import { renewRunClaims } from "./queries/renew-run-claims.js";
import { takeOverNode } from "./queries/take-over-node.js";
import { createThread, getThread, listThreads, readLogBounds } from "./queries/threads.js";
import type { Database } from "./schema.js";
import type {
  CommitSink,
  CreateMessageInput,
  CreateThreadInput,
  ExpiredThreadQuery,
  MessageWrite,
  RemoteCommit,
  RemoteHandlers,
  StopRequest,
  Store,
  SweepScope,
  ThreadSnapshot,
  WorkspaceEvent,
  WriteOutcome,
} from "./store.js";
import type { StoreDriver } from "./store-driver.js";

/**
 * The {@link Store} over any {@link StoreDriver}: the same queries for SQLite and PostgreSQL (R26).
 * Every write that appends events announces them to other processes in the same transaction, so an
 * announcement is only ever seen for a committed event, and hands them to the local sink once the
 * transaction committed (R10).
 *
 * One class with a section per area of the {@link Store} (the connection, then `ThreadStore`,
 * `MessageStore`, `EventLogStore`, `LeaseStore`, `InboundStore`, `NodeStore`,
 * `NotificationStore`), each method a transaction around one guarded query of `queries/` and the
 * announcement of what it committed.
 *
 * @example
 * ```ts
 * const store = new KyselyStore(await openSqliteDriver(":memory:"));
 * await store.migrate();
 * ```
 */
export class KyselyStore implements Store {
  readonly capabilities;
  /** Where committed events go ({@link attachSink}); none until attached. */
  private sink: CommitSink | undefined;

  /**
   * @param driver what differs between backends; read-only here, and open to test support, which
   *   inspects tables no {@link Store} method reads (`test/support/inspect-store.ts`).
   */
  constructor(readonly driver: StoreDriver) {
    this.capabilities = driver.capabilities;
  }

  // The connection: migrations (R27), a health probe (R30), close.

  migrate(): Promise<string[]> {
    return migrateToLatest(this.driver.db, this.driver.schema);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.driver.db);
  }

  close() {
    return this.driver.close();
  }

  // ThreadStore: threads, forks (R19), deletion in batches (R20, R25).

  createThread(workspaceId: string, input: CreateThreadInput, now: number) {
    return this.write(async (trx, appended) => {
      const created = await createThread(trx, workspaceId, input, now);
      await appended.announce(inWorkspace(workspaceId, [created.event]));
      return created;
    });
  }

  getThread(workspaceId: string, threadId: string) {
    return getThread(this.driver.db, workspaceId, threadId);
  }

  listThreads(workspaceId: string, options: { limit: number; cursor?: string }) {
    return listThreads(this.driver.db, workspaceId, options);
  }

  forkThread(
    workspaceId: string,
    sourceId: string,
    point: ForkPoint,
    input: Omit<CreateThreadInput, "forkedFrom">,
    newMessageId: () => string,
    now: number,
  ) {
    return this.write(async (trx, appended) => {
      const forked = await forkThread(trx, workspaceId, sourceId, point, input, newMessageId, now);
      await appended.announce(inWorkspace(workspaceId, forked.events));
      return forked;
    });
  }

  async beginThreadDeletion(
    workspaceId: string,
    threadId: string,
    now: number,
    guard: { updatedBefore?: number } = {},
  ) {
    const begun = await this.write(async (trx) => {
      const begun = await beginThreadDeletion(trx, workspaceId, threadId, now, guard);
      if (begun)
        await this.driver.announce(trx, [{ workspaceId, threadId, seq: 0, deleted: true }]);
      return begun;
    });
    if (begun) this.sink?.closeThread(workspaceId, threadId);
    return begun;
  }

  async deleteThreadRows(workspaceId: string, threadId: string, maxRows: number) {
    const batch = await this.write((trx) => deleteThreadRows(trx, workspaceId, threadId, maxRows));
    await this.driver.reclaimFreePages?.(RECLAIM_PAGES);
    return batch;
  }

  listThreadDeletions(limit: number) {
    return listThreadDeletions(this.driver.db, limit);
  }

  findExpiredThreads(query: ExpiredThreadQuery) {
    return findExpiredThreads(this.driver.db, query);
  }

  // MessageStore: messages and the writer's commits (R5–R9, R14, R15, R30).

  createMessage(
    workspaceId: string,
    input: CreateMessageInput,
    now: number,
    beforePublish?: (message: StoredMessage) => void,
  ) {
    return this.write(
      async (trx, appended) => {
        const created = await createMessage(trx, workspaceId, input, now);
        await appended.announce(inWorkspace(workspaceId, [created.event]));
        return created;
      },
      { beforePublish: (created) => beforePublish?.(created.message) },
    );
  }

  async commitWrites(writes: readonly MessageWrite[], now: number): Promise<WriteOutcome[]> {
    if (writes.length === 0) return [];
    const decisions = await this.writeUnpublished(async (trx, appended) => {
      const decisions = await commitWrites(trx, writes, now);
      await appended.announce(
        decisions.flatMap((d) =>
          d.applied ? [{ workspaceId: d.workspaceId, event: d.event }] : [],
        ),
      );
      return decisions;
    });
    // Not awaited here: a slow subscriber must not hold up the writer's next commit (R12, R30).
    const sink = this.sink;
    return decisions.map((decision, i) => {
      if (!decision.applied) return decision;
      const { workspaceId, event } = decision;
      const reliable = writes[i]?.kind === "stream" && writes[i]?.reliable === true;
      const published = !sink
        ? Promise.resolve()
        : reliable
          ? sink.publishReliable(workspaceId, event)
          : sink.publish(workspaceId, event);
      return { ...decision, published };
    });
  }

  getMessage(workspaceId: string, messageId: string) {
    return readMessage(this.driver.db, workspaceId, messageId);
  }

  deleteMessage(workspaceId: string, messageId: string, now: number) {
    return this.write(async (trx, appended) => {
      const event = await deleteMessage(trx, workspaceId, messageId, now);
      if (!event) return undefined;
      await appended.announce(inWorkspace(workspaceId, [event]));
      return { event };
    });
  }

  failMessage(workspaceId: string, messageId: string, now: number, errorText: string) {
    return this.write(
      async (trx, appended) => {
        const finished = await abortOrphanedMessage(trx, workspaceId, messageId, now, {
          lockRow: this.capabilities.skipLocked,
          leaseExpiredBefore: Number.MAX_SAFE_INTEGER,
          status: "error",
          errorText,
          chunk: { type: "error", errorText },
        });
        if (finished) await appended.announce(inWorkspace(workspaceId, [finished]));
        return finished;
      },
      { publication: "detached" },
    );
  }

  // EventLogStore: snapshots and the log after an offset (R11), its bounds and compaction (R32).

  readSnapshot(workspaceId: string, threadId: string): Promise<ThreadSnapshot | undefined> {
    return this.driver.readTransaction(async (trx) => {
      const thread = await getThread(trx, workspaceId, threadId);
      if (!thread) return undefined;
      const messages = await readThreadMessages(trx, workspaceId, threadId);
      return { thread, messages, seq: thread.headSeq };
    });
  }

  readEvents(workspaceId: string, threadId: string, afterSeq: number, limit: number) {
    return readEventRange(this.driver.db, workspaceId, threadId, { afterSeq, limit });
  }

  getLogBounds(workspaceId: string, threadId: string) {
    return readLogBounds(this.driver.db, workspaceId, threadId);
  }

  async compactDeltas(finishedBefore: number, now: number, maxRows: number) {
    const step = await this.write((trx) =>
      compactDeltas(trx, finishedBefore, now, {
        maxRows,
        skipLocked: this.capabilities.skipLocked,
      }),
    );
    if (step && step.rows > 0) await this.driver.reclaimFreePages?.(RECLAIM_PAGES);
    return step;
  }

  async moveRecentEvents() {
    return (await this.driver.recentEvents?.step()) ?? 0;
  }

  // LeaseStore: writer leases, stopping an orphan (R28) and the crash sweep (R18, R31).

  renewLeases(owner: string, expiresAt: number, now: number) {
    return renewLeases(this.driver.db, owner, expiresAt, now);
  }

  getLease(workspaceId: string, messageId: string) {
    return readLease(this.driver.db, workspaceId, messageId);
  }

  abortOrphan(
    workspaceId: string,
    messageId: string,
    now: number,
    guard: { leaseExpiredBefore: number; chunk: UIMessageChunk },
  ) {
    return this.write(async (trx, appended) => {
      const finished = await abortOrphanedMessage(trx, workspaceId, messageId, now, {
        lockRow: this.capabilities.skipLocked,
        ...guard,
      });
      if (finished) await appended.announce(inWorkspace(workspaceId, [finished]));
      return finished;
    });
  }

  async sweepExpiredLeases(
    now: number,
    limit: number,
    scope?: SweepScope,
  ): Promise<WorkspaceEvent[]> {
    const expiredBefore = scope?.leaseExpiredBefore ?? now;
    const candidates = await findExpiredLeases(
      this.driver.db,
      expiredBefore,
      limit,
      scope?.exceptOwner,
    );
    const swept: WorkspaceEvent[] = [];
    for (const { workspaceId, id } of candidates) {
      const event = await this.write(async (trx, appended) => {
        const finished = await sweepExpiredLease(trx, workspaceId, id, now, {
          lockRow: this.capabilities.skipLocked,
          ...(scope === undefined ? {} : { scope }),
        });
        if (finished) await appended.announce(inWorkspace(workspaceId, [finished]));
        return finished;
      });
      if (event) swept.push({ workspaceId, event });
    }
    return swept;
  }

  // InboundStore: idempotency claims (R21), run triggers (R22–R24), their purge (R25).

  claimInbound(workspaceId: string, input: ClaimInboundInput, now: number) {
    return this.write((trx) => claimInbound(trx, workspaceId, input, now));
  }

  releaseInbound(workspaceId: string, key: string, token: string) {
    return releaseInbound(this.driver.db, workspaceId, key, token);
  }

  appendInbound(workspaceId: string, input: InboundMessageInput, now: number) {
    return this.write(async (trx, appended) => {
      const created = await createMessage(trx, workspaceId, input.message, now);
      if (
        input.claim &&
        !(await markInboundProcessed(trx, workspaceId, input.claim, created.message.id, now))
      ) {
        // Throwing rolls the message back: the key's new holder stores it (R21).
        throw new ThreadlineError(
          "conflict",
          `idempotency key ${JSON.stringify(input.claim.key)} was taken over by a newer request while this one held it; this message was not stored`,
          { details: { reason: "taken_over" } },
        );
      }
      const trigger = input.arm
        ? await armRunTrigger(trx, workspaceId, input.message.threadId, input.arm, now)
        : undefined;
      await appended.announce(inWorkspace(workspaceId, [created.event]));
      return trigger ? { ...created, trigger } : created;
    });
  }

  claimRunTriggers(input: ClaimRunTriggersInput) {
    return this.write((trx) =>
      claimRunTriggers(trx, input, { skipLocked: this.capabilities.skipLocked }),
    );
  }

  renewRunClaims(owner: string, expiresAt: number) {
    return renewRunClaims(this.driver.db, owner, expiresAt);
  }

  completeRunTrigger(trigger: RunTrigger, completion: RunCompletion, now: number) {
    return this.write(async (trx, appended) => {
      const completed = await completeRunTrigger(trx, trigger, completion, now);
      await appended.announce(inWorkspace(trigger.workspaceId, completed.events));
      return completed;
    });
  }

  readRunMessages(workspaceId: string, threadId: string) {
    return this.driver.readTransaction((trx) => readRunMessages(trx, workspaceId, threadId));
  }

  nextRunDueAt() {
    return nextRunDueAt(this.driver.db);
  }

  purgeInbound(before: number) {
    return purgeInbound(this.driver.db, before);
  }

  // NodeStore: heartbeats, takeovers and restarts of nodes (R31).

  registerNode(node: NodeIncarnation, now: number) {
    return this.write((trx) =>
      registerNode(trx, node, now, { lockRow: this.capabilities.skipLocked }),
    );
  }

  beatHeartbeat(node: NodeIncarnation, now: number) {
    return beatHeartbeat(this.driver.db, node, now);
  }

  findStaleNodes(staleBefore: number, exceptNodeId: string, limit: number) {
    return findStaleNodes(this.driver.db, staleBefore, exceptNodeId, limit);
  }

  takeOverNode(node: NodeIncarnation, staleBefore: number, now: number, limit: number) {
    return this.write(async (trx, appended) => {
      const step = await takeOverNode(trx, node, staleBefore, now, {
        limit,
        skipLocked: this.capabilities.skipLocked,
      });
      if (step) await appended.announce(step.finalized);
      return step;
    });
  }

  abortNodeOrphans(nodeId: string, now: number, limit: number) {
    return this.write(async (trx, appended) => {
      const finalized = await abortNodeOrphans(trx, nodeId, now, {
        limit,
        lockRows: this.capabilities.skipLocked,
        errorText: RESTART_REASON,
        reason: RESTART_REASON,
      });
      await appended.announce(finalized);
      return finalized;
    });
  }

  removeNode(node: NodeIncarnation) {
    return this.write((trx) => removeNode(trx, node));
  }

  listNodes() {
    return listNodes(this.driver.db);
  }

  // NotificationStore: the local sink of committed events (R10), commits and stop requests across
  // nodes (R26, R28).

  attachSink(sink: CommitSink): void {
    this.sink = sink;
  }

  listen(handlers: RemoteHandlers) {
    return this.driver.listen(handlers);
  }

  announceStop(request: StopRequest) {
    return this.driver.announceStop(request);
  }

  /**
   * Runs `fn` in a write transaction; the events it appended through `appended.announce` go to
   * the sink once the transaction committed (R10), in order — after `beforePublish` saw the result
   * — before this resolves, or with `publication: "detached"` without waiting for them (the
   * writer's commit loop: a slow subscriber must not hold it up, R30). A transaction that fails
   * publishes nothing.
   */
  private async write<T>(
    fn: (trx: Transaction<Database>, appended: AppendedEvents) => Promise<T>,
    options: { publication?: "awaited" | "detached"; beforePublish?: (result: T) => void } = {},
  ): Promise<T> {
    let committed: WorkspaceEvent[] = [];
    const result = await this.writeUnpublished(async (trx, appended) => {
      const value = await fn(trx, appended);
      committed = appended.events;
      return value;
    });
    options.beforePublish?.(result);
    const published = this.publishInOrder(committed);
    if (options.publication !== "detached") await published;
    return result;
  }

  /** Hands committed events to the sink one after the other (R10, R12). */
  private async publishInOrder(events: readonly WorkspaceEvent[]): Promise<void> {
    const sink = this.sink;
    if (sink) for (const { workspaceId, event } of events) await sink.publish(workspaceId, event);
  }

  /** {@link write} without the publication: the caller hands the events to the sink itself. */
  private writeUnpublished<T>(
    fn: (trx: Transaction<Database>, appended: AppendedEvents) => Promise<T>,
  ): Promise<T> {
    return this.driver.db.transaction().execute((trx) => {
      const events: WorkspaceEvent[] = [];
      return fn(trx, {
        events,
        announce: async (appended) => {
          events.push(...appended);
          await this.driver.announce(trx, latestPerThread(appended));
        },
      });
    });
  }
}

/**
 * Most free pages handed back after one compaction step or deletion batch (4 MiB of 4 KiB pages): a
 * step of 1 000 rows frees far fewer, so the file follows the data, in calls of about a millisecond.
 */
const RECLAIM_PAGES = 1_000;

/**
 * The events a write transaction appended: `announce` records them for the sink and announces them
 * to other nodes in the same transaction (R10, R26).
 */
interface AppendedEvents {
  readonly events: WorkspaceEvent[];
  announce(events: readonly WorkspaceEvent[]): Promise<void>;
}

/** Pairs each event with its workspace. */
function inWorkspace(workspaceId: string, events: readonly ThreadEvent[]): WorkspaceEvent[] {
  return events.map((event) => ({ workspaceId, event }));
}

function latestPerThread(
  events: readonly { workspaceId: string; event: ThreadEvent }[],
): RemoteCommit[] {
  const latest = new Map<string, RemoteCommit>();
  for (const { workspaceId, event } of events) {
    const key = `${workspaceId}\u0000${event.threadId}`;
    const seen = latest.get(key);
    if (!seen || seen.seq < event.seq)
      latest.set(key, { workspaceId, threadId: event.threadId, seq: event.seq });
  }
  return [...latest.values()];
}
