import { describe, expect, it } from 'vitest';
import { planKeywordPruning } from './plan-keyword-pruning.js';
import type { PruningTerm } from './plan-keyword-pruning.js';

/** Evaluates a query of single-letter operands, ` & `, ` | ` and parentheses against the letters a chunk holds. */
function matches(query: string, holds: ReadonlySet<string>): boolean {
  let at = 0;
  const operand = (): boolean => {
    if (query[at] === '(') {
      at += 1;
      const value = disjunction();
      at += 1; // ')'
      return value;
    }
    return holds.has(query[at++]!);
  };
  const conjunction = (): boolean => {
    let value = operand();
    while (query.startsWith(' & ', at)) {
      at += 3;
      value = operand() && value;
    }
    return value;
  };
  const disjunction = (): boolean => {
    let value = conjunction();
    while (query.startsWith(' | ', at)) {
      at += 3;
      value = conjunction() || value;
    }
    return value;
  };
  return disjunction();
}

describe('planKeywordPruning', () => {
  it('matches exactly the chunks whose terms reach the bound, so every other chunk stays under it', () => {
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    let planned = 0;
    for (let trial = 0; trial < 200; trial++) {
      const count = 2 + (trial % 7);
      const terms: PruningTerm[] = Array.from({ length: count }, (_, index) => {
        const df = 1 + Math.floor(next() ** 2 * 50_000);
        return { operand: String.fromCharCode(97 + index), df, idf: Math.log(1 + (100_000 - df + 0.5) / (df + 0.5)) };
      });
      const pruning = planKeywordPruning(terms, { n: 100_000, k: 5, syntax: { and: ' & ', or: ' | ' } });
      if (pruning === undefined) continue;
      planned += 1;
      for (let mask = 0; mask < 1 << count; mask++) {
        const held = terms.filter((_, index) => mask & (1 << index));
        const sum = held.reduce((total, term) => total + term.idf, 0);
        const matched = matches(pruning.query, new Set(held.map((term) => term.operand)));
        if (!matched) expect(sum, `${pruning.query} without ${mask}`).toBeLessThan(pruning.bound);
        if (sum >= pruning.bound) expect(matched, `${pruning.query} with ${mask}`).toBe(true);
      }
    }
    expect(planned).toBeGreaterThan(50);
  });

  it('plans nothing for one term, more than eight, or when every chunk holding a term would qualify', () => {
    const term = (operand: string, df: number): PruningTerm => ({
      operand,
      df,
      idf: Math.log(1 + (1000 - df + 0.5) / (df + 0.5)),
    });
    const syntax = { and: ' AND ', or: ' OR ' };
    expect(planKeywordPruning([term('a', 10)], { n: 1000, k: 5, syntax })).toBeUndefined();
    const nine = Array.from({ length: 9 }, (_, index) => term(String.fromCharCode(97 + index), 100));
    expect(planKeywordPruning(nine, { n: 1000, k: 5, syntax })).toBeUndefined();
    // Two rare terms: together fewer than 10 chunks are expected, so the bound falls to one term.
    expect(planKeywordPruning([term('a', 3), term('b', 4)], { n: 1000, k: 5, syntax })).toBeUndefined();
    expect(planKeywordPruning([term('a', 300), term('b', 400)], { n: 1000, k: 5, syntax })?.query).toBe('a AND (b)');
  });
});
