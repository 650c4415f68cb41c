import { getEventListeners } from 'node:events';
import {
  AbortError,
  AuthenticationError,
  InvalidOptionsError,
  InvalidRequestError,
  InvalidResponseError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitError,
  TimeoutError,
} from '@dk/spec';
import type { LLMResponse, StreamPart } from '@dk/spec';
import { caught, collectParts as collect } from '@dk/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BaseProvider } from './base-provider.js';
import { cancellableStream } from './cancellable-stream.js';
import type { BaseProviderSettings } from './base-provider.js';
import type { AttemptOptions, EmbedRequest, ModelRequest } from './provider-model.js';

// A small vendor built on BaseProvider: each attempt plays the next scripted step, the way a
// vendor client answers one request. Its "client" throws VendorError, which mapError translates.

const secret = 'sk-test-0f9e8d7c-DO-NOT-LEAK';

class VendorError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`vendor failed with ${status}`);
  }
}

type Step =
  | { readonly respond: string; readonly usage?: null }
  | { readonly fail: unknown }
  /** Waits until the attempt's signal aborts (or forever when `ignoreSignal`). */
  | { readonly hang: true; readonly ignoreSignal?: boolean }
  | {
      readonly stream: readonly string[];
      /** Throw this after the text parts instead of ending. */
      readonly thenFail?: unknown;
      /** Wait for the signal after this many parts. */
      readonly hangAfter?: number;
    };

function response(content: string, usage = true): LLMResponse {
  return {
    content,
    model: 'test-model',
    finishReason: 'stop',
    ...(usage ? { usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } } : {}),
    metadata: { provider: 'test' },
    warnings: [],
  };
}

function waitForAbort(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('vendor client aborted')), { once: true });
  });
}

class TestProvider extends BaseProvider {
  readonly steps: Step[] = [];
  readonly attemptOptions: AttemptOptions[] = [];
  readonly closedSources: string[] = [];
  /** Streams the wrapper closed (through `cancellableStream`), by their text. */
  readonly cancelled: string[] = [];

  constructor(settings: Partial<BaseProviderSettings> = {}) {
    super({ provider: 'test', component: 'TestProvider', modelId: 'test-model', ...settings });
  }

  script(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  async doComplete(_request: ModelRequest, options: AttemptOptions): Promise<LLMResponse> {
    const step = this.#next(options);
    if ('respond' in step) return response(step.respond, step.usage !== null);
    if ('fail' in step) throw step.fail;
    if ('hang' in step)
      return step.ignoreSignal === true ? new Promise<never>(() => undefined) : waitForAbort(options.signal);
    throw new Error('a stream step in complete()');
  }

  async doStream(_request: ModelRequest, options: AttemptOptions): Promise<AsyncIterable<StreamPart>> {
    const step = this.#next(options);
    if ('fail' in step) throw step.fail;
    if ('hang' in step) return waitForAbort(options.signal);
    if (!('stream' in step)) throw new Error('a complete step in stream()');
    const closed = this.closedSources;
    const cancelled = this.cancelled;
    const parts = (async function* () {
      try {
        let sent = 0;
        for (const text of step.stream) {
          if (step.hangAfter !== undefined && sent === step.hangAfter) await waitForAbort(options.signal);
          yield { type: 'text-delta', text } as const;
          sent += 1;
        }
        if (step.thenFail !== undefined) throw step.thenFail;
        if (step.stream.length === 0) return;
        const final = response(step.stream.join(''));
        yield { type: 'end', finishReason: 'stop', usage: final.usage, response: final } as const;
      } finally {
        closed.push(step.stream.join(''));
      }
    })();
    return cancellableStream(parts, () => cancelled.push(step.stream.join('')));
  }

  override async doEmbed({ texts }: EmbedRequest, options: AttemptOptions): Promise<number[][]> {
    const step = this.#next(options);
    if ('fail' in step) throw step.fail;
    return texts.map((text) => [text.length]);
  }

  embed(texts: readonly string[], options = {}): Promise<number[][]> {
    return this.embedTexts(texts, options);
  }

  protected override mapError(error: unknown): unknown {
    if (!(error instanceof VendorError)) return error;
    if (error.status === 401) return new AuthenticationError({ provider: 'test', message: 'bad key', cause: error });
    if (error.status === 429) {
      const retryAfterMs = (error.body as { retryAfterMs?: number }).retryAfterMs;
      return new RateLimitError({ provider: 'test', message: 'slow down', retryAfterMs, cause: error });
    }
    return new ProviderUnavailableError({ provider: 'test', message: 'down', status: error.status, cause: error });
  }

  protected override secrets(): Iterable<string> {
    return [secret];
  }

  #next(options: AttemptOptions): Step {
    this.attemptOptions.push(options);
    const step = this.steps.shift();
    if (step === undefined) throw new Error('the test script ran out');
    return step;
  }
}

