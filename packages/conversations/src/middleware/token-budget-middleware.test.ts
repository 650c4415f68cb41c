import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../conversation-logger.js';
import { ConversationManager } from '../conversation-manager.js';
import { TokenBudgetExceededError } from '../token-budget-exceeded-error.js';
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
});
