import { finalizeMessage } from "../message/finalize.js";
import type { MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";
import { aiSdkFinalMessage } from "../replay/ai-sdk-result.js";

/** The status a chunk stream ends a message in (R16): its terminal chunk, or `aborted` without one. */
export function expectedStatus(chunks: readonly UIMessageChunk[]): {
  status: Exclude<MessageStatus, "streaming">;
  errorText?: string;
} {
  for (const chunk of chunks) {
    if (chunk.type === "finish") return { status: "completed" };
    if (chunk.type === "error") return { status: "error", errorText: chunk.errorText };
    if (chunk.type === "abort") return { status: "aborted" };
  }
  return { status: "aborted" };
}

/**
 * What Threadline must have persisted for these chunks: the AI SDK's own `readUIMessageStream`
 * result, finalized by the R16 rule for its terminal state (partial parts kept; on error or abort a
 * tool call with no result gets an `output-error`).
 */
export async function expectedMessage(chunks: readonly UIMessageChunk[]): Promise<{
  message: UIMessage;
  status: Exclude<MessageStatus, "streaming">;
}> {
  const { message } = await aiSdkFinalMessage(chunks);
  const { status, errorText } = expectedStatus(chunks);
  return { message: finalizeMessage(message, status, errorText), status };
}
