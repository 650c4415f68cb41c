// OpenTelemetry overhead (issue 17): one turn (addMessage + complete, echo provider, memory
// store) with no SDK registered — @opentelemetry/api's no-op — against the same turn with the
// SDK registered as an application would (tracer provider with an in-memory exporter, a meter
// provider, an async context manager), and with each of those alone, to show where the cost
// is. Rounds alternate between the variants so machine load hits all alike; the goal is a
// ratio ≤ 1.1×. Reports wall and CPU time (the process's own, less inflated by load). Also
// times the SDK alone recording what a traced turn records (the floor dk cannot go below),
// and prints the span tree of one turn (a RAG prompt, a tool call).
import { context, metrics, SpanKind, trace } from '@opentelemetry/api';
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

/** Milliseconds of this process's CPU (user + system) so far: unlike wall time, not inflated by other processes. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Wall and CPU milliseconds per turn of one sample. */
interface TurnTime {
  readonly wall: number;
  readonly cpu: number;
}

const conversationAttributes = { 'gen_ai.conversation.id': 'c' };
const callAttributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'echo',
  'gen_ai.request.model': 'echo-model',
  'gen_ai.response.model': 'echo-model',
};

/**
 * The SDK's own cost for what a traced echo turn records, with no dk work: the same five
 * spans (add_message, two store appends, the turn, the model call) with as many attributes,
 * the same parents and link, the model call run inside its span's context, and the three
 * `gen_ai.client.*` measurements. dk's cost cannot go below this floor.
 */
async function timeSdkFloor(): Promise<TurnTime> {
  const tracer = trace.getTracer('bench');
  const meter = metrics.getMeterProvider().getMeter('bench');
  const tokens = meter.createHistogram('gen_ai.client.token.usage');
  const duration = meter.createHistogram('gen_ai.client.operation.duration');
  const store = (role: string, parent: string) => ({
    'db.operation.name': 'appendNode',
    'db.system.name': 'memory',
    'dk.node.role': role,
    'dk.node.parent_id': parent,
    ...conversationAttributes,
  });
  const wall = performance.now();
  const cpu = cpuMs();
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    const root = context.active();
    const message = tracer.startSpan(
      'dk.add_message',
      { attributes: { 'dk.node.role': 'user', ...conversationAttributes } },
      root,
    );
    const messageContext = trace.setSpan(root, message);
    const userAppend = tracer.startSpan(
      'dk.store.append_node',
      { kind: SpanKind.CLIENT, attributes: store('user', '0') },
      messageContext,
    );
    await Promise.resolve();
    userAppend.setAttribute('dk.node.id', '0.0');
    userAppend.end();
    message.setAttribute('dk.node.id', '0.0');
    message.end();
    const turnSpan = tracer.startSpan(
      'invoke_agent dk.conversation',
      {
        attributes: { ...callAttributes, 'gen_ai.agent.name': 'dk.conversation', 'dk.turn.operation': 'complete' },
        links: [{ context: message.spanContext() }],
      },
      root,
    );
    turnSpan.setAttribute('dk.node.parent_id', '0.0');
    const turnContext = trace.setSpan(root, turnSpan);
    const call = tracer.startSpan(
      'chat echo-model',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          ...callAttributes,
          'dk.node.parent_id': '0.0',
          'dk.step': 1,
          'dk.attempt': 1,
          'dk.stream': false,
        },
      },
      turnContext,
    );
    await context.with(trace.setSpan(turnContext, call), () => Promise.resolve());
    call.setAttributes({
      'gen_ai.response.model': 'echo-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 2,
    });
    call.end();
    duration.record(0.001, { ...callAttributes });
    tokens.record(10, { ...callAttributes, 'gen_ai.token.type': 'input' });
    tokens.record(2, { ...callAttributes, 'gen_ai.token.type': 'output' });
    const answerAppend = tracer.startSpan(
      'dk.store.append_node',
      { kind: SpanKind.CLIENT, attributes: store('assistant', '0.0') },
      turnContext,
    );
    await Promise.resolve();
    answerAppend.setAttribute('dk.node.id', '0.0.0');
    answerAppend.end();
    turnSpan.setAttributes({
      'dk.node.id': '0.0.0',
      'dk.turn.status': 'complete',
      'dk.turn.steps': 1,
      'dk.turn.model_calls': 1,
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 2,
    });
    turnSpan.end();
  }
  return { wall: (performance.now() - wall) / TURNS_PER_ROUND, cpu: (cpuMs() - cpu) / TURNS_PER_ROUND };
}

