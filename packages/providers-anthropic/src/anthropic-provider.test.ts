import {
  AbortError,
  AuthenticationError,
  ContextLengthExceededError,
  InvalidRequestError,
  InvalidResponseError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitError,
  StructuredOutputError,
  TimeoutError,
} from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordReplayProvider } from '@dk/provider-utils';
import { invalidOptionsFailure } from '@dk/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnthropicProviderSettings } from './anthropic-provider-settings.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { createAnthropicProvider } from './create-anthropic-provider.js';
import {
  anthropicErrorReply,
  anthropicFixtureReply,
  anthropicMessageReply,
  anthropicStreamFrames,
  startAnthropicTestServer,
} from './testing/anthropic-test-server.js';
import type { AnthropicTestServer } from './testing/anthropic-test-server.js';
import type { RecordedHttpRequest as RecordedRequest, ScriptedReply } from '@dk/test-kit/http-server';

const canaryKey = 'sk-ant-canary-91d4e0b2-DO-NOT-LEAK-77aa';

let server: AnthropicTestServer;
const seenErrors: unknown[] = [];
const logged: unknown[][] = [];
const previousLogLevel = process.env['ANTHROPIC_LOG'];

beforeAll(async () => {
  server = await startAnthropicTestServer();
  // Ask the SDK for debug logs through its environment switch: the provider must still log
  // nothing, and whatever reaches the console is checked for the key at the end.
  process.env['ANTHROPIC_LOG'] = 'debug';
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
  }
});
afterEach(() => {
  server.reset();
});
afterAll(async () => {
  vi.restoreAllMocks();
  if (previousLogLevel === undefined) delete process.env['ANTHROPIC_LOG'];
  else process.env['ANTHROPIC_LOG'] = previousLogLevel;
  await server.close();
});

function provider(settings: AnthropicProviderSettings = {}) {
  return createAnthropicProvider({
    apiKey: canaryKey,
    baseURL: server.url,
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
    ...settings,
  });
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const result: StreamPart[] = [];
  for await (const part of parts) result.push(part);
  return result;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    seenErrors.push(error);
    if (!ProviderError.isInstance(error)) throw error;
    return error;
  }
  throw new Error('expected the call to fail');
}

function lastBody(): Record<string, unknown> {
  return server.requests.at(-1)!.body as Record<string, unknown>;
}

function sse(
  step: (request: RecordedRequest) => ScriptedReply,
  extra: Partial<Extract<ScriptedReply, { kind: 'sse' }>>,
) {
  return (request: RecordedRequest): ScriptedReply => ({
    ...(step(request) as Extract<ScriptedReply, { kind: 'sse' }>),
    ...extra,
  });
}

function errorBody(status: number, type: string, message: string): ScriptedReply {
  return { kind: 'json', status, body: { type: 'error', error: { type, message } } };
}

