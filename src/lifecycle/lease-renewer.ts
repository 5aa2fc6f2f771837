import type { Clock, TimerHandle } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { Store } from "../store/store.js";

/**
 * Keeps this node's writer leases alive (R18): while it writes any streaming message, every third
 * of the lease's length it extends every lease it owns to `now + leaseTtlMs`, so the crash sweep of
 * any node never finalizes a live writer's message. A renewal runs in the writer's commit chain
 * (`enqueue`), never beside a commit. Emits `lifecycle:renewed` with the count, or
 * `lifecycle:error` (task `lease-renewal`) when the database refuses; the next period tries again.
 */
export class LeaseRenewer {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly store: Pick<Store, "renewLeases">,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    private readonly nodeId: string,
    private readonly leaseTtlMs: number,
    /** Runs a renewal in the writer's serial commit chain. */
    private readonly enqueue: (task: () => Promise<void>) => void,
    /** True while the node writes any streaming message. */
    private readonly hasLeases: () => boolean,
  ) {}

  /** Arms the next renewal, unless one is armed (call when a message starts streaming). */
  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.hasLeases()) return;
      this.enqueue(() => this.renew());
      this.schedule();
    }, this.leaseTtlMs / 3);
  }

  /**
   * Renews at once, in the commit chain (call when the database answers again after an outage:
   * the leases may have run out meanwhile, and another node judges them by it, R18).
   */
  renewNow(): void {
    if (this.hasLeases()) this.enqueue(() => this.renew());
  }

  /** Stops renewing (shutdown: the terminal writes release the leases). */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    const now = this.clock.now();
    try {
      const count = await this.store.renewLeases(this.nodeId, now + this.leaseTtlMs, now);
      this.hub.emit("lifecycle:renewed", { count });
    } catch (error) {
      this.hub.emit("lifecycle:error", { task: "lease-renewal", error });
    }
  }
}