/** Wall and CPU milliseconds per turn over {@link TURNS_PER_ROUND} turns of a fresh conversation. */
async function timeTurns(llm: LLMProvider = new EchoProvider({ mockUsage: true })): Promise<TurnTime> {
  const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
  await manager.addMessage({ role: 'system', content: 'You are a helpful assistant.' });
  const wall = performance.now();
  const cpu = cpuMs();
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    await manager.addMessage({ role: 'user', content: sentence });
    await manager.complete();
  }
  return { wall: (performance.now() - wall) / TURNS_PER_ROUND, cpu: (cpuMs() - cpu) / TURNS_PER_ROUND };
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
  const samples = pair.map((): TurnTime[] => []);
  try {
    for (let round = -2; round < ROUNDS / 2; round += 1) {
      for (const [index, variant] of pair.entries()) {
        register(variant);
        const time = await timeTurns(llm);
        unregister();
        server.reset();
        if (round >= 0) samples[index]!.push(time);
      }
    }
  } finally {
    await server.close();
  }
  console.log(
    '| turn (addMessage + complete), openai client over HTTP to 127.0.0.1, memory store | wall ms/turn | ratio | CPU ms/turn | ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const baseline = summarize(samples[0]!);
  for (const [index, variant] of pair.entries()) console.log(row(variant.name, summarize(samples[index]!), baseline));
  console.log('');
}

/** Medians of a variant's samples. */
function summarize(times: readonly TurnTime[]): TurnTime {
  return { wall: median(times.map((time) => time.wall)), cpu: median(times.map((time) => time.cpu)) };
}

function row(name: string, time: TurnTime, baseline: TurnTime): string {
  const ratio = (value: number, base: number): string => `${(value / base).toFixed(3)}×`;
  return `| ${name} | ${time.wall.toFixed(4)} | ${ratio(time.wall, baseline.wall)} | ${time.cpu.toFixed(4)} | ${ratio(time.cpu, baseline.cpu)} |`;
}

export async function runOtelBench(): Promise<void> {
  const samples = new Map<string, TurnTime[]>(variants.map((variant) => [variant.name, []]));
  const floor: TurnTime[] = [];
  let spansPerTurn = 0;
  for (let round = -3; round < ROUNDS; round += 1) {
    for (const variant of variants) {
      register(variant);
      const time = await timeTurns();
      if (variant.tracing === simpleTracing) spansPerTurn = exporter.getFinishedSpans().length / TURNS_PER_ROUND;
      unregister();
      if (round >= 0) samples.get(variant.name)!.push(time);
    }
    register(variants[2]!);
    const time = await timeSdkFloor();
    unregister();
    if (round >= 0) floor.push(time);
  }
  const baseline = summarize(samples.get(variants[0]!.name)!);
  console.log(
    `${TURNS_PER_ROUND} turns per sample, ${ROUNDS} rounds alternating the variants; ${spansPerTurn} spans per turn. ` +
      "CPU: this process's user + system time, which other processes on the machine inflate less than wall time.\n",
  );
  console.log(
    '| turn (addMessage + complete), echo provider, memory store | wall ms/turn | ratio | CPU ms/turn | ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const variant of variants) console.log(row(variant.name, summarize(samples.get(variant.name)!), baseline));
  const sdk = summarize(floor);
  console.log(
    row(
      'floor: the no-op turn + the SDK alone recording the same 5 spans, link, context and 3 measurements (batch, metrics, context manager)',
      { wall: baseline.wall + sdk.wall, cpu: baseline.cpu + sdk.cpu },
      baseline,
    ),
  );
  console.log(
    `\nGoal: SDK registered ≤ 1.1× the no-op turn. The floor row is what the SDK itself costs over that turn.\n`,
  );
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
