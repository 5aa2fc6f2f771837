/**
 * Observability events (STYLE habit 11): the core emits these; `metrics/` and loggers listen. The
 * core never imports a metrics library.
 */
export interface ThreadlineEventMap {
  /** One writer transaction committed (R5): how many message writes and events, and how long. */
  "writer:commit": {
    writes: number;
    events: number;
    /** Clock time the commit started at (ms since the epoch). */
    startedAt: number;
    durationMs: number;
    urgent: boolean;
  };
  /** A writer transaction failed; its writes stay buffered and are retried after `retryInMs` (R6). */
  "writer:error": { error: unknown; writes: number; attempt: number; retryInMs: number };
  /** A write matched no streaming row: the message was finalized elsewhere or deleted (R8, R15). */
  "writer:rejected": { workspaceId: string; messageId: string; reason: "finalized" | "missing" };
  /** A subscriber queue was full: `lossy` for a delta, `reliable` after the bounded wait (R12). */
  "broker:drop": {
    delivery: "lossy" | "reliable";
    workspaceId: string;
    threadId: string;
    seq: number;
  };
  /** The crash sweep finalized messages whose writer lease expired (R18). */
  "lifecycle:swept": { count: number };
  /** Leases of this node's streaming messages were renewed (R18). */
  "lifecycle:renewed": { count: number };
  /** A background task (sweep, renewal, listener) failed; it will run again. */
  "lifecycle:error": { task: string; error: unknown };
}

/** A listener of one event. */
export type Listener<T> = (payload: T) => void;

/**
 * A minimal typed event hub. Listener errors are swallowed so observability never breaks a write.
 */
export class EventHub<M extends object = ThreadlineEventMap> {
  private listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(name, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** Calls every listener of `name` with `payload`. */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch {
        // Observability must not break the data path.
      }
    }
  }
}
