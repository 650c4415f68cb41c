import { InvalidOptionsError } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import { LlmSummarizer } from './llm-summarizer.js';
import { CachingConversationStore } from './shared-state/caching-conversation-store.js';
import { MemoryKeyValueCache } from './shared-state/memory-key-value-cache.js';
import { MemoryRateLimiter } from './shared-state/memory-rate-limiter.js';
import { MemoryTokenBudget } from './shared-state/memory-token-budget.js';
import { ContentFilterMiddleware } from './middleware/content-filter-middleware.js';
import { HistoryRedactionMiddleware } from './middleware/history-redaction-middleware.js';
import { LoggingMiddleware } from './middleware/logging-middleware.js';
import { MetadataMiddleware } from './middleware/metadata-middleware.js';
import { PerformanceMiddleware } from './middleware/performance-middleware.js';
import { RateLimitMiddleware } from './middleware/rate-limit-middleware.js';
import { TokenBudgetMiddleware } from './middleware/token-budget-middleware.js';
import { ValidationMiddleware } from './middleware/validation-middleware.js';

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

/** The InvalidOptionsError `run` throws (a raw TypeError, or no error, fails the test). */
function optionsFailure(run: () => unknown): InvalidOptionsError {
  try {
    run();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InvalidOptionsError');
}

async function optionsFailureAsync(run: () => Promise<unknown>): Promise<InvalidOptionsError> {
  try {
    await run();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InvalidOptionsError');
}

describe('option values (issue 13: wrong types and missing options objects)', () => {
  const judge = new EchoProvider();

  it.each<[string, () => unknown, RegExp]>([
    [
      'ContentFilterMiddleware words as a string',
      () => new ContentFilterMiddleware({ words: 'darn' } as never),
      /`words` must be an array of strings, got a string/,
    ],
    [
      'ContentFilterMiddleware without options',
      () => new (ContentFilterMiddleware as new () => unknown)(),
      /ContentFilterMiddleware needs an options object.*words/,
    ],
    [
      'ContentFilterMiddleware patterns as a RegExp',
      () => new ContentFilterMiddleware({ patterns: /darn/ } as never),
      /`patterns` must be an array of regular expressions/,
    ],
    [
      'ContentFilterMiddleware replacement as a number',
      () => new ContentFilterMiddleware({ words: ['x'], replacement: 0 } as never),
      /`replacement` must be a string, got 0/,
    ],
    [
      'ValidationMiddleware without options',
      () => new (ValidationMiddleware as new () => unknown)(),
      /ValidationMiddleware needs an options object.*llm/,
    ],
    [
      'ValidationMiddleware onInvalid not a choice',
      () => new ValidationMiddleware({ llm: judge, onInvalid: 'warn' } as never),
      /`onInvalid` must be one of 'throw', 'annotate'/,
    ],
    [
      'ValidationMiddleware autoRetry as a string',
      () => new ValidationMiddleware({ llm: judge, autoRetry: 'yes' } as never),
      /`autoRetry` must be `true` or `false`, got a string/,
    ],
    [
      'RateLimitMiddleware without options',
      () => new (RateLimitMiddleware as new () => unknown)(),
      /RateLimitMiddleware needs an options object.*maxRequests/,
    ],
    [
      'RateLimitMiddleware windowMs as a string',
      () => new RateLimitMiddleware({ maxRequests: 5, windowMs: '1000' } as never),
      /`windowMs` must be a number, got a string/,
    ],
    [
      'RateLimitMiddleware keyFn as a string',
      () => new RateLimitMiddleware({ maxRequests: 5, keyFn: 'userId' } as never),
      /`keyFn` must be a function, got a string/,
    ],
    [
      'MetadataMiddleware responseMetadataFn as a number',
      () => new MetadataMiddleware({ responseMetadataFn: 3 } as never),
      /`responseMetadataFn` must be a function, got 3/,
    ],
    [
      'MetadataMiddleware requestMetadata as a string',
      () => new MetadataMiddleware({ requestMetadata: 'user=1' } as never),
      /`requestMetadata` must be an object, got a string/,
    ],
    [
      'TokenBudgetMiddleware without options',
      () => new (TokenBudgetMiddleware as new () => unknown)(),
      /TokenBudgetMiddleware needs an options object.*maxTokens/,
    ],
    [
      'TokenBudgetMiddleware unknownCallTokens as a string',
      () => new TokenBudgetMiddleware({ maxTokens: 10, unknownCallTokens: '5' } as never),
      /`unknownCallTokens` must be a number, got a string/,
    ],
    [
      'TokenBudgetMiddleware logger without warn',
      () => new TokenBudgetMiddleware({ maxTokens: 10, logger: {} } as never),
      /`logger` must be a logger \(an object with `warn`\)/,
    ],
    [
      'HistoryRedactionMiddleware without options',
      () => new (HistoryRedactionMiddleware as new () => unknown)(),
      /HistoryRedactionMiddleware needs an options object.*redactions/,
    ],
    [
      'HistoryRedactionMiddleware a rule that is not an object',
      () => new HistoryRedactionMiddleware({ redactions: [null] } as never),
      /`redactions\[0\]` must be .*pattern/,
    ],
    [
      'HistoryRedactionMiddleware a pattern that is a number',
      () => new HistoryRedactionMiddleware({ redactions: [{ pattern: 42 }] } as never),
      /`redactions\[0\]\.pattern` must be a regular expression or its source text, got 42/,
    ],
    [
      'PerformanceMiddleware slowThresholdMs as a string',
      () => new PerformanceMiddleware({ slowThresholdMs: '100' } as never),
      /`slowThresholdMs` must be a number, got a string/,
    ],
    [
      'PerformanceMiddleware now as a number',
      () => new PerformanceMiddleware({ now: 5 } as never),
      /`now` must be a function, got 5/,
    ],
    [
      'LoggingMiddleware previewLength as a string',
      () => new LoggingMiddleware({ previewLength: '20' } as never),
      /`previewLength` must be a number, got a string/,
    ],
    [
      'LoggingMiddleware redactPatterns as a RegExp',
      () => new LoggingMiddleware({ redactPatterns: /secret/ } as never),
      /`redactPatterns` must be an array of regular expressions/,
    ],
  ])('refuses %s with InvalidOptionsError', (_name, run, message) => {
    const error = optionsFailure(run);
    expect(error.message).toMatch(message);
    expect(error.code).toBe('INVALID_OPTIONS');
  });

  it('keeps the no-argument defaults of MetadataMiddleware, PerformanceMiddleware and LoggingMiddleware', () => {
    expect(new MetadataMiddleware().name).toBe('MetadataMiddleware');
    expect(new PerformanceMiddleware().getStats().calls).toBe(0);
    expect(new LoggingMiddleware().name).toBe('LoggingMiddleware');
  });

  it('refuses middleware that is not a list, and list entries that are not middleware', async () => {
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const notAList = await optionsFailureAsync(() =>
      ConversationManager.create({ llm, storage, middleware: {} } as never),
    );
    expect(notAList.message).toMatch(/`middleware` must be an array of middleware objects.*got an object/);
    const badEntry = await optionsFailureAsync(() =>
      ConversationManager.create({ llm, storage, middleware: [null] } as never),
    );
    expect(badEntry.message).toMatch(/`middleware\[0\]` must be a middleware object/);
    const manager = await ConversationManager.create({ llm, storage });
    await manager.addMessage({ role: 'user', content: 'hi' });
    const perCall = await optionsFailureAsync(() =>
      manager.complete({ middleware: new MetadataMiddleware() } as never),
    );
    expect(perCall.message).toMatch(/complete: `middleware` must be an array/);
    expect(() => manager.use(undefined as never)).toThrow(/use: `middleware\[0\]` must be a middleware object/);
  });

  it('refuses a missing options object and wrongly typed manager settings', async () => {
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const missing = await optionsFailureAsync(() =>
      (ConversationManager.create as (options?: unknown) => Promise<unknown>)(),
    );
    expect(missing.message).toMatch(/ConversationManager.create needs an options object.*llm.*storage/);
    const now = await optionsFailureAsync(() => ConversationManager.create({ llm, storage, now: 5 } as never));
    expect(now.message).toMatch(/`now` must be a function, got 5/);
    const maxSteps = await optionsFailureAsync(() =>
      ConversationManager.create({ llm, storage, maxSteps: '3' } as never),
    );
    expect(maxSteps.message).toMatch(/`maxSteps` must be a number, got a string/);
    const metadata = await optionsFailureAsync(() =>
      ConversationManager.create({ llm, storage, metadata: 'user-1' } as never),
    );
    expect(metadata.message).toMatch(/`metadata` must be an object, got a string/);
  });
});

describe('option values of the other public constructors', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'LlmSummarizer without options',
      () => new (LlmSummarizer as new () => unknown)(),
      /LlmSummarizer needs an options object.*llm/,
    ],
    [
      'LlmSummarizer with a misspelt option',
      () => new LlmSummarizer({ llm: new EchoProvider(), promt: 'Summarise {{messages}}' } as never),
      /did you mean `prompt`/,
    ],
    [
      'LlmSummarizer with llm that is not a provider',
      () => new LlmSummarizer({ llm: 'gpt-4o' } as never),
      /`llm` must be an LLMProvider.*got a string/,
    ],
    [
      'CachingConversationStore without options',
      () => new (CachingConversationStore as new () => unknown)(),
      /CachingConversationStore needs an options object.*store/,
    ],
    [
      'CachingConversationStore onError as a string',
      () => new CachingConversationStore({ store: new MemoryConversationStore(), onError: 'log' } as never),
      /`onError` must be a function, got a string/,
    ],
    ['MemoryRateLimiter now as a number', () => new MemoryRateLimiter({ now: 5 } as never), /`now` must be a function/],
    ['MemoryTokenBudget now as a number', () => new MemoryTokenBudget({ now: 5 } as never), /`now` must be a function/],
    [
      'MemoryKeyValueCache now as a number',
      () => new MemoryKeyValueCache({ now: 5 } as never),
      /`now` must be a function/,
    ],
  ])('refuses %s with InvalidOptionsError', (_name, run, message) => {
    expect(optionsFailure(run).message).toMatch(message);
  });
});
