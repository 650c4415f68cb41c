import { runTokenBudgetConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { MemoryTokenBudget } from './memory-token-budget.js';

let time = 0;
runTokenBudgetConformance('memory', {
  createBudgets: (count) => {
    const budget = new MemoryTokenBudget({ now: () => time });
    return Array.from({ length: count }, () => budget);
  },
  wait: (milliseconds) => {
    time += milliseconds;
    return Promise.resolve();
  },
});

describe('MemoryTokenBudget', () => {
  it('reports its provider and policy, and checks its settings', () => {
    const budget = new MemoryTokenBudget();
    expect([budget.provider, budget.failurePolicy, budget.specificationVersion]).toEqual(['memory', 'failOpen', 'v1']);
    expect(() => new MemoryTokenBudget({ window: 5 } as never)).toThrow(/does not know the option `window`/);
  });
});
