import { InvalidResponseError, ProviderError } from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import type { ScriptedReply } from '@dk/test-kit/http-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from './create-openai-provider.js';
import { openAIChatCompletionBody, openAIChatReply, startOpenAITestServer } from './testing/openai-test-server.js';
import type { OpenAITestServer } from './testing/openai-test-server.js';

// A 200 answer whose JSON is missing fields must be a typed, retryable InvalidResponseError,
// never a bare TypeError nor a success built from `undefined` (issue 12). Every case goes
// through the real `openai` client against the local wire-protocol server.

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

function provider() {
  return createOpenAIProvider({ apiKey: 'sk-test', baseURL: server.baseURL, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (!ProviderError.isInstance(error)) throw error;
    return error;
  }
  throw new Error('expected the call to fail');
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

/** A valid completion with one tool call whose `function` part is replaced by `toolCall`. */
function completionWithToolCall(toolCall: unknown): unknown {
  const body = openAIChatCompletionBody({ toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { q: 'x' } }] }) as {
    choices: [{ message: Record<string, unknown> }];
  };
  body.choices[0].message['tool_calls'] = [toolCall];
  return body;
}

function completionWithMessage(patch: Record<string, unknown>): unknown {
  const body = openAIChatCompletionBody({ content: 'hello' }) as { choices: [{ message: Record<string, unknown> }] };
  Object.assign(body.choices[0].message, patch);
  return body;
}

const malformedCompletions: [string, unknown][] = [
  ['a tool call without `function`', completionWithToolCall({ id: 'call_1', type: 'function' })],
  ['a tool call whose `function` is null', completionWithToolCall({ id: 'call_1', type: 'function', function: null })],
  [
    'a tool call without a name',
    completionWithToolCall({ id: 'call_1', type: 'function', function: { arguments: '{}' } }),
  ],
  [
    'a tool call with object arguments',
    completionWithToolCall({ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: { q: 'x' } } }),
  ],
  [
    'a tool call without arguments',
    completionWithToolCall({ id: 'call_1', type: 'function', function: { name: 'lookup' } }),
  ],
  ['a null tool call', completionWithToolCall(null)],
  ['`tool_calls` that is not a list', completionWithMessage({ tool_calls: { id: 'call_1' } })],
];

describe('OpenAIProvider', () => {
  describe('malformed 200 answers to complete()', () => {
    it.each(malformedCompletions)('turns %s into a retryable InvalidResponseError', async (_name, body) => {
      server.script({ kind: 'json', body });
      const error = await failure(provider().complete('hi', { maxRetries: 0 }));
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, attempts: 1, provider: 'openai' });
      expect(error.message).toMatch(/^openai sent an invalid answer: .*tool/);
    });

    it.each(malformedCompletions)('retries %s and returns the next valid answer', async (_name, body) => {
      server.script({ kind: 'json', body }, openAIChatReply({ content: 'second try' }));
      const response = await provider().complete('hi');
      expect(response.content).toBe('second try');
      expect(response.metadata['attempts']).toBe(2);
      expect(server.requests).toHaveLength(2);
    });

    it('still generates the id of a tool call that has none, as a stream does', async () => {
      server.script({
        kind: 'json',
        body: completionWithToolCall({ type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }),
      });
      const response = await provider().complete('hi');
      expect(response.toolCalls).toEqual([{ id: 'call_0', name: 'lookup', arguments: { q: 'x' } }]);
    });
  });

  describe('malformed 200 streams', () => {
    const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: 'gpt-test' };
    const frame = (choice: unknown): string => `data: ${JSON.stringify({ ...base, choices: [choice] })}\n\n`;
    const delta = (value: unknown, finishReason: string | null = null): string =>
      frame({ index: 0, delta: value, finish_reason: finishReason });
    const stream = (...frames: string[]): ScriptedReply => ({
      kind: 'sse',
      frames: [delta({ role: 'assistant', content: '' }), ...frames, delta({}, 'stop'), 'data: [DONE]\n\n'],
    });

    it.each<[string, ScriptedReply]>([
      ['a null choice', stream(frame(null))],
      ['a null delta then no finish reason', { kind: 'sse', frames: [delta(null), 'data: [DONE]\n\n'] }],
      ['a null tool-call delta', stream(delta({ tool_calls: [null] }))],
      [
        'a tool call that is never named',
        stream(delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { arguments: '{}' } }] })),
      ],
      [
        'tool-call arguments that are not text',
        stream(delta({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'lookup', arguments: { q: 1 } } }] })),
      ],
      ['content that is not text', stream(delta({ content: { text: 'hi' } }))],
    ])('turns %s into a retryable InvalidResponseError', async (_name, reply) => {
      server.script(reply);
      const error = await failure(collect(provider().stream('hi', { maxRetries: 0 })));
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, attempts: 1, provider: 'openai' });
    });
  });
});
