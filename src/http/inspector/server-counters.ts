/**
 * The server's live counters on the inspector page: a few numbers read from `GET /metrics`
 * (Prometheus text), every gauge of Threadline's plus the counters an operator watches first.
 */

/** One number shown: its metric name, a label, and its value summed over every label set. */
export interface Counter {
  name: string;
  label: string;
  value: number;
}

/** Counters shown besides the gauges, with their labels, when the server exports them. */
const WATCHED_COUNTERS: Record<string, string> = {
  threadline_writer_commits_total: "commits",
  threadline_writer_message_writes_total: "message writes",
  threadline_writer_commit_errors_total: "commit errors",
  threadline_writer_rejected_writes_total: "rejected writes",
  threadline_broker_dropped_events_total: "dropped events",
  threadline_sweep_finalized_messages_total: "swept messages",
};

const PREFIX = "threadline_";

/**
 * The counters of a `/metrics` text: every `threadline_*` gauge (live streams, buffers, … —
 * whatever this server version has), then the {@link WATCHED_COUNTERS} present, each summed over
 * its label sets (per workspace, per node, …).
 *
 * @example
 * ```ts
 * parseCounters("# TYPE threadline_writer_buffered_messages gauge\nthreadline_writer_buffered_messages 2\n");
 * // [{ name: "threadline_writer_buffered_messages", label: "writer buffered messages", value: 2 }]
 * ```
 */
export function parseCounters(text: string): Counter[] {
  const gauges = new Set<string>();
  const sums = new Map<string, number>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) gauge\s*$/.exec(line);
    if (type?.[1]) gauges.add(type[1]);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!sample?.[1] || !sample[2]) continue;
    const value = Number(sample[2]);
    if (Number.isFinite(value)) sums.set(sample[1], (sums.get(sample[1]) ?? 0) + value);
  }
  const isGauge = (name: string) => gauges.has(name) && name.startsWith(PREFIX);
  const shown = [
    ...[...sums.keys()].filter(isGauge),
    ...Object.keys(WATCHED_COUNTERS).filter((name) => sums.has(name)),
  ];
  return shown.map((name) => ({
    name,
    label: WATCHED_COUNTERS[name] ?? name.slice(PREFIX.length).replaceAll("_", " "),
    value: sums.get(name) ?? 0,
  }));
}

/** A counter's value for display: integers as they are, others to 3 significant digits. */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toPrecision(3);
}
