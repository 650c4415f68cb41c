import { ConversationConflictError, ConversationNotFoundError, NodeNotFoundError } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { countingStore } from './__fixtures__/counting-store.js';
import { TemplatePromptBuilder } from './__fixtures__/template-prompt-builder.js';
import { ConversationInputError } from './conversation-input-error.js';
import { ConversationManager } from './conversation-manager.js';
import { ConversationStateError } from './conversation-state-error.js';

const builder = new TemplatePromptBuilder(
  {
    system: { assistant: { template: 'You are a {{tone}} assistant.', defaults: { tone: 'helpful' } } },
    user: {
      code_question: {
        template: 'Question about {{language}}: {{topic}}\nContext:\n{{RAG_CONTENT}}',
        ragQuery: '{{topic}}',
      },
    },
  },
  ['Decorators wrap functions.', 'Lists are mutable sequences.'],
);

function setup(settings: { prices?: Record<string, { inputPerMillion: number; outputPerMillion: number }> } = {}) {
  const llm = new EchoProvider({ echoPrefix: 'Echo: ' });
  const storage = new MemoryConversationStore();
  return {
    llm,
    storage,
    create: (extra: Partial<Parameters<typeof ConversationManager.create>[0]> = {}) =>
      ConversationManager.create({ llm, storage, promptBuilder: builder, ...settings, ...extra }),
  };
}

