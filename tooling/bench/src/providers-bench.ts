// Provider-layer overhead: @dk/providers-openai and @dk/providers-anthropic against the bare
// vendor SDK call they wrap, both talking to the same local wire-protocol server, for
// non-streaming and streaming calls. Alternating calls after warm-up; medians; ratio.
import Anthropic from '@anthropic-ai/sdk';
import { createAnthropicProvider } from '@dk/providers-anthropic';
import { anthropicMessageReply, startAnthropicTestServer } from '@dk/providers-anthropic/testing';
import { createOpenAIProvider } from '@dk/providers-openai';
import { openAIChatReply, startOpenAITestServer } from '@dk/providers-openai/testing';
import OpenAI from 'openai';
import { median } from './bench-stats.js';

type Call = () => Promise<number>;

interface Pair {
  readonly name: string;
  readonly bare: Call;
  readonly dk: Call;
}

const WARM_UP_CALLS = 150;
const MEASURED_CALLS = 600;
const apiKey = 'sk-bench-not-a-real-key';
const answer = 'The quick brown fox jumps over the lazy dog, twice over, for the benchmark.';
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say something about foxes.' },
];

interface Sample {
  /** Wall-clock µs of the call. */
  readonly wall: number;
  /** CPU µs this process spent during the call (client and in-process server alike). */
  readonly cpu: number;
}

interface Medians {
  readonly wall: number;
  readonly cpu: number;
}

/** Wall-clock and process CPU microseconds of one call. */
async function timeCall(call: Call): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const length = await call();
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  if (length <= 0) throw new Error('the benchmark call returned no text');
  return { wall, cpu: cpuUsed.user + cpuUsed.system };
}

function medians(samples: readonly Sample[]): Medians {
  return { wall: median(samples.map((sample) => sample.wall)), cpu: median(samples.map((sample) => sample.cpu)) };
}

/**
 * Median µs per call for bare and dk. Calls alternate one by one (the order flips every
 * pair), so load from other processes on the machine hits both sides alike; the median of
 * single-call samples ignores the calls such load happened to stall. CPU time is reported
 * too: on a shared, loaded machine it is the steadier measure of the work our layer adds.
 */
async function measure(pair: Pair): Promise<{ bare: Medians; dk: Medians }> {
  for (let k = 0; k < WARM_UP_CALLS; k++) {
    await pair.bare();
    await pair.dk();
  }
  const bare: Sample[] = [];
  const dk: Sample[] = [];
  for (let k = 0; k < MEASURED_CALLS; k++) {
    if (k % 2 === 0) {
      bare.push(await timeCall(pair.bare));
      dk.push(await timeCall(pair.dk));
    } else {
      dk.push(await timeCall(pair.dk));
      bare.push(await timeCall(pair.bare));
    }
  }
  return { bare: medians(bare), dk: medians(dk) };
}

async function openAIPairs(baseURL: string): Promise<Pair[]> {
  // The bare client is configured as the provider configures its own: no SDK retries or logs.
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 86_400_000, logLevel: 'off' });
  const provider = createOpenAIProvider({ apiKey, baseURL, model: 'gpt-4o-mini' });
  const body = { model: 'gpt-4o-mini', messages };
  return [
    {
      name: 'openai complete',
      bare: async () => {
        const completion = await client.chat.completions.create({ ...body, stream: false });
        return (completion.choices[0]?.message.content ?? '').length;
      },
      dk: async () => (await provider.complete(messages)).content.length,
    },
    {
      name: 'openai stream',
      bare: async () => {
        const stream = await client.chat.completions.create({
          ...body,
          stream: true,
          stream_options: { include_usage: true },
        });
        let length = 0;
        for await (const chunk of stream) length += chunk.choices[0]?.delta.content?.length ?? 0;
        return length;
      },
      dk: async () => {
        let length = 0;
        for await (const part of provider.stream(messages)) if (part.type === 'text-delta') length += part.text.length;
        return length;
      },
    },
  ];
}

async function anthropicPairs(baseURL: string): Promise<Pair[]> {
  const client = new Anthropic({ apiKey, baseURL, maxRetries: 0, timeout: 86_400_000, logLevel: 'off' });
  const provider = createAnthropicProvider({ apiKey, baseURL, model: 'claude-haiku-4-5', maxTokens: 1024 });
  const body = {
    model: 'claude-haiku-4-5',
    max_tokens: 1024,
    system: 'You are terse.',
    messages: [{ role: 'user' as const, content: 'Say something about foxes.' }],
  };
  return [
    {
      name: 'anthropic complete',
      bare: async () => {
        const message = await client.messages.create({ ...body, stream: false });
        return message.content.reduce((length, block) => length + (block.type === 'text' ? block.text.length : 0), 0);
      },
      dk: async () => (await provider.complete(messages)).content.length,
    },
    {
      name: 'anthropic stream',
      bare: async () => {
        const stream = await client.messages.create({ ...body, stream: true });
        let length = 0;
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
            length += event.delta.text.length;
        }
        return length;
      },
      dk: async () => {
        let length = 0;
        for await (const part of provider.stream(messages)) if (part.type === 'text-delta') length += part.text.length;
        return length;
      },
    },
  ];
}

/** Runs the suite and prints a Markdown table of median µs per call and the dk/bare ratio. */
export async function runProvidersBench(): Promise<void> {
  const openAIServer = await startOpenAITestServer();
  const anthropicServer = await startAnthropicTestServer();
  openAIServer.setFallback(openAIChatReply({ content: answer }));
  anthropicServer.setFallback(anthropicMessageReply({ content: answer }));
  try {
    const pairs = [...(await openAIPairs(openAIServer.baseURL)), ...(await anthropicPairs(anthropicServer.url))];
    process.stdout.write(
      '| call | bare SDK wall µs | dk wall µs | wall dk / bare | bare SDK CPU µs | dk CPU µs | CPU dk / bare |\n|---|---:|---:|---:|---:|---:|---:|\n',
    );
    for (const pair of pairs) {
      const { bare, dk } = await measure(pair);
      // The servers record every request; forget them so memory stays flat.
      openAIServer.reset();
      anthropicServer.reset();
      process.stdout.write(
        `| ${pair.name} | ${bare.wall.toFixed(0)} | ${dk.wall.toFixed(0)} | ${(dk.wall / bare.wall).toFixed(3)}× | ${bare.cpu.toFixed(0)} | ${dk.cpu.toFixed(0)} | ${(dk.cpu / bare.cpu).toFixed(3)}× |\n`,
      );
    }
    process.stdout.write(
      '\nGoal: dk / bare < 1.1× (local server on 127.0.0.1; sequential calls alternating bare/dk; medians of 600 single-call samples each).\n',
    );
  } finally {
    await openAIServer.close();
    await anthropicServer.close();
  }
}
