import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { CommitLoop, type CommitMode } from "../../src/writer/commit-loop.js";

/**
 * The tick's schedule alone (issue 9: "ticks on a fixed cadence that absorbs a slow commit instead
 * of adding to the window"), with a host that stands in for the writer: `dirty()` is a change
 * accepted now, and a commit takes everything dirty. The writer's rule tests on real stores
 * (coalescing.test.ts) pin R3/R5 themselves; these pin when ticks start.
 */
function harness(resolutionMs = 0) {
  const windowMs = 33;
  // The system clock's `resolutionMs` is 1 (Date.now() truncates); a ManualClock's is 0.
  const clock = Object.assign(new ManualClock(0), { resolutionMs });
  const commits: number[] = [];
  let oldest: number | undefined;
  /** When set, a commit waits for it: the test moves the clock while the commit is in flight. */
  let inFlight: Promise<void> | undefined;
  const host = {
    async commit(mode: CommitMode) {
      if (mode !== "all") return;
      commits.push(clock.now());
      oldest = undefined;
      await inFlight;
    },
    oldestDirtySince: () => oldest,
  };
  const loop = new CommitLoop(host, clock, windowMs, { initialMs: 50, maxMs: 1_000 });
  const dirty = () => {
    oldest ??= clock.now();
    loop.scheduleTick();
  };
  /** Moves the clock; the commits it starts run to their end, without a turn of the event loop. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await loop.idle();
  };
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const holdCommits = () => {
    let release = () => {};
    inFlight = new Promise<void>((resolve) => {
      release = () => {
        inFlight = undefined;
        resolve();
      };
    });
    return release;
  };
  return { clock, commits, dirty, advance, turn, holdCommits, loop };
}

describe("commit loop: when window ticks start (R3, R5)", () => {
  it("R3: changes that queued behind a commit blocking the event loop go with the tick one window after that one started, not one window after they arrived", async () => {
    const { commits, dirty, advance } = harness();
    dirty(); // t = 0: the first change opens the window
    await advance(33); // the tick at 33 takes it
    expect(commits).toEqual([33]);
    // A synchronous commit (SQLite in the thread) held the event loop for 20 ms: the deltas
    // produced meanwhile are accepted at 53, before the loop turns.
    await advance(20);
    dirty();
    await advance(12);
    expect(commits).toEqual([33]); // never twice in a window
    await advance(1);
    // Counted from their arrival (the schedule before) this tick would start at 86.
    expect(commits).toEqual([33, 66]);
  });

  it("R3: a change accepted after the tick's commit and a turn of the event loop opens its own window", async () => {
    const { clock, commits, dirty, advance, turn } = harness();
    dirty();
    await advance(33);
    await turn();
    expect(clock.pendingTimers).toBe(0); // nothing armed while nothing is dirty
    await advance(7); // t = 40
    dirty();
    await advance(32);
    expect(commits).toEqual([33]);
    await advance(1);
    expect(commits).toEqual([33, 73]);
  });

  it("R3, R5: changes accepted while a commit runs go with the next tick, at once when the commit took longer than a window", async () => {
    const { clock, commits, dirty, turn, holdCommits, loop } = harness();
    dirty();
    const release = holdCommits();
    clock.advance(33); // the tick at 33 starts and stays in flight (PostgreSQL, the worker driver)
    await turn();
    expect(commits).toEqual([33]);
    clock.advance(50); // t = 83: the commit still runs; changes keep arriving
    dirty();
    release();
    await loop.idle();
    clock.advance(0);
    await loop.idle();
    expect(commits).toEqual([33, 83]);
  });

  it("R5: under load (a change in every turn) a stream is committed every window, never twice in one", async () => {
    const { commits, dirty, advance } = harness();
    for (let t = 0; t < 200; t++) {
      dirty(); // a change every millisecond, each before the loop turns after a tick
      await advance(1);
    }
    expect(commits).toEqual([33, 66, 99, 132, 165, 198]);
  });

  it("R5: on a clock that truncates to the millisecond, ticks armed from the last one wait its resolution more, so they are a full window apart in real time", async () => {
    const { commits, dirty, advance } = harness(1);
    for (let t = 0; t < 200; t++) {
      dirty();
      await advance(1);
    }
    // A tick started at a reading of 33 may have started at 33.9 in real time.
    expect(commits).toEqual([33, 67, 101, 135, 169]);
  });
});
