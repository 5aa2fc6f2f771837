import { convertToModelMessages, type LanguageModel, streamText } from "ai";
import { errorResponse, type Threadline } from "threadline";

/**
 * The three routes of an AI SDK chat on Threadline as Web handlers (`Request` in, `Response` out),
 * for any framework: Next.js route files, Hono, a plain `fetch` handler.
 */
export function chatRoutes(threadline: Threadline, model: LanguageModel) {
  return {
    // POST /api/chat: store the user message once, stream the reply while storing it.
    async chat(request: Request): Promise<Response> {
      try {
        const turn = await threadline.chat.receive(request);
        const reply = await threadline.chat.respond(turn.threadId, async ({ abortSignal }) => {
          const messages = await convertToModelMessages(turn.messages);
          return streamText({ model, messages, abortSignal }).toUIMessageStream();
        });
        return reply.toResponse();
      } catch (error) {
        return errorResponse(error);
      }
    },
    // GET /api/chat/:id/stream: useChat({ resume: true }) picks up a reply still streaming.
    resume: (chatId: string) => threadline.chat.resumeResponse(chatId),
    // POST /api/chat/:id/stop: ends the generation on whichever node runs it.
    stop: async (chatId: string) => Response.json(await threadline.stop(chatId)),
  };
}
