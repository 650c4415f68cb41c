import { EchoProvider } from '@dk/providers-echo';
import { OpenAIProvider } from '@dk/providers-openai';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { checkHealth } from './check-health.js';

describe('checkHealth', () => {
  it('reports ok with timings when the store answers and a provider is configured', async () => {
    const report = await checkHealth({ storage: new MemoryConversationStore(), llm: new EchoProvider() });
    expect(report.status).toBe('ok');
    expect(report.checks.storage).toMatchObject({ status: 'ok', name: 'memory' });
    expect(report.checks.llm).toMatchObject({ status: 'ok', name: 'echo' });
    expect(report.checks.storage.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('probes the model with a real call when asked, and degrades when it fails', async () => {
    const llm = new EchoProvider({ responses: [{ error: { kind: 'auth', message: 'bad credentials' } }] });
    const report = await checkHealth({ storage: new MemoryConversationStore(), llm, llmProbe: 'complete' });
    expect(report.status).toBe('degraded');
    expect(report.checks.llm.error).toMatch(/AuthenticationError/);
    expect(llm.callCount).toBe(1);
  });

  it('is down when the store does not answer within timeoutMs', async () => {
    class StalledStore extends MemoryConversationStore {
      override ping(): Promise<void> {
        return new Promise(() => {});
      }
    }
    const report = await checkHealth({ storage: new StalledStore(), llm: new EchoProvider(), timeoutMs: 20 });
    expect(report.status).toBe('down');
    expect(report.checks.storage.error).toMatch(/within 20 ms/);
    expect(report.checks.storage.latencyMs).toBeGreaterThanOrEqual(15);
  });

  it('is down when the store is closed', async () => {
    const storage = new MemoryConversationStore();
    await storage.close();
    const report = await checkHealth({ storage });
    expect(report).toMatchObject({
      status: 'down',
      checks: { storage: { status: 'down' }, llm: { status: 'skipped' } },
    });
  });

  it('reports an OpenAI provider without an API key as down (the guide health check), without a model call', async () => {
    const llm = new OpenAIProvider({ env: {} });
    const report = await checkHealth({ storage: new MemoryConversationStore(), llm });
    expect(report.status).toBe('degraded');
    expect(report.checks.llm).toMatchObject({ status: 'down', name: 'openai' });
    expect(report.checks.llm.error).toMatch(/AuthenticationError/);
  });
});
