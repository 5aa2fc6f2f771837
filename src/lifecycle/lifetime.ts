import { ThreadlineError } from "../errors.js";

/**
 * Whether a Threadline is still open: {@link Threadline.close} ends it, and from then on every
 * public entry (threads, messages, writers, subscribe, chat, stop, flush, sweep, runs) throws
 * ThreadlineError `closed` (HTTP 503) instead of reaching a closed database (issue 7, R31).
 *
 * @example
 * ```ts
 * const lifetime = new Lifetime();
 * lifetime.ensureOpen(); // fine
 * lifetime.end();
 * lifetime.ensureOpen(); // throws ThreadlineError("closed", …)
 * ```
 */
export class Lifetime {
  private ended = false;

  /** True once {@link end} was called. */
  get closed(): boolean {
    return this.ended;
  }

  /** Marks the Threadline closed; idempotent. */
  end(): void {
    this.ended = true;
  }

  /** @throws ThreadlineError `closed` once {@link end} was called. */
  ensureOpen(): void {
    if (this.ended) throw new ThreadlineError("closed", "Threadline is closed");
  }

  /** `run()`, or a promise rejected with ThreadlineError `closed` once {@link end} was called. */
  guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      this.ensureOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return run();
  }
}
