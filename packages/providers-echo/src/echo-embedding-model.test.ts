import { describe, expect, it } from 'vitest';
import { EchoEmbeddingModel } from './echo-embedding-model.js';
import { EchoProvider } from './echo-provider.js';

function cosine(left: readonly number[], right: readonly number[]): number {
  return left.reduce((sum, value, index) => sum + value * right[index]!, 0);
}

describe('EchoEmbeddingModel', () => {
  it('implements the EmbeddingModel contract with deterministic unit vectors', async () => {
    const model = new EchoEmbeddingModel({ dimensions: 64 });
    expect(model.specificationVersion).toBe('v1');
    expect(model.modelId).toBe('echo:hash-64');
    const [a, b, c] = await model.embed(['python asyncio loops', 'asyncio in python', 'bread flour water']);
    expect(a).toHaveLength(64);
    expect(cosine(a!, a!)).toBeCloseTo(1, 6);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
    expect(await model.embed(['python asyncio loops'])).toEqual([a]);
    expect(await model.embed([])).toEqual([]);
  });

  it('uses a given provider, whose call log records the texts, and honours abort', async () => {
    const provider = new EchoProvider({ embeddingDimensions: 8 });
    const model = new EchoEmbeddingModel({ provider });
    expect(model.modelId).toBe('echo:hash');
    expect((await model.embed(['x']))[0]).toHaveLength(8);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(model.embed(['y'], { signal: controller.signal })).rejects.toThrow();
    expect(() => new EchoEmbeddingModel({ provider, dimensions: 3 })).toThrow(/either `provider` or `dimensions`/);
    expect(() => new EchoEmbeddingModel({ dimension: 3 } as never)).toThrow(/did you mean `dimensions`/);
    expect(() => new EchoEmbeddingModel({ dimensions: -1 })).toThrow(/`dimensions` must be a positive integer/);
  });
});
