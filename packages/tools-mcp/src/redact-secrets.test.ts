import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collectSecrets, redactError, redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('replaces each secret and the long words of multi-word values, leaving short common values alone', () => {
    const secrets = collectSecrets(['Bearer abcdefghijk', 'dev', 'token-1234']);
    expect(redactSecrets('auth abcdefghijk env dev key token-1234', secrets)).toBe(
      'auth [redacted] env dev key [redacted]',
    );
  });
});

describe('redactError', () => {
  it('returns a clean error unchanged and copies one that quotes a secret, causes included', () => {
    const secrets = collectSecrets(['s3cret-value']);
    const clean = new Error('fine');
    expect(redactError(clean, secrets)).toBe(clean);
    const leaky = new TypeError('outer', { cause: new Error('refused key s3cret-value') });
    const redacted = redactError(leaky, secrets) as Error;
    expect(redacted.name).toBe('TypeError');
    expect((redacted.cause as Error).message).toBe('refused key [redacted]');
    expect(inspect(redacted, { depth: 5 })).not.toContain('s3cret-value');
  });
});
