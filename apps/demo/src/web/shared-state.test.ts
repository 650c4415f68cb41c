// The demo with DK_REDIS_URL: two servers in this process share every limiter, budget and
// cache through a real Redis; and a Redis that goes away is handled by the configured policy.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TreeView } from '@dk/http';
import { randomRedisPrefix, redisTestUrl, shouldSkipRedis, startRedisServer } from '@dk/test-kit';
import { createRedisClient, createRedisRateLimiter } from '@dk/redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import type { DemoConfig } from '../config/demo-config.js';
import { loadConfig } from '../config/load-config.js';
import { startServer } from './start-server.js';
import type { RunningServer } from './start-server.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = mkdtempSync(join(tmpdir(), 'dk-demo-web-'));
mkdirSync(join(webDir, 'dist', 'web'), { recursive: true });
writeFileSync(join(webDir, 'dist', 'web', 'index.html'), '<!doctype html>');
const skip = await shouldSkipRedis();

interface Started {
  readonly app: DemoApp;
  readonly server: RunningServer;
  readonly logs: Record<string, unknown>[];
}
const running: Started[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.server.close()));
});
/** Prefixes written on the shared test Redis: every key under them is removed after the run. */
const prefixes: string[] = [];
afterAll(async () => {
  if (skip || prefixes.length === 0) return;
  const client = createRedisClient({ url: redisTestUrl() });
  for (const prefix of prefixes) await createRedisRateLimiter({ client, prefix }).reset();
  await client.quit();
});

async function start(env: Record<string, string>, change: (config: DemoConfig) => DemoConfig): Promise<Started> {
  const base = await loadConfig({ appDir, env: { DK_STORAGE: 'memory', DK_PORT: '0', DK_LOG_LEVEL: 'info', ...env } });
  const raw: string[] = [];
  const app = await createDemoApp({ config: change(base), appDir, env: {}, writeLog: (line) => raw.push(line) });
  const server = await startServer({ app, appDir: webDir, port: 0 });
  const started = {
    app,
    server,
    get logs() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
  running.push(started);
  return started;
}

const limits =
  ({ requests, modelCalls }: { requests: number; modelCalls: number }) =>
  (config: DemoConfig): DemoConfig => ({
    ...config,
    server: { ...config.server, rateLimit: { maxRequests: requests, windowMs: 60_000 } },
    middleware: { ...config.middleware, rateLimit: { maxRequests: modelCalls, windowMs: 60_000 } },
  });

function chat(url: string, id: string, text: string): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id,
      trigger: 'submit-message',
      messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text }] }],
    }),
  });
}

describe.skipIf(skip)('the demo with DK_REDIS_URL', () => {
  it('shares the request limit, the model-call limit, the usage counts and the RAG cache between servers', async () => {
    const env = { DK_REDIS_URL: redisTestUrl(), DK_REDIS_PREFIX: randomRedisPrefix('dk-demo-test') };
    prefixes.push(env.DK_REDIS_PREFIX);
    const [a, b] = [
      await start(env, limits({ requests: 8, modelCalls: 2 })),
      await start(env, limits({ requests: 8, modelCalls: 2 })),
    ];
    expect(a!.app.sharedState.provider).toBe('redis');
    const urls = [a!.server.url, b!.server.url];
    // Model calls: 2 per user across both servers; the third turn is refused before the model.
    const turns: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await chat(urls[index % 2]!, `shared-${index}`, 'How do branches work?');
      turns.push(response.status);
      await response.text();
    }
    expect(turns).toEqual([200, 200, 429]);
    // The second turn, on the other server, found the first one's RAG results in Redis.
    const tree = (await (await fetch(`${urls[1]}/api/conversations/shared-1`)).json()) as TreeView;
    expect(tree.nodes.find((node) => node.role === 'user')?.rag[0]?.cacheHit).toBe(true);
    // Usage: both answered calls, whichever server is asked.
    const usage = (await (await fetch(`${urls[0]}/api/usage`)).json()) as {
      usage: { calls: number; counters: string };
    };
    expect(usage.usage).toMatchObject({ calls: 2, counters: 'redis' });
    // HTTP requests under /api: 8 per client across both servers (3 chats and 1 tree so far;
    // /api/usage is the server's own route). Per process, each server would admit 8.
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1)
      statuses.push((await fetch(`${urls[index % 2]}/api/conversations`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('follows the failure policy when Redis goes away: failOpen answers, failClosed refuses with 503, nothing crashes', async () => {
    const redis = await startRedisServer();
    try {
      const env = { DK_REDIS_URL: redis.url, DK_REDIS_PREFIX: randomRedisPrefix('dk-demo-test') };
      const open = await start(env, (config) => config);
      const closed = await start(env, (config) => ({
        ...config,
        redis: { ...config.redis, failurePolicy: { ...config.redis.failurePolicy, requestRateLimit: 'failClosed' } },
      }));
      expect((await chat(open.server.url, 'before', 'hello')).status).toBe(200);
      await redis.kill();
      const answered = await chat(open.server.url, 'during', 'still there?');
      expect(answered.status).toBe(200);
      expect(await answered.text()).toContain('"status":"complete"');
      const refused = await fetch(`${closed.server.url}/api/conversations`);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SHARED_STATE_UNAVAILABLE');
      expect(open.logs.some((line) => line['msg'] === 'shared state degraded')).toBe(true);
      expect(JSON.stringify(open.logs)).not.toContain(redis.url);
      // Back up: counted again.
      await redis.restart();
      await expect
        .poll(async () => (await fetch(`${closed.server.url}/api/conversations`)).status, { timeout: 8000 })
        .toBe(200);
    } finally {
      await Promise.all(running.splice(0).map((started) => started.server.close()));
      await redis.stop();
    }
  });
});
