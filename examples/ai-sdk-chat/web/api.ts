import type { StoredMessage, Thread } from "threadline";

/** The server's threads, newest first (`GET /api/threads`). */
export async function listThreads(): Promise<Thread[]> {
  const page: { threads: Thread[] } = await json(await fetch("/api/threads"));
  return page.threads;
}

/** A thread's stored messages; none for a thread the server does not know yet (a new chat). */
export async function loadMessages(threadId: string): Promise<StoredMessage[]> {
  const response = await fetch(`/api/threads/${encodeURIComponent(threadId)}/messages`);
  if (response.status === 404) return [];
  const body: { messages: StoredMessage[] } = await json(response);
  return body.messages;
}

/** Stops the thread's streaming reply on the server, whichever node produces it. */
export async function stopChat(
  threadId: string,
): Promise<{ stopped: boolean; message: StoredMessage | null }> {
  return json(await fetch(`/api/chat/${encodeURIComponent(threadId)}/stop`, { method: "POST" }));
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
