import { z } from "zod";
import { ThreadlineError } from "../errors.js";
import { describeIssue } from "../message/chunk-issue.js";
import type { UIMessage, UIMessagePart } from "../message/types.js";

/** How the AI SDK client asks for a reply (`ChatRequestOptions.trigger` in `ai`). */
export type ChatTrigger = "submit-message" | "regenerate-message";

/**
 * The JSON body `DefaultChatTransport` POSTs to a chat route: the chat id (Threadline's thread id),
 * the client's messages, what triggered the request, and for a regenerate or an edit the message
 * it concerns. Extra fields (the app's own `body`) are kept.
 */
export interface ChatRequestBody {
  id: string;
  messages: UIMessage[];
  trigger: ChatTrigger;
  messageId?: string;
  [extra: string]: unknown;
}

const messageSchema = z.looseObject({
  id: z.string().min(1).max(200),
  role: z.enum(["system", "user", "assistant"]),
  parts: z.array(z.unknown()),
  metadata: z.unknown().optional(),
});

const chatRequestSchema = z.looseObject({
  id: z.string().min(1).max(200),
  messages: z.array(messageSchema),
  trigger: z.enum(["submit-message", "regenerate-message"]),
  messageId: z.string().min(1).max(200).optional(),
});

/**
 * Checks the body of an AI SDK chat request (see {@link ChatRequestBody}).
 * @throws ThreadlineError `bad_request` naming the first bad field (`field "trigger" must be one
 *   of …`), or when the body is not an object.
 */
export function parseChatRequest(body: unknown): ChatRequestBody {
  const result = chatRequestSchema.safeParse(body);
  if (!result.success) {
    throw new ThreadlineError(
      "bad_request",
      `invalid AI SDK chat request: ${describeIssue(result.error.issues[0], body).replace(/^chunk$/, "body")}`,
    );
  }
  const parsed = result.data;
  return {
    ...parsed,
    messages: parsed.messages.map((m) => ({
      id: m.id,
      role: m.role,
      parts: m.parts as UIMessagePart[],
      ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
    })),
  } as ChatRequestBody;
}

/**
 * Reads a chat request from a Web `Request` (its JSON body) or takes an already parsed body.
 * @throws ThreadlineError `bad_request` for malformed JSON or a body that is not a chat request.
 */
export async function readChatRequest(input: Request | unknown): Promise<ChatRequestBody> {
  if (input instanceof Request) {
    let body: unknown;
    try {
      body = await input.json();
    } catch (error) {
      throw new ThreadlineError("bad_request", "the chat request body is not valid JSON", {
        cause: error,
      });
    }
    return parseChatRequest(body);
  }
  return parseChatRequest(input);
}
