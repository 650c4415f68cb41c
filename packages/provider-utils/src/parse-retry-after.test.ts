import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './parse-retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads retry-after-ms first, in milliseconds', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });

  it('reads Retry-After seconds, including fractions', () => {
    expect(parseRetryAfter(new Headers({ 'Retry-After': '2' }), now)).toBe(2000);
    expect(parseRetryAfter({ 'Retry-After': '1.5' }, now)).toBe(1500);
  });

  it('reads an HTTP date relative to now, and clamps past dates to 0', () => {
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0);
  });

  it('ignores missing, negative, non-finite and garbage values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-3' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'Infinity' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': 'NaN', 'retry-after': '1' }, now)).toBe(1000);
  });

  it('accepts Node header records with array values', () => {
    expect(parseRetryAfter({ 'retry-after': ['4'] }, now)).toBe(4000);
  });
});
