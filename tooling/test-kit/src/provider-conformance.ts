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
import type { CompletionOptions, LLMMessage, LLMProvider, LLMResponse, StreamPart, ToolDefinition } from '@dk/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  CreateProviderHarness,
  ProviderHarness,
  ProviderHarnessOptions,
  ScriptedErrorKind,
} from './provider-harness.js';
import { caught, collectParts as collect } from './provider-test-helpers.js';
import { describeToolLoops } from './provider-tool-loop-conformance.js';
import { findSecretLeaks } from './secret-leaks.js';

/** Settings of {@link runProviderConformance}. */
export interface ProviderConformanceOptions {
  /** Skip the whole suite (e.g. an optional provider that is not available). Default `false`. */
  readonly skip?: boolean;
}

/** The retry settings every harness passes to its provider (tiny waits keep the suite fast). */
export const conformanceRetrySettings: ProviderHarnessOptions['retry'] = Object.freeze({
  maxRetries: 2,
  baseDelayMs: 1,
  maxDelayMs: 20,
});

type ErrorClass = { readonly errorName: string; isInstance(error: unknown): boolean };

const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
} as const;

const usage = { promptTokens: 11, completionTokens: 7, totalTokens: 18 };

const expectedErrors: Record<
  ScriptedErrorKind,
  { readonly errorClass: ErrorClass; readonly retryable: boolean; readonly status?: number }
> = {
  'rate-limit': { errorClass: RateLimitError, retryable: true, status: 429 },
  server: { errorClass: ProviderUnavailableError, retryable: true },
  overloaded: { errorClass: ProviderUnavailableError, retryable: true },
  network: { errorClass: ProviderUnavailableError, retryable: true },
  'invalid-response': { errorClass: InvalidResponseError, retryable: true },
  auth: { errorClass: AuthenticationError, retryable: false, status: 401 },
  'invalid-request': { errorClass: InvalidRequestError, retryable: false, status: 400 },
  'context-length': { errorClass: ContextLengthExceededError, retryable: false },
};

function expectError(error: unknown, errorClass: ErrorClass): ProviderError {
  expect(error, `expected ${errorClass.errorName}, but the call succeeded`).toBeDefined();
  expect(errorClass.isInstance(error), `expected ${errorClass.errorName}, got ${String(error)}`).toBe(true);
  return error as ProviderError;
}

function endOf(parts: readonly StreamPart[]): LLMResponse {
  const last = parts.at(-1);
  expect(last?.type, 'a stream must end with an `end` part').toBe('end');
  expect(
    parts.filter((part) => part.type === 'end'),
    'exactly one `end` part',
  ).toHaveLength(1);
  return (last as Extract<StreamPart, { type: 'end' }>).response;
}

function portable(response: LLMResponse): Record<string, unknown> {
  return {
    content: response.content,
    model: response.model,
    finishReason: response.finishReason,
    usage: response.usage,
    toolCalls: response.toolCalls ?? [],
    parsed: response.parsed,
  };
}

/**
 * The `LLMProvider` conformance suite: every provider (echo, OpenAI, Anthropic, …) runs it
 * unchanged through a {@link ProviderHarness}. It checks input shapes, complete/stream
 * equivalence, tool calls, tool loops (single, parallel, streamed argument deltas, tool
 * errors, text before a call), finish reasons, usage, per-call overrides, JSON and JSON-Schema
 * output, typed errors and retry counts for every scripted failure, abort, timeout and close.
 *
 * Requirements beyond the bare contract that the suite pins down:
 * - `response.metadata.provider` is the provider name and `response.metadata.attempts` the
 *   number of attempts the call took (1 without retries), in both `complete` and `stream`.
 * - Errors carry `attempts`; a harness's `secrets` never appear in error messages.
 * - A per-call `seed` either reaches the request or yields an `unsupported-setting` warning.
 *
 * @param name Label of the suite, e.g. `echo`.
 * @param createHarness Creates a fresh harness per test; it must configure the provider with
 *   `options.retry` (= {@link conformanceRetrySettings}) as `settings.retry`.
 */
