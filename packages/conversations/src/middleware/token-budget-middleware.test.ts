import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../conversation-logger.js';
import { ConversationManager } from '../conversation-manager.js';
import { TokenBudgetExceededError } from '../token-budget-exceeded-error.js';
import { MemoryTokenBudget } from '../shared-state/memory-token-budget.js';
import { TokenBudgetMiddleware } from './token-budget-middleware.js';

function recorder(): ConversationLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (message) => void warnings.push(message), error() {} };
}

const usage = { promptTokens: 40, completionTokens: 20, totalTokens: 60 };

describe('TokenBudgetMiddleware', () => {
  it('warns when over budget and records cumulative usage on each node', async () => {
    const logger = recorder();
    const llm = new EchoProvider({
      responses: [
        { content: 'a', usage },
        { content: 'b', usage },
      ],
    });
    const budget = new TokenBudgetMiddleware({ maxTokens: 100, logger });
    const manager = await ConversationManager.create({
      llm,
      storage: new MemoryConversationStore(),
      middleware: [budget],
    });
    await manager.addMessage({ role: 'user', content: 'q' });
    const first = await manager.complete();
    expect(first.node.metadata['tokenBudget']).toEqual({ used: 60, max: 100, remaining: 40 });
    await manager.addMessage({ role: 'user', content: 'q2' });
    const second = await manager.complete();
    expect(second.node.metadata).toMatchObject({
      tokenBudget: { used: 120, max: 100, remaining: 0 },
      tokenBudgetExceeded: true,
    });
    expect(logger.warnings).toEqual(['Token budget exceeded: 120/100']);
    expect(await budget.getUsed(manager.conversationId)).toBe(120);
  });

  it('refuses further calls once the budget is spent', async () => {
    const llm = new EchoProvider({ responses: [{ content: 'a', usage }], cycleResponses: true });
    const budget = new TokenBudgetMiddleware({ maxTokens: 50, onExceeded: 'refuse', logger: recorder() });
    const manager = await ConversationManager.create({
      llm,
      storage: new MemoryConversationStore(),
      middleware: [budget],
    });
    await manager.addMessage({ role: 'user', content: 'q' });
    await manager.complete();
    const error = await manager.regenerate().catch((caught: unknown) => caught);
    expect(TokenBudgetExceededError.isInstance(error)).toBe(true);
    expect((error as TokenBudgetExceededError).fields).toEqual({
      key: manager.conversationId,
      usedTokens: 60,
      maxTokens: 50,
    });
    expect(llm.callCount).toBe(1);
    await budget.reset();
    await manager.regenerate();
  });

  it('counts into a shared budget per key with a window, across middleware instances', async () => {
    let now = 0;
    const budget = new MemoryTokenBudget({ now: () => now });
    const llm = new EchoProvider({ responses: [{ content: 'a', usage }], cycleResponses: true });
    const storage = new MemoryConversationStore();
    const perUser = (context: { metadata: Record<string, unknown> }) => String(context.metadata['userId']);
    const servers = [0, 1].map(
      () =>
        new TokenBudgetMiddleware({
          maxTokens: 100,
          keyFn: perUser,
          budget,
          windowMs: 60_000,
          onExceeded: 'refuse',
          logger: recorder(),
        }),
    );
    const turn = async (server: TokenBudgetMiddleware) => {
      const manager = await ConversationManager.create({
        llm,
        storage,
        middleware: [server],
        metadata: { userId: 'dave' },
      });
      await manager.addMessage({ role: 'user', content: 'q' });
      return manager.complete();
    };
    await turn(servers[0]!);
    const second = await turn(servers[1]!);
    expect(second.node.metadata['tokenBudget']).toEqual({ used: 120, max: 100, remaining: 0 });
    const error = await turn(servers[0]!).catch((caught: unknown) => caught);
    expect(TokenBudgetExceededError.isInstance(error)).toBe(true);
    expect(await servers[1]!.getUsed('dave')).toBe(120);
    now += 60_000; // the window ends: the user's budget starts again
    await turn(servers[0]!);
    expect(await servers[1]!.getUsed('dave')).toBe(60);
    expect(() => new TokenBudgetMiddleware({ maxTokens: 1, windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new TokenBudgetMiddleware({ maxTokens: 1, budget: {} as never })).toThrow(/TokenBudget/);
  });
});
