import { ProviderError } from '@dk/spec';
import type { LLMInput, LLMMessage, LLMProvider, LLMResponse, StreamPart } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import type { ConversationMiddleware } from './conversation-middleware.js';
import { ConversationStateError } from './conversation-state-error.js';
import { ValidationMiddleware } from './middleware/validation-middleware.js';
import { RateLimitMiddleware } from './middleware/rate-limit-middleware.js';
import { TokenBudgetMiddleware } from './middleware/token-budget-middleware.js';
import { RateLimitExceededError } from './rate-limit-exceeded-error.js';
import { TokenBudgetExceededError } from './token-budget-exceeded-error.js';

function roles(messages: readonly LLMMessage[]): string {
  return messages.map((message) => message.role).join(',');
}

/** Every message list the provider received, as role strings. */
function sentRoles(llm: EchoProvider): string[] {
  return llm.calls.map((call) => roles(call.messages));
}

async function startConversation(llm: LLMProvider, middleware: ConversationMiddleware[] = []) {
  const storage = new MemoryConversationStore();
  const manager = await ConversationManager.create({ llm, storage, middleware });
  await manager.addMessage({ role: 'system', content: 'You help.' });
  return { manager, storage };
}

describe('turn integrity', () => {
  it('a failed turn then a new message: the model never receives user,user', async () => {
    const llm = new EchoProvider({
      responses: [{ error: { kind: 'server' } }, 'second answer'],
      retry: { maxRetries: 0 },
    });
    const { manager, storage } = await startConversation(llm);
    await manager.addMessage({ role: 'user', content: 'first' });
    await expect(manager.complete()).rejects.toSatisfy((error: unknown) => ProviderError.isInstance(error));
    expect(manager.state.currentNodeId).toBe('0');
    // The user sends something else: it replaces the unanswered message on the path.
    const second = await manager.addMessage({ role: 'user', content: 'second' });
    expect(second.id).toBe('1');
    const answer = await manager.complete();
    expect(answer.content).toBe('second answer');
    expect(sentRoles(llm).at(-1)).toBe('system,user');
    expect(llm.lastCall!.messages.map((message) => message.content)).toEqual(['You help.', 'second']);
    // The unanswered message stays in the tree as an abandoned branch.
    const tree = (await storage.load({ conversationId: manager.conversationId }))!;
    expect(tree.nodes.map((node) => [node.id, node.role, node.content])).toEqual([
      ['', 'system', 'You help.'],
      ['0', 'user', 'first'],
      ['1', 'user', 'second'],
      ['1.0', 'assistant', 'second answer'],
    ]);
  });

  it('retrying a failed turn with complete() reuses the unanswered message', async () => {
    const llm = new EchoProvider({ responses: [{ error: { kind: 'server' } }, 'it worked'], retry: { maxRetries: 0 } });
    const { manager, storage } = await startConversation(llm);
    await manager.addMessage({ role: 'user', content: 'question' });
    await expect(manager.complete()).rejects.toThrow();
    const retry = await manager.complete();
    expect(retry.node.id).toBe('0.0');
    expect(sentRoles(llm)).toEqual(['system,user', 'system,user']);
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(3);
  });

  it('turns refused by middleware (rate limit, token budget) leave nothing behind a resend trips over', async () => {
    const llm = new EchoProvider({ echoPrefix: '' });
    const limiter = new RateLimitMiddleware({ maxRequests: 1, windowMs: 60_000 });
    const { manager } = await startConversation(llm, [limiter]);
    await manager.addMessage({ role: 'user', content: 'one' });
    await manager.complete();
    for (const text of ['two', 'three', 'four']) {
      await manager.addMessage({ role: 'user', content: text });
      await expect(manager.complete()).rejects.toSatisfy((error: unknown) => RateLimitExceededError.isInstance(error));
    }
    await limiter.reset();
    await manager.addMessage({ role: 'user', content: 'five' });
    await manager.complete();
    expect(sentRoles(llm)).toEqual(['system,user', 'system,user,assistant,user']);
    expect(llm.lastCall!.messages.map((message) => message.content)).toEqual(['You help.', 'one', 'one', 'five']);

    const budgetLlm = new EchoProvider({ echoPrefix: '', mockUsage: true });
    const budget = new TokenBudgetMiddleware({ maxTokens: 1, onExceeded: 'refuse' });
    const second = await startConversation(budgetLlm, [budget]);
    await second.manager.addMessage({ role: 'user', content: 'spend' });
    await second.manager.complete();
    await second.manager.addMessage({ role: 'user', content: 'refused' });
    await expect(second.manager.complete()).rejects.toSatisfy((error: unknown) =>
      TokenBudgetExceededError.isInstance(error),
    );
    await budget.reset();
    await second.manager.addMessage({ role: 'user', content: 'after reset' });
    await second.manager.complete();
    expect(sentRoles(budgetLlm).at(-1)).toBe('system,user,assistant,user');
  });

  it('an abort before any output stores nothing; the resend follows the last answer', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'slow', delayMs: 5000 }, 'fast'] });
    const { manager, storage } = await startConversation(llm);
    await manager.addMessage({ role: 'user', content: 'slow please' });
    const controller = new AbortController();
    const pending = manager.complete({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(2);
    await manager.addMessage({ role: 'user', content: 'never mind' });
    await manager.complete();
    expect(sentRoles(llm).at(-1)).toBe('system,user');
  });

  it('without a system prompt, an unanswered first message cannot be followed: a typed error says what to do', async () => {
    const llm = new EchoProvider({ responses: [{ error: { kind: 'server' } }, 'ok'], retry: { maxRetries: 0 } });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'hello' });
    await expect(manager.complete()).rejects.toThrow();
    await expect(manager.addMessage({ role: 'user', content: 'hello?' })).rejects.toSatisfy(
      (error: unknown) =>
        ConversationStateError.isInstance(error) && /Retry it with `complete\(\)`/.test(String(error)),
    );
    expect((await manager.complete()).content).toBe('ok');
  });

  it('complete() on an answer gives an alternative answer, never an answer under an answer', async () => {
    const llm = new EchoProvider({ responses: ['first', 'second'] });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'q' });
    await manager.complete();
    await manager.switchToNode('0');
    const alternative = await manager.complete();
    expect(alternative.node.id).toBe('1');
    expect(alternative.node.parentId).toBe('');
    expect(sentRoles(llm)).toEqual(['user', 'user']);
  });

  it("counts the judge's tokens in the node record, getTotals() and token budgets", async () => {
    const llm = new EchoProvider({
      responses: [{ content: 'answer', usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 } }],
    });
    const judge = new EchoProvider({
      responses: [
        {
          content: '{"verdict": "valid", "reason": "fine"}',
          usage: { promptTokens: 90, completionTokens: 12, totalTokens: 102 },
        },
      ],
    });
    const budget = new TokenBudgetMiddleware({ maxTokens: 1000 });
    const { manager } = await startConversation(llm, [new ValidationMiddleware({ llm: judge }), budget]);
    await manager.addMessage({ role: 'user', content: 'q' });
    const result = await manager.complete();
    expect(result.node.metadata['modelCalls']).toEqual([
      {
        purpose: 'judge',
        provider: 'echo',
        model: 'echo-model',
        usage: { promptTokens: 90, completionTokens: 12, totalTokens: 102 },
        costUsd: null,
        latencyMs: expect.any(Number),
      },
    ]);
    expect(result.node.metadata['turnTotals']).toMatchObject({ calls: 2, usage: { totalTokens: 116 } });
    const totals = await manager.getTotals();
    expect([totals.calls, totals.usage.totalTokens]).toEqual([2, 116]);
    expect(await budget.getUsed(manager.conversationId)).toBe(116);
  });

  it("counts an automatic summary in the turn's token budget and lists it on the answer, once in getTotals()", async () => {
    const usage = (totalTokens: number) => ({ promptTokens: totalTokens - 2, completionTokens: 2, totalTokens });
    const llm = new EchoProvider({
      responses: [
        { content: 'a1', usage: usage(5) },
        { content: 'a2', usage: usage(5) },
        { content: 'the summary', usage: usage(500) },
        { content: 'a3', usage: usage(5) },
        { content: 'never sent', usage: usage(5) },
      ],
    });
    const budget = new TokenBudgetMiddleware({ maxTokens: 400, onExceeded: 'refuse' });
    const storage = new MemoryConversationStore();
    const manager = await ConversationManager.create({
      llm,
      storage,
      middleware: [budget],
      contextLimit: { maxMessages: 3, keepRecentMessages: 1 },
    });
    await manager.addMessage({ role: 'system', content: 'You help.' });
    for (const question of ['q1', 'q2']) {
      await manager.addMessage({ role: 'user', content: question });
      await manager.complete();
    }
    await manager.addMessage({ role: 'user', content: 'q3' });
    const third = await manager.complete();
    const summaryNode = manager.state.getCurrentNodes().find((node) => node.metadata['summary'] === true)!;
    expect(summaryNode.metadata['usage']).toEqual(usage(500));
    expect(third.node.metadata['modelCalls']).toEqual([
      expect.objectContaining({ purpose: 'summary', nodeId: summaryNode.id, usage: usage(500) }),
    ]);
    expect(third.node.metadata['turnTotals']).toMatchObject({ calls: 2, usage: { totalTokens: 505 } });
    expect(await budget.getUsed(manager.conversationId)).toBe(515);
    const totals = await manager.getTotals();
    expect([totals.calls, totals.usage.totalTokens]).toEqual([4, 515]);
    // The summary spent the budget: the next turn is refused.
    await manager.addMessage({ role: 'user', content: 'q4' });
    await expect(manager.complete()).rejects.toSatisfy((error: unknown) => TokenBudgetExceededError.isInstance(error));
  });

  it.each(['complete', 'stream'] as const)(
    'another writer moving the cursor during a turn (%s) keeps the answer under its question, off the path',
    async (mode) => {
      const storage = new MemoryConversationStore();
      const slow = new EchoProvider({ responses: [{ content: 'answer to A', delayMs: 80 }] });
      const a = await ConversationManager.create({ llm: slow, storage });
      await a.addMessage({ role: 'system', content: 'You help.' });
      await a.addMessage({ role: 'user', content: 'question A' });
      const turn =
        mode === 'complete'
          ? a.complete()
          : (async () => {
              for await (const part of a.stream()) if (part.type === 'end') return part.result;
              throw new Error('no end part');
            })();
      // A second server writes the same conversation while A's model is answering.
      const b = await ConversationManager.resume({
        llm: new EchoProvider(),
        storage,
        conversationId: a.conversationId,
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const bQuestion = await b.addMessage({ role: 'user', content: 'question B' });
      const result = await turn;
      expect(result.status).toBe('complete');
      expect(result.node).toMatchObject({ parentId: '0', content: 'answer to A', metadata: { offPath: true } });
      // A follows the stored cursor (B's question); nothing is lost and no user,user path exists.
      expect(a.state.currentNodeId).toBe(bQuestion.id);
      const nodes = await storage.getPath({ conversationId: a.conversationId, nodeId: result.node.id });
      expect(nodes.map((node) => node.role)).toEqual(['system', 'user', 'assistant']);
    },
  );

  it('records a stream without reported usage as unknown and unpriced, never as 0', async () => {
    const silent = new SilentUsageProvider();
    const { manager } = await startConversation(silent);
    await manager.addMessage({ role: 'user', content: 'q' });
    for await (const part of manager.stream()) void part;
    const node = manager.state.getCurrentNodes().at(-1)!;
    expect(node.metadata).toMatchObject({ usage: null, usageUnknown: true, costUsd: null });
    const totals = await manager.getTotals();
    expect(totals).toMatchObject({ calls: 1, unknownUsageCalls: 1, unpricedCalls: 1, costUsd: 0 });
    expect(totals.usage.totalTokens).toBe(0);
  });

  it('close() waits for a turn in flight, then refuses new turns', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'done', delayMs: 50 }] });
    const { manager } = await startConversation(llm);
    await manager.addMessage({ role: 'user', content: 'q' });
    const turn = manager.complete();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(manager.turnsInFlight).toBe(1);
    await manager.close({ timeoutMs: 5000 });
    expect((await turn).content).toBe('done');
    await expect(manager.complete()).rejects.toSatisfy((error: unknown) => ConversationStateError.isInstance(error));
  });

  it('close() cuts off a stream that outlasts the timeout and keeps what it had as an interrupted answer', async () => {
    const llm = new EchoProvider({
      responses: [{ content: 'abcdef', chunks: ['ab', 'cd', 'ef'], chunkDelayMs: 2000 }],
    });
    const { manager, storage } = await startConversation(llm);
    await manager.addMessage({ role: 'user', content: 'q' });
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const part of manager.stream()) if (part.type === 'text-delta') seen.push(part.text);
    })();
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await manager.close({ timeoutMs: 50 });
    await expect(consumer).rejects.toThrow();
    const stored = await storage.getNode({ conversationId: manager.conversationId, nodeId: '0.0' });
    expect(stored?.content).toBe('ab');
    expect(stored?.metadata).toMatchObject({ interrupted: true, interruption: { reason: 'closed' } });
  });

  it('a burst of 200 sends against a rate limit: no model request ever has two user messages in a row', async () => {
    const llm = new EchoProvider({ echoPrefix: '' });
    const limiter = new RateLimitMiddleware({ maxRequests: 60, windowMs: 60_000 });
    const { manager } = await startConversation(llm, [limiter]);
    let refused = 0;
    for (let index = 0; index < 200; index += 1) {
      await manager.addMessage({ role: 'user', content: `message ${index}` });
      try {
        await manager.complete();
      } catch (error) {
        if (!RateLimitExceededError.isInstance(error)) throw error;
        refused += 1;
      }
    }
    expect([refused, llm.callCount]).toEqual([140, 60]);
    const userUser = llm.calls.filter((call) =>
      call.messages.some((message, index) => message.role === 'user' && call.messages[index - 1]?.role === 'user'),
    );
    expect(userUser).toHaveLength(0);
    // The path alternates: system, 60 answered pairs, and at most the last, refused message.
    expect(roles(manager.state.getCurrentMessages())).toMatch(/^system(,user,assistant){60}(,user)?$/);
  });
});

/** A provider that, like some OpenAI-compatible servers, never reports token usage. */
class SilentUsageProvider implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly provider = 'silent';
  readonly modelId = 'silent-model';

  async complete(_input: LLMInput): Promise<LLMResponse> {
    return this.#response('quiet');
  }

  async *stream(_input: LLMInput): AsyncGenerator<StreamPart> {
    yield { type: 'text-delta', text: 'quiet' };
    const response = this.#response('quiet');
    yield { type: 'end', finishReason: 'stop', usage: response.usage, response };
  }

  #response(content: string): LLMResponse {
    return {
      content,
      model: this.modelId,
      finishReason: 'stop',
      usage: undefined as never,
      warnings: [{ type: 'other', message: 'The server did not report token usage.' }],
      metadata: {},
    } as LLMResponse;
  }

  async close(): Promise<void> {}
}
