import { InvalidOptionsError } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import { ContentFilterMiddleware } from './middleware/content-filter-middleware.js';
import { RateLimitMiddleware } from './middleware/rate-limit-middleware.js';
import { TokenBudgetMiddleware } from './middleware/token-budget-middleware.js';

function suggestionOf(run: () => unknown): Readonly<Record<string, string>> | undefined {
  try {
    run();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error.suggestions;
    throw error;
  }
  return undefined;
}

async function suggestionOfAsync(run: () => Promise<unknown>): Promise<Readonly<Record<string, string>> | undefined> {
  try {
    await run();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error.suggestions;
    throw error;
  }
  return undefined;
}

describe('option checks (plain-JS callers porting the guide)', () => {
  it('names the camelCase option for snake_case middleware options instead of ignoring them', () => {
    expect(suggestionOf(() => new ContentFilterMiddleware({ filter_words: ['darn'] } as never))).toEqual({
      filter_words: 'words',
    });
    expect(suggestionOf(() => new RateLimitMiddleware({ max_requests: 10 } as never))).toEqual({
      max_requests: 'maxRequests',
    });
    expect(suggestionOf(() => new TokenBudgetMiddleware({ maxTokens: 10, on_exceeded: 'refuse' } as never))).toEqual({
      on_exceeded: 'onExceeded',
    });
  });

  it('checks the manager factory and per-call options', async () => {
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    expect(
      await suggestionOfAsync(() => ConversationManager.create({ llm, storage, prompt_builder: {} } as never)),
    ).toEqual({ prompt_builder: 'promptBuilder' });
    const manager = await ConversationManager.create({ llm, storage });
    await manager.addMessage({ role: 'user', content: 'hi' });
    expect(await suggestionOfAsync(() => manager.complete({ branch_name: 'x' } as never))).toEqual({
      branch_name: 'branchName',
    });
    expect(
      await suggestionOfAsync(() => manager.addMessage({ role: 'user', content: 'x', prompt_name: 'p' } as never)),
    ).toEqual({ prompt_name: 'promptName' });
  });
});
