import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TreeView } from '@dk/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import type { DemoConfig } from '../config/demo-config.js';
import { loadConfig } from '../config/load-config.js';
import { startServer } from './start-server.js';
import type { RunningServer } from './start-server.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = 'sk-test-0123456789abcdefghijklmnop';
// A stand-in for the built web app (the browser test serves the real build).
const webDir = mkdtempSync(join(tmpdir(), 'dk-demo-web-'));
mkdirSync(join(webDir, 'dist', 'web', 'assets'), { recursive: true });
writeFileSync(join(webDir, 'dist', 'web', 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(webDir, 'dist', 'web', 'assets', 'app-1234.js'), 'console.log(1)');

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
  const server = await startServer({ app, appDir: webDir, port: 0 });
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

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A `useChat` request body with one user message after `previous`. */
function chatBody(id: string, text: string, previous: unknown[] = []) {
  return {
    id,
    trigger: 'submit-message',
    messages: [...previous, { id: `u${previous.length}`, role: 'user', parts: [{ type: 'text', text }] }],
  };
}

/** The JSON chunks of a UI message stream. */
async function chunks(response: Response): Promise<Record<string, unknown>[]> {
  return (await response.text())
    .split('\n\n')
    .map((block) => /^data: (.*)$/m.exec(block)?.[1])
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

const textOf = (parts: Record<string, unknown>[]): string =>
  parts
    .filter((part) => part['type'] === 'text-delta')
    .map((part) => part['delta'])
    .join('');

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

  it('chats through the chat prompt with RAG and records what each node did', async () => {
    const { id } = (await json(await post(`${url}/api/conversations`, {}))) as { id: string };
    const first = await chunks(await post(`${url}/api/chat`, chatBody(id, 'How do branches work?')));
    expect(textOf(first)).toMatch(/^Echo: How do branches work\?\n\nReference documents:/);
    const tree = (await json(await fetch(`${url}/api/conversations/${id}`))) as unknown as TreeView;
    expect(tree.nodes.map((node) => [node.id, node.role])).toEqual([
      ['', 'system'],
      ['0', 'user'],
      ['0.0', 'assistant'],
    ]);
    const question = tree.nodes[1]!;
    expect(question.text).toBe('How do branches work?');
    expect(question.renderedContent).toContain('Reference documents:');
    expect(question.rag[0]).toMatchObject({ adapterName: 'docs', query: 'How do branches work?' });
    expect(question.rag[0]!.results[0]).toMatchObject({ id: 'branching.md#1', score: expect.any(Number), citation: 1 });
    expect(tree.nodes[2]).toMatchObject({ model: 'echo-model', provider: 'echo', latencyMs: expect.any(Number) });
    expect(tree.title).toBe('How do branches work?');
  });

  it('runs the demo tools: search_docs at once, save_note after approval', async () => {
    const { id } = (await json(await post(`${url}/api/conversations`, {}))) as { id: string };
    const searched = await chunks(await post(`${url}/api/chat`, chatBody(id, 'search: storage')));
    expect(searched.find((part) => part['type'] === 'tool-output-available')).toMatchObject({
      output: expect.arrayContaining([expect.objectContaining({ source: 'storage.md' })]),
    });
    expect(textOf(searched)).toMatch(/^I searched the docs and found \d passage/);
    const asked = await chunks(await post(`${url}/api/chat`, chatBody(`${id}`, 'note: water the plants', [])));
    const request = asked.find((part) => part['type'] === 'tool-approval-request') as { toolCallId: string };
    expect(request).toBeDefined();
    expect(await started.app.notes.list()).toEqual([]);
    const finish = asked.at(-1) as { messageMetadata: { nodeId: string } };
    const approved = {
      id: 'a1',
      role: 'assistant',
      metadata: { nodeId: finish.messageMetadata.nodeId },
      parts: [
        {
          type: 'tool-save_note',
          toolCallId: request.toolCallId,
          state: 'approval-responded',
          input: {},
          approval: { id: request.toolCallId, approved: true },
        },
      ],
    };
    const continued = await chunks(
      await post(`${url}/api/chat`, {
        id,
        trigger: 'submit-message',
        messages: [chatBody(id, 'note: water the plants').messages[0], approved],
      }),
    );
    expect(textOf(continued)).toBe('Saved your note: "water the plants".');
    expect((await started.app.notes.list()).map((note) => note.text)).toEqual(['water the plants']);
  });

  it('refuses bad input with JSON errors written for people', async () => {
    const { id } = (await json(await post(`${url}/api/conversations`, {}))) as { id: string };
    const cases: [Response, number, string][] = [
      [await post(`${url}/api/chat`, chatBody(id, 'x'.repeat(4001))), 413, 'MESSAGE_TOO_LARGE'],
      [await post(`${url}/api/chat`, chatBody(id, 'x'.repeat(70_000))), 413, 'BODY_TOO_LARGE'],
      [await post(`${url}/api/chat`, { id, messages: 'hi' }), 400, 'INVALID_CHAT_REQUEST'],
      [await fetch(`${url}/api/chat`, { method: 'POST', body: '{oops' }), 400, 'INVALID_JSON'],
      [await post(`${url}/api/conversations/${id}/switch`, { nodeId: '7' }), 404, 'NODE_NOT_FOUND'],
      [await post(`${url}/api/conversations/${id}/switch`, { nodeId: 'x; drop' }), 400, 'INVALID_FIELD'],
      [await fetch(`${url}/api/conversations/missing`), 404, 'CONVERSATION_NOT_FOUND'],
      [await fetch(`${url}/nowhere.txt`), 404, 'NOT_FOUND'],
      [await fetch(`${url}/api/conversations/${id}/switch`), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [response, status, code] of cases) {
      const body = (await json(response))['error'] as { code: string; message: string };
      expect([response.status, body.code]).toEqual([status, code]);
      // No hint meant for developers ("pass `x`", "call `y()`") reaches the person using the app.
      expect(body.message).not.toMatch(/`\w+\(|Pass `|See apps\/demo/);
    }
  });

  it('serves the web app on / and on every conversation URL, assets cached for good', async () => {
    for (const path of ['/', '/c/abc-123', '/studio']) {
      const page = await fetch(`${url}${path}`);
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const asset = await fetch(`${url}/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/../../package.json`)).status).toBe(404);
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
        /Too many requests. Try again in \d+ s/,
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
      const { id } = (await json(await post(`${server.url}/api/conversations`, {}))) as { id: string };
      expect((await post(`${server.url}/api/chat`, chatBody(id, 'one'))).status).toBe(200);
      const limited = await post(`${server.url}/api/chat`, chatBody(id, 'two'));
      expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
      expect((await json(limited))['error'] as { code: string; message: string }).toMatchObject({
        code: 'RATE_LIMIT_EXCEEDED',
        message: expect.stringMatching(/too fast/),
      });
      const other = ((await json(await post(`${budget.server.url}/api/conversations`, {}))) as { id: string }).id;
      await (
        await post(`${budget.server.url}/api/chat`, chatBody(other, 'a first question that uses the budget'))
      ).text();
      const refused = await post(`${budget.server.url}/api/chat`, chatBody(other, 'again'));
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
    const { id } = (await json(await post(`${server.url}/api/conversations`, {}))) as { id: string };
    const inFlight = post(`${server.url}/api/chat`, chatBody(id, 'a slow answer that takes a while'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = server.close('SIGTERM');
    const parts = await chunks(await inFlight);
    expect(parts.at(-1)).toMatchObject({ type: 'finish' });
    expect(textOf(parts)).toBe('Echo: a slow answer that takes a while');
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
