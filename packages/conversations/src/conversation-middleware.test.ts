import type { LLMMessage } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationMiddleware } from './conversation-middleware.js';
import { ConversationManager } from './conversation-manager.js';
import { ResponseValidationError } from './response-validation-error.js';

function tracer(name: string, log: string[]): ConversationMiddleware {
  return {
    processRequest: () => void log.push(`req:${name}`),
    processResponse: () => void log.push(`resp:${name}`),
  };
}

async function setup(middleware: ConversationMiddleware[] = [], llm = new EchoProvider()) {
  const storage = new MemoryConversationStore();
  const manager = await ConversationManager.create({ llm, storage, middleware });
  await manager.addMessage({ role: 'system', content: 'sys' });
  await manager.addMessage({ role: 'user', content: 'hello', metadata: { tag: 'original' } });
  return { manager, storage, llm };
}

describe('ConversationMiddleware', () => {
  it('runs requests and responses in list order (a pipeline)', async () => {
    const log: string[] = [];
    const { manager } = await setup([tracer('1', log), tracer('2', log)]);
    await manager.complete();
    expect(log).toEqual(['req:1', 'req:2', 'resp:1', 'resp:2']);
  });

  it('adds scoped middleware for a block and per-call middleware for one call, last', async () => {
    const log: string[] = [];
    const { manager } = await setup([tracer('base', log)]);
    await manager.withMiddleware([tracer('scoped', log)], async () => {
      await manager.complete({ middleware: [tracer('call', log)] });
    });
    expect(log).toEqual(['req:base', 'req:scoped', 'req:call', 'resp:base', 'resp:scoped', 'resp:call']);
    log.length = 0;
    await expect(
      manager.withMiddleware([tracer('scoped', log)], async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await manager.regenerate();
    expect(log).toEqual(['req:base', 'resp:base']);
  });

  it('gives middleware frozen messages and mutable response copies; stored nodes stay intact', async () => {
    const attempts: string[] = [];
    const vandal: ConversationMiddleware = {
      processRequest(messages) {
        for (const mutate of [
          () => ((messages[1] as { content: string }).content = 'hacked'),
          () => ((messages[1]!.metadata as Record<string, unknown>)['tag'] = 'hacked'),
          () => (messages as LLMMessage[]).push({ role: 'user', content: 'extra' }),
        ]) {
          try {
            mutate();
            attempts.push('mutated');
          } catch (error) {
            attempts.push((error as Error).name);
          }
        }
      },
      processResponse(response) {
        // A response is this middleware's own copy: changing it in place is how guide-style
        // middleware works (`response.metadata[...] = …`), and it cannot reach stored nodes.
        (response as { content: string }).content = `${response.content}!`;
        (response.metadata as Record<string, unknown>)['touched'] = true;
      },
    };
    const { manager, storage } = await setup([vandal]);
    const result = await manager.complete();
    expect(attempts).toEqual(['TypeError', 'TypeError', 'TypeError']);
    const user = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(user.content).toBe('hello');
    expect(user.metadata).toEqual({ tag: 'original' });
    expect(result.content).toBe('Echo: hello!');
    expect(result.node.metadata['touched']).toBe(true);
    expect(Object.isFrozen(result.node.metadata)).toBe(true);
    expect(manager.state.getCurrentMessages()[1]!.content).toBe('hello');
  });

  it('gives each turn a writable copy of the conversation metadata that is never stored', async () => {
    const seen: unknown[] = [];
    const stamper: ConversationMiddleware = {
      processRequest(_messages, context) {
        context.metadata['requestStart'] = 123; // the guide's state.metadata["request_start"]
        context.metadata['userId'] = 'attacker';
      },
      processResponse(_response, context) {
        seen.push(context.metadata['requestStart']);
      },
    };
    const storage = new MemoryConversationStore();
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      storage,
      middleware: [stamper],
      metadata: { userId: 'u1' },
    });
    await manager.addMessage({ role: 'user', content: 'hi' });
    await manager.complete();
    expect(seen).toEqual([123]);
    expect(manager.state.metadata).toEqual({ userId: 'u1' });
    await manager.updateMetadata({ plan: 'pro' });
    expect((await storage.get({ conversationId: manager.conversationId }))!.metadata).toEqual({
      userId: 'u1',
      plan: 'pro',
    });
  });

  it('lets a returned replacement reach the model without touching the stored messages', async () => {
    const rewrite: ConversationMiddleware = {
      processRequest: (messages) =>
        messages.map((message) => (message.role === 'user' ? { ...message, content: 'rewritten' } : message)),
    };
    const { manager, storage, llm } = await setup([rewrite]);
    await manager.complete();
    expect(llm.lastCall!.messages.at(-1)!.content).toBe('rewritten');
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!.content).toBe('hello');
  });

  it('persists setNodeMetadata on the assistant node; canonical fields win', async () => {
    const annotator: ConversationMiddleware = {
      processResponse(_response, context) {
        context.setNodeMetadata('reviewedBy', 'bot');
        context.setNodeMetadata('provider', 'spoofed');
        expect(context.nodeMetadata).toEqual({ reviewedBy: 'bot', provider: 'spoofed' });
      },
    };
    const { manager } = await setup([annotator]);
    const result = await manager.complete();
    expect(result.node.metadata).toMatchObject({ reviewedBy: 'bot', provider: 'echo' });
  });

  it('shares turnData between middleware and hooks, and calls onError in list order on failure', async () => {
    const log: string[] = [];
    const writer: ConversationMiddleware = {
      processRequest: (_m, context) => void context.turnData.set('k', 42),
      onError: () => void log.push('err:writer'),
    };
    const reader: ConversationMiddleware = {
      processResponse: (_r, context) => {
        log.push(`k=${String(context.turnData.get('k'))}`);
        throw new Error('reader failed');
      },
      onError: (error) => {
        log.push(`err:reader:${(error as Error).message}`);
        throw new Error('observer failure is ignored');
      },
    };
    const { manager, storage } = await setup([writer, reader]);
    await expect(manager.complete()).rejects.toThrow('reader failed');
    expect(log).toEqual(['k=42', 'err:writer', 'err:reader:reader failed']);
    // The user message remains; no assistant node was added.
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(2);
    expect(manager.state.currentNodeId).toBe('0');
  });

  it('retries the turn when a middleware requests it, and records the discarded attempts', async () => {
    const llm = new EchoProvider({ responses: ['bad answer', 'good answer'] });
    const picky: ConversationMiddleware = {
      processResponse(response, context) {
        if (response.content.startsWith('bad'))
          throw new ResponseValidationError({ reason: 'too bad', attempt: context.attempt, requestsTurnRetry: true });
      },
    };
    const { manager } = await setup([picky], llm);
    const result = await manager.complete();
    expect(result.content).toBe('good answer');
    expect(llm.callCount).toBe(2);
    expect(result.node.metadata).toMatchObject({
      attempts: 2,
      discardedAttempts: [{ attempt: 1, reason: 'too bad', model: 'echo-model' }],
    });
    const totals = await manager.getTotals();
    expect(totals.calls).toBe(2);
  });
});
