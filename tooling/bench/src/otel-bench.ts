// OpenTelemetry overhead (issue 17): one turn (addMessage + complete, echo provider, memory
// store) with no SDK registered — @opentelemetry/api's no-op — against the same turn with the
// SDK registered as an application would (tracer provider with an in-memory exporter, a meter
// provider, an async context manager), and with each of those alone, to show where the cost
// is. Rounds alternate between the variants so machine load hits all alike; the goal is a
// ratio ≤ 1.1×. Also times the SDK alone making as many bare spans, and prints the span tree
// of one turn (a RAG prompt, a tool call).
import { context, trace, metrics } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ConversationManager } from '@dk/conversations';
import { ConfigPromptLibrary, PromptBuilder } from '@dk/prompts';
import { EchoProvider } from '@dk/providers-echo';
import { createOpenAIProvider } from '@dk/providers-openai';
import { openAIChatReply, startOpenAITestServer } from '@dk/providers-openai/testing';
import { InMemorySearchAdapter } from '@dk/rag';
import type { LLMProvider, Tool } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { median } from './bench-stats.js';

const ROUNDS = 30;
const TURNS_PER_ROUND = 50;
const sentence = 'Could you explain how list comprehensions differ from generator expressions in Python?';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const simpleTracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const batchTracing = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1_000_000, maxExportBatchSize: 512 })],
});
const meterProvider = new MeterProvider({ readers: [new CollectingReader()] });
const contextManager = new AsyncLocalStorageContextManager();

/** What is registered globally in a variant, as an application's OpenTelemetry setup would. */
interface Variant {
  readonly name: string;
  readonly contextManager?: boolean;
  readonly tracing?: BasicTracerProvider;
  readonly metrics?: boolean;
}

const variants: readonly Variant[] = [
  { name: 'no SDK registered (API no-op)' },
  {
    name: 'SDK: SimpleSpanProcessor + in-memory exporter, metrics, context manager',
    contextManager: true,
    tracing: simpleTracing,
    metrics: true,
  },
  {
    name: 'SDK: BatchSpanProcessor + in-memory exporter, metrics, context manager',
    contextManager: true,
    tracing: batchTracing,
    metrics: true,
  },
  { name: 'only the AsyncLocalStorage context manager', contextManager: true },
  { name: 'only the meter provider', metrics: true },
  { name: 'only the tracer provider (batch, no context manager)', tracing: batchTracing },
];

function register(variant: Variant): void {
  if (variant.contextManager === true) context.setGlobalContextManager(contextManager.enable());
  if (variant.tracing !== undefined) trace.setGlobalTracerProvider(variant.tracing);
  if (variant.metrics === true) metrics.setGlobalMeterProvider(meterProvider);
}

function unregister(): void {
  trace.disable();
  metrics.disable();
  context.disable();
  exporter.reset();
}

/** The SDK's own cost for as many spans as a turn makes: started and ended directly, same attributes. */
async function timeRawSpans(spansPerTurn: number): Promise<number> {
  const tracer = trace.getTracer('bench');
  const started = performance.now();
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    for (let index = 0; index < spansPerTurn; index += 1) {
      const span = tracer.startSpan('span', {
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'c', 'dk.node.id': '0.0' },
      });
      span.setAttributes({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 });
      span.end();
    }
    await Promise.resolve();
  }
  return (performance.now() - started) / TURNS_PER_ROUND;
}

/** Milliseconds per turn over {@link TURNS_PER_ROUND} turns of a fresh conversation. */
async function timeTurns(llm: LLMProvider = new EchoProvider({ mockUsage: true })): Promise<number> {
  const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
  await manager.addMessage({ role: 'system', content: 'You are a helpful assistant.' });
  const started = performance.now();
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    await manager.addMessage({ role: 'user', content: sentence });
    await manager.complete();
  }
  return (performance.now() - started) / TURNS_PER_ROUND;
}

const lookup: Tool<{ topic: string }> = {
  description: 'Looks a topic up',
  parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
  execute: async ({ topic }) => ({ topic, pages: 3 }),
};

