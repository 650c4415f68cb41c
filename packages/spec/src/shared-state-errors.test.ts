import { describe, expect, it } from 'vitest';
import { DkError } from './dk-error.js';
import { checkCacheSet, checkFailurePolicy, checkRateLimitRule, checkStateKey } from './shared-state-checks.js';
import { SharedStateInputError } from './shared-state-input-error.js';
import { SharedStateUnavailableError } from './shared-state-unavailable-error.js';

describe('SharedStateUnavailableError', () => {
  it('says which component failed, under which policy, with a stable code and the cause', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const error = new SharedStateUnavailableError({
      component: 'rateLimiter',
      provider: 'redis',
      operation: 'check',
      policy: 'failClosed',
      detail: cause.message,
      cause,
    });
    expect(error.name).toBe('SharedStateUnavailableError');
    expect(error.code).toBe('SHARED_STATE_UNAVAILABLE');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'The redis rate limiter failed during `check`: connect ECONNREFUSED 127.0.0.1:6379; the operation was refused (policy failClosed). Check that redis is reachable and healthy.',
    );
    expect(error.toJSON()).toMatchObject({ component: 'rateLimiter', policy: 'failClosed', timedOut: false });
    expect(SharedStateUnavailableError.isInstance(error)).toBe(true);
    expect(DkError.isInstance(error)).toBe(true);
    const open = new SharedStateUnavailableError({
      component: 'cache',
      provider: 'redis',
      operation: 'get',
      policy: 'failOpen',
      detail: 'no answer',
      timedOut: true,
    });
    expect(open.message).toMatch(
      /redis cache failed during `get`: no answer; the operation went on degraded \(policy failOpen\)/,
    );
    expect(open.timedOut).toBe(true);
  });
});

describe('shared-state input checks', () => {
  it('name the component and the field, for every implementation alike', () => {
    const error = (() => {
      try {
        checkRateLimitRule('X.check', { key: 'k', limit: 2.5, windowMs: 1000 });
      } catch (caught) {
        return caught;
      }
    })() as SharedStateInputError;
    expect(SharedStateInputError.isInstance(error)).toBe(true);
    expect(error.code).toBe('SHARED_STATE_INVALID_INPUT');
    expect(error.message).toBe('X.check: invalid `limit`: must be a positive integer, got 2.5.');
    expect(error.fields).toEqual({
      component: 'X.check',
      field: 'limit',
      reason: 'must be a positive integer, got 2.5',
    });
    expect(checkFailurePolicy('X', undefined)).toBe('failOpen');
    expect(() => checkFailurePolicy('X', 'open')).toThrow(/'failOpen' or 'failClosed'/);
    expect(() => checkStateKey('X', undefined, false)).toThrow(/options/);
    expect(() => checkStateKey('X', undefined, true)).not.toThrow();
    expect(checkCacheSet('X', { group: 'g', key: 'k', value: { a: [1] }, ttlMs: Infinity, version: 3 })).toBe(
      '{"a":[1]}',
    );
    expect(() => checkCacheSet('X', { key: 'k', value: () => 1 })).toThrow(/JSON-serialisable/);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => checkCacheSet('X', { key: 'k', value: circular })).toThrow(/JSON-serialisable \(/);
  });
});
