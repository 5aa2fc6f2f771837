/**
 * Threadline: a durable, live store for AI-agent conversations.
 *
 * @example
 * ```ts
 * import { createThreadline } from "threadline";
 *
 * const threadline = await createThreadline({ database: "sqlite:./threadline.db" });
 * const thread = await threadline.threads.create({ title: "Support" });
 * const writer = await threadline.writers.open(thread.id);
 * for await (const chunk of result.toUIMessageStream()) await writer.write(chunk);
 * ```
 */

export * from "./ai-sdk/index.js";
export type { BrokerOptions } from "./broker/broker.js";
export {
  type Clock,
  type IdGenerator,
  ManualClock,
  randomId,
  systemClock,
  type TimerHandle,
} from "./clock.js";
export { isThreadlineError, ThreadlineError } from "./errors.js";
export type { WorkspaceLimits, WorkspaceLimitsOptions } from "./fairness/workspace-limits.js";
export type {
  InboundOptions,
  RunDeclined,
  RunHandler,
} from "./inbound/inbound-options.js";
export type { AppendOptions, AppendResult } from "./inbound/receive-message.js";
export { RUN_NOTICE_TEXT } from "./inbound/run-notices.js";
export {
  COMPACTION_DEFAULTS,
  type CompactionOptions,
  type CompactionReport,
} from "./lifecycle/log-compactor.js";
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_NODE_TIMEOUT_MS,
  type NodeHeartbeatOptions,
  type NodeTakeover,
} from "./lifecycle/node-heartbeat.js";
export type {
  PurgedThread,
  ThreadPurgeOptions,
  ThreadPurgeReport,
  ThreadRetentionOptions,
} from "./lifecycle/thread-purger.js";
export * from "./message/index.js";
export { EventHub, type Listener, type ThreadlineEventMap } from "./observe.js";
export { ERROR_STATUS, type ErrorCode } from "./protocol/error-codes.js";
export {
  EVENT_TYPES,
  isReliableEventType,
  type ThreadEvent,
  type ThreadEventData,
  type ThreadEventType,
} from "./protocol/events.js";
export {
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MESSAGE_LIMITS,
  type MessageLimits,
} from "./protocol/limits.js";
export type {
  MessageDelta,
  MessageLifecycle,
  StopResult,
  StoredMessage,
  Thread,
} from "./protocol/resources.js";
export {
  isRunDeclineReason,
  RUN_DECLINE_REASONS,
  RUN_DECLINE_STATUS,
  type RunDeclineReason,
  type RunOptions,
  type RunRequest,
} from "./protocol/runs.js";
export type {
  ArmedTrigger,
  ArmTriggerInput,
  ClaimInboundInput,
  ClaimRunTriggersInput,
  InboundClaim,
  InboundClaimRecord,
  InboundMessageInput,
  PurgeCounts,
  RunCompletion,
  RunTrigger,
  RunTriggerStatus,
} from "./store/inbound-records.js";
export type {
  HeartbeatOutcome,
  NodeIncarnation,
  NodeRecord,
  NodeTakeoverStep,
} from "./store/node-records.js";
export { openStore } from "./store/open-store.js";
export type {
  BodySnapshot,
  CommitSink,
  CreateMessageInput,
  CreateThreadInput,
  MessageWrite,
  RemoteCommit,
  Store,
  StoreCapabilities,
  ThreadPage,
  ThreadSnapshot,
  WorkspaceEvent,
  WriteOutcome,
} from "./store/store.js";
// Classes users receive but never construct (their constructors take internal parts) are types only.
export type {
  CompactedRangePolicy,
  SnapshotItem,
  SubscribeOptions,
  Subscription,
  SubscriptionItem,
} from "./subscription/subscription.js";
export {
  createThreadline,
  DEFAULT_WORKSPACE,
  type Threadline,
  type ThreadlineOptions,
} from "./threadline.js";
export type { CreateThreadOptions, ThreadlineWorkspace } from "./workspace.js";
export type {
  AppendMessageInput,
  OpenWriterOptions,
  WorkspaceChat,
  WorkspaceMessages,
  WorkspaceWriters,
} from "./workspace-api.js";
export type { WriterOptions } from "./writer/coalescing-writer.js";
export type { MessageWriter } from "./writer/message-writer.js";
