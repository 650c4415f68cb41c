import { describe, expect, it } from 'vitest';
import { closestNames, levenshtein } from './closest-names.js';

describe('closestNames', () => {
  it('orders near names by edit distance and drops far ones', () => {
    expect(levenshtein('defualts', 'defaults')).toBe(2);
    expect(closestNames('defualts', ['template', 'defaults', 'metadata', 'extends'])).toEqual(['defaults']);
    expect(closestNames('code_reviwer', ['code_reviewer', 'code_helper', 'chat'])).toEqual([
      'code_reviewer',
      'code_helper',
    ]);
    expect(closestNames('zzz', ['alpha', 'beta'])).toEqual([]);
  });

  it('matches case-insensitively and by containment', () => {
    expect(closestNames('Refund', ['billing/refund', 'greet'])).toEqual(['billing/refund']);
  });
});
