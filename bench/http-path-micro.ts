/**
 * Micro-benchmark of the HTTP hot path (issue 9 "Over HTTP it is worse"): server CPU per delta
 * with S streaming uploads (`POST …/messages/stream`, NDJSON, a 4-character delta every 20 ms) and
 * one `GET …/events` viewer each. Not part of `npm run bench`.
 *
 * ```
 * npx tsx bench/http-path-micro.ts [--streams 100] [--seconds 8] [--warmup 2]
 * ```
 *
 * This process is the server (the Hono app of `createApp` on `@hono/node-server`, port 0, SQLite
 * in a temporary directory); the load generator runs in a forked
 * child, so its CPU is not counted. The server's `process.cpuUsage()` over the measurement window
 * is divided by the deltas uploaded and by the deltas delivered to viewers in it. Latency is
 * upload write → the viewer's SSE frame that holds the delta (matched by text length). The script
 * only uses `createThreadline` and `createApp`, so it runs unchanged at older commits: compare
 * with `git worktree add /tmp/wt-x <rev>`, a `node_modules` symlink and this file copied in,
 * alternating runs (the machine is shared; a single run says little).
 *
 * Prints JSON: `serverCpuUsPerDeltaSent` / `…Delivered` (µs), `serverCpuPct` and
 * `generatorCpuPct` (% of one core; a generator near 100 % is the limit, not the server), latency
 * p50/p99/max, the spread of per-stream p99s (`streamP99Ms`: equal figures mean every stream
 * degrades alike), producer lag, `blockedWrites` (upload writes the socket refused: TCP
 * backpressure reaching the producer) and the server's event-loop delay.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

interface Options {
  streams: number;
  seconds: number;
  warmup: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] !== undefined ? (argv[at + 1] as string) : fallback;
  };
  return {
    streams: Number(value("streams", "100")),
    seconds: Number(value("seconds", "8")),
    warmup: Number(value("warmup", "2")),
  };
}

/** What the child reports at the end of the measurement window. */
interface ChildReport {
  type: "report";
  deltasSent: number;
  deltasDelivered: number;
  latenciesMs: number[];
  lateWritesMs: number[];
  blockedWrites: number;
  perStreamP99Ms: number[];
  childCpuUs: number;
}

type ChildMessage = { type: "ready" } | { type: "measure" } | ChildReport | { type: "done" };

const DELTA = "abcd";
const INTERVAL_MS = 20;

// ---------------------------------------------------------------- server (this process)

async function runServer(options: Options): Promise<void> {
  const { createThreadline } = await import("../src/threadline.js");
  const { createApp } = await import("../src/http/index.js");
  const { serve } = await import("@hono/node-server");
  const dir = mkdtempSync(join(tmpdir(), "threadline-http-micro-"));
  const threadline = await createThreadline({ database: `sqlite:${join(dir, "bench.db")}` });
  const app = createApp({ threadline, log: () => {}, inspector: false, writeSseDirectly: true });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
      resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const child = fork(
    fileURLToPath(import.meta.url),
    ["--child", String(port), ...process.argv.slice(2)],
    {
      execArgv: process.execArgv.filter((arg) => !arg.startsWith("--cpu-prof")),
    },
  );
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  const report = await new Promise<ChildReport>((resolve, reject) => {
    child.on("message", (message: ChildMessage) => {
      if (message.type === "measure") {
        cpuStart = process.cpuUsage();
        wallStart = performance.now();
        delay.enable();
      } else if (message.type === "report") {
        resolve(message);
      }
    });
    child.once("exit", (code) => reject(new Error(`load generator exited with ${code}`)));
  });
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  delay.disable();
  await waitForExit(child);
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await threadline.close();
  rmSync(dir, { recursive: true, force: true });
  printResult(options, report, cpu.user + cpu.system, wallMs, delay);
}

