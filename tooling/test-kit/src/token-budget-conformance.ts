import { SharedStateInputError } from '@dk/spec';
import type { TokenBudget } from '@dk/spec';
import { describe, expect, it } from 'vitest';

/** How the token budget conformance suite obtains budgets. */
export interface TokenBudgetConformanceOptions {
  /** Returns `count` budgets that share one fresh, empty state (separate clients of one backend, or one instance). */
  readonly createBudgets: (count: number) => Promise<readonly TokenBudget[]> | readonly TokenBudget[];
  /** Lets `milliseconds` pass for the budgets (advance a fake clock, or sleep). */
  readonly wait: (milliseconds: number) => Promise<void>;
  /** Disposes of what `createBudgets` made (after every test). Default: nothing. */
  readonly destroy?: () => Promise<void>;
  /** Skip the whole suite (a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}

/**
 * The `TokenBudget` conformance suite: every implementation (memory, Redis, Redis Cluster)
 * runs it unchanged. Covers counting per key, windows, `reset`, input checks and atomic
 * increments under concurrency.
 */
export function runTokenBudgetConformance(name: string, options: TokenBudgetConformanceOptions): void {
  describe.skipIf(options.skip === true)(`TokenBudget conformance: ${name}`, () => {
    const dispose = async (): Promise<void> => options.destroy?.();

    it('counts tokens per key and reads them back', async () => {
      const [budget] = await options.createBudgets(1);
      try {
        expect(budget!.specificationVersion).toBe('v1');
        expect(typeof budget!.provider).toBe('string');
        expect(['failOpen', 'failClosed']).toContain(budget!.failurePolicy);
        expect(await budget!.get({ key: 'c1' })).toEqual({ used: 0, resetMs: undefined, degraded: false });
        expect(await budget!.increment({ key: 'c1', tokens: 60 })).toEqual({
          used: 60,
          resetMs: undefined,
          degraded: false,
        });
        expect((await budget!.increment({ key: 'c1', tokens: 0 })).used).toBe(60);
        expect((await budget!.increment({ key: 'c1', tokens: 45 })).used).toBe(105);
        expect((await budget!.increment({ key: 'c{2}', tokens: 7 })).used).toBe(7);
        expect((await budget!.get({ key: 'c1' })).used).toBe(105);
      } finally {
        await dispose();
      }
    });

    it('starts a window with the first increment and counts from 0 once it ends', async () => {
      const [budget] = await options.createBudgets(1);
      try {
        const first = await budget!.increment({ key: 'daily', tokens: 10, windowMs: 60 });
        expect(first.used).toBe(10);
        expect(first.resetMs).toBeGreaterThan(0);
        expect(first.resetMs).toBeLessThanOrEqual(60);
        const second = await budget!.increment({ key: 'daily', tokens: 5, windowMs: 3_600_000 });
        expect(second.used).toBe(15);
        expect(second.resetMs).toBeLessThanOrEqual(60);
        await options.wait(100);
        expect(await budget!.get({ key: 'daily' })).toEqual({ used: 0, resetMs: undefined, degraded: false });
        expect((await budget!.increment({ key: 'daily', tokens: 1, windowMs: 3_600_000 })).resetMs).toBeGreaterThan(60);
      } finally {
        await dispose();
      }
    });

    it('forgets one key or every key on reset', async () => {
      const [budget] = await options.createBudgets(1);
      try {
        for (const key of ['a', 'b', 'ünï']) await budget!.increment({ key, tokens: 3 });
        await budget!.reset({ key: 'a' });
        expect((await budget!.get({ key: 'a' })).used).toBe(0);
        expect((await budget!.get({ key: 'b' })).used).toBe(3);
        await budget!.reset();
        expect((await budget!.get({ key: 'b' })).used).toBe(0);
        expect((await budget!.get({ key: 'ünï' })).used).toBe(0);
      } finally {
        await dispose();
      }
    });

    it('counts every one of many concurrent increments from several clients', async () => {
      const budgets = await options.createBudgets(4);
      try {
        const increments = Array.from({ length: 100 }, (_, index) =>
          budgets[index % budgets.length]!.increment({ key: 'shared', tokens: index + 1 }),
        );
        const results = await Promise.all(increments);
        expect(new Set(results.map((result) => result.used)).size).toBe(100);
        expect((await budgets[1]!.get({ key: 'shared' })).used).toBe(5050);
      } finally {
        await dispose();
      }
    });

    it('refuses malformed calls with SharedStateInputError', async () => {
      const [budget] = await options.createBudgets(1);
      try {
        const attempts: [() => Promise<unknown>, string][] = [
          [() => budget!.increment({ key: '', tokens: 1 }), 'key'],
          [() => budget!.increment({ key: 'k', tokens: -1 }), 'tokens'],
          [() => budget!.increment({ key: 'k', tokens: 0.5 }), 'tokens'],
          [() => budget!.increment({ key: 'k', tokens: 1, windowMs: -5 }), 'windowMs'],
          [() => budget!.get({ key: '' }), 'key'],
        ];
        for (const [attempt, field] of attempts) {
          const error = await Promise.resolve()
            .then(attempt)
            .catch((caught: unknown) => caught);
          expect(SharedStateInputError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
          expect((error as SharedStateInputError).field).toBe(field);
        }
      } finally {
        await dispose();
      }
    });
  });
}
