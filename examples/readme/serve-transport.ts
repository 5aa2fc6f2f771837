/**
 * README "Against `threadline serve` directly": `useChat`'s transport when a separate agent
 * backend produces replies into a `threadline serve` (the upload route, or the library), and the
 * browser resumes from Threadline itself.
 */
import { DefaultChatTransport, type UIMessage } from "ai";

export function threadlineTransport(options: {
  chatApi: string;
  threadlineUrl: string;
  apiKey?: string;
}) {
  const headers = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : undefined;
  return new DefaultChatTransport<UIMessage>({
    api: options.chatApi, // your chat route: sendMessage POSTs here and it calls the model
    prepareReconnectToStreamRequest: ({ id }) => ({
      // the chat id is the thread id: resume reads the reply from Threadline
      api: `${options.threadlineUrl}/v1/threads/${encodeURIComponent(id)}/stream`,
      ...(headers ? { headers } : {}),
    }),
  });
}
