/**
 * `ai-sdk/`: the AI SDK integration as the library's own surface (R28, R29) — persist while
 * responding, the chat request helper, resume and the UI message stream `Response` — in Web
 * `Request`/`Response`/`ReadableStream` terms, so any framework's chat route is a few lines. Reached
 * through `threadline.chat` and `threadline.stop`; exported here for routes built by hand.
 */

export {
  type ChatRequestBody,
  type ChatTrigger,
  parseChatRequest,
  readChatRequest,
} from "./chat-request.js";
export { errorResponse } from "./error-response.js";
export { type ChatTurn, type ReceiveChatOptions, toUIMessage } from "./receive-chat.js";
export type {
  ChatReply,
  RespondContext,
  RespondOptions,
  RespondSource,
  UIMessageStreamSource,
} from "./respond.js";
export { type ReplayStep, UIMessageStreamReplay } from "./ui-message-stream-replay.js";
export {
  toUIMessageStreamResponse,
  type UIMessageStreamResponseInit,
} from "./ui-message-stream-response.js";
