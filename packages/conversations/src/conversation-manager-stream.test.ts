import { AbortError, ProviderUnavailableError } from '@dk/spec';
import type { ConversationStreamPart } from './turn-types.js';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationMiddleware } from './conversation-middleware.js';
import { ConversationManager } from './conversation-manager.js';

async function setup(llm: EchoProvider, middleware: ConversationMiddleware[] = []) {
  const storage = new MemoryConversationStore();
  const manager = await ConversationManager.create({ llm, storage, middleware });
  await manager.addMessage({ role: 'user', content: 'tell me' });
  return { manager, storage };
}

describe('ConversationManager.stream', () => {
  it('yields the parts, stores the assistant node at the end and moves the cursor', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'Hello there', chunks: ['Hel', 'lo ', 'there'] }] });
    const { manager, storage } = await setup(llm);
    const parts: ConversationStreamPart[] = [];
    for await (const part of manager.stream({ branchName: 'streamed' })) parts.push(part);
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.text)).toEqual([
      'Hel',
      'lo ',
      'there',
    ]);
    const end = parts.at(-1)!;
    expect(end.type).toBe('end');
    expect(end.type === 'end' && end.response.content).toBe('Hello there');
    expect(manager.state.currentNodeId).toBe('0');
    const node = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(node).toMatchObject({ role: 'assistant', content: 'Hello there', branchName: 'streamed' });
    expect(node.metadata).toMatchObject({ provider: 'echo', finishReason: 'stop', model: 'echo-model' });
    expect(node.metadata['interrupted']).toBeUndefined();
  });

  it('keeps the partial text as an interrupted node when the signal aborts, then rethrows', async () => {
    const llm = new EchoProvider({
      responses: [{ content: 'abcdefghij', chunks: ['ab', 'cd', 'ef', 'gh', 'ij'], chunkDelayMs: 5 }],
    });
    const { manager, storage } = await setup(llm);
    const controller = new AbortController();
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const part of manager.stream({ signal: controller.signal })) {
        if (part.type === 'text-delta') seen.push(part.text);
        if (seen.length === 2) controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(
      AbortError.isInstance(caught) || (caught as Error | undefined)?.name === 'AbortError',
      `caught ${String(caught)}`,
    ).toBe(true);
    expect(seen).toEqual(['ab', 'cd']);
    const interrupted = await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' });
    expect(interrupted?.content, JSON.stringify(interrupted)).toBe('abcd');
    expect(interrupted?.metadata).toMatchObject({ interrupted: true, interruption: { reason: 'aborted' } });
    // The cursor moves to the partial answer: the conversation continues from what the user saw.
    expect(manager.state.currentNodeId).toBe('0');
    expect((await manager.getBranches('')).map((branch) => [branch.id, branch.interrupted])).toEqual([['0', true]]);
    // complete() there gives a fresh answer to the same question, as a sibling.
    llm.addResponse('fresh');
    const retry = await manager.complete();
    expect([retry.node.id, retry.content]).toEqual(['1', 'fresh']);
    expect(manager.state.getCurrentMessages().map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('keeps the partial text when the provider fails mid-stream', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'partial answer', chunks: ['partial ', 'answer'] }] });
    const failing: ConversationMiddleware = {
      processStreamPart(part) {
        if (part.type === 'text-delta' && part.text === 'answer') {
          throw new ProviderUnavailableError({ message: 'connection reset', provider: 'echo' });
        }
        return part;
      },
    };
    const errors: unknown[] = [];
    const observer: ConversationMiddleware = { onError: (error) => void errors.push(error) };
    const { manager, storage } = await setup(llm, [observer, failing]);
    await expect(async () => {
      for await (const _ of manager.stream()) void _;
    }).rejects.toThrow('connection reset');
    const node = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(node.content).toBe('partial ');
    expect(node.metadata).toMatchObject({
      interrupted: true,
      interruption: { reason: 'error', error: { name: 'ProviderUnavailableError' } },
    });
    expect(errors).toHaveLength(1);
  });

  it('keeps what the caller saw when it stops iterating early', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'one two three', chunks: ['one ', 'two ', 'three'] }] });
    const { manager, storage } = await setup(llm);
    for await (const part of manager.stream()) {
      if (part.type === 'text-delta') break;
    }
    const node = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(node.content).toBe('one ');
    expect(node.metadata).toMatchObject({ interrupted: true, interruption: { reason: 'stopped' } });
  });

  it('stores nothing when the stream fails before any text', async () => {
    const llm = new EchoProvider({ responses: [{ error: { kind: 'auth' } }] });
    const { manager, storage } = await setup(llm);
    await expect(async () => {
      for await (const _ of manager.stream()) void _;
    }).rejects.toThrow();
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(1);
  });

  it('passes parts through processStreamPart in list order and stores the transformed text', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'abc', chunks: ['a', 'b', 'c'] }] });
    const order: string[] = [];
    const upper: ConversationMiddleware = {
      processStreamPart(part) {
        order.push('outer');
        return part.type === 'text-delta' ? { ...part, text: part.text.toUpperCase() } : part;
      },
    };
    const doubler: ConversationMiddleware = {
      processStreamPart(part) {
        order.push('inner');
        return part.type === 'text-delta' ? [part, part] : part;
      },
    };
    const { manager } = await setup(llm, [doubler, upper]);
    let text = '';
    let finalContent = '';
    for await (const part of manager.stream()) {
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'end') finalContent = part.response.content;
    }
    expect(text).toBe('AABBCC');
    expect(finalContent).toBe('AABBCC');
    expect(manager.state.getCurrentMessages().at(-1)!.content).toBe('AABBCC');
    // First middleware first: the doubler emits two parts, each goes through the upper-caser.
    expect(order.slice(0, 3)).toEqual(['inner', 'outer', 'outer']);
  });
});
