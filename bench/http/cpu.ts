/**
 * CPU time of other processes, read from `/proc/<pid>/stat` (utime + stime, every thread of the
 * process included): the server under test and each load-generator process.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, usually 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system, µs) process `pid` has used since it started; 0 once it has exited.
 * The resolution is one clock tick (10 ms at the usual 100 Hz).
 *
 * @example
 * ```ts
 * const before = processCpuUs(server.pid);
 * // … load …
 * const usedUs = processCpuUs(server.pid) - before;
 * ```
 */
export function processCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / clockTicksPerSecond();
  } catch {
    return 0;
  }
}

/** A CPU meter over several processes: `stop()` returns each one's µs since `start`. */
export function startProcessCpu(pids: readonly number[]): () => number[] {
  const before = pids.map(processCpuUs);
  return () => pids.map((pid, i) => processCpuUs(pid) - (before[i] ?? 0));
}

/**
 * A meter of the whole machine's busy CPU time (`/proc/stat`, every core: user + nice + system +
 * irq + softirq + steal), in µs; `stop()` returns the µs used meanwhile by every process together.
 */
export function startMachineCpu(): () => number {
  const before = machineBusyUs();
  return () => machineBusyUs() - before;
}

function machineBusyUs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1_000_000) / clockTicksPerSecond();
  } catch {
    return 0;
  }
}
