import { useEffect, useState } from "react";
import type { StoredMessage } from "threadline";
import { loadMessages } from "./api.js";
import { ChatView } from "./chat-view.js";

/** Loads a thread's stored messages, then opens the chat on them. */
export function ThreadView(props: { threadId: string; onChange: () => void }) {
  const [initialMessages, setInitialMessages] = useState<StoredMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    loadMessages(props.threadId).then(setInitialMessages, (e) => setError(String(e)));
  }, [props.threadId]);

  if (error) return <main data-testid="load-error">{error}</main>;
  if (!initialMessages) return <main data-testid="loading">Loading…</main>;
  return (
    <ChatView
      threadId={props.threadId}
      initialMessages={initialMessages}
      onChange={props.onChange}
    />
  );
}
