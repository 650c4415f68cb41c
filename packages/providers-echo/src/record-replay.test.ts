import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CassetteMissError, hashRequest, recordReplayProvider } from '@dk/provider-utils';
import { AbortError, AuthenticationError } from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EchoProvider } from './echo-provider.js';

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('recordReplayProvider (with EchoProvider as the recorded provider)', () => {
  let directory: string;
  let cassettePath: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dk-cassette-'));
    cassettePath = join(directory, 'nested', 'calls.cassette.json');
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('records complete, stream and embed calls and replays them without the provider', async () => {
    const recorder = recordReplayProvider({
      provider: new EchoProvider({ embeddingDimensions: 8 }),
      cassettePath,
      mode: 'record',
    });
    const completed = await recorder.complete('Hello', { temperature: 0.2 });
    const streamed = await collect(recorder.stream([{ role: 'user', content: 'Stream me' }]));
    const vectors = await recorder.embed(['a b']);
    await recorder.close();

    const cassette = JSON.parse(await readFile(cassettePath, 'utf8')) as {
      version: number;
      interactions: { requestHash: string }[];
    };
    expect(cassette.version).toBe(1);
    expect(cassette.interactions).toHaveLength(3);

    const offline = new EchoProvider({ echoPrefix: 'SHOULD NOT BE USED ', embeddingDimensions: 8 });
    const player = recordReplayProvider({ provider: offline, cassettePath, mode: 'replay' });
    const controller = new AbortController();
    expect(
      await player.complete('Hello', {
        temperature: 0.2,
        signal: controller.signal,
        timeoutMs: 5_000,
        headers: { authorization: 'x' },
      }),
    ).toEqual(completed);
    expect(await collect(player.stream('Stream me'))).toEqual(streamed);
    expect(await player.embed(['a b'])).toEqual(vectors);
    expect(offline.callCount).toBe(0);
  });

  it('fails loudly on an unseen request, naming its hash and a summary', async () => {
    const recorder = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'record' });
    await recorder.complete('Hello', { temperature: 0.2 });
    const player = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'replay' });
    const error = await player.complete('Hello', { temperature: 0.9 }).catch((caught: unknown) => caught);
    expect(CassetteMissError.isInstance(error)).toBe(true);
    const miss = error as CassetteMissError;
    expect(miss.requestHash).toBe(
      hashRequest({
        method: 'complete',
        provider: 'echo',
        model: 'echo-model',
        messages: [{ role: 'user', content: 'Hello' }],
        options: { temperature: 0.9 },
      }),
    );
    expect(miss.message).toContain(miss.requestHash);
    expect(miss.summary).toContain('"Hello"');
    expect(miss.summary).toContain('temperature');
  });

  it('fails with CassetteMissError in replay mode when the cassette does not exist', async () => {
    const player = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'replay' });
    const error = await player.complete('Hi').catch((caught: unknown) => caught);
    expect(CassetteMissError.isInstance(error)).toBe(true);
    expect((error as CassetteMissError).message).toContain('does not exist');
  });

  it('replays repeated identical requests in recorded order', async () => {
    const recorder = recordReplayProvider({
      provider: new EchoProvider({ responses: ['first', 'second'] }),
      cassettePath,
      mode: 'record',
    });
    await recorder.complete('same');
    await recorder.complete('same');
    const player = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'replay' });
    expect((await player.complete('same')).content).toBe('first');
    expect((await player.complete('same')).content).toBe('second');
    expect((await player.complete('same')).content).toBe('second');
  });

  it('records typed provider errors and replays them as the same class', async () => {
    const recorder = recordReplayProvider({
      provider: new EchoProvider({ responses: [{ error: { kind: 'auth' } }] }),
      cassettePath,
      mode: 'record',
    });
    await expect(recorder.complete('key?')).rejects.toSatisfy((error) => AuthenticationError.isInstance(error));
    const player = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'replay' });
    const error = await player.complete('key?').catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as AuthenticationError).status).toBe(401);
  });

  it('in auto mode replays what it has and records what it lacks', async () => {
    const first = new EchoProvider();
    await recordReplayProvider({ provider: first, cassettePath, mode: 'auto' }).complete('one');
    const second = new EchoProvider({ echoPrefix: 'Second: ' });
    const auto = recordReplayProvider({ provider: second, cassettePath, mode: 'auto' });
    expect((await auto.complete('one')).content).toBe('Echo: one');
    expect((await auto.complete('two')).content).toBe('Second: two');
    expect(second.callCount).toBe(1);
    const cassette = JSON.parse(await readFile(cassettePath, 'utf8')) as { interactions: unknown[] };
    expect(cassette.interactions).toHaveLength(2);
  });

  it('redacts secrets from the cassette and honours an aborted signal on replay', async () => {
    const recorder = recordReplayProvider({
      provider: new EchoProvider(),
      cassettePath,
      mode: 'record',
      secrets: ['sk-canary-42'],
    });
    await recorder.complete('my key is sk-canary-42');
    expect(await readFile(cassettePath, 'utf8')).not.toContain('sk-canary-42');
    const player = recordReplayProvider({ provider: new EchoProvider(), cassettePath, mode: 'replay' });
    await expect(player.complete('anything', { signal: AbortSignal.abort() })).rejects.toSatisfy((error) =>
      AbortError.isInstance(error),
    );
  });

  it('checks its options at run time', () => {
    const provider = new EchoProvider();
    expect(() => recordReplayProvider({ provider, cassette_path: cassettePath, mode: 'record' } as never)).toThrow(
      /did you mean `cassettePath`/,
    );
    expect(() => recordReplayProvider({ provider, cassettePath, mode: 'play' } as never)).toThrow(
      /`mode` must be one of `record`, `replay`, `auto`, got "play"/,
    );
    expect(() => recordReplayProvider({ provider: {}, cassettePath, mode: 'record' } as never)).toThrow(
      /`provider` must be an LLMProvider/,
    );
    expect(() => recordReplayProvider({ cassettePath, mode: 'record' } as never)).toThrow(/`provider` must be set/);
  });
});