function waitForExit(child: ChildProcess): Promise<void> {
  child.send({ type: "stop" });
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    if (child.exitCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

function printResult(
  options: Options,
  report: ChildReport,
  serverCpuUs: number,
  wallMs: number,
  delay: ReturnType<typeof monitorEventLoopDelay>,
): void {
  const latencies = [...report.latenciesMs].sort((a, b) => a - b);
  const worstStreams = [...report.perStreamP99Ms].sort((a, b) => a - b);
  const late = [...report.lateWritesMs].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  const result = {
    streams: options.streams,
    windowS: round(wallMs / 1000),
    deltasSent: report.deltasSent,
    deltasDelivered: report.deltasDelivered,
    serverCpuPct: round((serverCpuUs / 1000 / wallMs) * 100),
    serverCpuUsPerDeltaSent: round(serverCpuUs / Math.max(1, report.deltasSent)),
    serverCpuUsPerDeltaDelivered: round(serverCpuUs / Math.max(1, report.deltasDelivered)),
    generatorCpuPct: round((report.childCpuUs / 1000 / wallMs) * 100),
    latencyMs: {
      p50: round(quantile(latencies, 0.5)),
      p99: round(quantile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? 0),
    },
    streamP99Ms: {
      best: round(worstStreams[0] ?? 0),
      median: round(quantile(worstStreams, 0.5)),
      worst: round(worstStreams.at(-1) ?? 0),
    },
    producerLagMs: { p99: round(quantile(late, 0.99)), max: round(late.at(-1) ?? 0) },
    blockedWrites: report.blockedWrites,
    eventLoopDelayMs: {
      p50: round(delay.percentile(50) / 1e6),
      p99: round(delay.percentile(99) / 1e6),
    },
  };
  console.log(JSON.stringify(result, null, 2));
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

// ---------------------------------------------------------------- load generator (child)

interface Stream {
  threadId: string;
  sentAt: number[];
  delivered: number;
  latencies: number[];
  upload?: http.ClientRequest;
  viewer?: http.ClientRequest;
}

async function runChild(port: number, options: Options): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const streams: Stream[] = [];
  for (let i = 0; i < options.streams; i += 1) {
    const { thread } = (await requestJson(agent, port, "POST", "/v1/threads", {})) as {
      thread: { id: string };
    };
    streams.push({ threadId: thread.id, sentAt: [], delivered: 0, latencies: [] });
  }
  let measuring = false;
  let deltasSent = 0;
  let deltasDelivered = 0;
  let blockedWrites = 0;
  const lateWritesMs: number[] = [];
  await Promise.all(streams.map((stream) => openViewer(agent, port, stream)));
  const onDelivered = (stream: Stream, chars: number) => {
    const now = performance.now();
    const upTo = Math.floor(chars / DELTA.length);
    for (let i = stream.delivered; i < upTo; i += 1) {
      if (measuring) {
        deltasDelivered += 1;
        stream.latencies.push(now - (stream.sentAt[i] ?? now));
      }
    }
    stream.delivered = Math.max(stream.delivered, upTo);
  };
  for (const stream of streams) attachViewer(stream, onDelivered);
  const timers: NodeJS.Timeout[] = [];
  const startAt = performance.now() + 50;
  streams.forEach((stream, index) => {
    const upload = openUpload(agent, port, stream.threadId);
    stream.upload = upload;
    upload.write(`${JSON.stringify({ type: "start" })}\n`);
    upload.write(`${JSON.stringify({ type: "text-start", id: "t" })}\n`);
    const line = `${JSON.stringify({ type: "text-delta", id: "t", delta: DELTA })}\n`;
    const offset = (index / streams.length) * INTERVAL_MS;
    let n = 0;
    const tick = () => {
      const due = startAt + offset + n * INTERVAL_MS;
      const now = performance.now();
      if (measuring) lateWritesMs.push(now - due);
      stream.sentAt.push(now);
      if (!upload.write(line)) blockedWrites += measuring ? 1 : 0;
      if (measuring) deltasSent += 1;
      n += 1;
      timers[index] = setTimeout(tick, Math.max(0, due + INTERVAL_MS - performance.now()));
    };
    timers[index] = setTimeout(tick, Math.max(0, startAt + offset - performance.now()));
  });
  await sleep(options.warmup * 1000);
  for (const stream of streams) stream.latencies = [];
  measuring = true;
  process.send?.({ type: "measure" } satisfies ChildMessage);
  const childCpuAtMeasure = process.cpuUsage();
  await sleep(options.seconds * 1000);
  measuring = false;
  const childCpu = process.cpuUsage(childCpuAtMeasure);
  const report: ChildReport = {
    type: "report",
    deltasSent,
    deltasDelivered,
    latenciesMs: streams.flatMap((s) => s.latencies),
    lateWritesMs,
    blockedWrites,
    perStreamP99Ms: streams.map((s) =>
      quantile(
        [...s.latencies].sort((a, b) => a - b),
        0.99,
      ),
    ),
    childCpuUs: childCpu.user + childCpu.system,
  };
  process.send?.(report);
  for (const timer of timers) clearTimeout(timer);
  for (const stream of streams) {
    stream.upload?.end(`${JSON.stringify({ type: "text-end", id: "t" })}\n{"type":"finish"}\n`);
  }
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  for (const stream of streams) stream.viewer?.destroy();
  agent.destroy();
  process.exit(0);
}

function requestJson(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  body: unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        port,
        host: "127.0.0.1",
        method,
        path,
        headers: { "content-type": "application/json" },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (piece: string) => {
          text += piece;
        });
        response.on("end", () => resolve(JSON.parse(text)));
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

const viewers = new WeakMap<Stream, http.IncomingMessage>();

function openViewer(agent: http.Agent, port: number, stream: Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { agent, port, host: "127.0.0.1", path: `/v1/threads/${stream.threadId}/events` },
      (response) => {
        viewers.set(stream, response);
        resolve();
      },
    );
    request.on("error", reject);
    stream.viewer = request;
  });
}

/** Counts the text of `message.delta` frames as they arrive. */
function attachViewer(stream: Stream, onDelivered: (stream: Stream, chars: number) => void): void {
  const response = viewers.get(stream);
  if (!response) return;
  response.setEncoding("utf8");
  let buffered = "";
  let chars = 0;
  response.on("data", (piece: string) => {
    buffered += piece;
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf("\n\n");
      if (!frame.startsWith("event: message.delta")) continue;
      const data = frame.slice(frame.indexOf("data: ") + 6);
      const event = JSON.parse(data) as { data: { chunks: { type: string; delta?: string }[] } };
      for (const chunk of event.data.chunks) {
        if (chunk.type === "text-delta") chars += chunk.delta?.length ?? 0;
      }
      onDelivered(stream, chars);
    }
  });
  response.on("error", () => {});
}

function openUpload(agent: http.Agent, port: number, threadId: string): http.ClientRequest {
  const request = http.request({
    agent,
    port,
    host: "127.0.0.1",
    method: "POST",
    path: `/v1/threads/${threadId}/messages/stream`,
    headers: { "content-type": "application/x-ndjson", "transfer-encoding": "chunked" },
  });
  request.on("error", () => {});
  request.on("response", (response) => response.resume());
  request.flushHeaders();
  return request;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- entry

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  const port = Number(process.argv[childAt + 1]);
  await runChild(port, parseOptions(process.argv.slice(childAt + 2)));
} else {
  await runServer(parseOptions(process.argv.slice(2)));
}
