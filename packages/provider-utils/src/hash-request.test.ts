import { describe, expect, it } from 'vitest';
import { hashRequest, normalizeRequest, stableStringify } from './hash-request.js';

const base = { method: 'complete', provider: 'p', model: 'm', messages: [{ role: 'user', content: 'hi' }] } as const;

describe('hashRequest', () => {
  it('ignores signal, headers, timeoutMs, maxRetries and message metadata', () => {
    const plain = hashRequest({ ...base, options: { temperature: 0.5 } });
    const noisy = hashRequest({
      ...base,
      messages: [{ role: 'user', content: 'hi', metadata: { traceId: 'x' } }],
      options: {
        temperature: 0.5,
        signal: new AbortController().signal,
        headers: { authorization: 'Bearer secret' },
        timeoutMs: 10,
        maxRetries: 9,
      },
    });
    expect(noisy).toBe(plain);
    expect(plain).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with anything that changes the answer', () => {
    const plain = hashRequest({ ...base, options: {} });
    expect(hashRequest({ ...base, options: { temperature: 0.1 } })).not.toBe(plain);
    expect(hashRequest({ ...base, model: 'other', options: {} })).not.toBe(plain);
    expect(hashRequest({ ...base, method: 'stream', options: {} })).not.toBe(plain);
    expect(hashRequest({ ...base, messages: [{ role: 'user', content: 'hi!' }], options: {} })).not.toBe(plain);
  });

  it('does not depend on key order', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":2,"y":1}]},"b":1}',
    );
    expect(normalizeRequest({ ...base, options: { model: 'm', topP: 1 } })['options']).toEqual({ topP: 1 });
  });
});
