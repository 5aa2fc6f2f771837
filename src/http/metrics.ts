/**
 * Prometheus metrics of a Threadline process (SPEC §3 `/metrics`, R12; STYLE habit 11): the only
 * module that imports prom-client. It reads `threadline.stats` at scrape time and listens to
 * `threadline.events`; the core knows nothing about it.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { RUN_DECLINE_REASONS } from "../protocol/runs.js";
import type { Threadline } from "../threadline.js";
import { liveGauges, type MetricSources } from "./metrics-gauges.js";

/** Buckets of the commit duration histogram, in seconds (a tick commits in ~1–50 ms). */
const COMMIT_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/**
 * Buckets of the commit batch size histogram, in message writes per transaction: one per dirty
 * message (R5), so up to the number of live streams.
 */
const COMMIT_WRITES_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000];

/** Buckets of the throttle wait histogram, in seconds (a chunk waits a fraction of a second). */
const THROTTLE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics of one Threadline, and how to stop collecting them. */
export interface ThreadlineMetrics {
  registry: Registry;
  /** Removes the event listeners (the registry keeps its last values). */
  dispose(): void;
}

/**
 * Registers Threadline's metrics in `registry` (default a new one):
 *
 * - `threadline_broker_dropped_events_total{delivery="lossy"|"reliable"}` — events a full
 *   subscriber queue dropped (R12), from `threadline.stats`;
 * - `threadline_writer_buffered_messages` — messages with buffered or in-flight writes;
 * - `threadline_writer_commits_total{trigger="urgent"|"window"}`, `threadline_writer_message_writes_total`
 *   and `threadline_writer_commit_duration_seconds` (the commit latency) — writer transactions (R4,
 *   R5); `threadline_writer_commit_writes` — message writes per transaction, the tick's batch size;
 * - `threadline_writer_commit_errors_total` — failed transactions, retried with backoff (R6);
 * - `threadline_writer_poisoned_messages_total` — messages the database refused twice alone, ended
 *   `error` (R30);
 * - `threadline_writer_rejected_writes_total{reason="finalized"|"missing"}` — guarded writes that
 *   matched no streaming row (R8, R15);
 * - `threadline_sweep_finalized_messages_total` — messages the crash sweep finalized (R18);
 * - `threadline_background_errors_total{task}` — failed sweeps, lease renewals, run scheduler
 *   looks and purges;
 * - `threadline_inbound_claim_conflicts_total{reason}` — messages refused because their
 *   idempotency key was in flight, taken over, or used elsewhere (R21);
 *   `threadline_inbound_replays_total` — repeats answered with the original message (R21);
 * - `threadline_runs_fired_total` — runs delivered (R22); `threadline_run_failures_total` — failed
 *   delivery attempts, each retried (R24); `threadline_runs_failed_total` — triggers kept `failed`
 *   after their last attempt (R24); `threadline_run_notices_total{reason}` — agent offline /
 *   archived notices appended (R24);
 * - `threadline_inbound_purged_total{kind="claims"|"triggers"}` — rows the retention purge deleted
 *   (R25);
 * - `threadline_listen_lost_total` and `threadline_listen_reconnects_total` — outages of the
 *   PostgreSQL notification connection and reconnects after which every subscriber caught up from
 *   the log (R12, R26); `threadline_listen_gap_seconds_total` — the time spent disconnected;
 * - `threadline_nodes_lost_total` — dead nodes (heartbeat older than the node timeout) this node
 *   took over; `threadline_node_orphans_finalized_total{cause="node_lost"|"restart"}` — streaming
 *   messages it finalized `aborted` in those takeovers, or at a restart under the same node id;
 *   `threadline_heartbeat_lost_total{outcome="rejoined"|"superseded"}` — this node found itself
 *   declared dead, or replaced by a newer process of its node id (R31);
 * - the gauges read at scrape time (issue 8 item 5, see `liveGauges`): live streams
 *   (`threadline_streaming_messages`), `threadline_writer_buffered_bytes`,
 *   `threadline_oldest_streaming_message_age_seconds`, `threadline_broker_subscribers`,
 *   `threadline_sse_connections` (from `sources`) and, on PostgreSQL,
 *   `threadline_node_heartbeat_age_seconds{node}`;
 * - `threadline_workspace_throttled_total{workspace,limit,outcome}` — a workspace over its limits
 *   (R33): `outcome="refused"` a 429 (`limit` `streams`, `subscribers`, or `chunks`/`bytes` for a
 *   complete message), `outcome="waited"` a chunk that waited for its turn (`chunks`/`bytes`);
 *   `threadline_workspace_throttle_wait_seconds{workspace}` — how long those chunks waited.
 *
 * One registry takes one Threadline's metrics (names are registered once).
 *
 * @example
 * ```ts
 * const { registry } = createMetrics(threadline);
 * const text = await registry.metrics();
 * ```
 */
