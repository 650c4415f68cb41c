// Two handlers standing for two app servers behind a load balancer: one store, one shared
// rate limiter. (apps/demo's multi-process test runs the same with Redis and PostgreSQL.)
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryRateLimiter } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import { SharedStateUnavailableError } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { createConversationHandler } from './create-conversation-handler.js';
import type { ConversationHandlerOptions } from './handler-options.js';
import { mapError } from './error-response.js';
import { toNodeListener } from './to-node-listener.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      return closed;
    }),
  );
});

async function serve(options: ConversationHandlerOptions): Promise<string> {
  const server = createServer(toNodeListener(createConversationHandler(options)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A `useChat` body: the new user message after the previous ones (an assistant without a node id: at the cursor). */
function chatBody(id: string, text: string, first: boolean): string {
  const previous = first ? [] : [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: '…' }] }];
  return JSON.stringify({
    id,
    trigger: 'submit-message',
    messages: [...previous, { id: 'u', role: 'user', parts: [{ type: 'text', text }] }],
  });
}

function post(url: string, body: string): Promise<Response> {
  return fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

describe('createConversationHandler on several servers', () => {
  it('holds one request limit across servers when they share a RateLimiter', async () => {
    const storage = new MemoryConversationStore();
    const limiter = new MemoryRateLimiter();
    const options = {
      storage,
      managers: { llm: new EchoProvider(), storage },
      rateLimit: { maxRequests: 5, windowMs: 60_000, limiter },
    };
    const urls = [await serve(options), await serve(options)];
    const statuses: number[] = [];
    for (let index = 0; index < 12; index += 1)
      statuses.push((await fetch(`${urls[index % 2]}/api/conversations`)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect((await limiter.peek({ key: '127.0.0.1', limit: 5, windowMs: 60_000 })).count).toBe(5);
  });

  it('continues a conversation on whichever server gets the turn, without a conflict', async () => {
    const storage = new MemoryConversationStore();
    const options = { storage, managers: { llm: new EchoProvider(), storage } };
    const urls = [await serve(options), await serve(options)];
    // a, b, a, b: each server keeps its manager open, so every turn finds it one turn behind.
    for (let turn = 0; turn < 4; turn += 1) {
      const response = await post(urls[turn % 2]!, chatBody('moving', `turn ${turn}`, turn === 0));
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('"status":"complete"');
    }
    const path = await storage.getPath({
      conversationId: 'moving',
      nodeId: (await storage.get({ conversationId: 'moving' }))!.currentNodeId!,
    });
    expect(path.map((node) => `${node.role}:${node.content}`)).toEqual([
      'user:turn 0',
      'assistant:Echo: turn 0',
      'user:turn 1',
      'assistant:Echo: turn 1',
      'user:turn 2',
      'assistant:Echo: turn 2',
      'user:turn 3',
      'assistant:Echo: turn 3',
    ]);
  });

  it('answers a shared limiter that is down under failClosed with 503, logged', () => {
    const mapped = mapError(
      new SharedStateUnavailableError({
        component: 'rateLimiter',
        provider: 'redis',
        operation: 'check',
        policy: 'failClosed',
        detail: 'connect ECONNREFUSED',
      }),
    );
    expect([mapped.status, mapped.body.error.code, mapped.headers['retry-after'], mapped.logged]).toEqual([
      503,
      'SHARED_STATE_UNAVAILABLE',
      '5',
      true,
    ]);
    expect(mapped.body.error.message).not.toContain('ECONNREFUSED');
  });
});
