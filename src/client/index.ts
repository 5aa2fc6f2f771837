/**
 * `threadline/client`: the HTTP client, for Node and browsers. Imports only the bottom layer
 * (protocol, errors, message types), never the store or the server (STYLE habit 3).
 */
export { isThreadlineError, ThreadlineError } from "../errors.js";
export type { ErrorCode } from "../protocol/error-codes.js";
export type { ThreadEvent, ThreadEventType } from "../protocol/events.js";
export type {
  MessageLifecycle,
  StopResult,
  StoredMessage,
  Thread,
} from "../protocol/resources.js";
export type { RunOptions, RunRequest } from "../protocol/runs.js";
export { applyThreadEvent, createThreadView, type ThreadView } from "../protocol/thread-view.js";
export {
  type ClientMessageInput,
  type ClientMessages,
  type ClientOptions,
  createClient,
  ThreadlineClient,
} from "./client.js";
export { errorFromResponse } from "./http-error.js";
export {
  type ClientSnapshot,
  type ClientSubscribeOptions,
  type ClientSubscriptionItem,
  subscribeEvents,
} from "./subscribe-events.js";