export function runProviderConformance(
  name: string,
  createHarness: CreateProviderHarness,
  options: ProviderConformanceOptions = {},
): void {
  describe.skipIf(options.skip === true)(`LLMProvider conformance: ${name}`, () => {
    let harness: ProviderHarness;
    let provider: LLMProvider;

    beforeEach(async () => {
      harness = await createHarness({ retry: conformanceRetrySettings });
      provider = harness.provider;
    });

    afterEach(async () => {
      await harness.close();
    });

    it('identifies itself', () => {
      expect(provider.specificationVersion).toBe('v1');
      expect(typeof provider.provider).toBe('string');
      expect(provider.provider.length).toBeGreaterThan(0);
      expect(typeof provider.modelId).toBe('string');
      expect(provider.modelId.length).toBeGreaterThan(0);
    });

    describe('input', () => {
      it('sends a string as one user message', async () => {
        harness.script([{ text: 'Hello there', usage }]);
        const response = await provider.complete('Hi!');
        expect(response.content).toBe('Hello there');
        expect(response.finishReason).toBe('stop');
        expect(response.warnings).toEqual([]);
        expect(response.metadata['provider']).toBe(provider.provider);
        expect(response.metadata['attempts']).toBe(1);
        const [request] = harness.requests();
        expect(request?.messages).toEqual([{ role: 'user', content: 'Hi!' }]);
        expect(request?.stream).toBe(false);
      });

      it('sends system, user, assistant tool-call and tool messages', async () => {
        harness.script([{ text: 'Sunny again tomorrow.' }]);
        const messages: LLMMessage[] = [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
          },
          { role: 'tool', content: '{"celsius":18}', toolCallId: 'call_1' },
          { role: 'user', content: 'And tomorrow?' },
        ];
        const response = await provider.complete(messages, { tools: [weatherTool] });
        expect(response.content).toBe('Sunny again tomorrow.');
        const recorded = harness.requests()[0]?.messages ?? [];
        expect(recorded[0]).toMatchObject({ role: 'system', content: 'Be brief.' });
        expect(recorded.find((message) => message.role === 'user')?.content).toBe('Weather in Paris?');
        const assistant = recorded.find((message) => message.role === 'assistant');
        expect(assistant?.toolCalls).toEqual([{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }]);
        const tool = recorded.find((message) => message.role === 'tool');
        expect(tool).toMatchObject({ toolCallId: 'call_1', content: '{"celsius":18}' });
        expect(recorded.at(-1)).toMatchObject({ role: 'user', content: 'And tomorrow?' });
        // The caller's messages are never mutated.
        expect(messages).toHaveLength(5);
        expect(messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
      });
    });

    describe('complete and stream', () => {
      it('give identical assembled results, with text deltas concatenating to the content', async () => {
        const turn = { text: 'Hello, streaming world!', chunks: ['Hello', ', stream', 'ing world!'], usage };
        harness.script([turn, turn]);
        const completed = await provider.complete('Say hello');
        const parts = await collect(provider.stream('Say hello'));
        const streamed = endOf(parts);
        expect(portable(streamed)).toEqual(portable(completed));
        expect(completed.content).toBe('Hello, streaming world!');
        expect(completed.usage).toEqual(usage);
        const deltas = parts.filter(
          (part): part is Extract<StreamPart, { type: 'text-delta' }> => part.type === 'text-delta',
        );
        expect(deltas.length).toBeGreaterThan(1);
        expect(deltas.map((part) => part.text).join('')).toBe(streamed.content);
        const end = parts.at(-1) as Extract<StreamPart, { type: 'end' }>;
        expect(end.finishReason).toBe('stop');
        expect(end.usage).toEqual(usage);
        expect(streamed.metadata['provider']).toBe(provider.provider);
        expect(streamed.metadata['attempts']).toBe(1);
        expect(harness.requests().map((request) => request.stream)).toEqual([false, true]);
      });

      it('return tool calls with parsed arguments in both paths', async () => {
        const toolCalls = [
          { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
          { id: 'call_b', name: 'get_weather', arguments: { city: 'Oslo' } },
        ];
        harness.script([{ toolCalls }, { toolCalls }]);
        const completed = await provider.complete('Weather in Paris and Oslo?', { tools: [weatherTool] });
        expect(completed.toolCalls).toEqual(toolCalls);
        expect(completed.finishReason).toBe('tool_calls');
        expect(harness.requests()[0]?.toolNames).toEqual(['get_weather']);

        const parts = await collect(provider.stream('Weather in Paris and Oslo?', { tools: [weatherTool] }));
        const streamed = endOf(parts);
        expect(streamed.toolCalls).toEqual(toolCalls);
        expect(streamed.finishReason).toBe('tool_calls');
        const callParts = parts.filter(
          (part): part is Extract<StreamPart, { type: 'tool-call' }> => part.type === 'tool-call',
        );
        expect(callParts.map((part) => part.toolCall)).toEqual(toolCalls);
        expect(parts.findIndex((part) => part.type === 'tool-call')).toBeLessThan(parts.length - 1);
        const deltas = parts.filter(
          (part): part is Extract<StreamPart, { type: 'tool-call-delta' }> => part.type === 'tool-call-delta',
        );
        for (const call of toolCalls) {
          const mine = deltas.filter((part) => part.toolCallId === call.id);
          if (mine.length > 0)
            expect(JSON.parse(mine.map((part) => part.argumentsDelta).join(''))).toEqual(call.arguments);
        }
      });

      it.each(['stop', 'length', 'content_filter'] as const)('report finish reason %s', async (finishReason) => {
        harness.script([
          { text: 'partial', finishReason },
          { text: 'partial', finishReason },
        ]);
        expect((await provider.complete('go')).finishReason).toBe(finishReason);
        const parts = await collect(provider.stream('go'));
        expect(endOf(parts).finishReason).toBe(finishReason);
      });

      it('report unknown usage as undefined with a warning, never as zeros, when the backend sends none', async () => {
        harness.script([
          { text: 'no usage here', usage: null },
          { text: 'no usage here', usage: null },
        ]);
        const completed = await provider.complete('hi');
        const parts = await collect(provider.stream('hi'));
        const end = parts.at(-1) as Extract<StreamPart, { type: 'end' }>;
        for (const response of [completed, endOf(parts)]) {
          expect(response.content).toBe('no usage here');
          expect(response.usage).toBeUndefined();
          expect(response.warnings.some((warning) => warning.type === 'other' && /usage/i.test(warning.message))).toBe(
            true,
          );
        }
        expect(end.usage).toBeUndefined();
      });

      it('send per-call overrides in the request', async () => {
        harness.script([{ text: 'ok' }]);
        const response = await provider.complete('x', {
          model: 'override-model',
          temperature: 0.25,
          maxTokens: 42,
          topP: 0.5,
          stop: ['END'],
          seed: 7,
        });
        const [request] = harness.requests();
        expect(request).toMatchObject({
          model: 'override-model',
          temperature: 0.25,
          maxTokens: 42,
          topP: 0.5,
          stop: ['END'],
        });
        const seedWarned = response.warnings.some(
          (warning) => warning.type === 'unsupported-setting' && warning.setting === 'seed',
        );
        expect(
          request?.seed === 7 || seedWarned,
          'seed must reach the request or produce an unsupported-setting warning',
        ).toBe(true);
      });
    });

    describeToolLoops(() => harness);

    describe('structured output', () => {
      it('parses JSON mode output in both paths', async () => {
        harness.script([
          { text: '{"ok":true,"n":[1,2]}' },
          { text: '{"ok":true,"n":[1,2]}', chunks: ['{"ok":tr', 'ue,"n":[1,2]}'] },
        ]);
        const format: CompletionOptions = { responseFormat: { type: 'json' } };
        expect((await provider.complete('json please', format)).parsed).toEqual({ ok: true, n: [1, 2] });
        expect(endOf(await collect(provider.stream('json please', format))).parsed).toEqual({ ok: true, n: [1, 2] });
      });

      it('validates JSON Schema output: valid gives parsed, invalid raises StructuredOutputError', async () => {
        const format: CompletionOptions = {
          responseFormat: { type: 'json-schema', schema: personSchema, name: 'person' },
        };
        harness.script([
          { text: '{"name":"Ada","age":36}' },
          { text: '{"name":"Ada","age":"old"}' },
          { text: '{"name":"Ada"}' },
          { text: 'not json' },
        ]);
        expect((await provider.complete('person', format)).parsed).toEqual({ name: 'Ada', age: 36 });
        const mismatch = expectError(
          await caught(provider.complete('person', format)),
          StructuredOutputError,
        ) as StructuredOutputError;
        expect(mismatch.issues.map((issue) => issue.path)).toContain('/age');
        expect(mismatch.text).toBe('{"name":"Ada","age":"old"}');
        const streamed = expectError(
          await caught(collect(provider.stream('person', format))),
          StructuredOutputError,
        ) as StructuredOutputError;
        expect(streamed.issues.map((issue) => issue.path)).toContain('/age');
        const invalidJson = expectError(
          await caught(provider.complete('person', format)),
          StructuredOutputError,
        ) as StructuredOutputError;
        expect(invalidJson.issues).toEqual([]);
      });

      it('return tool calls, and parse nothing, when a JSON format is combined with tools', async () => {
        const toolCalls = [{ id: 'call_w', name: 'get_weather', arguments: { city: 'Lima' } }];
        const formats: CompletionOptions['responseFormat'][] = [
          { type: 'json' },
          { type: 'json-schema', schema: personSchema, name: 'person' },
        ];
        harness.script(formats.flatMap(() => [{ toolCalls }, { toolCalls }]));
        for (const responseFormat of formats) {
          const options: CompletionOptions = { responseFormat, tools: [weatherTool] };
          const completed = await provider.complete('Weather in Lima, as JSON?', options);
          expect(completed.toolCalls).toEqual(toolCalls);
          expect(completed.finishReason).toBe('tool_calls');
          expect(completed.parsed).toBeUndefined();
          const parts = await collect(provider.stream('Weather in Lima, as JSON?', options));
          const streamed = endOf(parts);
          expect(streamed.toolCalls).toEqual(toolCalls);
          expect(streamed.finishReason).toBe('tool_calls');
          expect(streamed.parsed).toBeUndefined();
          expect(
            parts.filter((part) => part.type === 'tool-call').map((part) => part.type === 'tool-call' && part.toolCall),
          ).toEqual(toolCalls);
        }
      });
    });

    describe('errors and retries', () => {
      for (const [kind, expected] of Object.entries(expectedErrors) as [
        ScriptedErrorKind,
        (typeof expectedErrors)[ScriptedErrorKind],
      ][]) {
        if (expected.retryable) {
          it(`retries a ${kind} failure and then succeeds`, async () => {
            harness.script([{ error: { kind, retryAfterMs: 2 } }, { text: 'recovered' }]);
            const response = await provider.complete('hi');
            expect(response.content).toBe('recovered');
            expect(response.metadata['attempts']).toBe(2);
            expect(harness.requests()).toHaveLength(2);
          });

          it(`raises ${expected.errorClass.errorName} for ${kind} once maxRetries is exhausted`, async () => {
            harness.script([{ error: { kind, retryAfterMs: 3 } }, { error: { kind, retryAfterMs: 3 } }]);
            const error = expectError(await caught(provider.complete('hi', { maxRetries: 1 })), expected.errorClass);
            expect(error.isRetryable).toBe(true);
            expect(error.attempts).toBe(2);
            expect(error.provider).toBe(provider.provider);
            if (expected.status !== undefined) expect(error.status).toBe(expected.status);
            if (kind === 'rate-limit') expect((error as RateLimitError).retryAfterMs).toBe(3);
            expect(harness.requests()).toHaveLength(2);
          });
        } else {
          it(`raises ${expected.errorClass.errorName} for ${kind} without retrying`, async () => {
            harness.script([{ error: { kind } }, { text: 'must not be reached' }]);
            const error = expectError(await caught(provider.complete('hi')), expected.errorClass);
            expect(error.isRetryable).toBe(false);
            expect(error.attempts).toBe(1);
            expect(error.provider).toBe(provider.provider);
            if (expected.status !== undefined) expect(error.status).toBe(expected.status);
            expect(harness.requests()).toHaveLength(1);
          });
        }
      }

      it('does not retry with maxRetries: 0', async () => {
        harness.script([{ error: { kind: 'server' } }, { text: 'must not be reached' }]);
        const error = expectError(await caught(provider.complete('hi', { maxRetries: 0 })), ProviderUnavailableError);
        expect(error.attempts).toBe(1);
        expect(harness.requests()).toHaveLength(1);
      });

      it.each(['server', 'network', 'invalid-response'] as const)(
        'retries a stream that fails with %s before any output',
        async (kind) => {
          harness.script([{ error: { kind } }, { text: 'streamed after retry', chunks: ['streamed ', 'after retry'] }]);
          const response = endOf(await collect(provider.stream('hi')));
          expect(response.content).toBe('streamed after retry');
          expect(response.metadata['attempts']).toBe(2);
          expect(harness.requests()).toHaveLength(2);
        },
      );

      it('ends a stream that keeps failing before any output with the attempt count', async () => {
        harness.script([{ error: { kind: 'invalid-response' } }, { error: { kind: 'invalid-response' } }]);
        const error = expectError(
          await caught(collect(provider.stream('hi', { maxRetries: 1 }))),
          InvalidResponseError,
        );
        expect(error.attempts).toBe(2);
        expect(error.isRetryable).toBe(true);
        expect(harness.requests()).toHaveLength(2);
      });

      it('retries a 200 answer whose tool call has no name, as InvalidResponseError', async () => {
        const malformed = { error: { kind: 'invalid-response', shape: 'missing-fields' } } as const;
        harness.script([malformed, { text: 'recovered' }, malformed, malformed]);
        const response = await provider.complete('hi');
        expect(response.content).toBe('recovered');
        expect(response.metadata['attempts']).toBe(2);
        const error = expectError(await caught(provider.complete('hi', { maxRetries: 1 })), InvalidResponseError);
        expect(error).toMatchObject({ isRetryable: true, attempts: 2 });
        expect(harness.requests()).toHaveLength(4);
      });

      it('ends a stream whose tool call has no name with a retryable InvalidResponseError', async () => {
        // Retried only if the provider saw the problem before yielding the call's first delta.
        const malformed = { error: { kind: 'invalid-response', shape: 'missing-fields' } } as const;
        harness.script([malformed, malformed]);
        const error = expectError(
          await caught(collect(provider.stream('hi', { maxRetries: 1 }))),
          InvalidResponseError,
        );
        expect(error.isRetryable).toBe(true);
        expect(error.attempts).toBe(harness.requests().length);
      });

      it.each(['server', 'network'] as const)(
        'ends a stream that fails with %s after output began, unretried, with attempts 1',
        async (kind) => {
          harness.script([
            { text: 'partial answer', chunks: ['partial ', 'answer'], errorAfterOutput: { kind } },
            { text: 'must not be reached' },
          ]);
          const received: string[] = [];
          const error = expectError(
            await caught(
              (async () => {
                for await (const part of provider.stream('hi'))
                  if (part.type === 'text-delta') received.push(part.text);
              })(),
            ),
            ProviderUnavailableError,
          );
          expect(received.join('')).toBe('partial answer');
          expect(error.attempts).toBe(1);
          expect(error.message, 'a failure inside a stream is not an unreachable server').not.toMatch(
            /could not be reached/,
          );
          expect(harness.requests()).toHaveLength(1);
        },
      );

      it('raises typed, non-retried errors from streams', async () => {
        harness.script([{ error: { kind: 'auth' } }, { text: 'must not be reached' }]);
        expectError(await caught(collect(provider.stream('hi'))), AuthenticationError);
        expect(harness.requests()).toHaveLength(1);
      });

      it('keeps secrets out of every error, even when the backend echoes them', async () => {
        const kinds = Object.keys(expectedErrors) as ScriptedErrorKind[];
        harness.script(
          kinds.flatMap((kind) => [{ error: { kind, echoSecrets: true } }, { error: { kind, echoSecrets: true } }]),
        );
        harness.script(
          (['server', 'network'] as const).map((kind) => ({
            text: 'partial',
            chunks: ['par', 'tial'],
            errorAfterOutput: { kind, echoSecrets: true },
          })),
        );
        const errors: unknown[] = [];
        for (const _kind of kinds) {
          errors.push(await caught(provider.complete('hi', { maxRetries: 0 })));
          errors.push(await caught(collect(provider.stream('hi', { maxRetries: 0 }))));
        }
        errors.push(await caught(collect(provider.stream('hi', { maxRetries: 0 }))));
        errors.push(await caught(collect(provider.stream('hi', { maxRetries: 0 }))));
        expect(harness.requests()).toHaveLength(errors.length);
        for (const [index, error] of errors.entries()) {
          expect(ProviderError.isInstance(error), `error ${index} is a ProviderError: ${String(error)}`).toBe(true);
          expect(findSecretLeaks(error, harness.secrets ?? []), `error ${index}: ${String(error)}`).toEqual([]);
          expect((error as Error).message, 'no doubled full stop').not.toMatch(/\.\.(\s|$)|\.\s\./);
        }
      });
    });

    describe('abort and timeout', () => {
      it('fails with AbortError without sending a request when the signal is already aborted', async () => {
        harness.script([{ text: 'unused' }]);
        expectError(await caught(provider.complete('hi', { signal: AbortSignal.abort() })), AbortError);
        expectError(await caught(collect(provider.stream('hi', { signal: AbortSignal.abort() }))), AbortError);
        expect(harness.requests()).toHaveLength(0);
      });

      it('stops an in-flight call promptly with AbortError', async () => {
        harness.script([{ text: 'too late', delayMs: 5_000 }]);
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 30);
        const error = expectError(await caught(provider.complete('hi', { signal: controller.signal })), AbortError);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.attempts).toBe(1);
      });

      it('stops a stream promptly with AbortError after output began', async () => {
        const chunks = Array.from({ length: 10 }, (_, index) => `chunk${index} `);
        harness.script([{ text: chunks.join(''), chunks, chunkDelayMs: 500 }]);
        const controller = new AbortController();
        const received: string[] = [];
        let started = 0;
        const error = await caught(
          (async () => {
            for await (const part of provider.stream('hi', { signal: controller.signal })) {
              if (part.type === 'text-delta') {
                received.push(part.text);
                if (started === 0) {
                  started = Date.now();
                  controller.abort();
                }
              }
            }
          })(),
        );
        expectError(error, AbortError);
        expect(received.join('').length).toBeLessThan(chunks.join('').length);
        expect(Date.now() - started).toBeLessThan(2_000);
      });

      it('fails with TimeoutError when timeoutMs passes', async () => {
        harness.script([
          { text: 'too late', delayMs: 5_000 },
          { text: 'too late', delayMs: 5_000 },
        ]);
        const started = Date.now();
        const error = expectError(
          await caught(provider.complete('hi', { timeoutMs: 100 })),
          TimeoutError,
        ) as TimeoutError;
        expect(error.timeoutMs).toBe(100);
        expect(Date.now() - started).toBeLessThan(2_500);
        expectError(await caught(collect(provider.stream('hi', { timeoutMs: 100 }))), TimeoutError);
      });
    });

    describe('close', () => {
      it('is idempotent, and later calls fail with InvalidRequestError', async () => {
        await provider.close();
        await provider.close();
        expectError(await caught(provider.complete('hi')), InvalidRequestError);
        expectError(await caught(collect(provider.stream('hi'))), InvalidRequestError);
      });
    });
  });
}
