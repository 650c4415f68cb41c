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
import type { ScriptedReply } from '@dk/test-kit/http-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOpenAIProvider } from './create-openai-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { OpenAIProviderSettings } from './openai-provider-settings.js';
import {
  openAIChatCompletionBody,
  openAIChatReply,
  openAIChatStreamFrames,
  openAIEmbeddingsReply,
  openAIErrorReply,
  openAIFixtureReply,
  startOpenAITestServer,
} from './testing/openai-test-server.js';
import type { OpenAITestServer } from './testing/openai-test-server.js';

const canaryKey = 'sk-canary-7f3c9a1e-DO-NOT-LEAK-5b2d';

let server: OpenAITestServer;
const seenErrors: unknown[] = [];
const logged: unknown[][] = [];
const previousLogLevel = process.env['OPENAI_LOG'];

beforeAll(async () => {
  server = await startOpenAITestServer();
  // Ask the SDK for debug logs through its environment switch: the provider must still log
  // nothing, and whatever reaches the console is checked for the key at the end.
  process.env['OPENAI_LOG'] = 'debug';
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
  if (previousLogLevel === undefined) delete process.env['OPENAI_LOG'];
  else process.env['OPENAI_LOG'] = previousLogLevel;
  await server.close();
});

function provider(settings: OpenAIProviderSettings = {}) {
  return createOpenAIProvider({
    apiKey: canaryKey,
    baseURL: server.baseURL,
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

/** An OpenAI error body whose message, extra fields and headers all echo the key. */
function echoingError(status: number, type: string, code: string | null = null): ScriptedReply {
  return {
    kind: 'json',
    status,
    headers: { 'x-request-id': `req_${status}`, 'x-echo-key': canaryKey, 'retry-after-ms': '1' },
    body: {
      error: { message: `Incorrect API key provided: ${canaryKey}.`, type, param: canaryKey, code },
      echoed: { authorization: `Bearer ${canaryKey}` },
    },
  };
}

/** A 200 stream that sends some text, then an error event echoing the key. */
function midStreamErrorEvent(): ScriptedReply {
  const frames = openAIChatStreamFrames({ content: 'partial answer' }).slice(0, 2);
  frames.push(
    `data: ${JSON.stringify({ error: { message: `upstream failed for key ${canaryKey}.`, type: 'server_error', code: null } })}\n\n`,
  );
  return { kind: 'sse', headers: { 'x-echo-key': canaryKey }, frames };
}

describe('OpenAIProvider', () => {
  describe('complete', () => {
    it('maps a recorded chat completion', async () => {
      server.script(openAIFixtureReply('chat-completion.json'));
      const response = await provider().complete([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello', metadata: { private: true } },
      ]);
      expect(response).toMatchObject({
        content: 'Hello! How can I assist you today?',
        model: 'gpt-4o-mini-2024-07-18',
        finishReason: 'stop',
        usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 },
        metadata: {
          provider: 'openai',
          rawFinishReason: 'stop',
          attempts: 1,
          id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
        },
        warnings: [],
      });
      const request = server.requests[0]!;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.hasCredentials).toBe(true);
      expect(request.body).toEqual({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
        stream: false,
      });
    });

    it('parses tool calls in the non-streaming path', async () => {
      server.script(openAIFixtureReply('chat-completion-tool-calls.json'));
      const response = await provider().complete('Weather and time in Paris?', {
        tools: [
          {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
          { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } },
        ],
        toolChoice: 'required',
      });
      expect(response.finishReason).toBe('tool_calls');
      expect(response.content).toBe('');
      expect(response.toolCalls).toEqual([
        { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: { location: 'Paris, France' } },
        { id: 'call_ABCDEF0123456789abcdef01', name: 'get_time', arguments: { timezone: 'Europe/Paris' } },
      ]);
      expect(lastBody()['tools']).toEqual([
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        },
        {
          type: 'function',
          function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } },
        },
      ]);
      expect(lastBody()['tool_choice']).toBe('required');
    });

    it('sends assistant tool calls and tool results in the vendor shape', async () => {
      server.script(openAIChatReply({ content: 'It is sunny.' }));
      await provider().complete(
        [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }],
          },
          { role: 'tool', content: '{"sky":"clear"}', toolCallId: 'call_1' },
        ],
        {
          tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
          toolChoice: { type: 'tool', name: 'get_weather' },
        },
      );
      expect(lastBody()['messages']).toEqual([
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: 'tool', content: '{"sky":"clear"}', tool_call_id: 'call_1' },
      ]);
      expect(lastBody()['tool_choice']).toEqual({ type: 'function', function: { name: 'get_weather' } });
    });

    it('maps sampling options and merges providerOptions.openai', async () => {
      server.script(openAIChatReply({ content: 'ok' }));
      await provider().complete('hi', {
        model: 'gpt-4o',
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 50,
        stop: ['END'],
        seed: 7,
        headers: { 'x-trace': 'abc' },
        providerOptions: { openai: { user: 'user-1' } },
      });
      expect(lastBody()).toMatchObject({
        model: 'gpt-4o',
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 50,
        stop: ['END'],
        seed: 7,
        user: 'user-1',
      });
      expect(server.requests.at(-1)!.headers['x-trace']).toBe('abc');
    });

    it('remaps parameters for reasoning models and warns about dropped settings', async () => {
      server.script(openAIChatReply({ content: 'ok' }));
      const response = await provider().complete('hi', {
        model: 'o3-mini',
        temperature: 0.5,
        topP: 0.5,
        maxTokens: 100,
      });
      expect(lastBody()).toMatchObject({ model: 'o3-mini', max_completion_tokens: 100 });
      expect(lastBody()).not.toHaveProperty('temperature');
      expect(lastBody()).not.toHaveProperty('top_p');
      expect(lastBody()).not.toHaveProperty('max_tokens');
      expect(response.warnings.map((warning) => warning.type === 'unsupported-setting' && warning.setting)).toEqual([
        'temperature',
        'topP',
      ]);
    });

    it('requests JSON mode and parses the answer', async () => {
      server.script(openAIChatReply({ content: '{"answer":42}' }));
      const response = await provider().complete('JSON please', { responseFormat: { type: 'json' } });
      expect(lastBody()['response_format']).toEqual({ type: 'json_object' });
      expect(response.parsed).toEqual({ answer: 42 });
    });

    it('requests a JSON Schema and validates the answer against it', async () => {
      const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
      server.script(openAIChatReply({ content: '{"answer":42}' }), openAIChatReply({ content: '{"answer":"many"}' }));
      const ok = await provider().complete('q', { responseFormat: { type: 'json-schema', schema, name: 'result' } });
      expect(ok.parsed).toEqual({ answer: 42 });
      expect(lastBody()['response_format']).toEqual({
        type: 'json_schema',
        json_schema: { name: 'result', schema, strict: false },
      });
      const error = await failure(provider().complete('q', { responseFormat: { type: 'json-schema', schema } }));
      expect(StructuredOutputError.isInstance(error)).toBe(true);
      expect((error as StructuredOutputError).issues).toEqual([{ path: '/answer', message: expect.any(String) }]);
    });
  });

  describe('stream', () => {
    it('streams a recorded response with usage', async () => {
      server.script(openAIFixtureReply('chat-completion-stream.sse'));
      const parts = await collect(provider().stream('Hello'));
      expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.text)).toEqual([
        'Hello',
        ' there',
        '!',
      ]);
      const end = parts.at(-1)!;
      expect(end).toMatchObject({
        type: 'end',
        finishReason: 'stop',
        usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
        response: {
          content: 'Hello there!',
          model: 'gpt-4o-mini-2024-07-18',
          metadata: { provider: 'openai', attempts: 1 },
        },
      });
      expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    it('assembles streamed tool-call deltas', async () => {
      server.script(openAIFixtureReply('chat-completion-stream-tool-calls.sse'));
      const parts = await collect(
        provider().stream('Weather?', { tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }),
      );
      const deltas = parts.filter((part) => part.type === 'tool-call-delta');
      expect(
        deltas
          .filter((part) => part.index === 0)
          .map((part) => part.argumentsDelta)
          .join(''),
      ).toBe('{"location":"Paris, France"}');
      expect(deltas.every((part) => part.toolCallId.startsWith('call_'))).toBe(true);
      const calls = parts.flatMap((part) => (part.type === 'tool-call' ? [part.toolCall] : []));
      expect(calls).toEqual([
        { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: { location: 'Paris, France' } },
        { id: 'call_ABCDEF0123456789abcdef01', name: 'get_time', arguments: { timezone: 'Europe/Paris' } },
      ]);
      const end = parts.at(-1)!;
      expect(end.type === 'end' && end.response.toolCalls).toEqual(calls);
      expect(end.type === 'end' && end.finishReason).toBe('tool_calls');
    });

    it('assembles parallel tool calls whose argument deltas interleave by index', async () => {
      const chunk = (delta: unknown, finishReason: string | null = null): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
      const call = (index: number, fields: Record<string, unknown>) => ({ index, ...fields });
      server.script({
        kind: 'sse',
        frames: [
          chunk({ role: 'assistant', content: null }),
          chunk({ tool_calls: [call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } })] }),
          chunk({
            tool_calls: [call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y"' } })],
          }),
          chunk({ tool_calls: [call(0, { function: { arguments: '{"x":' } })] }),
          // One chunk carrying deltas of both calls.
          chunk({
            tool_calls: [call(1, { function: { arguments: ':[1,2]' } }), call(0, { function: { arguments: '"é"' } })],
          }),
          chunk({ tool_calls: [call(0, { function: { arguments: '}' } }), call(1, { function: { arguments: '}' } })] }),
          chunk({}, 'tool_calls'),
          'data: [DONE]\n\n',
        ],
      });
      const parts = await collect(
        provider().stream('Both?', { tools: [{ name: 'f', parameters: { type: 'object' } }] }),
      );
      const argumentsOf = (index: number) =>
        parts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : []));
      expect(argumentsOf(0).join('')).toBe('{"x":"é"}');
      expect(argumentsOf(1).join('')).toBe('{"y":[1,2]}');
      for (const part of parts) {
        if (part.type === 'tool-call-delta') expect(part.toolCallId).toBe(part.index === 0 ? 'call_a' : 'call_b');
      }
      const end = parts.at(-1)!;
      expect(end.type === 'end' && end.response.toolCalls).toEqual([
        { id: 'call_a', name: 'f', arguments: { x: 'é' } },
        { id: 'call_b', name: 'g', arguments: { y: [1, 2] } },
      ]);
    });

    it('gives the same response as complete for the same turn', async () => {
      const turn = {
        content: 'Two words',
        toolCalls: [{ id: 'call_9', name: 'f', arguments: { a: 1 } }],
        usage: { promptTokens: 3, completionTokens: 4 },
      };
      server.script(openAIChatReply(turn), openAIChatReply(turn));
      const completed = await provider().complete('x');
      const parts = await collect(provider().stream('x'));
      const end = parts.at(-1)!;
      expect(end.type).toBe('end');
      if (end.type !== 'end') return;
      const { metadata: streamedMetadata, ...streamed } = end.response;
      const { metadata: completedMetadata, ...direct } = completed;
      expect(streamed).toEqual(direct);
      expect(streamedMetadata['rawFinishReason']).toBe(completedMetadata['rawFinishReason']);
    });
  });

  describe('embed', () => {
    it('embeds texts in input order', async () => {
      server.script(openAIEmbeddingsReply(3));
      const vectors = await provider().embed(['a', 'bbb']);
      expect(vectors).toEqual([
        [0.01, 0.02, 0.03],
        [0.03, 0.04, 0.05],
      ]);
      expect(server.requests[0]!.path).toBe('/v1/embeddings');
      expect(lastBody()).toEqual({ model: 'text-embedding-3-small', input: ['a', 'bbb'], encoding_format: 'float' });
    });

    it('returns nothing for no texts without calling the server', async () => {
      expect(await provider().embed([])).toEqual([]);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('credentials', () => {
    it('ping checks the key by listing the models, without generating or retrying', async () => {
      server.script(
        { kind: 'json', body: { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' }] } },
        openAIErrorReply(401, { message: `Incorrect API key provided: ${canaryKey}`, code: 'invalid_api_key' }),
      );
      await provider().ping();
      expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', hasCredentials: true });
      const refused = await failure(provider().ping());
      expect(AuthenticationError.isInstance(refused)).toBe(true);
      expect(refused.attempts).toBe(1);
      const missing = await failure(createOpenAIProvider({ env: {} }).ping());
      expect(AuthenticationError.isInstance(missing)).toBe(true);
      expect(server.requests).toHaveLength(2);
    });

    it('fails with a helpful AuthenticationError when no key is configured', async () => {
      const error = await failure(createOpenAIProvider({ env: {} }).complete('hi'));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error.message).toBe('OpenAI API key is missing. Pass `apiKey` or set OPENAI_API_KEY.');
    });

    it('reads OPENAI_API_KEY at call time, not at construction', async () => {
      const env: Record<string, string | undefined> = {};
      const lazy = createOpenAIProvider({ env, baseURL: server.baseURL });
      env['OPENAI_API_KEY'] = canaryKey;
      server.script(openAIChatReply({ content: 'ok' }));
      await lazy.complete('hi');
      expect(server.requests[0]!.hasCredentials).toBe(true);
    });

    it('tolerates a compatible server that reports no usage, with a warning', async () => {
      server.script((request) => {
        const { usage: _usage, ...body } = openAIChatCompletionBody({ content: 'no usage' }) as Record<string, unknown>;
        return { kind: 'json', body: { ...body, model: (request.body as { model: string }).model } };
      });
      const local = createOpenAIProvider({ env: {}, baseURL: server.baseURL, model: 'llama3.2' });
      const response = await local.complete('hi');
      expect(response).toMatchObject({ content: 'no usage', model: 'llama3.2' });
      // Unknown, not zero: the conversation layer records the call as unpriced.
      expect(response.usage).toBeUndefined();
      expect(response.warnings).toEqual([
        { type: 'other', message: expect.stringMatching(/did not report token usage.*unknown/) },
      ]);
    });

    it('sends no credentials to a compatible server when no key is set', async () => {
      server.script(openAIChatReply({ content: 'local' }));
      const local = createOpenAIProvider({ env: {}, baseURL: server.baseURL, model: 'llama3.2' });
      expect((await local.complete('hi')).content).toBe('local');
      expect(server.requests[0]!.hasCredentials).toBe(false);
    });
  });

  describe('failures', () => {
    it('retries 429 honouring retry-after-ms, then succeeds', async () => {
      server.script(
        openAIErrorReply(
          429,
          { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' },
          { 'retry-after-ms': '5' },
        ),
        openAIChatReply({ content: 'ok' }),
      );
      const response = await provider().complete('hi');
      expect(response.content).toBe('ok');
      expect(response.metadata['attempts']).toBe(2);
      expect(server.requests).toHaveLength(2);
    });

    it.each([408, 409, 502, 503, 504])('retries HTTP %i, then succeeds', async (status) => {
      server.script(
        openAIErrorReply(status, { message: 'try again', type: 'server_error' }),
        openAIChatReply({ content: 'ok' }),
      );
      expect((await provider().complete('hi')).content).toBe('ok');
      expect(server.requests).toHaveLength(2);
    });

    it.each([
      [403, AuthenticationError],
      [404, InvalidRequestError],
      [422, InvalidRequestError],
    ] as const)('does not retry HTTP %i', async (status, errorClass) => {
      server.script(
        openAIErrorReply(status, { message: 'no', type: 'invalid_request_error' }),
        openAIChatReply({ content: 'must not be reached' }),
      );
      const error = await failure(provider().complete('hi'));
      expect(errorClass.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status, attempts: 1, isRetryable: false });
      expect(server.requests).toHaveLength(1);
    });

    it('ends in RateLimitError after maxRetries + 1 attempts', async () => {
      const limited = openAIFixtureReply('error-rate-limit.json', {
        status: 429,
        headers: { 'retry-after': '0', 'x-request-id': 'req_429' },
      });
      server.script(limited, limited, limited);
      const error = await failure(provider().complete('hi', { maxRetries: 2 }));
      expect(RateLimitError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        status: 429,
        vendorCode: 'rate_limit_exceeded',
        requestId: 'req_429',
        attempts: 3,
        isRetryable: true,
      });
      expect((error as RateLimitError).retryAfterMs).toBe(0);
      expect(server.requests).toHaveLength(3);
    });

    it('retries 500 and ends in ProviderUnavailableError', async () => {
      const reply = openAIFixtureReply('error-server.json', { status: 500 });
      server.script(reply, reply);
      const error = await failure(provider().complete('hi', { maxRetries: 1 }));
      expect(ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 500, vendorType: 'server_error', attempts: 2 });
      expect(server.requests).toHaveLength(2);
    });

    it('does not retry an invalid API key (401) and never echoes the key', async () => {
      server.script(
        openAIErrorReply(401, {
          message: `Incorrect API key provided: ${canaryKey}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        }),
      );
      const error = await failure(provider().complete('hi'));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 401, vendorCode: 'invalid_api_key', attempts: 1, isRetryable: false });
      expect(error.message).toContain('[REDACTED]');
      expect(server.requests).toHaveLength(1);
    });

    it('maps context overflow to ContextLengthExceededError without retrying', async () => {
      server.script(openAIFixtureReply('error-context-length.json', { status: 400 }));
      const error = await failure(provider().complete('long'));
      expect(ContextLengthExceededError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 400, vendorCode: 'context_length_exceeded', attempts: 1 });
      expect(server.requests).toHaveLength(1);
    });

    it('maps other 400s to InvalidRequestError without retrying', async () => {
      server.script(openAIFixtureReply('error-invalid-request.json', { status: 400 }));
      const error = await failure(provider().complete('x'));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      expect(error.message).toContain("Invalid value for 'temperature'");
      expect(server.requests).toHaveLength(1);
    });

    it('ends a slow response with TimeoutError at the deadline', async () => {
      server.script({ ...openAIChatReply({ content: 'late' })({} as never), delayMs: 3000 });
      const started = performance.now();
      const error = await failure(provider().complete('hi', { timeoutMs: 150 }));
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect((error as TimeoutError).timeoutMs).toBe(150);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(server.requests).toHaveLength(1);
    });

    it('retries a connection reset before any output', async () => {
      server.script({ kind: 'reset' }, openAIChatReply({ content: 'after reset' }));
      const response = await provider().complete('hi');
      expect(response.content).toBe('after reset');
      expect(server.requests).toHaveLength(2);
    });

    it('retries a stream reset after the role chunk, before any output', async () => {
      server.script(
        (request) => ({
          ...(openAIChatReply({ content: 'lost' })(request) as { kind: 'sse'; frames: string[] }),
          resetAfterFrames: 1,
          frameDelayMs: 20,
        }),
        openAIChatReply({ content: 'kept' }),
      );
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({ type: 'end', response: { content: 'kept', metadata: { attempts: 2 } } });
      expect(server.requests).toHaveLength(2);
    });

    it('ends a stream reset mid-way with ProviderUnavailableError after one attempt', async () => {
      server.script((request) => ({
        ...(openAIChatReply({ content: 'one two three four' })(request) as { kind: 'sse'; frames: string[] }),
        resetAfterFrames: 3,
        frameDelayMs: 30,
      }));
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
      server.script({
        kind: 'sse',
        frames: [
          'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
          'data: {not json\n\n',
        ],
      });
      const error = await failure(collect(provider().stream('hi')));
      expect(InvalidResponseError.isInstance(error) && ProviderUnavailableError.isInstance(error)).toBe(true);
      expect(error.message).toContain('not JSON');
      expect(server.requests).toHaveLength(1);
    });

    it('classifies an error event inside a stream and retries it before any output', async () => {
      server.script(
        {
          kind: 'sse',
          frames: ['data: {"error":{"message":"The server had an error.","type":"server_error","code":null}}\n\n'],
        },
        openAIChatReply({ content: 'second try' }),
      );
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({
        type: 'end',
        response: { content: 'second try', metadata: { attempts: 2 } },
      });
      expect(server.requests).toHaveLength(2);
    });

    it('retries a malformed first event, since nothing was yielded yet, and counts the attempts', async () => {
      server.script({ kind: 'sse', frames: ['data: {oops\n\n'] }, openAIChatReply({ content: 'fine' }));
      const parts = await collect(provider().stream('hi'));
      expect(parts.at(-1)).toMatchObject({ type: 'end', response: { content: 'fine', metadata: { attempts: 2 } } });
      expect(server.requests).toHaveLength(2);
      server.script({ kind: 'sse', frames: ['data: {oops\n\n'] }, { kind: 'sse', frames: ['data: {oops\n\n'] });
      const error = await failure(collect(provider().stream('hi', { maxRetries: 1 })));
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, attempts: 2 });
    });

    it('ends a stream at the deadline mid-way and closes the connection (no caller signal)', async () => {
      // The first text comes at once; every later frame waits a second.
      server.script((request) => {
        const reply = openAIChatReply({ content: 'a b c d e f g h' })(request) as { kind: 'sse'; frames: string[] };
        return { ...reply, frameDelaysMs: reply.frames.map((_, index) => (index >= 2 ? 1000 : 0)) };
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
      // The first text chunk (frame 1) comes at once; every later frame waits a second.
      server.script((request) => {
        const reply = openAIChatReply({ content: 'a b c d e f g h' })(request) as { kind: 'sse'; frames: string[] };
        return { ...reply, frameDelaysMs: reply.frames.map((_, index) => (index >= 2 ? 1000 : 0)) };
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
      const elapsed = performance.now() - started;
      expect(AbortError.isInstance(error)).toBe(true);
      // The rest of the stream would take 8+ s; the abort must end it at once.
      expect(elapsed).toBeLessThan(2500);
      await expect.poll(() => server.requests[0]?.clientClosedEarly, { timeout: 2000 }).toBe(true);
    });

    it('cuts through a Retry-After backoff when aborted', async () => {
      server.script(openAIErrorReply(429, { message: 'wait', code: 'rate_limit_exceeded' }, { 'retry-after': '20' }));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = performance.now();
      const error = await failure(
        provider({ retry: { maxDelayMs: 60_000 } }).complete('hi', { signal: controller.signal }),
      );
      expect(AbortError.isInstance(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('malformed answers and stream failures', () => {
    describe('malformed success responses', () => {
      it('turns HTML sent as application/json into InvalidResponseError', async () => {
        server.script({
          kind: 'raw',
          data: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\nconnection: close\r\n\r\n<html>oops</html>`,
        });
        const error = await failure(provider().complete('hi', { maxRetries: 0 }));
        expect(error.name).toBe('InvalidResponseError');
        expect(error.isRetryable).toBe(true);
      });

      it.each([
        ['no choices', { id: 'x', object: 'chat.completion', model: 'm', usage: null }],
        ['a choice without a message', { id: 'x', model: 'm', choices: [{ index: 0, finish_reason: 'stop' }] }],
        ['an empty object', {}],
      ])('turns JSON with %s into InvalidResponseError', async (_name, body) => {
        server.script({ kind: 'json', body });
        const error = await failure(provider().complete('hi', { maxRetries: 0 }));
        expect(error.name).toBe('InvalidResponseError');
        expect(error.attempts).toBe(1);
      });
    });

    describe('streams that end before any output', () => {
      it('retries a stream that ends cleanly before any output, as its message says', async () => {
        server.script({ kind: 'sse', frames: ['data: [DONE]\n\n'] }, openAIChatReply({ content: 'second try' }));
        const parts = await collect(provider().stream('hi'));
        expect(parts.at(-1)).toMatchObject({
          type: 'end',
          response: { content: 'second try', metadata: { attempts: 2 } },
        });
        expect(server.requests).toHaveLength(2);
      });

      it('reports a stream cut after output with its attempt count, unretried', async () => {
        const frames = openAIChatStreamFrames({ content: 'one two three' }).slice(0, 3);
        server.script({ kind: 'sse', frames: [...frames, 'data: [DONE]\n\n'] });
        const error = await failure(collect(provider().stream('hi')));
        expect(error.name).toBe('InvalidResponseError');
        expect(error.attempts).toBe(1);
        expect(server.requests).toHaveLength(1);
      });
    });

    describe('messages', () => {
      it('never end in a doubled full stop', async () => {
        server.script(
          echoingError(401, 'invalid_request_error', 'invalid_api_key'),
          echoingError(500, 'server_error'),
          midStreamErrorEvent(),
        );
        const errors = [
          await failure(provider().complete('hi', { maxRetries: 0 })),
          await failure(provider().complete('hi', { maxRetries: 0 })),
          await failure(collect(provider().stream('hi', { maxRetries: 0 }))),
        ];
        for (const error of errors) expect(error.message).not.toMatch(/\.\.(\s|$)|\.\s\./);
      });
    });
  });

  describe('settings checks', () => {
    it('names the camelCase option for a snake_case one', () => {
      const error = invalidOptionsFailure(() => createOpenAIProvider({ api_key: 'x', base_url: 'y' } as never));
      expect(error.component).toBe('OpenAIProvider');
      expect(error.suggestions).toEqual({ api_key: 'apiKey', base_url: 'baseURL' });
      expect(error.message).not.toContain("'x'");
    });

    it.each([
      [{ apiKey: 42 }, 'apiKey'],
      [{ baseURL: 'not a url' }, 'baseURL'],
      [{ model: '' }, 'model'],
      [{ timeoutMs: -5 }, 'timeoutMs'],
      [{ headers: { 'x-a': 1 } }, 'headers'],
      [{ fetch: 'fetch' }, 'fetch'],
      [{ reasoningModel: 'yes' }, 'reasoningModel'],
      [{ retry: { baseDelayMs: 'fast' } }, 'retry.baseDelayMs'],
    ])('refuses a wrong value type: %o', (settings, name) => {
      const error = invalidOptionsFailure(() => new OpenAIProvider(settings as never));
      expect(error.message).toContain(`\`${name}\``);
    });

    it('never shows the API key in a settings error', () => {
      const error = invalidOptionsFailure(() =>
        createOpenAIProvider({ apiKey: canaryKey, timeoutMs: 'soon' } as never),
      );
      expect(error.message).not.toContain(canaryKey);
    });
  });

  describe('close', () => {
    it('is idempotent and rejects later calls', async () => {
      const closing = provider();
      await closing.close();
      await closing.close();
      const error = await failure(closing.complete('hi'));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
    });
  });

  describe('secrets', () => {
    it('keeps the API key out of a record/replay cassette', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'dk-openai-cassette-'));
      try {
        const cassettePath = join(directory, 'cassette.json');
        server.script(
          openAIChatReply({ content: 'recorded' }),
          openAIErrorReply(401, { message: `bad key ${canaryKey}`, code: 'invalid_api_key' }),
        );
        const recorder = recordReplayProvider({ provider: provider(), cassettePath, mode: 'record' });
        expect((await recorder.complete('hello')).content).toBe('recorded');
        await failure(recorder.complete('fail'));
        await recorder.close();
        const cassette = await readFile(cassettePath, 'utf8');
        expect(cassette).toContain('recorded');
        expect(cassette).not.toContain(canaryKey);
        const replayer = recordReplayProvider({ provider: provider(), cassettePath, mode: 'replay' });
        expect((await replayer.complete('hello')).content).toBe('recorded');
        expect(server.requests).toHaveLength(2);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('never exposes the API key in errors, their JSON, causes, logs or recorded requests', () => {
      expect(seenErrors.length).toBeGreaterThan(10);
      for (const error of seenErrors) {
        const texts: string[] = [];
        for (let current: unknown = error; current instanceof Error; current = current.cause) {
          texts.push(current.message, String(current.stack));
          if (ProviderError.isInstance(current)) texts.push(JSON.stringify(current.toJSON()));
        }
        for (const text of texts) expect(text).not.toContain(canaryKey);
      }
      expect(JSON.stringify(server.requests)).not.toContain(canaryKey);
      expect(logged).toEqual([]);
    });
  });
});
