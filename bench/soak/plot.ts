/**
 * The soak figure: database size, RSS and p99 latency over time, one PNG per backend. A Vega-Lite
 * spec is compiled and rendered to SVG by `vega` (pure JS, no canvas), and the SVG is screenshot
 * to PNG by headless Debian Chromium through `playwright-core` (as the browser tests launch it).
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SoakSample } from "./soak-sample.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PANEL = { width: 720, height: 150 };

/** One point of a panel: a series' value at a time. */
interface Point {
  t: number;
  panel: string;
  series: string;
  value: number;
}

/**
 * Renders the samples of one backend as an SVG with three panels stacked over a time axis
 * (seconds): database size (MB; SQLite also the pages in use; the final text for scale), rows of
 * the event log (thousands), process memory (RSS and heap, MB) and delta → subscriber latency
 * (p50 and p99 over each interval, ms).
 */
export async function soakSvg(title: string, samples: readonly SoakSample[]): Promise<string> {
  const points: Point[] = [];
  const add = (panel: string, series: string, pick: (s: SoakSample) => number | null) => {
    for (const s of samples) {
      const value = pick(s);
      if (value !== null) points.push({ t: s.elapsedS, panel, series, value });
    }
  };
  const mb = (b: number | null) => (b === null ? null : b / 1e6);
  add("size", "database size", (s) => mb(s.sizeBytes));
  add("size", "pages in use", (s) => mb(s.usedBytes));
  add("size", "final text (1 B/char)", (s) => mb(s.finalChars));
  add("rows", "events rows", (s) => s.eventRows / 1000);
  add("memory", "RSS", (s) => mb(s.rssBytes));
  add("memory", "heap used", (s) => mb(s.heapUsedBytes));
  add("latency", "p99", (s) => s.latencyMs.p99);
  add("latency", "p50", (s) => s.latencyMs.p50);
  const panel = (name: string, yTitle: string) => ({
    ...PANEL,
    transform: [{ filter: `datum.panel === '${name}'` }],
    mark: { type: "line" as const, point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: "t",
        type: "quantitative" as const,
        title: "seconds since the streams started",
        scale: { domainMin: 0 },
      },
      y: { field: "value", type: "quantitative" as const, title: yTitle },
      color: {
        field: "series",
        type: "nominal" as const,
        title: null,
        legend: { orient: "right" as const, labelLimit: 240 },
      },
    },
  });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, fontSize: 15 },
    background: "white",
    padding: 12,
    data: { values: points },
    vconcat: [
      panel("size", "database (MB)"),
      panel("rows", "log (thousand rows)"),
      panel("memory", "process memory (MB)"),
      panel("latency", "delta → subscriber (ms)"),
    ],
    resolve: { scale: { color: "independent" } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}

/**
 * Writes `svg` as a PNG at `path` (2× pixel density) with headless Chromium.
 * @throws Error when Chromium is not at `/usr/bin/chromium` (or `CHROMIUM_PATH`).
 */
export async function writePng(svg: string, path: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
    await page.locator("svg").first().screenshot({ path });
  } finally {
    await browser.close();
  }
}
