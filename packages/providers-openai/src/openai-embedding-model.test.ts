import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from './create-openai-provider.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';
import { openAIEmbeddingsReply, startOpenAITestServer } from './testing/openai-test-server.js';
import type { OpenAITestServer } from './testing/openai-test-server.js';

let server: OpenAITestServer;
beforeAll(async () => {
  server = await startOpenAITestServer();
});
afterEach(() => {
  server.reset();
});
afterAll(async () => {
  await server.close();
});

describe('OpenAIEmbeddingModel', () => {
  it('calls the embeddings endpoint with its model and returns vectors in order', async () => {
    server.script(openAIEmbeddingsReply(3));
    const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: server.baseURL });
    const model = new OpenAIEmbeddingModel({ provider, model: 'text-embedding-3-large', dimensions: 3 });
    expect(model.modelId).toBe('openai:text-embedding-3-large');
    expect(model.specificationVersion).toBe('v1');
    const vectors = await model.embed(['a', 'bbb']);
    expect(vectors).toEqual([
      [0.01, 0.02, 0.03],
      [0.03, 0.04, 0.05],
    ]);
    expect((server.requests[0]!.body as { model: string }).model).toBe('text-embedding-3-large');
  });

  it('defaults to text-embedding-3-small and rejects bad settings', () => {
    const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: server.baseURL });
    expect(new OpenAIEmbeddingModel({ provider }).modelId).toBe('openai:text-embedding-3-small');
    expect(() => new OpenAIEmbeddingModel({ provider, model: ' ' })).toThrow(/non-empty model name/);
    expect(() => new OpenAIEmbeddingModel({} as never)).toThrow(/needs `provider`/);
    expect(() => new OpenAIEmbeddingModel({ provider, dimension: 3 } as never)).toThrow(/did you mean `dimensions`/);
    expect(() => new OpenAIEmbeddingModel({ provider, dimensions: 0 })).toThrow(
      /`dimensions` must be a positive integer/,
    );
  });
});
