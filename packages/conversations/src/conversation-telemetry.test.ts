import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ConfigPromptLibrary, PromptBuilder } from '@dk/prompts';
import { EchoProvider } from '@dk/providers-echo';
import { InMemorySearchAdapter } from '@dk/rag';
import type { Tool } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import type { ConversationTelemetryOptions } from './conversation-telemetry.js';
import { RateLimitMiddleware } from './middleware/rate-limit-middleware.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  // As an application would: a global tracer provider and an async context manager.
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123';

const docs = new InMemorySearchAdapter({
  name: 'docs',
  documents: [
    { id: 'd1', content: 'Python decorators wrap a function to extend its behaviour.' },
    { id: 'd2', content: 'Go interfaces are satisfied implicitly.' },
  ],
});
const library = new ConfigPromptLibrary({
  user: {
    question: {
      template: 'Context:\n{{RAG_CONTENT}}\nQuestion about {{topic}}?',
      rag_configs: [{ adapter_name: 'docs', query: '{{topic}}', k: 1 }],
    },
  },
});

const weather: Tool<{ city: string }> = {
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async ({ city }) => ({ city, celsius: city === 'Oslo' ? 3 : 21 }),
};

function spans(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

function named(name: string): ReadableSpan[] {
  return spans().filter((span) => span.name === name);
}

function one(name: string): ReadableSpan {
  const found = named(name);
  expect(found, `exactly one span "${name}" in ${spans().map((span) => span.name)}`).toHaveLength(1);
  return found[0]!;
}

function parentOf(span: ReadableSpan): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return spans().find((candidate) => candidate.spanContext().spanId === parentId);
}

/** The tree under `root` as indented lines `name`, children in start order. */
function tree(root: ReadableSpan, depth = 0): string[] {
  const children = spans()
    .filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId)
    .sort((left, right) => left.startTime[0] - right.startTime[0] || left.startTime[1] - right.startTime[1]);
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((child) => tree(child, depth + 1))];
}

function allAttributeText(): string {
  return JSON.stringify(
    spans().map((span) => [span.attributes, span.events.map((event) => event.attributes), span.status]),
  );
}

async function ragConversation(telemetry?: ConversationTelemetryOptions, llm = new EchoProvider()) {
  return ConversationManager.create({
    llm,
    storage: new MemoryConversationStore(),
    promptBuilder: new PromptBuilder({ library, adapters: [docs] }),
    ...(telemetry === undefined ? {} : { telemetry }),
  });
}

