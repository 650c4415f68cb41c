import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatService } from '../chat/chat-service.js';
import type { TreeView } from '../chat/chat-types.js';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import type { DemoConfig } from '../config/demo-config.js';
import { loadConfig } from '../config/load-config.js';
import { startServer } from './start-server.js';
import type { RunningServer } from './start-server.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = 'sk-test-0123456789abcdefghijklmnop';

interface Started {
  readonly app: DemoApp;
  readonly server: RunningServer;
  readonly logs: Record<string, unknown>[];
  readonly raw: string[];
}

async function start(change: (config: DemoConfig) => DemoConfig = (config) => config): Promise<Started> {
  const base = await loadConfig({ appDir, env: { DK_STORAGE: 'memory', DK_PORT: '0', DK_LOG_LEVEL: 'info' } });
  const raw: string[] = [];
  const app = await createDemoApp({
    config: change(base),
    appDir,
    env: { OPENAI_API_KEY: secret },
    writeLog: (line) => raw.push(line),
  });
  const server = await startServer({ app, chat: new ChatService(app), port: 0 });
  return {
    app,
    server,
    raw,
    get logs() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Reads a Server-Sent Events response into its events. */
async function events(response: Response): Promise<{ name: string; data: Record<string, unknown> }[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => ({
      name: /^event: (.*)$/m.exec(block)?.[1] ?? '',
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>,
    }));
}

describe('web API', () => {
  let started: Started;
  let url: string;
  beforeAll(async () => {
    started = await start();
    url = started.server.url;
  });
  afterAll(() => started.server.close());

  it('health reports the store and the model', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      status: 'ok',
      checks: { storage: { status: 'ok', name: 'memory' }, llm: { status: 'ok', name: 'echo' } },
    });
  });

  it('streams a turn over SSE, then edits into a branch, switches and regenerates', async () => {
    const created = await post(`${url}/api/conversations`, { title: 'API test' });
    expect(created.status).toBe(201);
    const id = (await json(created))['id'] as string;

    const streamed = await post(
      `${url}/api/conversations/${id}/messages`,
      { content: 'hello there' },
      { accept: 'text/event-stream' },
    );
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const parts = await events(streamed);
    const deltas = parts.filter((part) => part.name === 'delta').map((part) => part.data['text']);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe('Echo: hello there');
    expect(parts.at(-1)).toEqual({
      name: 'done',
      data: expect.objectContaining({ userNodeId: '0', assistantNodeId: '0.0', content: 'Echo: hello there' }),
    });

    const edited = await json(
      await post(`${url}/api/conversations/${id}/edit`, { nodeId: '0', content: 'hi instead' }),
    );
    expect(edited).toMatchObject({ userNodeId: '1', assistantNodeId: '1.0', content: 'Echo: hi instead' });

    const switched = (await json(
      await post(`${url}/api/conversations/${id}/switch`, { nodeId: '0.0' }),
    )) as unknown as TreeView;
    expect(switched.currentNodeId).toBe('0.0');
    expect(switched.nodes.filter((node) => node.active).map((node) => node.id)).toEqual(['', '0', '0.0']);

    const regenerated = await events(
      await post(`${url}/api/conversations/${id}/regenerate`, {}, { accept: 'text/event-stream' }),
    );
    expect(regenerated.at(-1)?.data).toMatchObject({ assistantNodeId: '0.1', content: 'Echo: hello there' });

    const branches = await json(await fetch(`${url}/api/conversations/${id}/branches?node=0`));
    expect((branches['branches'] as { id: string }[]).map((branch) => branch.id)).toEqual(['0.0', '0.1']);
    const tree = (await json(await fetch(`${url}/api/conversations/${id}`))) as unknown as TreeView;
    const byId = (a: readonly unknown[], b: readonly unknown[]): number => String(a[0]).localeCompare(String(b[0]));
    expect(tree.nodes.map((node) => [node.id, node.role, node.text]).sort(byId)).toEqual(
      [
        ['', 'system', expect.stringContaining('dk demo assistant (development)')],
        ['0', 'user', 'hello there'],
        ['1', 'user', 'hi instead'],
        ['0.0', 'assistant', 'Echo: hello there'],
        ['0.1', 'assistant', 'Echo: hello there'],
        ['1.0', 'assistant', 'Echo: hi instead'],
      ].sort(byId),
    );
    const list = await json(await fetch(`${url}/api/conversations`));
    expect(list['conversations']).toContainEqual(expect.objectContaining({ id, title: 'API test', nodeCount: 6 }));

    const usage = await json(await fetch(`${url}/api/usage`));
    expect(usage['usage']).toMatchObject({
      calls: 3,
      models: [expect.objectContaining({ provider: 'echo', calls: 3 })],
    });
  });

  it('refuses bad input with clear JSON errors', async () => {
    const id = (await json(await post(`${url}/api/conversations`, {})))['id'] as string;
    const cases: [Response, number, string][] = [
      [await post(`${url}/api/conversations/${id}/messages`, { content: 'x'.repeat(4001) }), 413, 'MESSAGE_TOO_LARGE'],
      [await post(`${url}/api/conversations/${id}/messages`, { content: 'x'.repeat(70_000) }), 413, 'BODY_TOO_LARGE'],
      [await post(`${url}/api/conversations/${id}/messages`, { text: 'hi' }), 400, 'INVALID_FIELD'],
      [await fetch(`${url}/api/conversations/${id}/messages`, { method: 'POST', body: '{oops' }), 400, 'INVALID_JSON'],
      [await post(`${url}/api/conversations/${id}/switch`, { nodeId: '7' }), 404, 'NODE_NOT_FOUND'],
      [await post(`${url}/api/conversations/${id}/switch`, { nodeId: 'x; drop' }), 400, 'INVALID_FIELD'],
      [await post(`${url}/api/conversations/missing/messages`, { content: 'hi' }), 404, 'CONVERSATION_NOT_FOUND'],
      [await fetch(`${url}/nowhere`), 404, 'NOT_FOUND'],
      [await fetch(`${url}/api/conversations/${id}/edit`), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [response, status, code] of cases) {
      expect([response.status, ((await json(response))['error'] as { code: string }).code]).toEqual([status, code]);
    }
  });

  it('serves the single-page UI without a build step', async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${url}/app.js`)).status).toBe(200);
  });

  it('writes structured request logs with secrets redacted', async () => {
    await fetch(`${url}/api/conversations/${secret}/nothing`);
    const requestLogs = started.logs.filter((line) => line['msg'] === 'request');
    expect(requestLogs.length).toBeGreaterThan(5);
    expect(requestLogs[0]).toMatchObject({
      level: 'info',
      app: 'dk-demo',
      method: expect.any(String),
      status: expect.any(Number),
      ms: expect.any(Number),
    });
    expect(started.raw.join('')).not.toContain(secret);
    expect(started.raw.join('')).toContain('[REDACTED]');
  });
});

describe('production behaviour', () => {
  it('limits requests per client with 429 and Retry-After', async () => {
    const { server } = await start((config) => ({
      ...config,
      server: { ...config.server, rateLimit: { maxRequests: 3, windowMs: 60_000 } },
    }));
    try {
      const statuses = [];
      for (let index = 0; index < 4; index += 1) statuses.push((await fetch(`${server.url}/api/conversations`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await fetch(`${server.url}/api/conversations`);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(((await json(limited))['error'] as { message: string }).message).toMatch(
        /limit is 3 per 60000 ms per client/,
      );
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 429 when the model-call rate or the token budget of the middleware is exhausted', async () => {
    const { server } = await start((config) => ({
      ...config,
      middleware: {
        ...config.middleware,
        rateLimit: { maxRequests: 1, windowMs: 60_000 },
        tokenBudget: { maxTokens: 10_000, onExceeded: 'refuse' },
      },
    }));
    const budget = await start((config) => ({
      ...config,
      middleware: { ...config.middleware, tokenBudget: { maxTokens: 5, onExceeded: 'refuse' } },
    }));
    try {
      const id = (await json(await post(`${server.url}/api/conversations`, {})))['id'] as string;
      expect((await post(`${server.url}/api/conversations/${id}/messages`, { content: 'one' })).status).toBe(200);
      const limited = await post(`${server.url}/api/conversations/${id}/messages`, { content: 'two' });
      expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
      expect(((await json(limited))['error'] as { code: string }).code).toBe('RATE_LIMIT_EXCEEDED');
      // Over SSE the same refusal arrives as an `error` event.
      const streamed = await events(
        await post(
          `${server.url}/api/conversations/${id}/messages`,
          { content: 'three' },
          { accept: 'text/event-stream' },
        ),
      );
      expect(streamed.at(-1)).toMatchObject({ name: 'error', data: { status: 429, code: 'RATE_LIMIT_EXCEEDED' } });

      const other = (await json(await post(`${budget.server.url}/api/conversations`, {})))['id'] as string;
      expect(
        (
          await post(`${budget.server.url}/api/conversations/${other}/messages`, {
            content: 'a first question that uses the budget',
          })
        ).status,
      ).toBe(200);
      const refused = await post(`${budget.server.url}/api/conversations/${other}/messages`, { content: 'again' });
      expect([refused.status, ((await json(refused))['error'] as { code: string }).code]).toEqual([
        429,
        'TOKEN_BUDGET_EXCEEDED',
      ]);
    } finally {
      await Promise.all([server.close(), budget.server.close()]);
    }
  });

  it('health answers 503 when the store is down', async () => {
    const { app, server } = await start();
    try {
      await app.storage.close();
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(503);
      expect(await json(response)).toMatchObject({
        status: 'down',
        checks: { storage: { status: 'down' }, llm: { status: 'ok' } },
      });
    } finally {
      await server.close();
    }
  });

  it('shuts down gracefully: the turn in flight finishes, new requests are refused, the store is closed', async () => {
    const { app, server, raw } = await start((config) => ({
      ...config,
      provider: { ...config.provider, streamDelayMs: 25 },
    }));
    const id = (await json(await post(`${server.url}/api/conversations`, {})))['id'] as string;
    const inFlight = post(
      `${server.url}/api/conversations/${id}/messages`,
      { content: 'a slow answer that takes a while' },
      { accept: 'text/event-stream' },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = server.close('SIGTERM');
    const parts = await events(await inFlight);
    expect(parts.at(-1)).toMatchObject({ name: 'done', data: { content: 'Echo: a slow answer that takes a while' } });
    await closing;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await expect(app.storage.ping()).rejects.toThrow();
    const logs = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs.map((line) => line['msg'])).toEqual(
      expect.arrayContaining(['shutting down', 'demo app closed', 'shut down']),
    );
    expect(logs.find((line) => line['msg'] === 'shutting down')).toMatchObject({ reason: 'SIGTERM', inFlight: 1 });
  });
});
