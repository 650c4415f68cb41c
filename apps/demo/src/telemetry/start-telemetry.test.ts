import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatService } from '../chat/chat-service.js';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import { loadConfig } from '../config/load-config.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Received {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** A local OTLP/HTTP receiver: records every request and answers 200 with an empty JSON response. */
async function startReceiver(): Promise<{ readonly url: string; readonly received: Received[]; close(): void }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        path: request.url,
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received, close: () => server.close() };
}

describe('startTelemetry (through createDemoApp)', () => {
  const apps: DemoApp[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('sends the spans of a turn over OTLP/HTTP to the configured collector and keeps them for the studio', async () => {
    const receiver = await startReceiver();
    try {
      const config = await loadConfig({
        appDir,
        env: { DK_STORAGE: 'memory', DK_LOG_LEVEL: 'silent', DK_OTEL_EXPORTER: 'otlp', DK_OTLP_URL: receiver.url },
      });
      expect(config.telemetry).toMatchObject({ exporter: 'otlp', otlpUrl: receiver.url, recordContent: false });
      const app = await createDemoApp({ config, appDir, env: {} });
      apps.push(app);
      const chat = new ChatService(app);
      const { id } = await chat.create();
      const turn = await chat.send(id, 'What is a prompt library?');
      await app.telemetry.forceFlush();

      const posts = receiver.received.filter((request) => request.method === 'POST' && request.path === '/v1/traces');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts.every((post) => post.contentType === 'application/json')).toBe(true);
      interface OtlpSpan {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes: { key: string; value: Record<string, unknown> }[];
      }
      const batches = posts.map(
        (post) =>
          JSON.parse(post.body.toString('utf8')) as {
            resourceSpans: {
              resource: { attributes: { key: string; value: { stringValue?: string } }[] };
              scopeSpans: { spans: OtlpSpan[] }[];
            }[];
          },
      );
      const resources = batches.flatMap((batch) => batch.resourceSpans);
      expect(resources[0]!.resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'dk-demo' },
      });
      const sent = resources.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
      const names = sent.map((span) => span.name);
      for (const name of ['invoke_agent dk.conversation', 'chat echo-model', 'dk.render_prompt', 'retrieval docs'])
        expect(names).toContain(name);
      const turnSpan = sent.find((span) => span.name === 'invoke_agent dk.conversation')!;
      expect(turnSpan.attributes).toContainEqual({ key: 'gen_ai.conversation.id', value: { stringValue: id } });
      const chatSpan = sent.find((span) => span.name === 'chat echo-model')!;
      expect([chatSpan.parentSpanId, chatSpan.traceId, chatSpan.kind]).toEqual([turnSpan.spanId, turnSpan.traceId, 3]);
      // No content by default: the question is not in what was sent.
      expect(posts.map((post) => post.body.toString('utf8')).join('')).not.toContain('What is a prompt library?');

      // The studio's store has the same trace, found from the answer node's metadata.
      const answer = await app.storage.getNode({ conversationId: id, nodeId: turn.assistantNodeId });
      const reference = answer!.metadata['trace'] as { traceId: string };
      const spans = app.telemetry.traces.getTrace(reference.traceId);
      expect(spans.map((span) => span.name)).toContain('invoke_agent dk.conversation');
      expect(spans.find((span) => span.name === 'invoke_agent dk.conversation')!.attributes['dk.node.id']).toBe(
        turn.assistantNodeId,
      );
    } finally {
      receiver.close();
    }
  });
});
