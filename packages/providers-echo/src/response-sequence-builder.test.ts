import { InvalidRequestError, RateLimitError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { EchoProvider } from './echo-provider.js';
import { EchoScriptExhaustedError } from './echo-script-exhausted-error.js';
import { ResponseSequenceBuilder } from './response-sequence-builder.js';

const tools = [
  { name: 'search', parameters: { type: 'object' } },
  { name: 'fetch', parameters: { type: 'object' } },
];

describe('ResponseSequenceBuilder', () => {
  it('scripts a tool-using conversation on an EchoProvider', async () => {
    const llm = new ResponseSequenceBuilder()
      .addToolCall(
        'search',
        { query: 'dk' },
        { id: 'tc-1', additionalTools: [{ name: 'fetch', arguments: { url: 'x' } }] },
      )
      .addMultiTool([{ name: 'fetch', arguments: { url: 'y' } }])
      .addError({ kind: 'rate-limit', retryAfterMs: 1 })
      .addExtraction({ name: 'Ada' })
      .addText('done', { finishReason: 'length' })
      .configure(new EchoProvider({ strict: true, retry: { baseDelayMs: 1 } }));

    const first = await llm.complete('go', { tools });
    expect(first.toolCalls).toEqual([
      { id: 'tc-1', name: 'search', arguments: { query: 'dk' } },
      { id: 'call_1', name: 'fetch', arguments: { url: 'x' } },
    ]);
    expect((await llm.complete('go', { tools })).toolCalls?.map((call) => call.name)).toEqual(['fetch']);
    const extracted = await llm.complete('extract', { responseFormat: { type: 'json' } });
    expect(extracted.parsed).toEqual({ name: 'Ada' });
    expect(extracted.metadata['attempts']).toBe(2);
    expect((await llm.complete('end')).finishReason).toBe('length');
    await expect(llm.complete('more')).rejects.toSatisfy((error) => EchoScriptExhaustedError.isInstance(error));
  });

  it('builds a reusable list and errors by instance', async () => {
    const scripted = new InvalidRequestError({ provider: 'echo', message: 'bad' });
    const responses = new ResponseSequenceBuilder().add('a').addError(scripted).build();
    expect(responses).toHaveLength(2);
    const llm = new EchoProvider({ responses });
    expect((await llm.complete('x')).content).toBe('a');
    await expect(llm.complete('x')).rejects.toBe(scripted);
    expect(RateLimitError.isInstance(scripted)).toBe(false);
  });
});

describe('README example', () => {
  it('behaves as documented', async () => {
    const llm = new EchoProvider({ echoPrefix: 'Echo: ' });
    expect((await llm.complete('Hello')).content).toBe('Echo: Hello');
    const scripted = new EchoProvider({
      strict: true,
      responses: [
        { toolCalls: [{ id: 'call_1', name: 'search', arguments: { query: 'dk' } }] },
        { error: { kind: 'rate-limit', retryAfterMs: 5 } },
        'Here is what I found.',
      ],
      retry: { baseDelayMs: 1 },
    });
    scripted.addPatternResponse(/weather/i, 'It is sunny.');
    await scripted.complete('Find dk', { tools: [{ name: 'search', parameters: { type: 'object' } }] });
    expect((await scripted.complete([{ role: 'user', content: 'Summarise' }])).content).toBe('Here is what I found.');
    expect(scripted.getCall(1).attempts).toBe(2);
    expect(scripted.lastUserMessage).toBe('Summarise');
    expect((await scripted.complete('weather?')).content).toBe('It is sunny.');
    const [vector] = await llm.embed(['the cat sat']);
    expect(vector).toHaveLength(768);
  });
});
