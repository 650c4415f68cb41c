import { describe, expect, it } from 'vitest';
import { describeNetworkError, isNetworkError } from './network-error.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isNetworkError', () => {
  it('recognises fetch transport failures and socket error codes', () => {
    expect(isNetworkError(new TypeError('fetch failed'))).toBe(true);
    expect(isNetworkError(new TypeError('terminated'))).toBe(true);
    expect(isNetworkError(withCode('reset', 'ECONNRESET'))).toBe(true);
    expect(isNetworkError(new Error('wrapped', { cause: withCode('socket', 'UND_ERR_SOCKET') }))).toBe(true);
  });

  it('rejects other errors and non-errors', () => {
    expect(isNetworkError(new TypeError('x is not a function'))).toBe(false);
    expect(isNetworkError(withCode('nope', 'ENOENT'))).toBe(false);
    expect(isNetworkError('fetch failed')).toBe(false);
  });
});

describe('describeNetworkError', () => {
  it('uses the cause message and its code', () => {
    const cause = withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    expect(describeNetworkError(new TypeError('fetch failed', { cause }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1 [ECONNREFUSED]',
    );
    expect(describeNetworkError(new Error('plain'))).toBe('plain');
  });
});
