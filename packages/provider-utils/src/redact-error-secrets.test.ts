import { inspect } from 'node:util';
import { ProviderUnavailableError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { redactErrorSecrets } from './redact-error-secrets.js';

const secret = 'sk-redact-4d5e6f-DO-NOT-LEAK';

function rendered(value: unknown): string {
  return `${inspect(value, { depth: Infinity, showHidden: true })}\n${JSON.stringify(value)}`;
}

describe('redactErrorSecrets', () => {
  it('removes a secret from messages, stacks, causes, bodies and headers, in place', () => {
    const parser = Object.assign(new Error('parse failed'), { data: `zz ${secret}\r\n`, code: 'HPE' });
    const transport = new TypeError('terminated', { cause: parser });
    const vendor = Object.assign(new Error(`401 Incorrect API key provided: ${secret}`), {
      status: 401,
      error: { message: `key ${secret}`, param: null, list: [secret, { deep: { deeper: secret } }] },
      headers: new Headers({ 'x-echo': secret, 'x-request-id': 'req_1' }),
    });
    const error = new ProviderUnavailableError({
      provider: 'acme',
      message: `acme failed: ${secret}`,
      cause: new AggregateError([vendor, transport], `several ${secret}`),
    });
    expect(rendered(error)).toContain(secret);
    expect(redactErrorSecrets(error, [secret])).toBe(error);
    expect(rendered(error)).not.toContain(secret);
    expect(error.message).toBe('acme failed: [REDACTED]');
    expect(vendor.headers.get('x-request-id')).toBe('req_1');
    expect(vendor.headers.get('x-echo')).toBe('[REDACTED]');
    expect(vendor.status).toBe(401);
    expect(ProviderUnavailableError.isInstance(error)).toBe(true);
  });

  it('survives cycles, frozen objects and accessors, and does nothing without secrets', () => {
    const cyclic: Record<string, unknown> = { text: `a ${secret}` };
    cyclic['self'] = cyclic;
    const frozen = Object.freeze({ text: 'no secret here' });
    let read = 0;
    const withAccessor = {
      get lazy(): string {
        read += 1;
        return 'value';
      },
    };
    const error = Object.assign(new Error('x'), { cyclic, frozen, withAccessor });
    redactErrorSecrets(error, [secret, '', undefined]);
    expect(cyclic['text']).toBe('a [REDACTED]');
    expect(read).toBe(0);
    const untouched = new Error(secret);
    redactErrorSecrets(untouched, []);
    expect(untouched.message).toBe(secret);
  });
});