describe('AnthropicProvider', () => {
  describe('complete', () => {
    it('maps a recorded message and hoists leading system messages', async () => {
      server.script(anthropicFixtureReply('message.json'));
      const response = await provider().complete([
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Hello', metadata: { private: true } },
      ]);
      expect(response).toMatchObject({
        content: 'Hello! How can I help you today?',
        model: 'claude-sonnet-4-5-20250929',
        finishReason: 'stop',
        usage: { promptTokens: 12, completionTokens: 11, totalTokens: 23 },
        metadata: { provider: 'anthropic', rawFinishReason: 'end_turn', attempts: 1, requestId: 'req_fixture_200' },
        warnings: [],
      });
      const request = server.requests[0]!;
      expect(request.path).toBe('/v1/messages');
      expect(request.hasCredentials).toBe(true);
      expect(request.headers['anthropic-version']).toBeDefined();
      expect(request.body).toEqual({
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        system: 'Be brief.\n\nBe kind.',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: false,
      });
    });

    it('maps tool_use blocks to tool calls', async () => {
      server.script(anthropicFixtureReply('message-tool-use.json'));
      const response = await provider().complete('Weather in Paris?', {
        tools: [
          {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        ],
        toolChoice: 'required',
      });
      expect(response.finishReason).toBe('tool_calls');
      expect(response.content).toBe("I'll check the weather in Paris.");
      expect(response.toolCalls).toEqual([
        { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { location: 'Paris, France' } },
      ]);
      expect(lastBody()['tools']).toEqual([
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ]);
      expect(lastBody()['tool_choice']).toEqual({ type: 'any' });
    });

    it('sends tool calls as tool_use and merges consecutive tool results into one user turn', async () => {
      server.script(anthropicMessageReply({ content: 'Sunny, 21°C.' }));
      await provider().complete(
        [
          { role: 'user', content: 'Weather and time?' },
          {
            role: 'assistant',
            content: 'Checking.',
            toolCalls: [
              { id: 'toolu_1', name: 'get_weather', arguments: { location: 'Paris' } },
              { id: 'toolu_2', name: 'get_time', arguments: {} },
            ],
          },
          { role: 'tool', content: 'sunny', toolCallId: 'toolu_1' },
          { role: 'tool', content: '12:00', toolCallId: 'toolu_2' },
          { role: 'user', content: 'Thanks' },
        ],
        {
          tools: [
            { name: 'get_weather', parameters: { type: 'object' } },
            { name: 'get_time', parameters: { type: 'object' } },
          ],
          toolChoice: { type: 'tool', name: 'get_time' },
        },
      );
      expect(lastBody()['messages']).toEqual([
        { role: 'user', content: 'Weather and time?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '12:00' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ]);
      expect(lastBody()['tool_choice']).toEqual({ type: 'tool', name: 'get_time' });
    });

    it('applies the mid-conversation system message policy', async () => {
      const messages = [
        { role: 'system', content: 'Rules.' },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Be formal now.' },
        { role: 'user', content: 'Again' },
      ] as const;
      server.script(anthropicMessageReply({ content: 'a' }), anthropicMessageReply({ content: 'b' }));
      await provider().complete(messages);
      expect(lastBody()['system']).toBe('Rules.\n\nBe formal now.');
      expect(lastBody()['messages']).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'text', text: 'Again' },
          ],
        },
      ]);
      await provider({ systemMessagePolicy: 'as-user' }).complete(messages);
      expect(lastBody()['system']).toBe('Rules.');
      expect(lastBody()['messages']).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'text', text: 'System: Be formal now.' },
            { type: 'text', text: 'Again' },
          ],
        },
      ]);
      const error = await failure(provider({ systemMessagePolicy: 'error' }).complete(messages));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      expect(error.message).toContain('systemMessagePolicy');
      expect(server.requests).toHaveLength(2);
    });

    it('maps sampling options, warns about seed and honours maxTokens', async () => {
      server.script(anthropicMessageReply({ content: 'ok' }));
      const response = await provider({ maxTokens: 1000 }).complete('hi', {
        model: 'claude-haiku-4-5',
        temperature: 0.3,
        topP: 0.8,
        stop: ['END'],
        seed: 1,
        maxTokens: 77,
        headers: { 'x-trace': 't1' },
        providerOptions: { anthropic: { metadata: { user_id: 'u1' } } },
      });
      expect(lastBody()).toMatchObject({
        model: 'claude-haiku-4-5',
        max_tokens: 77,
        temperature: 0.3,
        top_p: 0.8,
        stop_sequences: ['END'],
        metadata: { user_id: 'u1' },
      });
      expect(lastBody()).not.toHaveProperty('seed');
      expect(response.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'seed' })]);
      expect(server.requests[0]!.headers['x-trace']).toBe('t1');
    });

    it.each([
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['refusal', 'content_filter'],
      ['pause_turn', 'other'],
    ])('maps stop reason %s to %s', async (stopReason, finishReason) => {
      server.script(anthropicMessageReply({ content: 'x', stopReason }));
      const response = await provider().complete('hi');
      expect(response.finishReason).toBe(finishReason);
      expect(response.metadata['rawFinishReason']).toBe(stopReason);
    });

    it('requests a JSON Schema through a forced tool and validates the answer', async () => {
      const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
      server.script(
        anthropicMessageReply({ toolCalls: [{ id: 'toolu_r', name: 'result', arguments: { answer: 42 } }] }),
        anthropicMessageReply({ toolCalls: [{ id: 'toolu_r', name: 'response', arguments: { answer: 'many' } }] }),
      );
      const ok = await provider().complete('q', { responseFormat: { type: 'json-schema', schema, name: 'result' } });
      expect(ok).toMatchObject({ content: '{"answer":42}', parsed: { answer: 42 }, finishReason: 'stop' });
      expect(ok.toolCalls).toBeUndefined();
      expect(lastBody()['tools']).toEqual([{ name: 'result', description: expect.any(String), input_schema: schema }]);
      expect(lastBody()['tool_choice']).toEqual({ type: 'tool', name: 'result' });
      const error = await failure(provider().complete('q', { responseFormat: { type: 'json-schema', schema } }));
      expect(StructuredOutputError.isInstance(error)).toBe(true);
      expect((error as StructuredOutputError).issues).toEqual([{ path: '/answer', message: expect.any(String) }]);
    });

    it('offers native output-format and prompt strategies for JSON', async () => {
      const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
      server.script(anthropicMessageReply({ content: '{"n":1}' }), anthropicMessageReply({ content: '{"n":2}' }));
      const native = await provider({ structuredOutputMode: 'output-format' }).complete('q', {
        responseFormat: { type: 'json-schema', schema },
      });
      expect(native.parsed).toEqual({ n: 1 });
      expect(lastBody()['output_config']).toEqual({ format: { type: 'json_schema', schema } });
      const prompted = await provider({ structuredOutputMode: 'prompt' }).complete('q', {
        responseFormat: { type: 'json' },
      });
      expect(prompted.parsed).toEqual({ n: 2 });
      expect(lastBody()['system']).toContain('JSON');
      expect(lastBody()).not.toHaveProperty('tools');
    });
  });

  describe('stream', () => {
    it('streams a recorded response', async () => {
      server.script(anthropicFixtureReply('message-stream.sse'));
      const parts = await collect(provider().stream('Hello'));
      expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.text)).toEqual([
        'Hello',
        ' there',
        '!',
      ]);
      expect(parts.at(-1)).toMatchObject({
        type: 'end',
        finishReason: 'stop',
        usage: { promptTokens: 25, completionTokens: 15, totalTokens: 40 },
        response: {
          content: 'Hello there!',
          model: 'claude-sonnet-4-5-20250929',
          metadata: { provider: 'anthropic', rawFinishReason: 'end_turn' },
        },
      });
      expect(lastBody()).toMatchObject({ stream: true });
    });

    it('assembles input_json_delta into tool calls', async () => {
      server.script(anthropicFixtureReply('message-stream-tool-use.sse'));
      const parts = await collect(
        provider().stream('Weather?', { tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }),
      );
      const deltas = parts.filter((part) => part.type === 'tool-call-delta');
      expect(deltas.map((part) => part.argumentsDelta).join('')).toBe('{"location": "San Francisco, CA"}');
      expect(
        deltas.every(
          (part) =>
            part.index === 1 && part.toolCallId === 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' && part.toolName === 'get_weather',
        ),
      ).toBe(true);
      const toolCallIndex = parts.findIndex((part) => part.type === 'tool-call');
      expect(parts[toolCallIndex]).toEqual({
        type: 'tool-call',
        toolCall: {
          id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          name: 'get_weather',
          arguments: { location: 'San Francisco, CA' },
        },
      });
      expect(toolCallIndex).toBeLessThan(parts.length - 1);
      expect(parts.at(-1)).toMatchObject({ type: 'end', finishReason: 'tool_calls', usage: { completionTokens: 89 } });
    });

    it('streams the structured answer of the response tool as text', async () => {
      server.script(
        anthropicMessageReply({ toolCalls: [{ id: 'toolu_r', name: 'response', arguments: { ok: true } }] }),
      );
      const parts = await collect(provider().stream('q', { responseFormat: { type: 'json' } }));
      expect(parts.some((part) => part.type === 'tool-call' || part.type === 'tool-call-delta')).toBe(false);
      expect(parts.at(-1)).toMatchObject({
        type: 'end',
        finishReason: 'stop',
        response: { content: '{"ok":true}', parsed: { ok: true } },
      });
    });

    it('gives the same response as complete for the same turn', async () => {
      const turn = {
        content: 'Let me look.',
        toolCalls: [{ id: 'toolu_9', name: 'f', arguments: { a: [1, 2] } }],
        usage: { promptTokens: 3, completionTokens: 4 },
      };
      server.script(anthropicMessageReply(turn), anthropicMessageReply(turn));
      const completed = await provider().complete('x', { tools: [{ name: 'f', parameters: { type: 'object' } }] });
      const end = (
        await collect(provider().stream('x', { tools: [{ name: 'f', parameters: { type: 'object' } }] }))
      ).at(-1)!;
      if (end.type !== 'end') throw new Error('no end part');
      const { metadata: _streamed, ...streamed } = end.response;
      const { metadata: _completed, ...direct } = completed;
      expect(streamed).toEqual(direct);
    });
  });

  it('has no embed method', () => {
    expect('embed' in provider()).toBe(false);
  });

  describe('credentials', () => {
    it('ping checks the key by listing one model, without generating or retrying', async () => {
      server.script(
        {
          kind: 'json',
          body: { data: [{ type: 'model', id: 'claude-haiku-4-5' }], has_more: true, first_id: 'a', last_id: 'a' },
        },
        anthropicErrorReply(401, { type: 'authentication_error', message: `invalid x-api-key ${canaryKey}` }),
        anthropicErrorReply(529, { type: 'overloaded_error', message: 'Overloaded' }),
      );
      await provider().ping();
      expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models?limit=1', hasCredentials: true });
      expect(AuthenticationError.isInstance(await failure(provider().ping()))).toBe(true);
      const overloaded = await failure(provider().ping());
      expect(ProviderUnavailableError.isInstance(overloaded) && overloaded.attempts).toBe(1);
      const missing = await failure(createAnthropicProvider({ env: {}, baseURL: server.url }).ping());
      expect(AuthenticationError.isInstance(missing)).toBe(true);
      expect(server.requests).toHaveLength(3);
    });

    it('fails with a helpful AuthenticationError when no key is configured', async () => {
      const error = await failure(createAnthropicProvider({ env: {}, baseURL: server.url }).complete('hi'));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error.message).toBe('Anthropic API key is missing. Pass `apiKey` or set ANTHROPIC_API_KEY.');
      expect(server.requests).toHaveLength(0);
    });

    it('reads ANTHROPIC_API_KEY at call time, not at construction', async () => {
      const env: Record<string, string | undefined> = {};
      const lazy = createAnthropicProvider({ env, baseURL: server.url });
      env['ANTHROPIC_API_KEY'] = canaryKey;
      server.script(anthropicMessageReply({ content: 'ok' }));
      expect((await lazy.complete('hi')).content).toBe('ok');
    });
  });

  describe('failures', () => {
    it('retries 529 overloaded, then succeeds', async () => {
      server.script(
        anthropicFixtureReply('error-overloaded.json', { status: 529 }),
        anthropicMessageReply({ content: 'ok' }),
      );
      const response = await provider().complete('hi');
      expect(response.content).toBe('ok');
      expect(response.metadata['attempts']).toBe(2);
      expect(server.requests).toHaveLength(2);
    });

    it('ends persistent 529 in a retryable ProviderUnavailableError after maxRetries + 1 attempts', async () => {
      const overloaded = anthropicFixtureReply('error-overloaded.json', { status: 529 });
      server.script(overloaded, overloaded, overloaded);
      const error = await failure(provider().complete('hi', { maxRetries: 2 }));
      expect(ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        status: 529,
        vendorType: 'overloaded_error',
        attempts: 3,
        isRetryable: true,
        requestId: 'req_fixture_529',
      });
      expect(server.requests).toHaveLength(3);
    });

    it('ends 429 in RateLimitError with retry-after', async () => {
      const limited = anthropicFixtureReply('error-rate-limit.json', { status: 429, headers: { 'retry-after': '0' } });
      server.script(limited, limited);
      const error = await failure(provider().complete('hi', { maxRetries: 1 }));
      expect(RateLimitError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 429, vendorType: 'rate_limit_error', attempts: 2 });
      expect((error as RateLimitError).retryAfterMs).toBe(0);
      expect(server.requests).toHaveLength(2);
    });

    it('retries 500 and ends in ProviderUnavailableError', async () => {
      const failing = anthropicErrorReply(500, { type: 'api_error', message: 'Internal server error' });
      server.script(failing, failing);
      const error = await failure(provider().complete('hi', { maxRetries: 1 }));
      expect(ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 500, attempts: 2 });
      expect(server.requests).toHaveLength(2);
    });

    it('does not retry an invalid API key (401) and never echoes the key', async () => {
      server.script(
        anthropicErrorReply(401, { type: 'authentication_error', message: `invalid x-api-key ${canaryKey}` }),
      );
      const error = await failure(provider().complete('hi'));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 401, vendorType: 'authentication_error', attempts: 1, isRetryable: false });
      expect(server.requests).toHaveLength(1);
    });

    it('maps "prompt is too long" to ContextLengthExceededError', async () => {
      server.script(anthropicFixtureReply('error-prompt-too-long.json', { status: 400 }));
      const error = await failure(provider().complete('long'));
      expect(ContextLengthExceededError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 400, vendorType: 'invalid_request_error', attempts: 1 });
      expect(server.requests).toHaveLength(1);
    });

    it('maps other 400s to InvalidRequestError', async () => {
      server.script(anthropicFixtureReply('error-invalid-request.json', { status: 400 }));
      const error = await failure(provider().complete('x'));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      expect(error.message).toContain('max_tokens: Field required');
      expect(server.requests).toHaveLength(1);
    });

    it('ends a slow response with TimeoutError at the deadline', async () => {
      server.script({ kind: 'json', body: {}, delayMs: 3000 });
      const started = performance.now();
      const error = await failure(provider().complete('hi', { timeoutMs: 150 }));
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(server.requests).toHaveLength(1);
    });

    it('retries an overloaded error event that arrives before any output', async () => {
      server.script(
        anthropicFixtureReply('stream-error-overloaded.sse'),
        anthropicMessageReply({ content: 'recovered' }),
      );
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({ type: 'end', response: { content: 'recovered' } });
      expect(server.requests).toHaveLength(2);
    });

    it('retries a stream reset after message_start and an empty text block, before any output', async () => {
      server.script(
        sse(anthropicMessageReply({ content: 'lost' }), { resetAfterFrames: 3, frameDelayMs: 20 }),
        anthropicMessageReply({ content: 'kept' }),
      );
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({ type: 'end', response: { content: 'kept', metadata: { attempts: 2 } } });
      expect(server.requests).toHaveLength(2);
    });

    it('ends a stream reset mid-way with ProviderUnavailableError after one attempt', async () => {
      server.script(
        sse(anthropicMessageReply({ content: 'one two three four' }), { resetAfterFrames: 5, frameDelayMs: 30 }),
      );
      const parts: StreamPart[] = [];
      const error = await failure(
        (async () => {
          for await (const part of provider().stream('hi')) parts.push(part);
        })(),
      );
      expect(ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error.attempts).toBe(1);
      expect(parts.map((part) => part.type)).toEqual(['text-delta', 'text-delta']);
      expect(server.requests).toHaveLength(1);
    });

    it('ends a stream with a malformed SSE line in a retryable InvalidResponseError', async () => {
      server.script((request: RecordedRequest): ScriptedReply => {
        const reply = anthropicMessageReply({ content: 'a b' })(request) as Extract<ScriptedReply, { kind: 'sse' }>;
        return { ...reply, frames: [...reply.frames.slice(0, 4), 'event: content_block_delta\ndata: {broken\n\n'] };
      });
      const error = await failure(collect(provider().stream('hi')));
      expect(InvalidResponseError.isInstance(error) && ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error.message).toContain('not JSON');
      expect(server.requests).toHaveLength(1);
    });

    it('ends a stream at the deadline mid-way and closes the connection (no caller signal)', async () => {
      // The first text comes at once; every later frame waits a second.
      server.script((request: RecordedRequest): ScriptedReply => {
        const reply = anthropicMessageReply({ content: 'a b c d e f g h' })(request) as Extract<
          ScriptedReply,
          { kind: 'sse' }
        >;
        return { ...reply, frameDelaysMs: reply.frames.map((_, index) => (index >= 4 ? 1000 : 0)) };
      });
      const received: string[] = [];
      const started = performance.now();
      const error = await failure(
        (async () => {
          for await (const part of provider().stream('hi', { timeoutMs: 300 })) {
            if (part.type === 'text-delta') received.push(part.text);
          }
        })(),
      );
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect(received.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(2500);
      // Closed by the abort itself, not when the next frame (about 1 s away) would arrive.
      await expect.poll(() => server.requests[0]?.clientClosedEarly, { timeout: 500 }).toBe(true);
    });

    it('stops an aborted stream promptly and closes the connection', async () => {
      // The first text delta (frame 3) comes at once; every later frame waits a second.
      server.script((request: RecordedRequest): ScriptedReply => {
        const reply = anthropicMessageReply({ content: 'a b c d e f g h' })(request) as Extract<
          ScriptedReply,
          { kind: 'sse' }
        >;
        return { ...reply, frameDelaysMs: reply.frames.map((_, index) => (index >= 4 ? 1000 : 0)) };
      });
      const controller = new AbortController();
      const started = performance.now();
      const error = await failure(
        (async () => {
          for await (const part of provider().stream('hi', { signal: controller.signal })) {
            if (part.type === 'text-delta') controller.abort();
          }
        })(),
      );
      expect(AbortError.isInstance(error)).toBe(true);
      // The rest of the stream would take 8+ s; the abort must end it at once (bound generous for loaded CI).
      expect(performance.now() - started).toBeLessThan(2500);
      await expect.poll(() => server.requests[0]?.clientClosedEarly, { timeout: 2000 }).toBe(true);
    });
  });

  describe('malformed answers and stream failures', () => {
    describe('malformed success responses', () => {
      it('retries an unparsable first stream event and reports the attempts', async () => {
        const broken = 'event: message_start\ndata: {broken\n\n';
        server.script({ kind: 'sse', frames: [broken] }, { kind: 'sse', frames: [broken] });
        const error = await failure(collect(provider().stream('hi', { maxRetries: 1 })));
        expect(error.name).toBe('InvalidResponseError');
        expect(error).toMatchObject({ isRetryable: true, attempts: 2 });
        expect(server.requests).toHaveLength(2);
      });
    });

    describe('streams that end early', () => {
      it('retries a stream that ends after message_start, before any output', async () => {
        server.script(
          { kind: 'sse', frames: anthropicStreamFrames({ content: 'lost' }).slice(0, 2) },
          anthropicMessageReply({ content: 'second try' }),
        );
        const parts = await collect(provider().stream('hi'));
        expect(parts.at(-1)).toMatchObject({
          type: 'end',
          response: { content: 'second try', metadata: { attempts: 2 } },
        });
        expect(server.requests).toHaveLength(2);
      });

      it('reports a stream cut cleanly after output with its attempt count, unretried', async () => {
        server.script({ kind: 'sse', frames: anthropicStreamFrames({ content: 'one two three' }).slice(0, 5) });
        const error = await failure(collect(provider().stream('hi')));
        expect(error.name).toBe('InvalidResponseError');
        expect(error.attempts).toBe(1);
        expect(server.requests).toHaveLength(1);
      });
    });

    describe('messages', () => {
      it('never end in a doubled full stop', async () => {
        server.script(
          errorBody(401, 'authentication_error', 'invalid x-api-key.'),
          errorBody(500, 'api_error', 'Internal server error.'),
          {
            kind: 'sse',
            frames: [
              ...anthropicStreamFrames({ content: 'a b' }).slice(0, 4),
              'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Internal server error."}}\n\n',
            ],
          },
        );
        const errors = [
          await failure(provider().complete('hi', { maxRetries: 0 })),
          await failure(provider().complete('hi', { maxRetries: 0 })),
          await failure(collect(provider().stream('hi', { maxRetries: 0 }))),
        ];
        for (const error of errors) expect(error.message).not.toMatch(/\.\.(\s|$)|\.\s\./);
        expect(errors[2]?.message).toMatch(/in the response stream/);
      });
    });
  });

  describe('settings checks', () => {
    it('names the camelCase option for a snake_case one', () => {
      const error = invalidOptionsFailure(() => createAnthropicProvider({ max_tokens: 5 } as never));
      expect(error.component).toBe('AnthropicProvider');
      expect(error.suggestions).toEqual({ max_tokens: 'maxTokens' });
    });

    it.each([
      [{ maxTokens: 0 }, 'maxTokens'],
      [{ systemMessagePolicy: 'merge' }, 'systemMessagePolicy'],
      [{ structuredOutputMode: 'json' }, 'structuredOutputMode'],
      [{ env: 'production' }, 'env'],
      [{ baseURL: 42 }, 'baseURL'],
    ])('refuses a wrong value: %o', (settings, name) => {
      const error = invalidOptionsFailure(() => new AnthropicProvider(settings as never));
      expect(error.message).toContain(`\`${name}\``);
    });

    it('lists the allowed values of an enumerated setting', () => {
      const error = invalidOptionsFailure(() => new AnthropicProvider({ systemMessagePolicy: 'merge' } as never));
      expect(error.message).toMatch(/`hoist`/);
    });
  });

  describe('close', () => {
    it('is idempotent and rejects later calls', async () => {
      const closing = provider();
      await closing.close();
      await closing.close();
      expect(InvalidRequestError.isInstance(await failure(closing.complete('hi')))).toBe(true);
    });
  });

  describe('secrets', () => {
    it('keeps the API key out of a record/replay cassette', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'dk-anthropic-cassette-'));
      try {
        const cassettePath = join(directory, 'cassette.json');
        server.script(
          anthropicMessageReply({ content: 'recorded' }),
          anthropicErrorReply(401, { type: 'authentication_error', message: `invalid x-api-key ${canaryKey}` }),
        );
        const recorder = recordReplayProvider({ provider: provider(), cassettePath, mode: 'record' });
        const parts = await collect(recorder.stream('hello'));
        expect(parts.at(-1)).toMatchObject({ type: 'end', response: { content: 'recorded' } });
        await failure(recorder.complete('fail'));
        await recorder.close();
        const cassette = await readFile(cassettePath, 'utf8');
        expect(cassette).toContain('recorded');
        expect(cassette).not.toContain(canaryKey);
        const replayer = recordReplayProvider({ provider: provider(), cassettePath, mode: 'replay' });
        expect(await collect(replayer.stream('hello'))).toEqual(parts);
        expect(server.requests).toHaveLength(2);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('never exposes the API key in errors, their JSON, causes, logs or recorded requests', () => {
      expect(seenErrors.length).toBeGreaterThan(10);
      for (const error of seenErrors) {
        for (let current: unknown = error; current instanceof Error; current = current.cause) {
          expect(current.message).not.toContain(canaryKey);
          expect(String(current.stack)).not.toContain(canaryKey);
          if (ProviderError.isInstance(current)) expect(JSON.stringify(current.toJSON())).not.toContain(canaryKey);
        }
      }
      expect(JSON.stringify(server.requests)).not.toContain(canaryKey);
      expect(logged).toEqual([]);
    });
  });
});