/** One turn with a RAG prompt and a tool call inside an application span, as a tree of span names. */
async function spanTreeOfOneTurn(): Promise<string[]> {
  const manager = await ConversationManager.create({
    llm: new EchoProvider({
      responses: [{ toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { topic: 'decorators' } }] }, 'Done.'],
      mockUsage: true,
    }),
    storage: new MemoryConversationStore(),
    tools: { lookup },
    promptBuilder: new PromptBuilder({
      library: new ConfigPromptLibrary({
        user: {
          question: {
            template: 'Context:\n{{RAG_CONTENT}}\nQuestion about {{topic}}?',
            rag_configs: [{ adapter_name: 'docs', query: '{{topic}}', k: 2 }],
          },
        },
      }),
      adapters: [
        new InMemorySearchAdapter({
          name: 'docs',
          documents: [
            { id: 'd1', content: 'Python decorators wrap a function.' },
            { id: 'd2', content: 'Decorators can take arguments.' },
          ],
        }),
      ],
    }),
  });
  await manager.addMessage({ role: 'system', content: 'You answer with tools.' });
  exporter.reset();
  await trace.getTracer('bench').startActiveSpan('POST /chat (application)', async (span) => {
    await manager.addMessage({ role: 'user', promptName: 'question', params: { topic: 'decorators' } });
    await manager.complete();
    span.end();
  });
  const spans = exporter.getFinishedSpans();
  const root = spans.find((span) => span.parentSpanContext === undefined)!;
  const key = (span: ReadableSpan): number => span.startTime[0] * 1e9 + span.startTime[1];
  const durationMs = (span: ReadableSpan): string => (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(2);
  const describe = (span: ReadableSpan): string => {
    const attributes = span.attributes;
    const picked = [
      'gen_ai.request.model',
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'gen_ai.response.finish_reasons',
      'gen_ai.tool.call.id',
      'dk.rag.hits',
      'dk.node.id',
    ]
      .filter((name) => attributes[name] !== undefined)
      .map((name) => `${name}=${JSON.stringify(attributes[name])}`);
    return `${span.name} (${durationMs(span)} ms)${picked.length === 0 ? '' : ` ${picked.join(' ')}`}`;
  };
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${describe(span)}`);
    spans
      .filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId)
      .sort((left, right) => key(left) - key(right))
      .forEach((child) => walk(child, depth + 1));
  };
  walk(root, 0);
  return lines;
}

/**
 * The same comparison with a model call as applications make it: the real `openai` client over
 * HTTP to the local wire-protocol server (in this process, so its CPU is in both variants).
 */
async function overOpenAIClient(): Promise<void> {
  const server = await startOpenAITestServer();
  server.setFallback(openAIChatReply({ content: 'A short answer.' }));
  const llm = createOpenAIProvider({ apiKey: 'sk-bench', baseURL: server.baseURL, model: 'gpt-4o-mini' });
  const pair = [variants[0]!, variants[2]!];
  const samples = pair.map((): number[] => []);
  try {
    for (let round = -2; round < ROUNDS / 2; round += 1) {
      for (const [index, variant] of pair.entries()) {
        register(variant);
        const ms = await timeTurns(llm);
        unregister();
        server.reset();
        if (round >= 0) samples[index]!.push(ms);
      }
    }
  } finally {
    await server.close();
  }
  const baseline = median(samples[0]!);
  console.log(
    '| turn (addMessage + complete), openai client over HTTP to 127.0.0.1, memory store | median ms/turn | ratio |',
  );
  console.log('| --- | ---: | ---: |');
  for (const [index, variant] of pair.entries()) {
    const ms = median(samples[index]!);
    console.log(`| ${variant.name} | ${ms.toFixed(4)} | ${(ms / baseline).toFixed(3)}× |`);
  }
  console.log('');
}

export async function runOtelBench(): Promise<void> {
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  const raw: number[] = [];
  let spansPerTurn = 0;
  for (let round = -3; round < ROUNDS; round += 1) {
    for (const variant of variants) {
      register(variant);
      const ms = await timeTurns();
      if (variant.tracing === simpleTracing) spansPerTurn = exporter.getFinishedSpans().length / TURNS_PER_ROUND;
      unregister();
      if (round >= 0) samples.get(variant.name)!.push(ms);
    }
    trace.setGlobalTracerProvider(batchTracing);
    const rawMs = await timeRawSpans(Math.round(spansPerTurn));
    unregister();
    if (round >= 0) raw.push(rawMs);
  }
  const baseline = median(samples.get(variants[0]!.name)!);
  console.log(
    `${TURNS_PER_ROUND} turns per sample, ${ROUNDS} rounds alternating the variants; ${spansPerTurn} spans per turn.\n`,
  );
  console.log('| turn (addMessage + complete), echo provider, memory store | median ms/turn | ratio |');
  console.log('| --- | ---: | ---: |');
  for (const variant of variants) {
    const ms = median(samples.get(variant.name)!);
    console.log(`| ${variant.name} | ${ms.toFixed(4)} | ${(ms / baseline).toFixed(3)}× |`);
  }
  const rawMs = median(raw);
  console.log(
    `| the SDK alone: ${Math.round(spansPerTurn)} bare spans (batch), no dk work | ${rawMs.toFixed(4)} | — |`,
  );
  console.log(`\nGoal: SDK registered ≤ 1.1× the no-op turn.\n`);
  await overOpenAIClient();

  register(variants[1]!);
  // The first turn compiles the tool's argument schema and the prompt; show a warm one.
  await spanTreeOfOneTurn();
  console.log('Span tree of one (warm) turn (RAG prompt, one tool call), in an application span:\n');
  console.log('```');
  for (const line of await spanTreeOfOneTurn()) console.log(line);
  console.log('```');
  unregister();
}
