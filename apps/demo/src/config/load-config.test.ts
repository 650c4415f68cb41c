import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DemoConfigError } from './demo-config-error.js';
import { loadConfig } from './load-config.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function appWith(yaml: string, name = 'development'): string {
  const dir = mkdtempSync(join(tmpdir(), 'dk-demo-config-'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', `${name}.yaml`), yaml);
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<DemoConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!DemoConfigError.isInstance(error)) throw new Error(`expected a DemoConfigError, got ${String(error)}`);
  return error;
}

describe('loadConfig', () => {
  it('development: echo + SQLite with an environment prompt folder over the base folder', async () => {
    const config = await loadConfig({ appDir, env: {} });
    expect(config.environment).toBe('development');
    expect(config.provider.type).toBe('echo');
    expect(config.storage).toMatchObject({ type: 'sqlite', sqlitePath: '.data/demo.db' });
    expect(config.prompts.directories).toEqual(['prompts/development', 'prompts/base']);
  });

  it('production: OpenAI + PostgreSQL, chosen by DK_ENV', async () => {
    const config = await loadConfig({ appDir, env: { DK_ENV: 'production' } });
    expect([config.provider.type, config.storage.type, config.storage.postgresUrlEnv]).toEqual([
      'openai',
      'postgres',
      'DATABASE_URL',
    ]);
    expect(config.prompts.directories[0]).toBe('prompts/production');
  });

  it('fills defaults for every key a file leaves out', async () => {
    const config = await loadConfig({ appDir: appWith('{}'), env: {} });
    expect(config.provider.type).toBe('echo');
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      rateLimit: { maxRequests: 120, windowMs: 60000 },
    });
    expect(config.middleware.tokenBudget.onExceeded).toBe('refuse');
  });

  it('environment variables override the file', async () => {
    const config = await loadConfig({
      appDir,
      env: { DK_PROVIDER: 'openai', DK_BASE_URL: 'http://127.0.0.1:1234/v1', DK_STORAGE: 'memory', DK_PORT: '0' },
    });
    expect([config.provider.type, config.provider.baseURL, config.storage.type, config.server.port]).toEqual([
      'openai',
      'http://127.0.0.1:1234/v1',
      'memory',
      0,
    ]);
  });

  it('names the key and the environment variable of a bad override', async () => {
    const error = await failure(loadConfig({ appDir, env: { DK_STORAGE: 'mongo' } }));
    expect([error.key, error.source]).toEqual(['storage.type', 'environment DK_STORAGE']);
    expect(error.message).toContain('must be one of "sqlite", "postgres", "memory"');
    expect((await failure(loadConfig({ appDir, env: { DK_PORT: 'eighty' } }))).message).toContain(
      'DK_PORT to a number',
    );
  });

  it('names unknown and mistyped keys of the file', async () => {
    const unknown = await failure(loadConfig({ appDir: appWith('storage:\n  typ: sqlite\n'), env: {} }));
    expect(unknown.key).toBe('storage.typ');
    expect(unknown.message).toMatch(/is not a known key/);
    const mistyped = await failure(loadConfig({ appDir: appWith('server:\n  port: "x"\n'), env: {} }));
    expect(mistyped.key).toBe('server.port');
    expect(mistyped.source).toMatch(/development\.yaml$/);
  });

  it('refuses a missing environment file and broken YAML with a fix', async () => {
    const missing = await failure(loadConfig({ appDir, environment: 'staging', env: {} }));
    expect(missing.message).toMatch(/staging\.yaml.*development, production/);
    expect((await failure(loadConfig({ appDir: appWith('provider: [\n'), env: {} }))).message).toMatch(
      /not valid YAML/,
    );
    expect((await failure(loadConfig({ appDir, environment: '../etc', env: {} }))).key).toBe('environment');
  });
});