describe('ConversationManager telemetry', () => {
  it('traces a turn with RAG: the message, its render and search, then the turn, its model call and writes', async () => {
    const llm = new EchoProvider({
      responses: [{ error: { kind: 'server' } }, 'Decorators wrap functions.'],
      mockUsage: true,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    const manager = await ragConversation(undefined, llm);
    await manager.addMessage({ role: 'system', content: 'You answer.' });
    const user = await manager.addMessage({ role: 'user', promptName: 'question', params: { topic: 'decorators' } });
    const result = await manager.complete();

    // The message: its own trace, with the render and the RAG search under it.
    const addMessage = named('dk.add_message').find((span) => span.attributes['dk.node.id'] === user.id)!;
    expect(tree(addMessage)).toEqual([
      'dk.add_message',
      '  dk.render_prompt',
      '    retrieval docs',
      '  dk.store.append_node',
    ]);
    const search = one('retrieval docs');
    expect(search.attributes).toMatchObject({
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'docs',
      'gen_ai.request.top_k': 1,
      'dk.rag.hits': 1,
      'dk.rag.cache_hit': false,
      'dk.rag.status': 'ok',
    });
    expect(one('dk.render_prompt').attributes).toMatchObject({ 'dk.prompt.name': 'question', 'dk.rag.searches': 1 });

    // The turn: one trace, linked to the message's span; chat and store spans under it.
    const turn = one('invoke_agent dk.conversation');
    expect(turn.parentSpanContext).toBeUndefined();
    expect(tree(turn)).toEqual(['invoke_agent dk.conversation', '  chat echo-model', '  dk.store.append_node']);
    expect(turn.links.map((link) => link.context.spanId)).toEqual([addMessage.spanContext().spanId]);
    expect(turn.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': manager.conversationId,
      'gen_ai.provider.name': 'echo',
      'dk.node.parent_id': user.id,
      'dk.node.id': result.node.id,
      'dk.turn.status': 'complete',
      'gen_ai.usage.input_tokens': result.usage!.promptTokens,
      'gen_ai.usage.output_tokens': result.usage!.completionTokens,
    });
    const chat = one('chat echo-model');
    expect(chat.kind).toBe(2); // CLIENT
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'echo',
      'gen_ai.request.model': 'echo-model',
      'gen_ai.response.model': result.model,
      'gen_ai.usage.input_tokens': result.usage!.promptTokens,
      'gen_ai.usage.output_tokens': result.usage!.completionTokens,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.conversation.id': manager.conversationId,
      'dk.provider.attempts': 2,
    });
    // The provider's retry, as an event of the model call.
    expect(chat.events.map((event) => [event.name, event.attributes?.['dk.retry.attempt']])).toEqual([
      ['dk.provider.retry', 1],
    ]);

    // Both ways: nodes keep the trace of the span that wrote them.
    expect(user.metadata['trace']).toEqual({
      traceId: addMessage.spanContext().traceId,
      spanId: addMessage.spanContext().spanId,
    });
    expect(result.node.metadata['trace']).toEqual({
      traceId: turn.spanContext().traceId,
      spanId: turn.spanContext().spanId,
    });
    const write = named('dk.store.append_node').find((span) => parentOf(span) === turn);
    expect(write?.attributes).toMatchObject({ 'db.operation.name': 'appendNode', 'dk.node.id': result.node.id });
  });

  it('puts the message and the turn in one trace when the application wraps them in its span', async () => {
    const manager = await ragConversation();
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('POST /chat', async (span) => {
      await manager.addMessage({ role: 'user', promptName: 'question', params: { topic: 'decorators' } });
      await manager.complete();
      span.end();
    });
    const root = one('POST /chat');
    expect(new Set(spans().map((span) => span.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
    expect(tree(root)).toEqual([
      'POST /chat',
      '  dk.add_message',
      '    dk.render_prompt',
      '      retrieval docs',
      '    dk.store.append_node',
      '  invoke_agent dk.conversation',
      '    chat echo-model',
      '    dk.store.append_node',
    ]);
  });

  it('traces a tool loop: model calls, each tool execution and every stored step under the turn', async () => {
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'c1', name: 'weather', arguments: { city: 'Oslo' } },
            { id: 'c2', name: 'weather', arguments: { city: 'Rome' } },
          ],
        },
        'Oslo is 3 °C, Rome 21 °C.',
      ],
    });
    const manager = await ConversationManager.create({
      llm,
      storage: new MemoryConversationStore(),
      tools: { weather },
    });
    await manager.addMessage({ role: 'user', content: 'Weather in Oslo and Rome?' });
    exporter.reset();
    await manager.complete();
    const turn = one('invoke_agent dk.conversation');
    const children = tree(turn).filter((line) => line.startsWith('  ') && !line.startsWith('    '));
    expect(children).toEqual([
      '  chat echo-model',
      '  dk.store.append_node',
      '  execute_tool weather',
      '  execute_tool weather',
      '  dk.store.append_node',
      '  dk.store.append_node',
      '  chat echo-model',
      '  dk.store.append_node',
    ]);
    const tools = named('execute_tool weather');
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual(['c1', 'c2']);
    for (const span of tools) {
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'weather',
        'gen_ai.tool.type': 'function',
        'gen_ai.conversation.id': manager.conversationId,
      });
      expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(named('chat echo-model').map((span) => span.attributes['dk.step'])).toEqual([1, 2]);
    expect(named('chat echo-model').map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([
      ['tool_calls'],
      ['stop'],
    ]);
  });

  it('traces a streamed turn: the provider retry lands on the model call span read in its context', async () => {
    const llm = new EchoProvider({
      responses: [{ error: { kind: 'rate-limit' } }, 'Streamed answer.'],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'Stream it.' });
    exporter.reset();
    let text = '';
    for await (const part of manager.stream()) if (part.type === 'text-delta') text += part.text;
    expect(text).toBe('Streamed answer.');
    const turn = one('invoke_agent dk.conversation');
    expect(tree(turn)).toEqual(['invoke_agent dk.conversation', '  chat echo-model', '  dk.store.append_node']);
    const chat = one('chat echo-model');
    expect(chat.attributes).toMatchObject({ 'dk.stream': true, 'gen_ai.response.finish_reasons': ['stop'] });
    expect(chat.events.map((event) => [event.name, event.attributes?.['error.type']])).toEqual([
      ['dk.provider.retry', 'PROVIDER_RATE_LIMIT'],
    ]);
  });

  it('records no content by default, and redacted content when the application opts in', async () => {
    const question = `My key is ${secret}, what is the capital of France?`;
    const quiet = await ragConversation();
    await quiet.addMessage({ role: 'user', content: question });
    await quiet.complete();
    expect(allAttributeText()).not.toContain('capital of France');
    expect(allAttributeText()).not.toContain(secret);
    expect(spans().some((span) => 'gen_ai.input.messages' in span.attributes)).toBe(false);

    exporter.reset();
    const verbose = await ragConversation({ recordContent: true });
    await verbose.addMessage({ role: 'system', content: 'You answer.' });
    // Rendered, then replaced on the path by the next user message (a sibling).
    await verbose.addMessage({ role: 'user', promptName: 'question', params: { topic: 'decorators' } });
    await verbose.addMessage({ role: 'user', content: question });
    await verbose.complete();
    const chat = one('chat echo-model');
    const input = JSON.parse(chat.attributes['gen_ai.input.messages'] as string) as unknown[];
    expect(input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You answer.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'My key is [REDACTED], what is the capital of France?' }] },
    ]);
    const output = JSON.parse(chat.attributes['gen_ai.output.messages'] as string) as { finish_reason: string }[];
    expect(output[0]!.finish_reason).toBe('stop');
    expect(JSON.stringify(output)).toContain('capital of France');
    expect(one('dk.render_prompt').attributes['dk.prompt.content']).toContain('Python decorators wrap a function');
    expect(allAttributeText()).not.toContain(secret);
  });

  it('marks a turn refused by middleware as an error with its type', async () => {
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      storage: new MemoryConversationStore(),
      middleware: [new RateLimitMiddleware({ maxRequests: 1, windowMs: 60_000 })],
    });
    await manager.addMessage({ role: 'user', content: 'one' });
    await manager.complete();
    await manager.addMessage({ role: 'user', content: 'two' });
    exporter.reset();
    await expect(manager.complete()).rejects.toThrow();
    const turn = one('invoke_agent dk.conversation');
    expect(turn.status.code).toBe(SpanStatusCode.ERROR);
    expect(turn.attributes['error.type']).toBe('RATE_LIMIT_EXCEEDED');
    expect(named('chat echo-model')).toEqual([]);
  });

  it('records gen_ai.client.token.usage and gen_ai.client.operation.duration', async () => {
    class TestReader extends MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const reader = new TestReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const manager = await ConversationManager.create({
      llm: new EchoProvider({ mockUsage: true }),
      storage: new MemoryConversationStore(),
      telemetry: { meterProvider },
    });
    await manager.addMessage({ role: 'user', content: 'hello there' });
    const first = await manager.complete();
    await manager.addMessage({ role: 'user', content: 'and again' });
    const second = await manager.complete();
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics) as HistogramMetricData[];
    const usage = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage')!;
    expect(usage.descriptor.unit).toBe('{token}');
    const byType = Object.fromEntries(
      usage.dataPoints.map((point) => [point.attributes['gen_ai.token.type'], [point.value.count, point.value.sum]]),
    );
    expect(byType).toEqual({
      input: [2, first.usage!.promptTokens + second.usage!.promptTokens],
      output: [2, first.usage!.completionTokens + second.usage!.completionTokens],
    });
    expect(usage.dataPoints[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'echo',
      'gen_ai.request.model': 'echo-model',
    });
    const duration = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.operation.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints.map((point) => point.value.count)).toEqual([2]);
    await meterProvider.shutdown();
  });
});
