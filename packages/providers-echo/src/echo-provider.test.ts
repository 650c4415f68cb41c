import { AbortError, InvalidOptionsError, InvalidRequestError, RateLimitError, StructuredOutputError } from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import { invalidOptionsFailure } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { createEchoProvider } from './create-echo-provider.js';
import { EchoProvider } from './echo-provider.js';
import { EchoScriptExhaustedError } from './echo-script-exhausted-error.js';

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('EchoProvider', () => {
  it('echoes the last user message with the prefix and mock usage', async () => {
    const llm = new EchoProvider({ echoPrefix: 'Echo: ' });
    const response = await llm.complete([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi there' },
    ]);
    expect(response.content).toBe('Echo: hi there');
    expect(response.usage).toEqual({ promptTokens: 3, completionTokens: 3, totalTokens: 6 });
    expect(response.model).toBe('echo-model');
    expect(response.finishReason).toBe('stop');
    expect(response.metadata).toMatchObject({ provider: 'echo', attempts: 1, scripted: 'echo' });
  });

  it('shows the configured system prompt with echoSystem', async () => {
    const llm = createEchoProvider({ systemPrompt: 'SP', echoSystem: true, echoPrefix: '>> ' });
    expect((await llm.complete('yo')).content).toBe('[System: SP]\n>> yo');
    expect((await new EchoProvider().complete([{ role: 'system', content: 's' }])).content).toBe(
      'Echo: (no user message)',
    );
  });

  it('serves the queue in order, then falls back to the echo', async () => {
    const llm = new EchoProvider({ responses: ['one', { content: 'two' }] });
    expect((await llm.complete('a')).content).toBe('one');
    expect((await llm.complete('b')).content).toBe('two');
    expect((await llm.complete('c')).content).toBe('Echo: c');
  });

  it('cycles the queue when asked', async () => {
    const llm = new EchoProvider().setResponses(['x', 'y'], { cycle: true });
    const contents = [];
    for (let index = 0; index < 5; index += 1) contents.push((await llm.complete('q')).content);
    expect(contents).toEqual(['x', 'y', 'x', 'y', 'x']);
  });

  it('prefers the response function, then patterns, then the queue', async () => {
    const llm = new EchoProvider({ responses: ['queued'] })
      .addPatternResponse('weather', 'It is sunny.')
      .addPatternResponse(/^exact$/, { content: 'exact hit' })
      .setResponseFunction((messages) => (messages.at(-1)?.content === 'fn' ? 'from function' : undefined));
    expect((await llm.complete('fn')).content).toBe('from function');
    expect((await llm.complete('What is the WEATHER like?')).content).toBe('It is sunny.');
    expect((await llm.complete('exact')).content).toBe('exact hit');
    expect((await llm.complete('other')).content).toBe('queued');
    expect(llm.calls.map((call) => call.response?.metadata['scripted'])).toEqual([
      'function',
      'pattern',
      'pattern',
      'queue',
    ]);
  });

  it('fails with EchoScriptExhaustedError in strict mode when the script runs out', async () => {
    const llm = new EchoProvider({ strict: true, responses: ['only'] });
    await llm.complete('1');
    const error = await llm.complete('2').catch((caught: unknown) => caught);
    expect(EchoScriptExhaustedError.isInstance(error)).toBe(true);
    expect((error as EchoScriptExhaustedError).callNumber).toBe(2);
    expect((error as EchoScriptExhaustedError).message).toContain('call 2');
    expect(llm.lastCall?.error).toBe(error);
  });

  it('returns scripted tool calls, and rejects them when no tools were offered', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ name: 'search', arguments: { q: 'x' } }] }, { toolCalls: [{ name: 'search' }] }],
    });
    const tools = [{ name: 'search', parameters: { type: 'object' } }];
    const response = await llm.complete('find x', { tools });
    expect(response.toolCalls).toEqual([{ id: 'call_1', name: 'search', arguments: { q: 'x' } }]);
    expect(response.finishReason).toBe('tool_calls');
    await expect(llm.complete('again')).rejects.toThrow(InvalidRequestError);
  });

  it('raises scripted errors through the retry path', async () => {
    const llm = new EchoProvider({
      retry: { maxRetries: 1, baseDelayMs: 1 },
      responses: [{ error: { kind: 'rate-limit', retryAfterMs: 1 } }, 'after retry'],
    });
    const response = await llm.complete('x');
    expect(response.content).toBe('after retry');
    expect(llm.lastCall?.attempts).toBe(2);
    llm.setResponses([
      { error: { kind: 'rate-limit', retryAfterMs: 1 } },
      { error: { kind: 'rate-limit', retryAfterMs: 1 } },
    ]);
    const error = await llm.complete('y').catch((caught: unknown) => caught);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).attempts).toBe(2);
  });

  it('throws a scripted ProviderError instance as is', async () => {
    const scripted = new InvalidRequestError({ provider: 'echo', message: 'scripted' });
    const llm = new EchoProvider({ responses: [{ error: scripted }] });
    await expect(llm.complete('x')).rejects.toBe(scripted);
  });

  it('streams one character per delta by default and assembles the same response', async () => {
    const llm = new EchoProvider();
    const parts = await collect(llm.stream('hey'));
    const texts = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
    expect(texts).toEqual(['E', 'c', 'h', 'o', ':', ' ', 'h', 'e', 'y']);
    const end = parts.at(-1);
    expect(end?.type === 'end' && end.response.content).toBe('Echo: hey');
    const chunked = await collect(new EchoProvider({ streamChunkSize: 4 }).stream('hey'));
    expect(chunked.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []))).toEqual(['Echo', ': he', 'y']);
  });

  it('honours an abortable delay', async () => {
    const llm = new EchoProvider({ delayMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(llm.complete('x', { signal: controller.signal })).rejects.toSatisfy((error) =>
      AbortError.isInstance(error),
    );
    const quick = new EchoProvider().setDelay(() => 1);
    expect((await quick.complete('x')).content).toBe('Echo: x');
  });

  it('validates JSON response formats', async () => {
    const llm = new EchoProvider({ responses: ['{"n":1}', '{"n":"one"}'] });
    const format = {
      responseFormat: { type: 'json-schema', schema: { type: 'object', properties: { n: { type: 'number' } } } },
    } as const;
    expect((await llm.complete('x', format)).parsed).toEqual({ n: 1 });
    await expect(llm.complete('x', format)).rejects.toSatisfy((error) => StructuredOutputError.isInstance(error));
  });

  it('records every call without the signal', async () => {
    const llm = new EchoProvider();
    const controller = new AbortController();
    await llm.complete('first', { temperature: 0.1, signal: controller.signal });
    await collect(llm.stream([{ role: 'user', content: 'second' }]));
    expect(llm.callCount).toBe(2);
    expect(llm.getCall(0)).toMatchObject({ method: 'complete', options: { temperature: 0.1 }, attempts: 1 });
    expect('signal' in llm.getCall(0).options).toBe(false);
    expect(llm.getCall(-1).method).toBe('stream');
    expect(llm.lastUserMessage).toBe('second');
    expect(() => llm.getCall(5)).toThrow(RangeError);
    llm.reset();
    expect(llm.callCount).toBe(0);
  });

  it('embeds deterministically into unit vectors where shared words mean similarity', async () => {
    const llm = new EchoProvider({ embeddingDimensions: 64 });
    const [cat, cat2, car, empty] = await llm.embed([
      'The cat sat',
      'the CAT sat',
      'quantum chromodynamics lecture',
      '',
    ]);
    const dot = (left: number[], right: number[]): number =>
      left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0);
    expect(cat).toHaveLength(64);
    expect(dot(cat!, cat!)).toBeCloseTo(1, 10);
    expect(dot(empty!, empty!)).toBeCloseTo(1, 10);
    expect(cat2).toEqual(cat);
    expect(dot(cat!, cat2!)).toBeGreaterThan(dot(cat!, car!));
    expect(await llm.embed(['The cat sat'])).toEqual([cat]);
    expect(llm.embedCalls).toHaveLength(2);
  });

  describe('option checks', () => {
    it('names the camelCase option for a snake_case one, in the constructor and the factory', () => {
      const error = invalidOptionsFailure(() => new EchoProvider({ echo_prefix: 'x' } as never));
      expect(error.component).toBe('EchoProvider');
      expect(error.suggestions).toEqual({ echo_prefix: 'echoPrefix' });
      expect(error.message).toContain('did you mean `echoPrefix`');
      expect(invalidOptionsFailure(() => createEchoProvider({ mock_usage: false } as never)).suggestions).toEqual({
        mock_usage: 'mockUsage',
      });
      expect(invalidOptionsFailure(() => new EchoProvider({ retry: { max_retries: 1 } } as never)).suggestions).toEqual(
        {
          max_retries: 'maxRetries',
        },
      );
    });

    it.each([
      [{ embeddingDimensions: 0 }, 'embeddingDimensions'],
      [{ streamChunkSize: 1.5 }, 'streamChunkSize'],
      [{ echoPrefix: 42 }, 'echoPrefix'],
      [{ model: '' }, 'model'],
      [{ responses: 'hi' }, 'responses'],
      [{ strict: 'yes' }, 'strict'],
      [{ delayMs: -1 }, 'delayMs'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ retry: { maxRetries: -1 } }, 'retry.maxRetries'],
      [{ responseFunction: 'f' }, 'responseFunction'],
    ])('refuses a wrong value type: %o', (settings, name) => {
      const error = invalidOptionsFailure(() => new EchoProvider(settings as never));
      expect(error.message).toContain(`\`${name}\``);
      expect(error.message).toMatch(/must be/);
    });

    it('refuses unknown per-call options with a did-you-mean', async () => {
      const llm = new EchoProvider();
      await expect(llm.complete('hi', { max_tokens: 5 } as never)).rejects.toThrow(/did you mean `maxTokens`/);
      await expect(collect(llm.stream('hi', { tool_choice: 'auto' } as never))).rejects.toThrow(
        /did you mean `toolChoice`/,
      );
      await expect(llm.embed(['x'], { time_out_ms: 5 } as never)).rejects.toThrow(InvalidOptionsError);
      expect(llm.callCount).toBe(0);
    });
  });

  it('counts closes and refuses calls once closed', async () => {
    const llm = new EchoProvider();
    await llm.ping();
    await llm.close();
    await llm.close();
    expect(llm.closeCount).toBe(2);
    await expect(llm.complete('x')).rejects.toThrow(InvalidRequestError);
    await expect(llm.embed(['x'])).rejects.toThrow(InvalidRequestError);
    await expect(llm.ping()).rejects.toThrow(InvalidRequestError);
  });
});
