import { Broker, type BrokerOptions } from "./broker/broker.js";
import { type Clock, type IdGenerator, randomId, systemClock } from "./clock.js";
import { ThreadlineError } from "./errors.js";
import {
  resolveWorkspaceLimits,
  type WorkspaceLimitsOptions,
} from "./fairness/workspace-limits.js";
import { WorkspaceQuotas } from "./fairness/workspace-quotas.js";
import type { FireContext } from "./inbound/fire-trigger.js";
import {
  type InboundOptions,
  type ResolvedInboundOptions,
  resolveInboundOptions,
} from "./inbound/inbound-options.js";
import type { InboundDeps } from "./inbound/receive-message.js";
import { RetentionPurger } from "./inbound/retention-purger.js";
import { RunScheduler } from "./inbound/run-scheduler.js";
import { runTargets } from "./inbound/run-targets.js";
import { LeaseSweeper } from "./lifecycle/lease-sweeper.js";
import { Lifetime } from "./lifecycle/lifetime.js";
import {
  type CompactionOptions,
  type CompactionReport,
  LogCompactor,
  resolveCompaction,
} from "./lifecycle/log-compactor.js";
import {
  NodeHeartbeat,
  type NodeHeartbeatOptions,
  type NodeTakeover,
  resolveNodeTiming,
} from "./lifecycle/node-heartbeat.js";
import { DatabaseReachability } from "./lifecycle/reachability.js";
import { RecentEventsUpkeep } from "./lifecycle/recent-events-upkeep.js";
import { stopLocalWriter } from "./lifecycle/stop-message.js";
import {
  resolveThreadRetention,
  type ThreadPurgeOptions,
  type ThreadPurgeReport,
  ThreadPurger,
  type ThreadRetentionOptions,
} from "./lifecycle/thread-purger.js";
import { assertStorable } from "./message/json-input.js";
import type { UIMessage } from "./message/types.js";
import { EventHub } from "./observe.js";
import { SHUTDOWN_REASON } from "./protocol/events.js";
import { type MessageLimits, resolveMessageLimits } from "./protocol/limits.js";
import type { NodeRecord } from "./store/node-records.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { ThreadlineWorkspace, type WorkspaceDeps } from "./workspace.js";
import {
  CoalescingWriter,
  DEFAULT_LEASE_TTL_MS,
  type WriterOptions,
} from "./writer/coalescing-writer.js";

/** The workspace used when none is named (a server without API keys serves only this one). */
export const DEFAULT_WORKSPACE = "default";

