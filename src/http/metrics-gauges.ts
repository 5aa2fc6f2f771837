/**
 * The gauges of `/metrics` read at scrape time (issue 8 item 5): what this node holds now, and on
 * PostgreSQL the age of every node's heartbeat (R31). Part of `metrics.ts`.
 */
import { Gauge, type Registry } from "prom-client";
import type { Threadline } from "../threadline.js";

/** What the HTTP layer adds to a scrape (see {@link liveGauges}). */
export interface MetricSources {
  /** SSE responses open now (`SseConnections.open`); without it the gauge reads 0. */
  sseConnections?: () => number;
}

/**
 * Registers the scrape-time gauges:
 *
 * - `threadline_streaming_messages` — streaming messages this node writes (live streams);
 * - `threadline_writer_buffered_bytes` — bytes of changes buffered in the writer, not yet handed
 *   to a commit (R3; they grow during an outage, bounded by `maxBufferedBytes`, R30);
 * - `threadline_oldest_streaming_message_age_seconds` — age of the oldest of them, 0 when none (a
 *   stream stuck open shows here long before its lease runs out);
 * - `threadline_broker_subscribers` — live subscriptions of this node (SSE viewers, resumes and
 *   library subscribers);
 * - `threadline_sse_connections` — SSE responses of the app open now;
 * - `threadline_node_heartbeat_age_seconds{node}` — on PostgreSQL, the age of each known node's
 *   last heartbeat by this node's clock (R31: past the node timeout, a node is taken over); no
 *   samples on SQLite, nor when the database does not answer (the scrape still succeeds).
 */
export function liveGauges(
  threadline: Threadline,
  registers: Registry[],
  sources: MetricSources,
): void {
  const stat = (name: string, help: string, read: (stats: Threadline["stats"]) => number): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(threadline.stats));
      },
    });
  stat(
    "threadline_streaming_messages",
    "Streaming messages this node writes (live streams).",
    (s) => s.streamingMessages,
  );
  stat(
    "threadline_writer_buffered_bytes",
    "Bytes of changes buffered in the writer, not yet handed to a commit (R3, R30).",
    (s) => s.bufferedBytes,
  );
  stat(
    "threadline_oldest_streaming_message_age_seconds",
    "Age of the oldest streaming message this node writes; 0 when none streams.",
    (s) => s.oldestStreamingAgeMs / 1_000,
  );
  stat(
    "threadline_broker_subscribers",
    "Live subscriptions of this node: SSE viewers, resumes and library subscribers.",
    (s) => s.subscribers,
  );
  new Gauge({
    name: "threadline_sse_connections",
    help: "Server-sent event responses (events and resume streams) open now.",
    registers,
    collect() {
      this.set(sources.sseConnections?.() ?? 0);
    },
  });
  heartbeatAgeGauge(threadline, registers);
}

/** `threadline_node_heartbeat_age_seconds{node}`, read from the nodes table on each scrape (R31). */
function heartbeatAgeGauge(threadline: Threadline, registers: Registry[]): void {
  new Gauge({
    name: "threadline_node_heartbeat_age_seconds",
    help: "Age of each known node's last heartbeat (PostgreSQL; R31: past the node timeout it is taken over).",
    labelNames: ["node"] as const,
    registers,
    async collect() {
      this.reset();
      const ages = await threadline.nodes.heartbeatAges().catch(() => []);
      for (const { nodeId, ageMs } of ages) this.set({ node: nodeId }, ageMs / 1_000);
    },
  });
}
