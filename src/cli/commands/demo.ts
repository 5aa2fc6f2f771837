import { mkdirSync, rmSync } from "node:fs";
import { Command, Option } from "commander";
import { loadDemoRecordings } from "../../demo/demo-recordings.js";
import { formatDemoTable } from "../../demo/demo-report.js";
import { runDemo } from "../../demo/run-demo.js";
import { parsePort } from "../shared-options.js";

const DEMO_DATABASE_FILE = ".threadline/demo.db";

interface DemoCommandOptions {
  db?: string;
  speed: number;
  serve: boolean;
  port: number;
}

/**
 * `threadline demo` (`npm run demo`, the main job): replays real recorded streams concurrently into
 * a server on an embedded SQLite file while subscribers follow live, prints a table per thread and
 * exits 0 only if every persisted message equals the AI SDK's own result.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("replay recorded model streams into a live server and check every stored message")
    .argument(
      "[files...]",
      "recordings (*.sse, *.chunks.txt); default: a set from ../shared/fixtures",
    )
    .option("--db <url>", `database (default: a fresh sqlite:${DEMO_DATABASE_FILE})`)
    .addOption(
      new Option("--speed <factor>", "playback speed, 1 = recorded speed")
        .default(1)
        .argParser(parseSpeed),
    )
    .option("--serve", "keep the server running afterwards", false)
    .option("--port <port>", "port of the demo server (0 = any free port)", parsePort("--port"), 0)
    .action(async (paths: string[], options: DemoCommandOptions) => {
      const database = options.db ?? freshDemoDatabase();
      const { source, files } = await loadDemoRecordings(paths);
      console.log(
        `Replaying ${files.length} recording(s) from ${source} at ${options.speed}× into ${database}`,
      );
      const started = Date.now();
      const { results, server } = await runDemo({
        database,
        files,
        speed: options.speed,
        port: options.port,
        onProgress: (line) => console.log(`  ${line}`),
      });
      console.log(`\n${formatDemoTable(results)}\n`);
      const failed = results.filter((r) => !r.matches);
      const stats = server.threadline.stats;
      console.log(
        `${results.length - failed.length}/${results.length} messages equal the AI SDK's result · ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s · dropped live events: ${stats.lossyDrops} lossy, ${stats.reliableDrops} reliable`,
      );
      if (options.serve) {
        console.log(`Serving ${server.url} — Ctrl+C to stop.`);
        process.once(
          "SIGINT",
          () => void server.close().then(() => process.exit(failed.length ? 1 : 0)),
        );
        return;
      }
      await server.close();
      process.exitCode = failed.length > 0 ? 1 : 0;
    });
}

function freshDemoDatabase(): string {
  mkdirSync(".threadline", { recursive: true });
  for (const suffix of ["", "-wal", "-shm"])
    rmSync(`${DEMO_DATABASE_FILE}${suffix}`, { force: true });
  return `sqlite:${DEMO_DATABASE_FILE}`;
}

function parseSpeed(value: string): number {
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new Error(`--speed must be a number > 0, got ${JSON.stringify(value)}`);
  return speed;
}