/** Options of {@link createThreadline}. */
export interface ThreadlineOptions
  extends WriterOptions,
    BrokerOptions,
    InboundOptions,
    NodeHeartbeatOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…` (SPEC §4 `--db`). */
  database: string;
  /**
   * An already opened store to use instead of opening `database` (advanced: sharing or wrapping a
   * store). Threadline still migrates it, and closes it on {@link Threadline.close}.
   */
  store?: Store;
  /** Time between crash sweeps in ms (R18; default 10 000). */
  sweepIntervalMs?: number;
  /**
   * Log compaction (R32): finished messages' `message.delta` events go once `resumeHorizonMs`
   * (default 24 h) has passed; `false` runs none by itself. See {@link CompactionOptions}.
   */
  compaction?: CompactionOptions | false;
  /**
   * Thread retention (R25): an optional time-to-live for every workspace's threads, and the
   * batch bound of every thread deletion. See {@link ThreadRetentionOptions}.
   */
  retention?: ThreadRetentionOptions;
  /**
   * Per-workspace limits (R33; default none): concurrent streaming messages, chunks and bytes per
   * second, subscribers — for every workspace (`default`) and per workspace (`byWorkspace`, field
   * by field over the default). Past a slot limit a call is refused `rate_limited` (HTTP 429 with
   * `Retry-After`); past a rate a stream's writes wait their turn (every stream of the workspace
   * alike) and a complete message is refused. Each process counts its own. See
   * {@link WorkspaceLimitsOptions}.
   */
  workspaceLimits?: WorkspaceLimitsOptions;
  /**
   * On a single-writer store (SQLite: `capabilities.crossProcessNotify` false), finalize every
   * message left `streaming` at start, whatever its lease (R31; default true). Set false in a tool
   * that opens a file a server may be writing (`threadline export`, `import`): its start then
   * sweeps only expired leases (R18), leaving the server's live messages alone.
   */
  orphansAtStart?: boolean;
  /**
   * How long a stop waits for the node holding a message's writer lease to end it, in ms (R28;
   * default 5 000). Past it the stop answers `stopped: false`, and the lease runs out (R18).
   */
  stopTimeoutMs?: number;
  /**
   * This process's node id: writer-lease and run-trigger claim owner, and its row in the node
   * heartbeat table on PostgreSQL (default random per process). Give a stable one per node (e.g.
   * `threadline serve --node-id`) so that a restart finalizes at once what its previous process left
   * streaming (R31); two processes running at once must never share one.
   */
  nodeId?: string;
  /**
   * The hub observability events go to (default a new one, `threadline.events`). Pass one with
   * listeners already attached to hear what happens while Threadline opens, e.g. the sweep at start
   * (`lifecycle:swept`, R31) — `threadline serve` logs it this way (issue 8 item 4).
   */
  events?: EventHub;
  /** The clock for windows, leases and retries (default the system clock). */
  clock?: Clock;
  /** Id generator for threads and messages (default random UUIDs). */
  generateId?: IdGenerator;
}

/**
 * A running Threadline: the default workspace's API (threads, messages, writers, subscribe, flush)
 * plus process-wide controls. Get other workspaces with {@link workspace}. `MESSAGE` is the app's
 * message type, a static promise (see {@link ThreadlineWorkspace}); a `Threadline<MyUIMessage>` is
 * also a `Threadline`, so it can be passed to `createApp` and other untyped consumers as it is.
 */
export class Threadline<
  MESSAGE extends UIMessage = UIMessage,
> extends ThreadlineWorkspace<MESSAGE> {
  private readonly views = new Map<string, ThreadlineWorkspace<MESSAGE>>();
  private closing: Promise<void> | undefined;

  constructor(
    /** The storage backend (advanced use). */
    readonly store: Store,
    private readonly broker: Broker,
    private readonly writer: CoalescingWriter,
    private readonly sweeper: LeaseSweeper,
    /** Observability events (`writer:commit`, `broker:drop`, `lifecycle:swept`, `run:fired`, …). */
    readonly events: EventHub,
    private readonly stopListening: () => Promise<void>,
    deps: WorkspaceDeps,
    private readonly inbound: { scheduler: RunScheduler; purger: RetentionPurger },
    private readonly heartbeat: NodeHeartbeat,
    private readonly upkeep: {
      compactor: LogCompactor;
      threads: ThreadPurger;
      recentEvents: RecentEventsUpkeep;
    },
  ) {
    super(DEFAULT_WORKSPACE, deps);
    this.views.set(DEFAULT_WORKSPACE, this);
  }

  /**
   * The API scoped to another workspace (SPEC §1: every call sees only that workspace), typed with
   * the same `MESSAGE`.
   * @throws ThreadlineError `bad_request` for an empty id or one holding a NUL character (R30).
   */
  workspace(workspaceId: string): ThreadlineWorkspace<MESSAGE> {
    if (typeof workspaceId !== "string" || workspaceId.length === 0) {
      throw new ThreadlineError("bad_request", "workspace id must be a non-empty string");
    }
    assertStorable("workspace id", workspaceId);
    let view = this.views.get(workspaceId);
    if (!view) {
      view = new ThreadlineWorkspace<MESSAGE>(workspaceId, this.depsOf());
      this.views.set(workspaceId, view);
    }
    return view;
  }

  /**
   * The size limits in bytes every writer enforces (option `limits`; R2, SPEC §3 413): per chunk
   * and per streaming message. `createApp` applies the same ones to HTTP uploads by default.
   */
  get limits(): MessageLimits {
    return this.writer.limits;
  }

  /** Flushes every buffered message of every workspace (R7). @throws ThreadlineError `closed`. */
  flushAll(): Promise<void> {
    return this.deps.lifetime.guard(() => this.writer.flushAll());
  }

  /** Resolves when no writer commit is queued or running (tests drive windows with a fake clock). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /**
   * Runs the crash sweep now (R18). @returns how many messages it finalized `aborted`.
   * @throws ThreadlineError `closed`.
   */
  sweep(): Promise<number> {
    return this.deps.lifetime.guard(() => this.sweeper.sweep());
  }

  /**
   * How many messages the sweep at start finalized `aborted` (R18; on SQLite every message a
   * previous process left `streaming`; on PostgreSQL also those of this node id's previous process
   * and of nodes already dead, R31).
   */
  get sweptAtStart(): number {
    return this.sweeper.sweptAtStart + this.heartbeat.finalizedAtStart;
  }

  /**
   * Node heartbeats and takeover (R31; PostgreSQL, where several nodes share the database — on
   * SQLite there is nothing to do). This node beats every `heartbeatMs` by itself and takes over
   * every node whose heartbeat is older than `nodeTimeoutMs`; these are for tests driving a fake
   * clock, and for operators.
   */
  readonly nodes = {
    /**
     * Beats this node's heartbeat now, then takes over every dead node: finalizes its streaming
     * messages `aborted` and deletes its row. @returns the takeovers made (empty on SQLite).
     * @throws ThreadlineError `closed`.
     */
    check: (): Promise<NodeTakeover[]> => this.deps.lifetime.guard(() => this.heartbeat.check()),
    /** Resolves once no heartbeat or takeover of this node is running. */
    idle: (): Promise<void> => this.heartbeat.idle(),
    /** The known nodes with their last heartbeat (ms), by node id. @throws ThreadlineError `closed`. */
    list: (): Promise<NodeRecord[]> => this.deps.lifetime.guard(() => this.store.listNodes()),
    /**
     * Each known node's heartbeat age in ms by this node's clock (R31; `/metrics`, issue 8 item 5):
     * past `nodeTimeoutMs` a node is taken over. Empty on SQLite. @throws ThreadlineError `closed`.
     */
    heartbeatAges: async (): Promise<{ nodeId: string; ageMs: number }[]> => {
      const nodes = await this.nodes.list();
      const now = this.deps.clock.now();
      return nodes.map((n) => ({ nodeId: n.nodeId, ageMs: Math.max(0, now - n.heartbeatAt) }));
    },
  };

  /**
   * Run triggers (R22–R25). The scheduler fires them by itself; these are for tests driving a
   * fake clock, and for operators.
   */
  readonly runs = {
    /** Claims and fires every due trigger now; resolves when that look is done (R23). */
    fireDue: (): Promise<void> => this.deps.lifetime.guard(() => this.inbound.scheduler.fireDue()),
    /** Resolves once no trigger is being claimed or delivered. */
    idle: (): Promise<void> => this.deps.lifetime.guard(() => this.inbound.scheduler.idle()),
    /** Purges claims and finished triggers past retention now (R25). @returns what was deleted. */
    purge: (): Promise<{ claims: number; triggers: number }> =>
      this.deps.lifetime.guard(() => this.inbound.purger.purge()),
  };

  /**
   * Log compaction (R32). It runs by itself every `compaction.intervalMs`; this is for tests
   * driving a fake clock, and for operators.
   */
  readonly log = {
    /**
     * Removes now the `message.delta` events of every message that finished more than
     * `compaction.resumeHorizonMs` ago, at most `compaction.batchRows` per transaction.
     * @returns what it removed. @throws ThreadlineError `closed`.
     */
    compact: (): Promise<CompactionReport> =>
      this.deps.lifetime.guard(() => this.upkeep.compactor.compact()),
  };

  /**
   * Thread retention (R25). With `retention.threadTtlMs` it runs by itself every
   * `retention.intervalMs`; `threadline purge` calls it.
   */
  readonly retention = {
    /**
     * Deletes (or with `dryRun` lists) every thread whose last update is older than
     * `olderThanMs` (default `retention.threadTtlMs`), in one workspace or all, each in bounded
     * batches like `threads.delete` (R20); a thread written to after it was picked is kept.
     * @throws ThreadlineError `bad_request` (no age and no TTL, or not a positive integer),
     *   `closed`.
     */
    purge: (options: ThreadPurgeOptions = {}): Promise<ThreadPurgeReport> =>
      this.deps.lifetime.guard(() => this.upkeep.threads.purge(options)),
  };

  /**
   * Counters for `/metrics` (R12) and gauges, read now: drops, this process's streaming messages
   * (`bufferedMessages` and `streamingMessages` alike), the bytes buffered in its writer, the age
   * in ms of its oldest streaming message (0 when none) and its live subscribers (issue 8 item 5).
   */
  get stats(): {
    lossyDrops: number;
    reliableDrops: number;
    bufferedMessages: number;
    subscribers: number;
    streamingMessages: number;
    bufferedBytes: number;
    oldestStreamingAgeMs: number;
  } {
    const load = this.writer.load();
    return {
      lossyDrops: this.broker.lossyDrops,
      reliableDrops: this.broker.reliableDrops,
      bufferedMessages: this.writer.pendingCount,
      subscribers: this.broker.totalSubscribers,
      streamingMessages: load.streamingMessages,
      bufferedBytes: load.bufferedBytes,
      oldestStreamingAgeMs: load.oldestAgeMs,
    };
  }

  /**
   * Graceful shutdown: flushes everything (R7), ends every message this process still writes
   * `aborted` with the reason {@link SHUTDOWN_REASON}, releasing its lease and aborting its
   * producer's `MessageWriter.signal` (R31), fires at once every pending run trigger this process
   * armed (R23), stops background work, deletes this node's heartbeat row (R31: nothing of it is
   * left to take over), closes subscriptions and the store. From its first call, every public
   * entry throws ThreadlineError `closed` (HTTP 503); calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.deps.lifetime.end();
      this.deps.quotas.close(); // writes waiting for their workspace's rate go, and fail `closed`
      await this.sweeper.stop();
      await this.inbound.purger.stop();
      await this.upkeep.compactor.stop();
      await this.upkeep.threads.stop();
      await this.upkeep.recentEvents.stop();
      await this.inbound.scheduler.stop();
      try {
        await this.writer.close(SHUTDOWN_REASON);
      } finally {
        // The heartbeat goes on while the writers end their messages; after them, the row goes
        // (kept if one is still streaming: another node then takes it over, R31).
        await this.heartbeat.stop();
        await this.heartbeat.leave();
        // After the writer: a run reads the thread with every assistant message flushed.
        await this.inbound.scheduler.drain();
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
 * the periodic one, on PostgreSQL registers this node and starts its heartbeat (finalizing at once
 * what this node id's previous process left streaming, and taking over dead nodes, R31), starts
 * the run scheduler (firing triggers that came due while it was down, R23), the retention purge
 * (R25), log compaction (`compaction`, R32) and thread retention (`retention`: finishing
 * interrupted thread deletions, and with a `threadTtlMs` purging idle threads, R25), and on
 * PostgreSQL listens for other nodes' commits (R26).
 *
 * `MESSAGE` is the app's message type, usually the AI SDK's `UIMessage<METADATA, DATA_PARTS, TOOLS>`
 * (default Threadline's untyped `UIMessage`): reads return it and writes take its parts and
 * metadata, without casts. It is a static promise only, with no run-time effect: Threadline checks
 * parts against the AI SDK's part schemas (R2), not against the app's metadata or data schemas —
 * check those where they matter, e.g. `validateUIMessages({ messages, metadataSchema, dataSchemas })`.
 *
 * @throws ThreadlineError `bad_request` (unsupported URL, invalid inbound options, a `limits` field
 *   that is not a positive integer, `heartbeatMs`/`nodeTimeoutMs` not positive integers or the
 *   timeout not longer than the heartbeat, a `compaction.*` or `retention.*` field that is not an
 *   integer in range, a `workspaceLimits` field that is not a positive integer or `Infinity`, each
 *   named), `schema_too_new` (R27); connection errors.
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
 *
 * // Typed with the app's AI SDK message type (`UIMessage` from "ai"):
 * type ChatMessage = UIMessage<{ model: string }, { weather: { city: string } }>;
 * const chats = await createThreadline<ChatMessage>({ database: "sqlite:./chats.db" });
 * const history = await chats.chat.history(thread.id); // ChatMessage[]: no casts
 * ```
 */
