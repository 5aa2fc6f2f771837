import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { CommitLoop, type CommitMode } from "../../src/writer/commit-loop.js";

/**
 * The tick's schedule alone (issue 9: "ticks on a fixed cadence that absorbs a slow commit instead
 * of adding to the window"), with a host that stands in for the writer: `dirty(at)` is a change
 * accepted at `at`, and a commit takes everything dirty. The rule tests of the writer on real
 * stores (coalescing.test.ts) pin R3/R5 themselves; these pin when ticks start.
 */
function harness(windowMs = 33) {
  const clock = new ManualClock(0);
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
  const advance = async (ms: number) => {
    clock.advance(ms);
    await loop.idle();
  };
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
  return { clock, commits, dirty, advance, holdCommits, loop };
}

describe("commit loop: the window tick's cadence (R3, R5)", () => {
  it("R3: changes that queued behind a blocking commit go with the next slot, one window after the tick started, not one window after they arrived", async () => {
    const { commits, dirty, advance } = harness();
    dirty(); // t = 0: the first change opens the window
    await advance(33); // tick at 33 takes it
    expect(commits).toEqual([33]);
    // A synchronous commit (SQLite in the thread) blocked the event loop for 20 ms: the deltas
    // produced meanwhile are accepted only at 53.
    await advance(20);
    dirty();
    await advance(12);
    expect(commits).toEqual([33]); // never twice in a window
    await advance(1);
    // Armed from the last change (the old schedule) this tick would start at 86.
    expect(commits).toEqual([33, 66]);
  });

  it("R3: a slot that finds nothing dirty lapses; the next change opens a fresh window and no timer is left armed meanwhile", async () => {
    const { clock, commits, dirty, advance } = harness();
    dirty();
    await advance(33);
    await advance(33); // the slot at 66 finds nothing
    expect(commits).toEqual([33]);
    expect(clock.pendingTimers).toBe(0);
    await advance(21); // t = 87
    dirty();
    await advance(32);
    expect(commits).toEqual([33]);
    await advance(1);
    expect(commits).toEqual([33, 120]); // one window after the change at 87
  });

  it("R3, R6: a commit longer than a window is followed by the next tick at once, never by a second window of waiting", async () => {
    const { clock, commits, dirty, advance, holdCommits, loop } = harness();
    dirty();
    const release = holdCommits();
    clock.advance(33); // the tick at 33 starts and stays in flight
    await new Promise((resolve) => setImmediate(resolve));
    expect(commits).toEqual([33]);
    clock.advance(50); // t = 83: the commit is still running; changes keep arriving
    dirty();
    release();
    await loop.idle();
    await advance(0);
    expect(commits).toEqual([33, 83]);
  });

  it("R5: a continuous stream is committed every window, one commit per window", async () => {
    const { commits, dirty, advance } = harness();
    for (let t = 0; t < 200; t++) {
      if (t % 10 === 0) dirty(); // a delta every 10 ms
      await advance(1);
    }
    // Armed from the oldest change after each tick (the old schedule): 33, 73, 113, 153, 193.
    expect(commits).toEqual([33, 66, 99, 132, 165, 198]);
  });
});