describe('ConversationManager', () => {
  it('stores inline content exactly as given, with no template rendering', async () => {
    const { create, storage } = setup();
    const manager = await create();
    const node = await manager.addMessage({ role: 'user', content: 'I said ((hi)) to {{name}} {{current_date}}' });
    expect(node.content).toBe('I said ((hi)) to {{name}} {{current_date}}');
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '' }))!.content).toBe(node.content);
  });

  it('renders inline content only when asked', async () => {
    const { create } = setup();
    const manager = await create();
    await manager.addMessage({ role: 'system', content: 'sys' });
    const node = await manager.addMessage({
      role: 'user',
      content: 'Hi {{name}}((, age {{age}}))',
      renderTemplate: true,
      params: { name: 'Ada' },
    });
    expect(node.content).toBe('Hi Ada');
    expect(node.metadata['prompt']).toMatchObject({
      inline: true,
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    await expect(manager.addMessage({ role: 'user', content: 'Hi {{name}}', params: { name: 'Ada' } })).rejects.toThrow(
      /renderTemplate/,
    );
    const unfilled = await manager.addMessage({
      role: 'user',
      content: 'Hi {{nmae}}',
      renderTemplate: true,
      params: {},
    });
    expect(unfilled.metadata['prompt']).toMatchObject({ warnings: ['Unresolved variables left in the text: nmae'] });
  });

  it('allocates dot-path ids: system root, user "0", assistant "0.0", next user "0.0.0"', async () => {
    const { create } = setup();
    const manager = await create({ systemPromptName: 'assistant', systemParams: { tone: 'concise' } });
    expect(manager.state.currentNodeId).toBe('');
    expect(manager.state.getCurrentMessages()[0]).toMatchObject({
      role: 'system',
      content: 'You are a concise assistant.',
    });
    expect((await manager.addMessage({ role: 'user', content: 'Hello' })).id).toBe('0');
    const response = await manager.complete();
    expect(response.node.id).toBe('0.0');
    expect(response.content).toBe('Echo: Hello');
    expect((await manager.addMessage({ role: 'user', content: 'More' })).id).toBe('0.0.0');
    expect(manager.state.getCurrentMessages().map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
  });

  it('records the prompt name, content hash and RAG metadata of a rendered message', async () => {
    const { create } = setup();
    const manager = await create();
    await manager.addMessage({ role: 'system', content: 'You answer questions.' });
    const node = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { language: 'python', topic: 'decorators' },
    });
    expect(node.content).toBe('Question about python: decorators\nContext:\nDecorators wrap functions.');
    expect(node.promptName).toBe('code_question');
    const prompt = node.metadata['prompt'] as Record<string, unknown>;
    expect(prompt['name']).toBe('code_question');
    expect(prompt['contentHash']).toMatch(/^[0-9a-f]{64}$/);
    expect(prompt['rag']).toEqual([
      {
        placeholder: 'RAG_CONTENT',
        adapterName: 'docs',
        query: 'decorators',
        k: 5,
        status: 'ok',
        durationMs: 0,
        results: [{ id: 'd0', score: 1, citation: 1 }],
      },
    ]);
    const withoutRag = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { language: 'go', topic: 'lists' },
      includeRag: false,
    });
    expect((withoutRag.metadata['prompt'] as Record<string, unknown>)['rag']).toBeUndefined();
  });

  it('refuses bad addMessage input with typed errors', async () => {
    const { create, llm, storage } = setup();
    const manager = await create();
    await expect(manager.addMessage({ role: 'user' } as never)).rejects.toSatisfy((error: unknown) =>
      ConversationInputError.isInstance(error),
    );
    await expect(manager.addMessage({ role: 'robot', content: 'x' } as never)).rejects.toThrow(/role/);
    await expect(manager.addMessage({ role: 'assistant', promptName: 'assistant' } as never)).rejects.toThrow(
      /system and user/,
    );
    const bare = await ConversationManager.create({ llm, storage });
    await expect(bare.addMessage({ role: 'user', promptName: 'code_question' })).rejects.toThrow(/promptBuilder/);
  });

  it('stores model, provider, finish reason, usage, latency and cost on the assistant node', async () => {
    const { create, storage } = setup({
      prices: { 'echo-': { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } },
    });
    const manager = await create({ metadata: { userId: 'u1' } });
    await manager.addMessage({ role: 'user', content: 'hello world' });
    const response = await manager.complete({
      metadata: { x: 1, model: 'spoofed' },
      overrides: { temperature: 0.2, headers: { authorization: 'secret' } },
    });
    const stored = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(stored.metadata).toMatchObject({
      x: 1,
      model: 'echo-model',
      provider: 'echo',
      finishReason: 'stop',
      usage: response.usage,
      overrides: { temperature: 0.2 },
    });
    expect(JSON.stringify(stored.metadata)).not.toContain('secret');
    expect(typeof stored.metadata['latencyMs']).toBe('number');
    const expectedCost = response.usage!.promptTokens * 1 + response.usage!.completionTokens * 2;
    expect(stored.metadata['costUsd']).toBeCloseTo(expectedCost);
    expect(response.costUsd).toBeCloseTo(expectedCost);
    const totals = await manager.getTotals();
    expect(totals).toMatchObject({ calls: 1, usage: response.usage, unpricedCalls: 0 });
    expect(totals.costUsd).toBeCloseTo(expectedCost);
    expect(manager.getPathTotals().costUsd).toBeCloseTo(expectedCost);
  });

  it('stores cost null for a model without a price and counts it as unpriced', async () => {
    const { create } = setup({ prices: { 'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 } } });
    const manager = await create();
    await manager.addMessage({ role: 'user', content: 'hi' });
    const response = await manager.complete();
    expect(response.node.metadata['costUsd']).toBeNull();
    expect((await manager.getTotals()).unpricedCalls).toBe(1);
  });

  it('sends only the active path root → cursor to the model', async () => {
    const { create, llm } = setup();
    const manager = await create({ systemPromptName: 'assistant' });
    await manager.addMessage({ role: 'user', content: 'first' });
    await manager.complete();
    await manager.switchToNode('');
    await manager.addMessage({ role: 'user', content: 'second' });
    await manager.complete();
    expect(llm.lastCall!.messages.map((message) => message.content)).toEqual([
      'You are a helpful assistant.',
      'second',
    ]);
  });

  it('branches as in the guide and lists branches with name, role, preview and timestamp', async () => {
    const { create } = setup();
    const manager = await create({ systemPromptName: 'assistant' });
    await manager.addMessage({ role: 'user', content: 'Explain lists' });
    const response1 = await manager.complete();
    await manager.switchToNode('0');
    const response2 = await manager.complete({ branchName: 'simple-explanation' });
    expect(response1.node.id).toBe('0.0');
    expect(response2.node.id).toBe('0.1');
    const branches = await manager.getBranches('0');
    expect(branches.map((branch) => [branch.id, branch.branchName, branch.role])).toEqual([
      ['0.0', undefined, 'assistant'],
      ['0.1', 'simple-explanation', 'assistant'],
    ]);
    expect(branches[0]!.preview).toBe('Echo: Explain lists');
    expect(branches[0]!.timestamp).toBeInstanceOf(Date);
    // Without an argument: the alternatives at the cursor (the cursor and its siblings).
    expect((await manager.getBranches()).map((branch) => branch.id)).toEqual(['0.0', '0.1']);
  });

  it('branchFrom moves to the parent; the root cannot be branched from; unknown ids fail', async () => {
    const { create } = setup();
    const manager = await create({ systemPromptName: 'assistant' });
    await manager.addMessage({ role: 'user', content: 'q' });
    await manager.complete();
    await manager.branchFrom('0.0');
    expect(manager.state.currentNodeId).toBe('0');
    expect((await manager.complete()).node.id).toBe('0.1');
    await manager.branchFrom('0');
    expect(manager.state.currentNodeId).toBe('');
    expect((await manager.addMessage({ role: 'user', content: 'other' })).id).toBe('1');
    await expect(manager.branchFrom('')).rejects.toSatisfy((error: unknown) =>
      ConversationStateError.isInstance(error),
    );
    await expect(manager.switchToNode('99.99')).rejects.toSatisfy((error: unknown) =>
      NodeNotFoundError.isInstance(error),
    );
    await expect(manager.branchFrom('7.7')).rejects.toSatisfy((error: unknown) => NodeNotFoundError.isInstance(error));
  });

  it('editMessage and regenerate create siblings and keep the originals', async () => {
    const { create, storage, llm } = setup();
    const manager = await create({ systemPromptName: 'assistant' });
    await manager.addMessage({ role: 'user', content: 'typo questoin' });
    await manager.complete();
    const edited = await manager.editMessage('0', 'fixed question');
    expect(edited.id).toBe('1');
    expect(edited.metadata).toMatchObject({ editedFrom: '0' });
    const answer = await manager.complete();
    expect(answer.node.id).toBe('1.0');
    expect(llm.lastCall!.messages.map((message) => message.content)).toEqual([
      'You are a helpful assistant.',
      'fixed question',
    ]);
    const again = await manager.regenerate();
    expect(again.node.id).toBe('1.1');
    expect(manager.state.currentNodeId).toBe('1.1');
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!.content).toBe(
      'typo questoin',
    );
    expect(await storage.getNode({ conversationId: manager.conversationId, nodeId: '1.0' })).toBeDefined();
    await expect(manager.editMessage('', 'x')).rejects.toSatisfy((error: unknown) =>
      ConversationStateError.isInstance(error),
    );
    await expect(manager.editMessage('5', 'x')).rejects.toSatisfy((error: unknown) =>
      NodeNotFoundError.isInstance(error),
    );
  });

  it('deletes the new conversation when the system prompt cannot be rendered', async () => {
    const { create, storage } = setup();
    await expect(create({ systemPromptName: 'missing', conversationId: 'c-missing' })).rejects.toThrow(/not found/);
    expect(await storage.get({ conversationId: 'c-missing' })).toBeUndefined();
  });

  it('stores tool calls on the assistant node and sends them back with the tool result', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] }, 'It is sunny.'],
    });
    const storage = new MemoryConversationStore();
    const manager = await ConversationManager.create({ llm, storage });
    const tools = [{ name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    await manager.addMessage({ role: 'user', content: 'Weather in Oslo?' });
    const call = await manager.complete({ tools });
    expect(call.finishReason).toBe('tool_calls');
    expect(call.node.toolCalls).toEqual([{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }]);
    await manager.addMessage({ role: 'tool', content: '{"sky":"clear"}', toolCallId: 'call_1', name: 'weather' });
    const answer = await manager.complete({ tools });
    expect(answer.content).toBe('It is sunny.');
    const sent = llm.lastCall!.messages;
    expect(sent[1]).toMatchObject({ role: 'assistant', toolCalls: [{ id: 'call_1', name: 'weather' }] });
    expect(sent[2]).toMatchObject({ role: 'tool', toolCallId: 'call_1', content: '{"sky":"clear"}' });
    expect(llm.lastCall!.options.tools).toEqual(tools);
  });

  it('refuses to complete an empty conversation', async () => {
    const { create } = setup();
    const manager = await create();
    await expect(manager.complete()).rejects.toSatisfy((error: unknown) => ConversationStateError.isInstance(error));
  });

  it('resumes at the stored cursor with the stored metadata and continues the path', async () => {
    const { create, llm, storage } = setup();
    const manager = await create({ metadata: { userId: 'u1' }, systemPromptName: 'assistant' });
    await manager.addMessage({ role: 'user', content: 'one' });
    await manager.complete();
    await manager.switchToNode('0');
    const resumed = await ConversationManager.resume({
      conversationId: manager.conversationId,
      llm,
      storage,
      promptBuilder: builder,
    });
    expect(resumed.state.currentNodeId).toBe('0');
    expect(resumed.state.metadata).toEqual({ userId: 'u1' });
    expect(resumed.state.getCurrentMessages().map((message) => message.content)).toEqual([
      'You are a helpful assistant.',
      'one',
    ]);
    expect((await resumed.complete()).node.id).toBe('0.1');
    await expect(ConversationManager.resume({ conversationId: 'missing', llm, storage })).rejects.toSatisfy(
      (error: unknown) => ConversationNotFoundError.isInstance(error),
    );
  });

  it('detects a concurrent writer and recovers with refresh()', async () => {
    const { create, llm, storage } = setup();
    const first = await create();
    await first.addMessage({ role: 'user', content: 'hi' });
    await first.complete();
    const second = await ConversationManager.resume({ conversationId: first.conversationId, llm, storage });
    await second.addMessage({ role: 'user', content: 'from the second writer' });
    await second.complete();
    await expect(first.addMessage({ role: 'user', content: 'stale' })).rejects.toSatisfy((error: unknown) =>
      ConversationConflictError.isInstance(error),
    );
    await first.refresh();
    expect(first.state.currentNodeId).toBe('0.0.0');
    expect((await first.addMessage({ role: 'user', content: 'next' })).id).toBe('0.0.0.0');
  });

  it("keeps a final answer whose cursor move conflicts under its question, off the path, and follows the store's cursor", async () => {
    const { create, llm, storage } = setup();
    const first = await create();
    await first.addMessage({ role: 'user', content: 'hi' });
    const second = await ConversationManager.resume({ conversationId: first.conversationId, llm, storage });
    await second.complete();
    const result = await first.complete();
    expect(result.node).toMatchObject({ id: '1', parentId: '', metadata: { offPath: true } });
    expect(first.state.currentNodeId).toBe('0');
  });

  it('writes only the new node per turn and never re-reads the tree', async () => {
    const { store, counts } = countingStore();
    const llm = new EchoProvider();
    const manager = await ConversationManager.create({ llm, storage: store });
    await manager.addMessage({ role: 'user', content: 'warm up' });
    await manager.complete();
    counts.clear();
    for (let turn = 0; turn < 5; turn += 1) {
      await manager.addMessage({ role: 'user', content: `turn ${turn}` });
      await manager.complete();
    }
    expect(Object.fromEntries(counts)).toEqual({ appendNode: 10 });
    counts.clear();
    await manager.addMessage({ role: 'user', content: 'streamed' });
    for await (const _ of manager.stream()) void _;
    await manager.regenerate();
    expect(Object.fromEntries(counts)).toEqual({ appendNode: 3 });
  });

  it('updates conversation metadata with a version check', async () => {
    const { create, storage } = setup();
    const manager = await create({ metadata: { userId: 'u1' } });
    await manager.updateMetadata({ language: 'python' });
    expect(manager.state.metadata).toEqual({ userId: 'u1', language: 'python' });
    expect((await storage.get({ conversationId: manager.conversationId }))!.metadata).toEqual({
      userId: 'u1',
      language: 'python',
    });
  });

  it('returns frozen snapshots from state', async () => {
    const { create } = setup();
    const manager = await create();
    await manager.addMessage({ role: 'user', content: 'hi' });
    const messages = manager.state.getCurrentMessages();
    expect(Object.isFrozen(messages)).toBe(true);
    expect(() => {
      (messages[0] as { content: string }).content = 'changed';
    }).toThrow(TypeError);
    expect(manager.state.getCurrentMessages()[0]!.content).toBe('hi');
  });
});
