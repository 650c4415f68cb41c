import { AuthenticationError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { ClientResolver } from './client-resolver.js';

function resolver(options: { apiKey?: string; env: Record<string, string | undefined>; keyOptional?: boolean }) {
  const created: (string | undefined)[] = [];
  const clients = new ClientResolver({
    provider: 'acme',
    apiKey: options.apiKey,
    env: options.env,
    environmentVariable: 'ACME_API_KEY',
    keyOptional: options.keyOptional,
    missingKeyMessage: 'Acme API key is missing. Pass `apiKey` or set ACME_API_KEY.',
    create: (apiKey) => {
      created.push(apiKey);
      return { apiKey };
    },
  });
  return { clients, created };
}

describe('ClientResolver', () => {
  it('reads the key at call time, caches the client per key and remembers every key', () => {
    const env: Record<string, string | undefined> = {};
    const { clients, created } = resolver({ env });
    expect(() => clients.resolve()).toThrow(AuthenticationError);
    env['ACME_API_KEY'] = 'key-1';
    const first = clients.resolve();
    expect(clients.resolve()).toBe(first);
    env['ACME_API_KEY'] = 'key-2';
    expect(clients.resolve()).toEqual({ apiKey: 'key-2' });
    expect(created).toEqual(['key-1', 'key-2']);
    expect([...clients.secrets]).toEqual(['key-1', 'key-2']);
    clients.clear();
    clients.resolve();
    expect(created).toHaveLength(3);
  });

  it('prefers the settings key, ignores blank keys, and allows no key when optional', () => {
    expect(resolver({ apiKey: 'given', env: { ACME_API_KEY: 'env' } }).clients.resolve()).toEqual({ apiKey: 'given' });
    expect(resolver({ apiKey: ' ', env: { ACME_API_KEY: 'env' } }).clients.resolve()).toEqual({ apiKey: 'env' });
    const optional = resolver({ env: {}, keyOptional: true });
    expect(optional.clients.resolve()).toEqual({ apiKey: undefined });
    expect([...optional.clients.secrets]).toEqual([]);
  });
});
