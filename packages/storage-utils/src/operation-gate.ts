import { StoreClosedError } from '@dk/spec';

/** Default of {@link OperationGateOptions.drainTimeoutMs}. */
export const defaultDrainTimeoutMs = 10_000;

/** Options of an {@link OperationGate}. */
export interface OperationGateOptions {
  /** The store's provider name, for `StoreClosedError`. */
  readonly provider: string;
  /** Longest `close()` waits for running operations, in milliseconds. Default 10,000. */
  readonly drainTimeoutMs?: number;
}

/**
 * The open/closed state of a store and the operations running in it, so `close()` can drain:
 * it refuses new operations at once (`StoreClosedError`) and waits, up to a bound, for the
 * running ones to settle before the store releases its connections. An append that has
 * started therefore completes (or fails on its own terms) instead of being cut off.
 */
export class OperationGate {
  readonly #provider: string;
  readonly #drainTimeoutMs: number;
  #running = 0;
  #closed = false;
  #drained: (() => void) | undefined;
  #closing: Promise<boolean> | undefined;

  constructor({ provider, drainTimeoutMs = defaultDrainTimeoutMs }: OperationGateOptions) {
    this.#provider = provider;
    this.#drainTimeoutMs = drainTimeoutMs;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Operations started and not yet settled. */
  get running(): number {
    return this.#running;
  }

  /** Throws `StoreClosedError` naming `operation` when the gate is closed. */
  assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ provider: this.#provider, operation });
  }

  /** Runs `work` as one operation: refused after `close()`, waited for by `close()` while it runs. */
  async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    this.assertOpen(operation);
    this.#running += 1;
    try {
      return await work();
    } finally {
      this.#running -= 1;
      if (this.#running === 0) this.#drained?.();
    }
  }

  /**
   * Closes the gate: later operations fail with `StoreClosedError`; resolves once the running
   * ones have settled (`true`) or the drain timeout passed first (`false`). Idempotent.
   */
  close(): Promise<boolean> {
    this.#closed = true;
    this.#closing ??=
      this.#running === 0
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), this.#drainTimeoutMs);
            this.#drained = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
    return this.#closing;
  }
}
