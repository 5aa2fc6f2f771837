import type { Thread } from "threadline";

/** The threads, newest first, with a "New chat" button; the open one is marked `aria-current`. */
export function ThreadList(props: {
  threads: Thread[];
  currentId: string;
  onSelect: (threadId: string) => void;
  onNew: () => void;
}) {
  const known = props.threads.some((t) => t.id === props.currentId);
  return (
    <aside data-testid="thread-list">
      <button type="button" className="new-chat" data-testid="new-chat" onClick={props.onNew}>
        New chat
      </button>
      {known ? null : (
        <button type="button" aria-current="true" data-testid="thread-item">
          New chat (unsent)
        </button>
      )}
      {props.threads.map((thread) => (
        <button
          type="button"
          key={thread.id}
          data-testid="thread-item"
          data-thread-id={thread.id}
          aria-current={thread.id === props.currentId}
          onClick={() => props.onSelect(thread.id)}
        >
          {thread.title ?? `Chat of ${new Date(thread.createdAt).toLocaleString()}`}
        </button>
      ))}
    </aside>
  );
}
