import { InvalidRequestError, InvalidResponseError, ProviderUnavailableError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { createInvalidResponseError } from './create-invalid-response-error.js';
import { createUsage } from './create-usage.js';
import { mapCommonError } from './map-common-error.js';
import { abortableDelay } from './abortable-delay.js';
import { computeRetryDelay } from './compute-retry-delay.js';
import { normalizeInput } from './normalize-input.js';
import { parseToolCallArguments } from './parse-tool-call-arguments.js';
import { redactSecretValues } from './redact-secret-values.js';
import { ToolCallArgumentsError } from './tool-call-arguments-error.js';

describe('normalizeInput', () => {
  it('turns a string into one user message and keeps valid lists', () => {
    expect(normalizeInput('hi', 'test')).toEqual([{ role: 'user', content: 'hi' }]);
    const messages = [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
    ] as const;
    expect(normalizeInput(messages, 'test')).toBe(messages);
  });

  it('rejects empty lists, unknown roles, missing content and tool messages without toolCallId', () => {
    const bad: unknown[] = [
      [],
      [{ role: 'robot', content: 'x' }],
      [{ role: 'user' }],
      [{ role: 'tool', content: 'r' }],
      42,
    ];
    for (const input of bad) {
      expect(() => normalizeInput(input as never, 'test')).toThrow(InvalidRequestError);
    }
  });
});

describe('parseToolCallArguments', () => {
  const where = { provider: 'test', toolName: 'f', toolCallId: 'c1' };
  it('parses objects and treats empty text as no arguments', () => {
    expect(parseToolCallArguments('{"a":1}', where)).toEqual({ a: 1 });
    expect(parseToolCallArguments('  ', where)).toEqual({});
  });
  it('throws ToolCallArgumentsError for invalid JSON and non-objects', () => {
    for (const text of ['{', '[1]', '"x"', 'null']) {
      try {
        parseToolCallArguments(text, where);
        expect.unreachable();
      } catch (error) {
        expect(ToolCallArgumentsError.isInstance(error)).toBe(true);
        expect((error as ToolCallArgumentsError).toolName).toBe('f');
        expect((error as ToolCallArgumentsError).argumentsText).toBe(text);
      }
    }
  });
});

describe('redactSecretValues', () => {
  it('removes every occurrence, longest secret first, skipping empty ones', () => {
    expect(redactSecretValues('key sk-abc and sk-abcdef, sk-abc', ['sk-abc', 'sk-abcdef', '', undefined])).toBe(
      'key [REDACTED] and [REDACTED], [REDACTED]',
    );
  });
});

describe('computeRetryDelay', () => {
  it('uses full jitter under the exponential ceiling', () => {
    expect(
      computeRetryDelay({
        attemptNumber: 3,
        error: new Error('x'),
        baseDelayMs: 10,
        maxDelayMs: 1000,
        random: () => 0.999,
      }),
    ).toBe(39);
    expect(
      computeRetryDelay({
        attemptNumber: 20,
        error: new Error('x'),
        baseDelayMs: 10,
        maxDelayMs: 1000,
        random: () => 0.5,
      }),
    ).toBe(500);
  });
});

describe('abortableDelay', () => {
  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const pending = abortableDelay(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
  it('resolves after the delay', async () => {
    await expect(abortableDelay(1)).resolves.toBeUndefined();
  });
});

describe('createUsage', () => {
  it('builds usage only when both counts are known', () => {
    expect(createUsage(3, 4)).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
    expect(createUsage(3, 4, 10)).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 10 });
    expect(createUsage(undefined, 4)).toBeUndefined();
    expect(createUsage(3, null)).toBeUndefined();
  });
});

describe('createInvalidResponseError', () => {
  it('names the problem, quotes a short excerpt of a text body and is retryable', () => {
    const html = createInvalidResponseError({
      provider: 'acme',
      problem: 'expected JSON',
      body: '<!doctype html><p>oops</p>',
    });
    expect(InvalidResponseError.isInstance(html) && html.isRetryable).toBe(true);
    expect(html.message).toMatch(
      /^acme sent an invalid answer: expected JSON, got an HTML page \("<!doctype html><p>oops<\/p>"\)\. Retried/,
    );
    const json = createInvalidResponseError({ provider: 'acme', problem: 'expected `choices`', body: { id: 1 } });
    expect(json.message).toContain('got a JSON object with `id`');
  });
});

describe('mapCommonError', () => {
  it('maps unparsable JSON and transport failures, and leaves bugs alone', () => {
    expect(InvalidResponseError.isInstance(mapCommonError('acme', new SyntaxError('Unexpected token <')))).toBe(true);
    const network = mapCommonError('acme', new TypeError('fetch failed'));
    expect(ProviderUnavailableError.isInstance(network) && !InvalidResponseError.isInstance(network)).toBe(true);
    const bug = new TypeError('x is not a function');
    expect(mapCommonError('acme', bug)).toBe(bug);
  });
});