export async function createThreadline<MESSAGE extends UIMessage = UIMessage>(
  options: ThreadlineOptions,
): Promise<Threadline<MESSAGE>> {
  const clock = options.clock ?? systemClock;
  const nodeId = options.nodeId ?? `node-${randomId()}`;
  const inboundOptions = resolveInboundOptions(options);
  const limits = resolveMessageLimits(options.limits); // before anything is opened
  const nodeTiming = resolveNodeTiming(options);
  const compaction = resolveCompaction(options.compaction);
  const retention = resolveThreadRetention(options.retention);
  const workspaceLimits = resolveWorkspaceLimits(options.workspaceLimits);
  const store = options.store ?? (await openStore(options.database, nodeId));
  let heartbeat: NodeHeartbeat | undefined;
  try {
    await store.migrate();
    const events = options.events ?? new EventHub();
    const broker = new Broker(clock, events, options);
    store.attachSink(broker); // persist, then publish: every committed event reaches it (R10)
    const writer = new CoalescingWriter(store, clock, events, nodeId, {
      ...options,
      limits,
    });
    // One view of the database's availability for both judges of dead writers (R18, R31).
    const reachability = new DatabaseReachability();
    const sweeper = new LeaseSweeper(store, clock, events, {
      ...(options.sweepIntervalMs === undefined ? {} : { intervalMs: options.sweepIntervalMs }),
      orphansAtStart: options.orphansAtStart ?? true,
      nodeId,
      leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      reachability,
    });
    heartbeat = new NodeHeartbeat(store, clock, events, nodeId, nodeTiming, { reachability });
    const stopListening = await store.listen({
      onCommit: (commit) => {
        if (commit.deleted) {
          writer.dropThread(commit.workspaceId, commit.threadId);
          broker.closeThread(commit.workspaceId, commit.threadId);
        } else {
          broker.notifyRemoteCommit(commit.workspaceId, commit.threadId);
        }
      },
      onStop: ({ workspaceId, messageId }) => {
        stopLocalWriter(writer, workspaceId, messageId).then(
          (result) => {
            if (result?.stopped) {
              events.emit("lifecycle:stopped", { workspaceId, messageId, via: "local" });
            }
          },
          (error) => events.emit("lifecycle:error", { task: "stop", error }),
        );
      },
      onListenLost: (error) => events.emit("lifecycle:listen-lost", { error }),
      onListenRestored: ({ gapMs }) => {
        broker.markAllBehind();
        events.emit("lifecycle:listen-restored", { gapMs });
      },
    });
    const generateId = options.generateId ?? randomId;
    const fire: FireContext = {
      store,
      clock,
      events,
      generateId,
      deliver: runTargets(inboundOptions),
      maxAttempts: inboundOptions.runMaxAttempts,
      retryInitialMs: inboundOptions.runRetryInitialMs,
      retryMaxMs: inboundOptions.runRetryMaxMs,
    };
    const scheduler = new RunScheduler(fire, nodeId, {
      pollIntervalMs: inboundOptions.runPollIntervalMs,
      claimTtlMs: inboundOptions.runClaimTtlMs,
      enabled: inboundOptions.fireRuns,
    });
    const purger = new RetentionPurger(store, clock, events, {
      retentionMs: inboundOptions.retentionMs,
      intervalMs: inboundOptions.purgeIntervalMs,
    });
    const inbound = inboundDeps(fire, nodeId, inboundOptions, scheduler);
    const compactor = new LogCompactor(store, clock, events, compaction);
    const threads = new ThreadPurger({ store, writer, clock, hub: events }, retention);
    const recentEvents = new RecentEventsUpkeep(store, clock, events);
    const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    const lifetime = new Lifetime();
    const quotas = new WorkspaceQuotas(workspaceLimits, clock, events);
    const deps = {
      store,
      events,
      stopTimeoutMs,
      broker,
      writer,
      clock,
      generateId,
      inbound,
      lifetime,
      deleteThread: (workspaceId: string, threadId: string) =>
        threads.deleteThread(workspaceId, threadId),
      quotas,
    };
    const threadline = new Threadline<MESSAGE>(
      store,
      broker,
      writer,
      sweeper,
      events,
      stopListening,
      deps,
      {
        scheduler,
        purger,
      },
      heartbeat,
      { compactor, threads, recentEvents },
    );
    // Before any writer opens: this node id's previous process left only orphans (R31).
    await heartbeat.start();
    await sweeper.start();
    scheduler.start();
    purger.start();
    compactor.start();
    threads.start();
    recentEvents.start();
    return threadline;
  } catch (error) {
    await heartbeat?.stop();
    await store.close().catch(() => {});
    throw error;
  }
}

function inboundDeps(
  fire: FireContext,
  nodeId: string,
  options: ResolvedInboundOptions,
  scheduler: RunScheduler,
): InboundDeps {
  return {
    store: fire.store,
    clock: fire.clock,
    generateId: fire.generateId,
    events: fire.events,
    nodeId,
    claimStaleMs: options.inboundClaimStaleMs,
    runDebounceMs: options.runDebounceMs,
    onArmed: (_workspaceId, _threadId, trigger) => scheduler.armed(trigger),
  };
}
