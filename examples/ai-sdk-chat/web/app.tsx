import { generateId } from "ai";
import { useCallback, useEffect, useState } from "react";
import type { Thread } from "threadline";
import { listThreads } from "./api.js";
import { ThreadList } from "./thread-list.js";
import { ThreadView } from "./thread-view.js";

/** The page: the thread list, and the open thread (its id in the URL, `?thread=…`). */
export function App() {
  const [threadId, setThreadId] = useState(() => threadIdOfUrl() ?? generateId());
  const [threads, setThreads] = useState<Thread[]>([]);
  const refreshThreads = useCallback(() => {
    listThreads().then(setThreads, (error) => console.error(error));
  }, []);

  useEffect(refreshThreads, [refreshThreads]);
  useEffect(() => {
    history.replaceState(null, "", `?thread=${encodeURIComponent(threadId)}`);
  }, [threadId]);

  return (
    <div className="layout">
      <ThreadList
        threads={threads}
        currentId={threadId}
        onSelect={setThreadId}
        onNew={() => setThreadId(generateId())}
      />
      <ThreadView key={threadId} threadId={threadId} onChange={refreshThreads} />
    </div>
  );
}

function threadIdOfUrl(): string | null {
  return new URLSearchParams(location.search).get("thread");
}
