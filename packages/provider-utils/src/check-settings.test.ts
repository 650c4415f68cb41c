import { InvalidOptionsError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { checkSettings } from './check-settings.js';
import type { SettingChecks } from './check-settings.js';

const checks: SettingChecks = {
  apiKey: 'string',
  model: 'non-empty-string',
  baseURL: 'url',
  timeoutMs: 'positive-number',
  maxTokens: 'positive-integer',
  headers: 'string-record',
  mode: { oneOf: ['fast', 'slow'] },
  retry: { settings: { maxRetries: 'non-negative-integer' } },
  delay: { check: (value) => (typeof value === 'function' ? undefined : 'a function') },
};

function failure(settings: unknown): InvalidOptionsError {
  try {
    checkSettings('AcmeProvider', settings, checks);
  } catch (error) {
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
    return error as InvalidOptionsError;
  }
  throw new Error('expected InvalidOptionsError');
}

describe('checkSettings', () => {
  it('accepts valid settings, undefined values and no settings', () => {
    expect(() =>
      checkSettings(
        'AcmeProvider',
        { apiKey: '', model: 'm', baseURL: 'http://localhost:1/v1', retry: { maxRetries: 0 }, mode: undefined },
        checks,
      ),
    ).not.toThrow();
    expect(() => checkSettings('AcmeProvider', undefined, checks)).not.toThrow();
  });

  it('names unknown settings with a did-you-mean, nested ones too', () => {
    expect(failure({ api_key: 'x' }).suggestions).toEqual({ api_key: 'apiKey' });
    const nested = failure({ retry: { max_retries: 2 } });
    expect(nested.suggestions).toEqual({ max_retries: 'maxRetries' });
    expect(nested.message).toMatch(/^AcmeProvider `retry` does not know/);
  });

  it.each([
    [{ model: '  ' }, '`model` must be a non-empty string, got an empty string.'],
    [{ baseURL: 'localhost' }, '`baseURL` must be an absolute URL such as `https://host/v1`, got another string.'],
    [{ timeoutMs: Number.NaN }, '`timeoutMs` must be a positive number, got NaN.'],
    [{ maxTokens: 2.5 }, '`maxTokens` must be a positive integer, got 2.5.'],
    [{ headers: { a: 1 } }, '`headers` must be an object of string values, got an object.'],
    [{ mode: 'medium' }, '`mode` must be one of `fast`, `slow`, got "medium".'],
    [{ retry: 3 }, '`retry` must be an object, got 3.'],
    [{ retry: { maxRetries: -1 } }, '`retry.maxRetries` must be a non-negative integer, got -1.'],
    [{ delay: 5 }, '`delay` must be a function, got 5.'],
  ])('explains a wrong value: %o', (settings, message) => {
    expect(failure(settings).message).toBe(`AcmeProvider: ${message}`);
  });

  it('never quotes a string that may be a secret', () => {
    expect(failure({ apiKey: 42, model: '' }).message).not.toContain('sk-');
    expect(failure({ baseURL: 'sk-secret' }).message).not.toContain('sk-secret');
  });
});