const down = (): VendorError => new VendorError(503, { message: 'down' });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('BaseProvider', () => {
  describe('complete', () => {
    it('retries retryable failures (mapped from the vendor error) and reports the attempts', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1, maxDelayMs: 2 } }).script(
        { fail: down() },
        { fail: down() },
        { respond: 'ok' },
      );
      const result = await provider.complete('hi');
      expect(result.content).toBe('ok');
      expect(result.metadata['attempts']).toBe(3);
      expect(provider.attemptOptions).toHaveLength(3);
    });

    it('waits with exponential full-jitter backoff between attempts', async () => {
      vi.useFakeTimers();
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const provider = new TestProvider({ retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 250 } }).script(
        { fail: down() },
        { fail: down() },
        { fail: down() },
        { respond: 'ok' },
      );
      const pending = provider.complete('hi');
      // 0.5 × min(250, 100·2^(n-1)) for n = 1, 2, 3: waits of 50, 100 and 125 ms.
      for (const [wait, attempts] of [
        [49, 1],
        [1, 2],
        [99, 2],
        [1, 3],
        [124, 3],
        [1, 4],
      ] as const) {
        await vi.advanceTimersByTimeAsync(wait);
        expect(provider.attemptOptions).toHaveLength(attempts);
      }
      expect((await pending).metadata['attempts']).toBe(4);
    });

    it('waits as long as Retry-After says, capped by maxDelayMs', async () => {
      vi.useFakeTimers();
      const provider = new TestProvider({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 500 } }).script(
        { fail: new VendorError(429, { retryAfterMs: 70 }) },
        { fail: new VendorError(429, { retryAfterMs: 10_000 }) },
        { respond: 'ok' },
      );
      const pending = provider.complete('hi');
      await vi.advanceTimersByTimeAsync(69);
      expect(provider.attemptOptions).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(provider.attemptOptions).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(499);
      expect(provider.attemptOptions).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).content).toBe('ok');
    });

    it('throws a non-retryable failure at once, and gives up after maxRetries with the attempt count', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1 } }).script(
        { fail: new VendorError(401, {}) },
        { fail: down() },
        { fail: down() },
      );
      const auth = await caught(provider.complete('hi'));
      expect(AuthenticationError.isInstance(auth) && auth.attempts).toBe(1);
      const unavailable = await caught(provider.complete('hi', { maxRetries: 1 }));
      expect(ProviderUnavailableError.isInstance(unavailable) && unavailable.attempts).toBe(2);
      expect(provider.attemptOptions).toHaveLength(3);
    });

    it('passes errors that are not ProviderErrors (bugs) through, unretried', async () => {
      const bug = new TypeError('bug');
      const provider = new TestProvider().script({ fail: bug }, { respond: 'not reached' });
      expect(await caught(provider.complete('hi'))).toBe(bug);
      expect(provider.attemptOptions).toHaveLength(1);
    });

    it('hands each attempt the headers, a signal and the remaining deadline', async () => {
      const provider = new TestProvider({ timeoutMs: 60_000 }).script({ respond: 'ok' }, { respond: 'ok' });
      await provider.complete('hi', { headers: { 'x-trace': 'a' } });
      const [first] = provider.attemptOptions;
      expect(first?.headers).toEqual({ 'x-trace': 'a' });
      expect(first?.signal).toBeInstanceOf(AbortSignal);
      expect(first?.timeoutMs).toBeGreaterThan(59_000);
      expect(first?.timeoutMs).toBeLessThanOrEqual(60_000);
      const controller = new AbortController();
      const untimed = new TestProvider().script({ respond: 'ok' }, { respond: 'ok' });
      await untimed.complete('hi', { signal: controller.signal });
      // The call's own signal, never the caller's: clients leave their listeners on what they get.
      const attemptSignal = untimed.attemptOptions[0]?.signal;
      expect(attemptSignal).toBeInstanceOf(AbortSignal);
      expect(attemptSignal).not.toBe(controller.signal);
      expect(untimed.attemptOptions[0]?.timeoutMs).toBeUndefined();
      await untimed.complete('hi');
      expect(untimed.attemptOptions[1]?.signal).toBeUndefined();
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('fails with AbortError without an attempt when the signal is already aborted', async () => {
      const provider = new TestProvider().script({ respond: 'unused' });
      const error = await caught(provider.complete('hi', { signal: AbortSignal.abort() }));
      expect(AbortError.isInstance(error) && error.attempts).toBe(0);
      expect(provider.attemptOptions).toHaveLength(0);
    });

    it('aborts an in-flight attempt, even one that ignores its signal, with AbortError', async () => {
      for (const ignoreSignal of [false, true]) {
        const provider = new TestProvider({ timeoutMs: 60_000 }).script({ hang: true, ignoreSignal });
        const controller = new AbortController();
        const pending = caught(provider.complete('hi', { signal: controller.signal }));
        await vi.waitUntil(() => provider.attemptOptions.length === 1);
        controller.abort(new Error('user left'));
        const error = await pending;
        expect(AbortError.isInstance(error)).toBe(true);
        expect((error as AbortError).attempts).toBe(1);
        expect((error as AbortError).cause).toEqual(new Error('user left'));
        expect(provider.attemptOptions[0]?.signal?.aborted).toBe(true);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      }
    });

    it('ends at the deadline with TimeoutError, during an attempt or a backoff', async () => {
      vi.useFakeTimers();
      const hanging = new TestProvider().script({ hang: true });
      const during = caught(hanging.complete('hi', { timeoutMs: 100 }));
      await vi.advanceTimersByTimeAsync(100);
      const error = await during;
      expect(TimeoutError.isInstance(error) && error.timeoutMs).toBe(100);
      expect(hanging.attemptOptions[0]?.signal?.aborted).toBe(true);

      const backingOff = new TestProvider({ retry: { maxDelayMs: 60_000 } }).script({
        fail: new VendorError(429, { retryAfterMs: 60_000 }),
      });
      const inBackoff = caught(backingOff.complete('hi', { timeoutMs: 100 }));
      await vi.advanceTimersByTimeAsync(100);
      const timeout = await inBackoff;
      expect(TimeoutError.isInstance(timeout) && timeout.attempts).toBe(1);
    });

    it('adds a warning, and keeps usage undefined, when the response has no usage', async () => {
      const provider = new TestProvider().script({ respond: 'ok', usage: null });
      const result = await provider.complete('hi');
      expect(result.usage).toBeUndefined();
      expect(result.warnings).toEqual([{ type: 'other', message: expect.stringMatching(/usage is unknown/) }]);
    });
  });

  describe('stream', () => {
    it('starts nothing before the first next(), then retries failures before the first part', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1 } }).script(
        { fail: down() },
        { stream: [] },
        { stream: ['a', 'b'] },
      );
      const stream = provider.stream('hi');
      expect(provider.attemptOptions).toHaveLength(0);
      const parts = await collect(stream);
      expect(parts.map((part) => part.type)).toEqual(['text-delta', 'text-delta', 'end']);
      const end = parts.at(-1) as Extract<StreamPart, { type: 'end' }>;
      expect(end.response.metadata['attempts']).toBe(3);
      expect(provider.attemptOptions).toHaveLength(3);
    });

    it('fails an always-empty stream with InvalidResponseError and its attempt count', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1 } }).script(
        { stream: [] },
        { stream: [] },
        { stream: [] },
      );
      const error = await caught(collect(provider.stream('hi')));
      expect(InvalidResponseError.isInstance(error) && error.attempts).toBe(3);
    });

    it('does not retry once a part was yielded, and reports the attempts', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1 } }).script(
        { fail: down() },
        { stream: ['a', 'b'], thenFail: down() },
        { stream: ['not reached'] },
      );
      const received: string[] = [];
      const error = await caught(
        (async () => {
          for await (const part of provider.stream('hi')) if (part.type === 'text-delta') received.push(part.text);
        })(),
      );
      expect(received).toEqual(['a', 'b']);
      expect(ProviderUnavailableError.isInstance(error) && error.attempts).toBe(2);
      expect(provider.attemptOptions).toHaveLength(2);
    });

    it('ends promptly with AbortError while waiting for a part, aborting the source through its signal', async () => {
      const provider = new TestProvider({ timeoutMs: 60_000 }).script({ stream: ['a', 'b'], hangAfter: 1 });
      const controller = new AbortController();
      const received: string[] = [];
      const error = await caught(
        (async () => {
          for await (const part of provider.stream('hi', { signal: controller.signal })) {
            if (part.type === 'text-delta') received.push(part.text);
            controller.abort();
          }
        })(),
      );
      expect(AbortError.isInstance(error)).toBe(true);
      expect(received).toEqual(['a']);
      expect(provider.attemptOptions[0]?.signal?.aborted).toBe(true);
      await vi.waitUntil(() => provider.closedSources.length === 1);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('applies the deadline to the whole stream, closing a stream that got no signal', async () => {
      const provider = new TestProvider().script({ stream: ['a', 'b'], hangAfter: 1 }, { stream: ['c'], hangAfter: 0 });
      const error = await caught(collect(provider.stream('hi', { timeoutMs: 50 })));
      expect(TimeoutError.isInstance(error) && error.attempts).toBe(1);
      // Without a caller signal a stream gets none (it costs the vendor client): closing it stops it.
      expect(provider.attemptOptions[0]?.signal).toBeUndefined();
      expect(provider.cancelled).toEqual(['ab']);
      // The same while the first part is awaited, inside the attempt.
      const first = await caught(collect(provider.stream('hi', { timeoutMs: 50 })));
      expect(TimeoutError.isInstance(first)).toBe(true);
      expect(provider.cancelled).toEqual(['ab', 'c']);
    });

    it('fails with AbortError when aborted while the consumer handles a part, and releases the signal', async () => {
      const provider = new TestProvider({ timeoutMs: 60_000 }).script({ stream: ['a', 'b', 'c'] }, { stream: ['d'] });
      const controller = new AbortController();
      const stream = provider.stream('hi', { signal: controller.signal });
      expect(await stream.next()).toEqual({ done: false, value: { type: 'text-delta', text: 'a' } });
      controller.abort();
      expect(AbortError.isInstance(await caught(stream.next()))).toBe(true);
      expect(await stream.next()).toEqual({ done: true, value: undefined });
      const finished = new AbortController();
      await collect(provider.stream('hi', { signal: finished.signal }));
      expect(getEventListeners(finished.signal, 'abort')).toHaveLength(0);
    });

    it('serves overlapping next() calls in order', async () => {
      const provider = new TestProvider().script({ stream: ['a', 'b'] });
      const stream = provider.stream('hi');
      const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next()]);
      expect(results.map((result) => (result.done === true ? 'done' : result.value.type))).toEqual([
        'text-delta',
        'text-delta',
        'end',
        'done',
      ]);
    });

    it('closes the source when the consumer stops early', async () => {
      const provider = new TestProvider().script({ stream: ['a', 'b', 'c'] });
      for await (const part of provider.stream('hi')) {
        expect(part).toEqual({ type: 'text-delta', text: 'a' });
        break;
      }
      await vi.waitUntil(() => provider.closedSources.length === 1);
    });

    it('rejects the first next(), not stream(), for invalid input or a closed provider', async () => {
      const provider = new TestProvider();
      const invalid = provider.stream([]);
      expect(InvalidRequestError.isInstance(await caught(collect(invalid)))).toBe(true);
      await provider.close();
      expect(InvalidRequestError.isInstance(await caught(collect(provider.stream('hi'))))).toBe(true);
    });
  });

  describe('errors that leave', () => {
    it('never show a secret, wherever the vendor put it', async () => {
      const vendorFailure = new VendorError(503, { message: `key ${secret} rejected`, nested: [{ echo: secret }] });
      vendorFailure.message = `vendor failed for ${secret}`;
      Object.assign(vendorFailure, { headers: new Headers({ 'x-echo': secret }) });
      const bug = new TypeError(`bug with ${secret}`, { cause: { detail: secret } });
      const provider = new TestProvider().script(
        { fail: vendorFailure },
        { fail: bug },
        { stream: ['a'], thenFail: bug },
      );
      const errors = [
        await caught(provider.complete('hi', { maxRetries: 0 })),
        await caught(provider.complete('hi')),
        await caught(collect(provider.stream('hi'))),
      ];
      const { inspect } = await import('node:util');
      for (const error of errors) {
        const text = `${inspect(error, { depth: Infinity, showHidden: true })} ${JSON.stringify(error)}`;
        expect(text).not.toContain(secret);
        expect(text).toContain('[REDACTED]');
      }
      expect(ProviderError.isInstance(errors[0]) && (errors[0].cause as VendorError).status).toBe(503);
    });
  });

  describe('options', () => {
    it('refuses unknown per-call options with a did-you-mean, and wrong values', async () => {
      const provider = new TestProvider();
      const unknown = await caught(provider.complete('hi', { max_tokens: 3 } as never));
      expect(InvalidOptionsError.isInstance(unknown) && unknown.suggestions).toEqual({ max_tokens: 'maxTokens' });
      for (const options of [{ maxRetries: -1 }, { timeoutMs: 0 }, { signal: 'stop' }]) {
        expect(InvalidOptionsError.isInstance(await caught(provider.complete('hi', options as never)))).toBe(true);
      }
      expect(provider.attemptOptions).toHaveLength(0);
    });

    it('refuses invalid retry settings and deadlines at construction', () => {
      expect(() => new TestProvider({ retry: { maxRetries: 1.5 } })).toThrow(/`retry.maxRetries` must be/);
      expect(() => new TestProvider({ retry: { base_delay_ms: 1 } as never })).toThrow(/did you mean `baseDelayMs`/);
      expect(() => new TestProvider({ timeoutMs: -1 })).toThrow(/`timeoutMs` must be a positive number/);
    });
  });

  describe('embed', () => {
    it('runs doEmbed through the same retries, and answers [] without a call', async () => {
      const provider = new TestProvider({ retry: { baseDelayMs: 1 } }).script({ fail: down() }, { respond: '' });
      expect(await provider.embed([])).toEqual([]);
      expect(await provider.embed(['ab', 'c'])).toEqual([[2], [1]]);
      expect(provider.attemptOptions).toHaveLength(2);
      expect(InvalidRequestError.isInstance(await caught(provider.embed([3] as never)))).toBe(true);
    });
  });
});
