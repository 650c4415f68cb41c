// The studio's trace view: a chat turn over the web API is one trace (the request's span, the
// message it adds with its prompt render and RAG search, the turn with its model call and
// writes); the answer's message metadata carries the trace id, and the studio route returns
// the trace's spans from the in-process store, which the waterfall page draws.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import { loadConfig } from '../config/load-config.js';
import { startServer } from './start-server.js';
import type { RunningServer } from './start-server.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Span {
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly attributes: Record<string, unknown>;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('studio trace view', () => {
  let app: DemoApp;
  let server: RunningServer;
  beforeAll(async () => {
    const config = await loadConfig({ appDir, env: { DK_STORAGE: 'memory', DK_PORT: '0', DK_LOG_LEVEL: 'silent' } });
    app = await createDemoApp({ config, appDir, env: {} });
    server = await startServer({ app, appDir, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('links each answer to the waterfall of its turn', async () => {
    const url = server.url;
    const { id } = (await (await post(`${url}/api/conversations`, {})).json()) as { id: string };
    const chat = await post(`${url}/api/chat`, {
      id,
      trigger: 'submit-message',
      messages: [{ id: 'u0', role: 'user', parts: [{ type: 'text', text: 'How do branches work?' }] }],
    });
    expect(chat.status).toBe(200);
    await chat.text();

    const path = (await (await fetch(`${url}/api/conversations/${id}/messages`)).json()) as {
      messages: { role: string; metadata: { traceId?: string; nodeId: string } }[];
    };
    const answer = path.messages.findLast((message) => message.role === 'assistant')!;
    expect(answer.metadata.traceId).toMatch(/^[0-9a-f]{32}$/);

    const response = await fetch(`${url}/api/studio/traces/${answer.metadata.traceId}`);
    expect(response.status).toBe(200);
    const { spans } = (await response.json()) as { spans: Span[] };
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentName = (span: Span | undefined): string | undefined =>
      span?.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId)?.name;
    const named = (name: string): Span | undefined => spans.find((span) => span.name === name);
    expect(parentName(named('dk.add_message'))).toBe('POST /api');
    expect(parentName(named('retrieval docs'))).toBe('dk.render_prompt');
    expect(parentName(named('invoke_agent dk.conversation'))).toBe('POST /api');
    expect(parentName(named('chat echo-model'))).toBe('invoke_agent dk.conversation');
    const turn = named('invoke_agent dk.conversation')!;
    expect(turn.attributes['dk.node.id']).toBe(answer.metadata.nodeId);
    expect(turn.attributes['gen_ai.conversation.id']).toBe(id);
    // The waterfall's geometry: every span lies within the request's.
    const root = named('POST /api')!;
    for (const span of spans) {
      expect(span.startMs).toBeGreaterThanOrEqual(root.startMs);
      expect(span.startMs + span.durationMs).toBeLessThanOrEqual(root.startMs + root.durationMs + 0.001);
    }

    const missing = await fetch(`${url}/api/studio/traces/${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('TRACE_NOT_FOUND');
  });
});