export function createMetrics(
  threadline: Threadline,
  registry = new Registry(),
  sources: MetricSources = {},
): ThreadlineMetrics {
  const registers = [registry];
  new Counter({
    name: "threadline_broker_dropped_events_total",
    help: "Events dropped by a full subscriber queue; the subscriber then catches up from the log (R12).",
    labelNames: ["delivery"] as const,
    registers,
    collect() {
      const { lossyDrops, reliableDrops } = threadline.stats;
      this.reset();
      this.inc({ delivery: "lossy" }, lossyDrops);
      this.inc({ delivery: "reliable" }, reliableDrops);
    },
  });
  new Gauge({
    name: "threadline_writer_buffered_messages",
    help: "Streaming messages with buffered or in-flight writes in this process.",
    registers,
    collect() {
      this.set(threadline.stats.bufferedMessages);
    },
  });
  const commits = new Counter({
    name: "threadline_writer_commits_total",
    help: "Writer transactions committed: urgent (structural or terminal changes) or per window.",
    labelNames: ["trigger"] as const,
    registers,
  });
  const writes = new Counter({
    name: "threadline_writer_message_writes_total",
    help: "Message writes committed by the writer (several per transaction, R5).",
    registers,
  });
  const duration = new Histogram({
    name: "threadline_writer_commit_duration_seconds",
    help: "Duration of committed writer transactions.",
    buckets: COMMIT_DURATION_BUCKETS,
    registers,
  });
  const batchSize = new Histogram({
    name: "threadline_writer_commit_writes",
    help: "Message writes per committed writer transaction: the tick's batch size (R5).",
    buckets: COMMIT_WRITES_BUCKETS,
    registers,
  });
  const poisoned = new Counter({
    name: "threadline_writer_poisoned_messages_total",
    help: "Messages whose changes the database refused twice alone; they ended error (R30).",
    registers,
  });
  const errors = new Counter({
    name: "threadline_writer_commit_errors_total",
    help: "Writer transactions that failed; their writes stay buffered and are retried (R6).",
    registers,
  });
  const rejected = new Counter({
    name: "threadline_writer_rejected_writes_total",
    help: "Guarded writes that matched no streaming message: finalized elsewhere or deleted.",
    labelNames: ["reason"] as const,
    registers,
  });
  const swept = new Counter({
    name: "threadline_sweep_finalized_messages_total",
    help: "Messages the crash sweep finalized aborted after their writer lease expired (R18).",
    registers,
  });
  const compacted = new Counter({
    name: "threadline_log_compacted_events_total",
    help: "message.delta events log compaction removed from finished messages (R32).",
    registers,
  });
  const purgedThreads = new Counter({
    name: "threadline_threads_purged_total",
    help: "Threads the retention purge deleted for being idle past their TTL (R25).",
    registers,
  });
  const backgroundErrors = new Counter({
    name: "threadline_background_errors_total",
    help: "Failed background tasks (sweep, lease renewal, heartbeat); they run again.",
    labelNames: ["task"] as const,
    registers,
  });
  const throttled = new Counter({
    name: "threadline_workspace_throttled_total",
    help: "A workspace over its limits (R33): requests refused 429, and chunks that waited for their turn.",
    labelNames: ["workspace", "limit", "outcome"] as const,
    registers,
  });
  const throttleWait = new Histogram({
    name: "threadline_workspace_throttle_wait_seconds",
    help: "How long a chunk of a workspace over its chunk or byte rate waited for its turn (R33).",
    labelNames: ["workspace"] as const,
    buckets: THROTTLE_WAIT_BUCKETS,
    registers,
  });
  const listen = listenMetrics(registers);
  const nodes = nodeMetrics(registers);
  commits.inc({ trigger: "urgent" }, 0);
  commits.inc({ trigger: "window" }, 0);
  const inbound = inboundMetrics(registers);
  liveGauges(threadline, registers, sources);

  const { events } = threadline;
  const listeners = [
    events.on("writer:commit", (commit) => {
      commits.inc({ trigger: commit.urgent ? "urgent" : "window" });
      writes.inc(commit.writes);
      duration.observe(commit.durationMs / 1_000);
      batchSize.observe(commit.writes);
    }),
    events.on("writer:error", () => errors.inc()),
    events.on("writer:poisoned", () => poisoned.inc()),
    events.on("writer:rejected", ({ reason }) => rejected.inc({ reason })),
    events.on("lifecycle:swept", ({ count }) => swept.inc(count)),
    events.on("lifecycle:compacted", ({ rows }) => compacted.inc(rows)),
    events.on("lifecycle:thread-purged", () => purgedThreads.inc()),
    events.on("lifecycle:error", ({ task }) => backgroundErrors.inc({ task })),
    events.on("workspace:refused", ({ workspaceId, limit }) =>
      throttled.inc({ workspace: workspaceId, limit, outcome: "refused" }),
    ),
    events.on("workspace:waited", ({ workspaceId, limit, waitMs }) => {
      throttled.inc({ workspace: workspaceId, limit, outcome: "waited" });
      throttleWait.observe({ workspace: workspaceId }, waitMs / 1_000);
    }),
    events.on("lifecycle:listen-lost", () => listen.lost.inc()),
    events.on("lifecycle:listen-restored", ({ gapMs }) => {
      listen.reconnects.inc();
      listen.gap.inc(gapMs / 1_000);
    }),
    events.on("lifecycle:node-lost", ({ count }) => {
      nodes.lost.inc();
      nodes.orphans.inc({ cause: "node_lost" }, count);
    }),
    events.on("lifecycle:node-restarted", ({ count }) =>
      nodes.orphans.inc({ cause: "restart" }, count),
    ),
    events.on("lifecycle:heartbeat-lost", ({ outcome }) => nodes.heartbeatLost.inc({ outcome })),
    events.on("inbound:conflict", ({ reason }) => inbound.conflicts.inc({ reason })),
    events.on("inbound:replayed", () => inbound.replays.inc()),
    events.on("run:fired", () => inbound.fired.inc()),
    events.on("run:failed", ({ retryInMs }) => {
      inbound.failures.inc();
      if (retryInMs === null) inbound.gaveUp.inc();
    }),
    events.on("run:notice", ({ reason }) => inbound.notices.inc({ reason })),
    events.on("inbound:purged", ({ claims, triggers }) => {
      inbound.purged.inc({ kind: "claims" }, claims);
      inbound.purged.inc({ kind: "triggers" }, triggers);
    }),
  ];
  return {
    registry,
    dispose: () => {
      for (const off of listeners) off();
    },
  };
}

