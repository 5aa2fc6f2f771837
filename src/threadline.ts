import { Broker, type BrokerOptions } from "./broker/broker.js";
import { type Clock, type IdGenerator, randomId, systemClock } from "./clock.js";
import { ThreadlineError } from "./errors.js";
import { LeaseSweeper } from "./lifecycle/lease-sweeper.js";
import { EventHub } from "./observe.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { ThreadlineWorkspace, type WorkspaceDeps } from "./workspace.js";
import { CoalescingWriter, type WriterOptions } from "./writer/coalescing-writer.js";

/** The workspace used when none is named (a server without API keys serves only this one). */
export const DEFAULT_WORKSPACE = "default";

/** Options of {@link createThreadline}. */
export interface ThreadlineOptions extends WriterOptions, BrokerOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…` (SPEC §4 `--db`). */
  database: string;
  /**
   * An already opened store to use instead of opening `database` (advanced: sharing or wrapping a
   * store). Threadline still migrates it, and closes it on {@link Threadline.close}.
   */
  store?: Store;
  /** Time between crash sweeps in ms (R18; default 10 000). */
  sweepIntervalMs?: number;
  /** This process's writer-lease owner id (default random per process). */
  nodeId?: string;
  /** The clock for windows, leases and retries (default the system clock). */
  clock?: Clock;
  /** Id generator for threads and messages (default random UUIDs). */
  generateId?: IdGenerator;
}

/**
 * A running Threadline: the default workspace's API (threads, messages, writers, subscribe, flush)
 * plus process-wide controls. Get other workspaces with {@link workspace}.
 */
export class Threadline extends ThreadlineWorkspace {
  private readonly views = new Map<string, ThreadlineWorkspace>();
  private closing: Promise<void> | undefined;

  constructor(
    /** The storage backend (advanced use). */
    readonly store: Store,
    private readonly broker: Broker,
    private readonly writer: CoalescingWriter,
    private readonly sweeper: LeaseSweeper,
    /** Observability events (`writer:commit`, `broker:drop`, `lifecycle:swept`, …). */
    readonly events: EventHub,
    private readonly stopListening: () => Promise<void>,
    deps: WorkspaceDeps,
  ) {
    super(DEFAULT_WORKSPACE, deps);
    this.views.set(DEFAULT_WORKSPACE, this);
  }

  /** The API scoped to another workspace (SPEC §1: every call sees only that workspace). */
  workspace(workspaceId: string): ThreadlineWorkspace {
    if (typeof workspaceId !== "string" || workspaceId.length === 0) {
      throw new ThreadlineError("bad_request", "workspace id must be a non-empty string");
    }
    let view = this.views.get(workspaceId);
    if (!view) {
      view = new ThreadlineWorkspace(workspaceId, this.depsOf());
      this.views.set(workspaceId, view);
    }
    return view;
  }

  /** Flushes every buffered message of every workspace (R7). */
  flushAll(): Promise<void> {
    return this.writer.flushAll();
  }

  /** Resolves when no writer commit is queued or running (tests drive windows with a fake clock). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Runs the crash sweep now (R18). @returns how many messages it finalized `aborted`. */
  sweep(): Promise<number> {
    return this.sweeper.sweep();
  }

  /** Counters for `/metrics` (R12) and gauges. */
  get stats(): {
    lossyDrops: number;
    reliableDrops: number;
    bufferedMessages: number;
    subscribers: number;
  } {
    return {
      lossyDrops: this.broker.lossyDrops,
      reliableDrops: this.broker.reliableDrops,
      bufferedMessages: this.writer.pendingCount,
      subscribers: this.broker.totalSubscribers,
    };
  }

  /** Flushes everything (R7), stops background work, closes subscriptions and the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.sweeper.stop();
      try {
        await this.writer.close();
      } finally {
        this.broker.closeAll();
        await this.stopListening();
        await this.store.close();
      }
    })();
    return this.closing;
  }

  private depsOf(): WorkspaceDeps {
    return this.deps;
  }
}

/**
 * Opens Threadline on a database, migrates it (R27), runs the first crash sweep (R18) and starts
 * the periodic one, and on PostgreSQL listens for other nodes' commits (R26).
 *
 * @throws ThreadlineError `bad_request` (unsupported URL), `schema_too_new` (R27); connection errors.
 * @example
 * ```ts
 * const threadline = await createThreadline({ database: "sqlite:./threadline.db" });
 * const thread = await threadline.threads.create({ title: "Support" });
 * const writer = await threadline.writers.open(thread.id);
 * await writer.write({ type: "start" });
 * await writer.write({ type: "text-start", id: "t1" });
 * await writer.write({ type: "text-delta", id: "t1", delta: "Hello" });
 * await writer.write({ type: "text-end", id: "t1" });
 * await writer.finish();
 * await threadline.close();
 * ```
 */
export async function createThreadline(options: ThreadlineOptions): Promise<Threadline> {
  const clock = options.clock ?? systemClock;
  const nodeId = options.nodeId ?? `node-${randomId()}`;
  const store = options.store ?? (await openStore(options.database, nodeId));
  try {
    await store.migrate();
    const events = new EventHub();
    const broker = new Broker(clock, events, options);
    const writer = new CoalescingWriter(store, broker, clock, events, nodeId, options);
    const sweeper = new LeaseSweeper(store, broker, clock, events, {
      ...(options.sweepIntervalMs === undefined ? {} : { intervalMs: options.sweepIntervalMs }),
    });
    const stopListening = await store.listen((commit) => {
      if (commit.deleted) {
        writer.dropThread(commit.workspaceId, commit.threadId);
        broker.closeThread(commit.workspaceId, commit.threadId);
      } else {
        broker.notifyRemoteCommit(commit.workspaceId, commit.threadId);
      }
    });
    const deps = { store, broker, writer, clock, generateId: options.generateId ?? randomId };
    const threadline = new Threadline(store, broker, writer, sweeper, events, stopListening, deps);
    await sweeper.start();
    return threadline;
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}
