import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../conversation-logger.js';
import { ConversationManager } from '../conversation-manager.js';
import { PerformanceMiddleware } from './performance-middleware.js';

describe('PerformanceMiddleware', () => {
  it('records durations, warns about slow calls and keeps statistics', async () => {
    const warnings: string[] = [];
    const logger: ConversationLogger = { info() {}, warn: (message) => void warnings.push(message), error() {} };
    let clock = 0;
    const durations = [100, 7000];
    const llm = new EchoProvider({
      responseFunction: () => {
        clock += durations.shift() ?? 0;
        return undefined;
      },
    });
    const performanceMiddleware = new PerformanceMiddleware({ slowThresholdMs: 5000, logger, now: () => clock });
    const manager = await ConversationManager.create({
      llm,
      storage: new MemoryConversationStore(),
      middleware: [performanceMiddleware],
    });
    await manager.addMessage({ role: 'user', content: 'q' });
    const fast = await manager.complete();
    const slow = await manager.regenerate();
    expect(fast.node.metadata['llmDurationMs']).toBe(100);
    expect(slow.node.metadata['llmDurationMs']).toBe(7000);
    expect(warnings).toEqual(['Slow LLM response: 7000 ms']);
    expect(performanceMiddleware.getStats()).toMatchObject({
      calls: 2,
      errors: 0,
      slowCalls: 1,
      minMs: 100,
      maxMs: 7000,
      averageMs: 3550,
      p50Ms: 100,
      p95Ms: 7000,
    });
    llm.addResponse({ error: { kind: 'auth' } });
    llm.setResponseFunction(undefined);
    await expect(manager.regenerate()).rejects.toThrow();
    expect(performanceMiddleware.getStats().errors).toBe(1);
  });
});