/** The counters of the notification connection's outages and reconnects (R12, R26). */
function listenMetrics(registers: Registry[]) {
  const lost = new Counter({
    name: "threadline_listen_lost_total",
    help: "Outages of the PostgreSQL notification (LISTEN) connection.",
    registers,
  });
  const reconnects = new Counter({
    name: "threadline_listen_reconnects_total",
    help: "Reconnects of the notification connection; every subscriber then catches up from the log (R12).",
    registers,
  });
  const gap = new Counter({
    name: "threadline_listen_gap_seconds_total",
    help: "Time the notification connection was down before a reconnect.",
    registers,
  });
  return { lost, reconnects, gap };
}

/** The counters of node heartbeats and takeovers (R31), zero-initialized. */
function nodeMetrics(registers: Registry[]) {
  const lost = new Counter({
    name: "threadline_nodes_lost_total",
    help: "Dead nodes (heartbeat older than the node timeout) this node took over (R31).",
    registers,
  });
  const orphans = new Counter({
    name: "threadline_node_orphans_finalized_total",
    help: "Streaming messages finalized aborted because their node died (node_lost) or restarted under the same node id (restart) (R31).",
    labelNames: ["cause"] as const,
    registers,
  });
  const heartbeatLost = new Counter({
    name: "threadline_heartbeat_lost_total",
    help: "Heartbeats that found this node declared dead (rejoined) or replaced by a newer process of its node id (superseded) (R31).",
    labelNames: ["outcome"] as const,
    registers,
  });
  for (const cause of ["node_lost", "restart"]) orphans.inc({ cause }, 0);
  for (const outcome of ["rejoined", "superseded"]) heartbeatLost.inc({ outcome }, 0);
  return { lost, orphans, heartbeatLost };
}

/** The counters of idempotency claims and run triggers (R21–R25), zero-initialized. */
function inboundMetrics(registers: Registry[]) {
  const conflicts = new Counter({
    name: "threadline_inbound_claim_conflicts_total",
    help: "Messages refused with 409 because of their idempotency key (R21).",
    labelNames: ["reason"] as const,
    registers,
  });
  const replays = new Counter({
    name: "threadline_inbound_replays_total",
    help: "Repeated idempotency keys answered with the original message (R21).",
    registers,
  });
  const fired = new Counter({
    name: "threadline_runs_fired_total",
    help: "Runs delivered to the run target (R22).",
    registers,
  });
  const failures = new Counter({
    name: "threadline_run_failures_total",
    help: "Failed run delivery attempts; each is retried with backoff until the last (R24).",
    registers,
  });
  const gaveUp = new Counter({
    name: "threadline_runs_failed_total",
    help: "Run triggers kept as failed after their last delivery attempt (R24).",
    registers,
  });
  const notices = new Counter({
    name: "threadline_run_notices_total",
    help: "System notices appended because the run target declined: agent offline or archived (R24).",
    labelNames: ["reason"] as const,
    registers,
  });
  const purged = new Counter({
    name: "threadline_inbound_purged_total",
    help: "Idempotency claims and finished run triggers deleted after the retention period (R25).",
    labelNames: ["kind"] as const,
    registers,
  });
  for (const reason of ["in_flight", "taken_over", "other_thread", "deleted"]) {
    conflicts.inc({ reason }, 0);
  }
  for (const reason of RUN_DECLINE_REASONS) notices.inc({ reason }, 0);
  purged.inc({ kind: "claims" }, 0);
  purged.inc({ kind: "triggers" }, 0);
  return { conflicts, replays, fired, failures, gaveUp, notices, purged };
}
