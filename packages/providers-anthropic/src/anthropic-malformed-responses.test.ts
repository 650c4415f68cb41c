import { InvalidResponseError, ProviderError } from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import type { ScriptedReply } from '@dk/test-kit/http-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './create-anthropic-provider.js';
import {
  anthropicMessageBody,
  anthropicMessageReply,
  startAnthropicTestServer,
} from './testing/anthropic-test-server.js';
import type { AnthropicTestServer } from './testing/anthropic-test-server.js';

// A 200 answer whose JSON is missing fields must be a typed, retryable InvalidResponseError,
// never a bare TypeError nor a success built from `undefined` (issue 12). Every case goes
// through the real `@anthropic-ai/sdk` client against the local wire-protocol server.

let server: AnthropicTestServer;

beforeAll(async () => {
  server = await startAnthropicTestServer();
});
afterEach(() => {
  server.reset();
});
afterAll(async () => {
  await server.close();
});

function provider() {
  return createAnthropicProvider({
    apiKey: 'sk-ant-test',
    baseURL: server.url,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
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

/** A valid message whose content list is `blocks`. */
function messageWith(...blocks: unknown[]): unknown {
  return { ...(anthropicMessageBody({ content: 'unused' }) as Record<string, unknown>), content: blocks };
}

const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } };

const malformedMessages: [string, unknown][] = [
  ['a text block without text', messageWith({ type: 'text' })],
  ['a text block whose text is not a string', messageWith({ type: 'text', text: 42 })],
  ['a tool_use block without an id', messageWith({ ...toolUse, id: undefined })],
  ['a tool_use block without a name', messageWith({ ...toolUse, name: undefined })],
  ['a tool_use block without input', messageWith({ ...toolUse, input: undefined })],
  ['a null content block', messageWith(null)],
];

describe('AnthropicProvider', () => {
  describe('malformed 200 answers to complete()', () => {
    it.each(malformedMessages)('turns %s into a retryable InvalidResponseError', async (_name, body) => {
      server.script({ kind: 'json', body });
      const error = await failure(provider().complete('hi', { maxRetries: 0 }));
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, attempts: 1, provider: 'anthropic' });
      expect(error.message).toMatch(/^anthropic sent an invalid answer: .*`content\[0\]`/);
    });

    it.each(malformedMessages)('retries %s and returns the next valid answer', async (_name, body) => {
      server.script({ kind: 'json', body }, anthropicMessageReply({ content: 'second try' }));
      const response = await provider().complete('hi');
      expect(response.content).toBe('second try');
      expect(response.metadata['attempts']).toBe(2);
      expect(server.requests).toHaveLength(2);
    });

    it('still skips block types it does not know (thinking, …)', async () => {
      server.script({
        kind: 'json',
        body: messageWith({ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'ok' }),
      });
      expect((await provider().complete('hi')).content).toBe('ok');
    });
  });

  describe('malformed 200 streams', () => {
    const frame = (data: Record<string, unknown>): string =>
      `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`;
    const stream = (...frames: string[]): ScriptedReply => ({
      kind: 'sse',
      frames: [
        frame({
          type: 'message_start',
          message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [] },
        }),
        ...frames,
        frame({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }),
        frame({ type: 'message_stop' }),
      ],
    });
    const start = (index: unknown, block: unknown): string =>
      frame({ type: 'content_block_start', index, content_block: block });
    const delta = (index: unknown, value: unknown): string =>
      frame({ type: 'content_block_delta', index, delta: value });
    const stop = (index: number): string => frame({ type: 'content_block_stop', index });

    it.each<[string, ScriptedReply]>([
      ['a text block start whose text is not a string', stream(start(0, { type: 'text', text: 7 }), stop(0))],
      [
        'a text delta without text',
        stream(start(0, { type: 'text', text: '' }), delta(0, { type: 'text_delta' }), stop(0)),
      ],
      [
        'a tool_use block start without a name',
        stream(start(0, { type: 'tool_use', id: 'toolu_1', input: {} }), stop(0)),
      ],
      [
        'a tool_use block start without an id',
        stream(start(0, { type: 'tool_use', name: 'lookup', input: {} }), stop(0)),
      ],
      ['a block start without an index', stream(start(undefined, { type: 'text', text: 'a' }))],
      ['a block start without a content block', stream(start(0, undefined), stop(0))],
      [
        'an input_json_delta whose partial_json is not text',
        stream(
          start(0, { ...toolUse, input: {} }),
          delta(0, { type: 'input_json_delta', partial_json: { q: 1 } }),
          stop(0),
        ),
      ],
    ])('turns %s into a retryable InvalidResponseError', async (_name, reply) => {
      server.script(reply);
      const error = await failure(collect(provider().stream('hi', { maxRetries: 0 })));
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, attempts: 1, provider: 'anthropic' });
    });

    it('retries a malformed block start before any output and returns the next answer', async () => {
      server.script(stream(start(0, { type: 'text' }), stop(0)), anthropicMessageReply({ content: 'second try' }));
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({
        type: 'end',
        response: { content: 'second try', metadata: { attempts: 2 } },
      });
    });
  });
});
