import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from './create-provider.js';

describe('createProvider: an OpenAI-compatible server by configuration', () => {
  const seen: { authorization: string | undefined; model: unknown }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const parsed = JSON.parse(body) as { model: unknown };
      seen.push({ authorization: request.headers.authorization, model: parsed.model });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: parsed.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'local answer' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        }),
      );
    });
  });
  let baseURL: string;
  beforeAll(async () => {
    await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolvePromise) => server.close(() => resolvePromise())));

  it('reads the key from the configured variable when each request is made', async () => {
    const env: Record<string, string | undefined> = { MY_LLM_KEY: 'sk-first-0123456789abcdef' };
    const llm = await createProvider({ type: 'openai', model: 'local-model', baseURL, apiKeyEnv: 'MY_LLM_KEY' }, env);
    expect((await llm.complete('hi')).content).toBe('local answer');
    env['MY_LLM_KEY'] = 'sk-rotated-0123456789abcdef';
    await llm.complete('again');
    expect(seen).toEqual([
      { authorization: 'Bearer sk-first-0123456789abcdef', model: 'local-model' },
      { authorization: 'Bearer sk-rotated-0123456789abcdef', model: 'local-model' },
    ]);
    await llm.close();
  });

  it('builds the echo provider by default settings and Anthropic by name, without a key until a call', async () => {
    const echo = await createProvider({ type: 'echo' }, {});
    expect([echo.provider, (await echo.complete('ping')).content]).toEqual(['echo', 'Echo: ping']);
    const anthropic = await createProvider({ type: 'anthropic', model: 'claude-test' }, {});
    expect([anthropic.provider, anthropic.modelId]).toEqual(['anthropic', 'claude-test']);
  });
});
