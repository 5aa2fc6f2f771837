import { isTransientStoreError } from "../store/transient-errors.js";

/** How many ended outages are remembered (more than any deadline needs: they end periods apart). */
const REMEMBERED_OUTAGES = 16;

/**
 * What one node saw of the database's availability, so that the lifecycle's deadlines count only
 * the time in which other nodes could act on them (R18, R31). While the database is down for
 * everyone, no writer can renew a lease and no node can beat its heartbeat; the first node back
 * must not take those missed renewals for deaths, or one outage longer than a lease (a PostgreSQL
 * failover) would abort every other node's live streams.
 *
 * Fed by the node's periodic tasks (through {@link observe}) with the time each call to the
 * database started: {@link reached} for one that succeeded, {@link unreachable} for one that
 * failed for a transient reason. An outage is known from the start of the last call that
 * succeeded before it to the start of the first that succeeded after it, so it is never shorter
 * than the real one; an answer to a call started before a known failure, or a failure of a call
 * started before a known answer, says nothing new and is ignored.
 *
 * @example
 * ```ts
 * const reachability = new DatabaseReachability();
 * reachability.reached(0);
 * reachability.unreachable(5_000); // the database went away after 0
 * reachability.reached(60_000); // and answered again at 60 s
 * reachability.effectiveNow(61_000, 30_000); // 1 000: one second has counted since 0
 * reachability.effectiveNow(90_000, 30_000); // 90 000: every live node had 30 s to renew
 * ```
 */
export class DatabaseReachability {
  private lastReachedAt: number | undefined;
  private lastFailedAt: number | undefined;
  /** The start of an outage still going on: the last time the database answered before it. */
  private outageFrom: number | undefined;
  /** Ended outages, oldest first. */
  private readonly outages: { from: number; to: number }[] = [];

  /**
   * Runs `call`, a call to the database started at `startedAt` (ms), and records what it shows:
   * {@link reached} when it resolves, {@link unreachable} when it fails for a transient reason.
   * @returns what `call` resolves to. @throws what `call` throws.
   */
  async observe<T>(startedAt: number, call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (isTransientStoreError(error)) this.unreachable(startedAt);
      throw error;
    }
    this.reached(startedAt);
    return result;
  }

  /** A call to the database that started at `startedAt` (ms) succeeded. */
  reached(startedAt: number): void {
    if (this.outageFrom !== undefined) {
      if (startedAt <= (this.lastFailedAt ?? startedAt)) return; // sent before the failure
      this.outages.push({ from: this.outageFrom, to: startedAt });
      if (this.outages.length > REMEMBERED_OUTAGES) this.outages.shift();
      this.outageFrom = undefined;
    }
    this.lastReachedAt = Math.max(this.lastReachedAt ?? startedAt, startedAt);
  }

  /** A call to the database that started at `startedAt` (ms) failed for a transient reason. */
  unreachable(startedAt: number): void {
    if (startedAt < (this.lastReachedAt ?? startedAt)) return; // a later call got through
    this.lastFailedAt = Math.max(this.lastFailedAt ?? startedAt, startedAt);
    this.outageFrom ??= this.lastReachedAt ?? startedAt;
  }

  /**
   * The time (ms) to judge deadlines up to `periodMs` long against at `now`: `now` less every
   * outage going on or ended less than `periodMs` ago. A deadline has thus passed only if it passed
   * before the outage began or the time since its end covers what was left of it; once `periodMs`
   * has passed since, every live node had a full period to renew. A lease expiring at `e` is
   * expired when `e < effectiveNow(now, leaseTtlMs)`; a heartbeat from `h` is stale when
   * `h < effectiveNow(now, timeoutMs) - timeoutMs`.
   */
  effectiveNow(now: number, periodMs: number): number {
    let lost = this.outageFrom === undefined ? 0 : now - this.outageFrom;
    for (const outage of this.outages) {
      if (now - outage.to < periodMs) lost += outage.to - outage.from;
    }
    return now - lost;
  }
}
